import { describe, expect, it } from 'vitest';
import { pairLockKey, partyKeys, poolAreaBusyKey, poolAreaKey, poolKeys, xFromNumKey, xKeyList, xKeys } from '../../../src/bindings/keys.ts';
import { newBindingId, pairKeyOf, xOfBindingId } from '../../../src/bindings/ids.ts';
import { publicBinding, registeredParties, releasableAt, type StoredBinding } from '../../../src/bindings/codec.ts';

/** The hash tag Redis Cluster uses to pick the slot (first {...} with content). */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

describe('keys', () => {
  it('every key of X shares X as its hash tag, in the order the scripts expect', () => {
    const keys = xKeyList('+8613800138000');
    expect(keys).toHaveLength(8);
    expect(new Set(keys.map(hashTag))).toEqual(new Set(['%2B8613800138000']));
    const k = xKeys('+8613800138000');
    expect(keys).toEqual([k.num, k.parties, k.bindings, k.expiry, k.coolDown, k.coolPeer, k.pairs, k.released]);
    expect(k.num).toBe('pn:{%2B8613800138000}:num');
    expect(xFromNumKey(k.num)).toBe('+8613800138000');
    expect(xFromNumKey(partyKeys('+8613800138000').usedX)).toBeNull();
  });
  it('party, pool and lock keys have one tag each; names cannot break out of the tag', () => {
    const p = partyKeys('+8613900000001');
    expect(new Set([p.usedX, p.pairHints, p.bindings, pairLockKey('+8613900000001', 't|AXB|a|b')].map(hashTag)).size).toBe(1);
    const pool = poolKeys('ten}ant', 'g{1');
    const tags = new Set([pool.all, pool.meta, pool.version, pool.busy, poolAreaKey('ten}ant', 'g{1', '10'), poolAreaBusyKey('ten}ant', 'g{1', '10')].map(hashTag));
    expect(tags).toEqual(new Set(['pool:ten%7Dant:g%7B1']));
  });
});

describe('binding ids', () => {
  it('carry their X', () => {
    const id = newBindingId('+8613800138000');
    expect(id).toMatch(/^8613800138000-[0-9a-f]{16}$/);
    expect(xOfBindingId(id)).toBe('+8613800138000');
    expect(xOfBindingId('nope')).toBeNull();
    expect(xOfBindingId('8613800138000-XYZ')).toBeNull();
    expect(newBindingId('+8613800138000')).not.toBe(id);
  });
  it('pair keys are ordered (a, b) within tenant and mode', () => {
    expect(pairKeyOf('t', 'AXB', '+1', '+2')).not.toBe(pairKeyOf('t', 'AXB', '+2', '+1'));
    expect(pairKeyOf('t', 'AXN', '+1', undefined)).toBe('t|AXN|+1|');
  });
});

describe('codec', () => {
  const stored: StoredBinding = {
    id: 'i', tenant: 't', group: 'g', mode: 'AXB', a: '+1', b: '+2', x: '+3', createdAt: 1, expiresAt: 100,
    releaseAfterCallSeconds: 5, callRestriction: 'both', record: false, activeCalls: 0, unbindPending: false, guardUntil: 500, releasedAt: 7,
  };
  it('a call in progress holds the binding up to its guard', () => {
    expect(releasableAt(stored)).toBe(100);
    expect(releasableAt({ ...stored, activeCalls: 1 })).toBe(500);
    expect(releasableAt({ ...stored, activeCalls: 1, guardUntil: 50 })).toBe(100);
  });
  it('the public view drops internal fields', () => {
    const b = publicBinding(stored);
    expect(b).not.toHaveProperty('guardUntil');
    expect(b).not.toHaveProperty('releasedAt');
    expect(b).toMatchObject({ id: 'i', b: '+2', x: '+3' });
  });
  it('registers AXB both parties, reverse B only, AXN nobody by name', () => {
    expect(registeredParties({ mode: 'AXB', a: '+1', b: '+2' })).toEqual(['+1', '+2']);
    expect(registeredParties({ mode: 'reverse', a: '+1', b: '+2' })).toEqual(['+2']);
    expect(registeredParties({ mode: 'AXN', a: '+1' })).toEqual([]);
  });
});
