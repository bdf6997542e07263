// The allocation fast path (lua/bind.lua, party-index.lua, the busy-hint writes): work that is
// skipped on an ordinary allocation still happens when a rule needs it. Single redis-server and Cluster.
import { describe, expect, it } from 'vitest';
import type { BindingStore } from '../../../src/bindings/store.ts';
import { createScripts } from '../../../src/bindings/scripts.ts';
import { partyKeys, poolAreaBusyKey, poolKeys, xKeys } from '../../../src/bindings/keys.ts';
import type { NewBinding } from '../../../src/bindings/model.ts';
import { BACKENDS } from './backends.ts';
import { codeOf, useStoreFixture } from './store-fixture.ts';

const T = 't';
const G = 'g';
const A = '+8613900000001';
const B = '+8613900000002';
const C = '+8613900000003';
const D = '+8613900000004';
const X1 = '+8610000000001';
const X2 = '+8610000000002';

describe.each(BACKENDS)('allocation fast path on %s redis', (backendName) => {
  const f = useStoreFixture(backendName);
  const axb = (a: string, b: string, extra: Partial<NewBinding> = {}): NewBinding => ({ tenant: T, group: G, mode: 'AXB', a, b, ttlSeconds: 600, ...extra });
  const pool = (store: BindingStore, numbers: string[]) => store.addNumbers(numbers.map((number) => ({ number, areaCode: '10', tenant: T, group: G })));

  it('a capped X whose bindings have expired is freed by the claim itself (no sweep needed)', async () => {
    const store = f.store({ maxBindingsPerX: 1 });
    await pool(store, [X1]);
    const old = await store.bind(axb(A, B, { ttlSeconds: 60 }));
    expect(await codeOf(store.bind(axb(C, D)))).toBe('PN_ERR_POOL_EXHAUSTED');
    f.clock += 61_000;
    const fresh = await store.bind(axb(C, D));
    expect(fresh.binding.x).toBe(X1);
    expect(f.released.map((b) => b.id)).toEqual([old.binding.id]);
    expect(await f.redis.hget(xKeys(X1).num, 'live')).toBe('1');
  });

  it('AXN: an X whose only binding has expired is released by the claim and given to A', async () => {
    const store = f.store();
    await pool(store, [X1]);
    const old = await store.bind(axb(A, B, { ttlSeconds: 60 }));
    expect(await codeOf(store.bind({ tenant: T, group: G, mode: 'AXN', a: C, ttlSeconds: 600 }))).toBe('PN_ERR_POOL_EXHAUSTED');
    f.clock += 61_000;
    const axn = await store.bind({ tenant: T, group: G, mode: 'AXN', a: C, ttlSeconds: 600 });
    expect(axn.binding.x).toBe(X1);
    expect(f.released.map((b) => b.id)).toEqual([old.binding.id]);
    expect(await store.lookup(D, X1)).toMatchObject({ target: C });
  });

  it('ended cool-downs are dropped when new ones start, and never block meanwhile', async () => {
    const store = f.store({ coolDownSeconds: 60 });
    await pool(store, [X1]);
    const ab = await store.bind(axb(A, B));
    await store.unbind(ab.binding.id);
    expect(await f.redis.zrange(xKeys(X1).coolDown, 0, -1)).toEqual([A, B]);
    f.clock += 61_000;
    // Ended, still stored: no obstacle for A with a new peer.
    const ac = await store.bind(axb(A, C));
    expect(ac.binding.x).toBe(X1);
    await store.unbind(ac.binding.id);
    // The new release started A's and C's cool-downs and dropped B's ended one.
    expect((await f.redis.zrange(xKeys(X1).coolDown, 0, -1)).sort()).toEqual([A, C].sort());
    expect(Object.keys(await f.redis.hgetall(xKeys(X1).coolPeer)).sort()).toEqual([A, C].sort());
    expect(await codeOf(store.bind(axb(A, D)))).toBe('PN_ERR_POOL_EXHAUSTED');
  });

  it('a party whose binding on X has expired (not yet swept) cools down towards its old peer only', async () => {
    const store = f.store({ coolDownSeconds: 60 });
    await pool(store, [X1]);
    await store.bind(axb(A, B, { ttlSeconds: 60 }));
    f.clock += 61_000;
    // The claim releases A's expired binding on the way; its cool-down then refuses a stranger.
    expect(await codeOf(store.bind(axb(A, C, { x: X1 })))).toBe('PN_ERR_X_UNAVAILABLE');
    expect(f.released).toHaveLength(1);
    // The same pair may come back (its sticky X first).
    expect((await store.bind(axb(A, B))).binding.x).toBe(X1);
  });

  it('used-X entries of a party whose time has passed are dropped when the party gets a new one', async () => {
    const store = f.store();
    await pool(store, [X1, X2]);
    await store.bind(axb(A, B, { ttlSeconds: 60, x: X1 }));
    f.clock += 61_000;
    await store.bind(axb(A, C, { x: X2 }));
    expect(await f.redis.zrange(partyKeys(A).usedX, 0, -1)).toEqual([X2]);
  });

  it('the bind script stores the JSON as sent and reports a created binding without echoing it', async () => {
    const store = f.store();
    await pool(store, [X1]);
    const scripts = createScripts(f.redis);
    const id = '8610000000001-00112233aabbccdd';
    const json = JSON.stringify({ id, tenant: T, group: G, mode: 'AXB', a: A, b: B, x: X1, createdAt: f.clock, expiresAt: f.clock + 1_000, releaseAfterCallSeconds: 60, callRestriction: 'both', record: false, activeCalls: 0, unbindPending: false });
    const r = await scripts.bind(X1, f.clock, 5_000, { maxPerX: 0, pairKey: `${T}|AXB|${A}|${B}`, json, ttlMs: 1_000, strictArea: '', tenant: T, group: G, id, mode: 'AXB', a: A, b: B, expiresAt: f.clock + 1_000 });
    expect(r).toMatchObject({ status: 'created', json, busyUntil: f.clock + 6_000, areaCode: '10', live: 1, tenant: T, group: G, released: [] });
    expect(await f.redis.hget(xKeys(X1).bindings, id)).toBe(json);
    expect(await f.redis.zscore(xKeys(X1).expiry, id)).toBe(String(f.clock + 1_000));
    expect(await f.redis.hmget(xKeys(X1).parties, A, B)).toEqual([id, id]);
    expect(await store.lookup(B, X1)).toMatchObject({ target: A, binding: { id } });
  });

  it('a busy hint left too low only costs AXN a refused claim, which sets the hint exactly', async () => {
    const store = f.store();
    await pool(store, [X1]);
    const ab = await store.bind(axb(A, B, { ttlSeconds: 600 }));
    const busyKeys = [poolKeys(T, G).busy, poolAreaBusyKey(T, G, '10')];
    for (const k of busyKeys) expect(Number(await f.redis.zscore(k, X1))).toBe(ab.binding.expiresAt);
    // A hint that says X1 is free although it is not (e.g. raised by less than the slack, skipped).
    for (const k of busyKeys) await f.redis.zadd(k, 0, X1);
    expect(await codeOf(store.bind({ tenant: T, group: G, mode: 'AXN', a: C, ttlSeconds: 600 }))).toBe('PN_ERR_POOL_EXHAUSTED');
    await store.close();
    for (const k of busyKeys) expect(Number(await f.redis.zscore(k, X1))).toBe(ab.binding.expiresAt);
  });

  it('a binding that raises X busy-until by more than the slack is written to the hint', async () => {
    const store = f.store();
    await pool(store, [X1]);
    await store.bind(axb(A, B, { ttlSeconds: 600 }));
    const later = await store.bind(axb(C, D, { ttlSeconds: 6_000 }));
    expect(Number(await f.redis.zscore(poolKeys(T, G).busy, X1))).toBe(later.binding.expiresAt);
  });
});
