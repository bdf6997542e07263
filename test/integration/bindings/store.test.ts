// The bindings engine against real Redis: the same suite on one redis-server and on a 3-master Cluster.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Cluster, Redis } from 'ioredis';
import { AppError } from '../../../src/errors.ts';
import { createBindingStore, type BindingStore } from '../../../src/bindings/store.ts';
import { createScripts } from '../../../src/bindings/scripts.ts';
import { rebuildIndexes } from '../../../src/bindings/rebuild.ts';
import type { NewBinding } from '../../../src/bindings/model.ts';
import { BACKENDS, startBackend, type Backend } from './backends.ts';
import { codeOf, quietLog, useStoreFixture } from './store-fixture.ts';

const T = 'tenant1';
const G = 'g1';
const A = '+8613900000001';
const B = '+8613900000002';
const C = '+8613900000003';
const D = '+8613900000004';
const E = '+8613900000005';
const X1 = '+8610000000001';
const X2 = '+8610000000002';
const X3 = '+8610000000003';

describe.each(BACKENDS)('binding store on %s redis', (backendName) => {
  const f = useStoreFixture(backendName);
  let store: BindingStore;

  const axb = (a: string, b: string, extra: Partial<NewBinding> = {}): NewBinding => ({ tenant: T, group: G, mode: 'AXB', a, b, ttlSeconds: 600, ...extra });
  const pool = (numbers: string[], areaCode = '10', group = G) => store.addNumbers(numbers.map((number) => ({ number, areaCode, tenant: T, group })));

  beforeEach(() => {
    store = f.store();
  });

  describe('modes and lookups', () => {
    it('AXB: (A, X) -> B and (B, X) -> A; a stranger gets nothing', async () => {
      await pool([X1]);
      const { binding, created } = await store.bind(axb(A, B));
      expect(created).toBe(true);
      expect(binding.x).toBe(X1);
      expect(await store.lookup(A, X1)).toMatchObject({ target: B, direction: 'a-to-b', binding: { id: binding.id } });
      expect(await store.lookup(B, X1)).toMatchObject({ target: A, direction: 'b-to-a' });
      expect(await store.lookup(C, X1)).toBeNull();
      expect(await store.lookup(A, X2)).toBeNull();
    });

    it('AXB: pairs that share no party share one X; pairs that share a party get different X', async () => {
      await pool([X1, X2]);
      const ab = await store.bind(axb(A, B));
      const cd = await store.bind(axb(C, D));
      expect(cd.binding.x).toBe(ab.binding.x);
      const ac = await store.bind(axb(A, C, { ttlSeconds: 10 }));
      expect(ac.binding.x).not.toBe(ab.binding.x);
      expect(await store.lookup(A, ab.binding.x)).toMatchObject({ target: B });
      expect(await store.lookup(A, ac.binding.x)).toMatchObject({ target: C });
      expect(await store.lookup(D, cd.binding.x)).toMatchObject({ target: C });
    });

    it('reverse: (B, X) -> A only, and one A uses the same X with many B', async () => {
      await pool([X1]);
      const r1 = await store.bind({ tenant: T, group: G, mode: 'reverse', a: A, b: B, ttlSeconds: 600 });
      const r2 = await store.bind({ tenant: T, group: G, mode: 'reverse', a: A, b: C, ttlSeconds: 600 });
      expect(r1.binding.x).toBe(X1);
      expect(r2.binding.x).toBe(X1);
      expect(await store.lookup(B, X1)).toMatchObject({ target: A, direction: 'b-to-a', binding: { id: r1.binding.id } });
      expect(await store.lookup(C, X1)).toMatchObject({ target: A, binding: { id: r2.binding.id } });
      expect(await store.lookup(A, X1)).toBeNull();
      // X unique per B: B cannot get X1 again with another A.
      expect(await codeOf(store.bind({ tenant: T, group: G, mode: 'reverse', a: D, b: B, ttlSeconds: 600 }))).toBe('PN_ERR_POOL_EXHAUSTED');
    });

    it('AXN: (anyone, X) -> A, and X is exclusive to A', async () => {
      await pool([X1, X2]);
      const n = await store.bind({ tenant: T, group: G, mode: 'AXN', a: A, ttlSeconds: 600 });
      expect(await store.lookup(B, n.binding.x)).toMatchObject({ target: A, direction: 'b-to-a' });
      expect(await store.lookup(D, n.binding.x)).toMatchObject({ target: A });
      expect(await store.lookup(A, n.binding.x)).toBeNull();
      const other = n.binding.x === X1 ? X2 : X1;
      // Nobody else gets the AXN number: not an AXB pair, not another AXN.
      const bc = await store.bind(axb(B, C));
      expect(bc.binding.x).toBe(other);
      expect(await codeOf(store.bind({ tenant: T, group: G, mode: 'AXN', a: D, ttlSeconds: 600 }))).toBe('PN_ERR_POOL_EXHAUSTED');
      expect(await codeOf(store.bind(axb(C, D, { x: n.binding.x })))).toBe('PN_ERR_X_UNAVAILABLE');
    });

    it('binding the same live pair again returns it, expiry extended but never shortened', async () => {
      await pool([X1, X2]);
      const first = await store.bind(axb(A, B, { ttlSeconds: 600 }));
      f.clock += 100_000;
      const again = await store.bind(axb(A, B, { ttlSeconds: 1000 }));
      expect(again.created).toBe(false);
      expect(again.binding.id).toBe(first.binding.id);
      expect(again.binding.expiresAt).toBe(f.clock + 1_000_000);
      const shorter = await store.bind(axb(A, B, { ttlSeconds: 10 }));
      expect(shorter.created).toBe(false);
      expect(shorter.binding.expiresAt).toBe(f.clock + 1_000_000);
      expect(await store.find({ party: A })).toHaveLength(1);
    });

    it('concurrent binds of the same new pair create one binding', async () => {
      await pool([X1, X2, X3]);
      const results = await Promise.all(Array.from({ length: 6 }, () => f.store().bind(axb(A, B))));
      expect(new Set(results.map((r) => r.binding.id)).size).toBe(1);
      expect(results.filter((r) => r.created)).toHaveLength(1);
    });
  });

  describe('lifetimes', () => {
    it('expired bindings are never returned, before or after the sweep; the sweep reports the release', async () => {
      await pool([X1]);
      const { binding } = await store.bind(axb(A, B, { ttlSeconds: 60 }));
      f.clock += 60_000;
      expect(await store.lookup(A, X1)).toBeNull();
      expect(await store.get(binding.id)).toBeNull();
      expect(await store.find({ party: A })).toEqual([]);
      expect(await store.sweepOnce()).toBe(1);
      expect(f.released.map((b) => b.id)).toEqual([binding.id]);
      expect(await store.sweepOnce()).toBe(0);
      expect(await store.poolStats()).toEqual([{ tenant: T, group: G, areaCode: '10', numbers: 1, activeNumbers: 1, liveBindings: 0 }]);
    });

    it('the sweeper loop releases due bindings by itself', async () => {
      await pool([X1]);
      await store.bind(axb(A, B, { ttlSeconds: 1 }));
      f.clock += 1_000;
      store.startSweeper(20);
      const deadline = Date.now() + 10_000;
      while (f.released.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await store.stop();
      expect(f.released).toHaveLength(1);
    });

    it('release timer: after a call ends the binding lives releaseAfterCallSeconds more, kept in Redis', async () => {
      await pool([X1]);
      const { binding } = await store.bind(axb(A, B, { ttlSeconds: 3600, releaseAfterCallSeconds: 30 }));
      await store.callStarted(binding.id);
      expect((await store.get(binding.id))?.activeCalls).toBe(1);
      f.clock += 10_000;
      const ended = await store.callEnded(binding.id);
      expect(ended).toMatchObject({ activeCalls: 0, expiresAt: f.clock + 30_000 });
      // A fresh process (new store, same Redis) sees the timer.
      const other = f.store();
      expect((await other.get(binding.id))?.expiresAt).toBe(f.clock + 30_000);
      f.clock += 29_999;
      expect(await other.lookup(A, X1)).not.toBeNull();
      f.clock += 1;
      expect(await other.lookup(A, X1)).toBeNull();
      await other.sweepOnce();
      expect(f.released.map((b) => b.id)).toEqual([binding.id]);
    });

    it('a call in progress holds an expired binding until it ends (no new calls meanwhile)', async () => {
      await pool([X1]);
      const { binding } = await store.bind(axb(A, B, { ttlSeconds: 60, releaseAfterCallSeconds: 5 }));
      await store.callStarted(binding.id);
      f.clock += 120_000;
      expect(await store.lookup(A, X1)).toBeNull();
      await store.sweepOnce();
      expect(f.released).toHaveLength(0);
      expect(await store.callEnded(binding.id)).toMatchObject({ expiresAt: f.clock + 5_000 });
      f.clock += 5_000;
      await store.sweepOnce();
      expect(f.released.map((b) => b.id)).toEqual([binding.id]);
    });

    it('a call guard releases a binding whose call never reported its end', async () => {
      await pool([X1]);
      const s = f.store({ callGuardSeconds: 100 });
      const { binding } = await s.bind(axb(A, B, { ttlSeconds: 60 }));
      await s.callStarted(binding.id);
      f.clock += 99_000;
      await s.sweepOnce();
      expect(f.released).toHaveLength(0);
      f.clock += 1_000;
      await s.sweepOnce();
      expect(f.released).toHaveLength(1);
      expect(await s.callEnded(binding.id)).toBeNull();
    });

    it('unbind releases at once; unbind during a call releases when the call ends', async () => {
      await pool([X1]);
      const one = await store.bind(axb(A, B));
      await store.unbind(one.binding.id);
      expect(f.released.map((b) => b.id)).toEqual([one.binding.id]);
      expect(await store.lookup(A, X1)).toBeNull();
      expect(await codeOf(store.unbind(one.binding.id))).toBe('PN_ERR_BINDING_NOT_FOUND');

      const two = await store.bind(axb(A, C));
      await store.callStarted(two.binding.id);
      await store.unbind(two.binding.id);
      expect(await store.get(two.binding.id)).toMatchObject({ unbindPending: true, activeCalls: 1 });
      expect(await store.lookup(A, X1)).toBeNull();
      // X still held by A while the call is up.
      expect(await codeOf(store.bind(axb(A, D)))).toBe('PN_ERR_POOL_EXHAUSTED');
      expect(f.released).toHaveLength(1);
      await store.callEnded(two.binding.id);
      expect(f.released.map((b) => b.id)).toEqual([one.binding.id, two.binding.id]);
      expect((await store.bind(axb(A, D))).binding.x).toBe(X1);
    });

    it('cool-down keeps X away from a party and a new peer, but not from the same pair', async () => {
      await pool([X1]);
      const s = f.store({ coolDownSeconds: 300 });
      const ab = await s.bind(axb(A, B, { ttlSeconds: 60 }));
      f.clock += 60_000;
      await s.sweepOnce();
      expect(f.released).toHaveLength(1);
      // A (and B) cooling down on X1 towards each other: no stranger reaches them through X1.
      expect(await codeOf(s.bind(axb(A, C)))).toBe('PN_ERR_POOL_EXHAUSTED');
      expect(await codeOf(s.bind(axb(D, B)))).toBe('PN_ERR_POOL_EXHAUSTED');
      expect(await codeOf(s.bind(axb(C, D, { x: X1 })))).toBe('no error');
      // The same pair may come back to its X (their call logs stay valid).
      const again = await s.bind(axb(A, B));
      expect(again.binding.x).toBe(ab.binding.x);
      expect(again.binding.id).not.toBe(ab.binding.id);
      await s.unbind(again.binding.id);
      f.clock += 300_000;
      expect((await s.bind(axb(A, E))).binding.x).toBe(X1);
    });

    it('an expired binding found during allocation is released there and reported', async () => {
      await pool([X1]);
      const old = await store.bind(axb(A, B, { ttlSeconds: 60 }));
      f.clock += 61_000;
      const fresh = await store.bind(axb(A, C));
      expect(fresh.binding.x).toBe(X1);
      expect(f.released.map((b) => b.id)).toEqual([old.binding.id]);
      // Already acknowledged: the sweep has nothing more to report.
      await store.sweepOnce();
      expect(f.released).toHaveLength(1);
    });

    it('a release not acknowledged (process died before onReleased) is reported by the next sweep', async () => {
      await pool([X1]);
      const { binding } = await store.bind(axb(A, B, { ttlSeconds: 60 }));
      f.clock += 60_000;
      // What a crashed sweeper leaves behind: released in Redis, never reported.
      const r = await createScripts(f.redis).mutate(X1, f.clock, 0, 'release', binding.id);
      expect(r.status).toBe('released');
      expect(f.released).toHaveLength(0);
      await store.sweepOnce();
      expect(f.released.map((b) => b.id)).toEqual([binding.id]);
      await store.sweepOnce();
      expect(f.released).toHaveLength(1);
    });

    it('update changes ttl, b and restrictions; the old b no longer reaches anyone', async () => {
      await pool([X1]);
      const { binding } = await store.bind(axb(A, B));
      const u = await store.update(binding.id, { ttlSeconds: 30, b: C, callRestriction: 'a-to-b', maxCallSeconds: 120 });
      expect(u).toMatchObject({ b: C, expiresAt: f.clock + 30_000, callRestriction: 'a-to-b', maxCallSeconds: 120 });
      expect(await store.lookup(B, X1)).toBeNull();
      expect(await store.lookup(C, X1)).toMatchObject({ target: A });
      expect(await store.lookup(A, X1)).toMatchObject({ target: C });
      expect((await store.find({ party: C })).map((b) => b.id)).toEqual([binding.id]);
      expect(await store.find({ party: B })).toEqual([]);
      expect(await codeOf(store.update('8610000000001-0000000000000000', { ttlSeconds: 5 }))).toBe('PN_ERR_BINDING_NOT_FOUND');
      const other = await store.bind(axb(D, B));
      expect(await codeOf(store.update(other.binding.id, { b: A }))).toBe('PN_ERR_X_UNAVAILABLE');
    });
  });

  describe('allocation', () => {
    it('honours a requested X, refuses one that cannot be bound', async () => {
      await pool([X1, X2, X3]);
      expect((await store.bind(axb(A, B, { x: X2 }))).binding.x).toBe(X2);
      expect(await codeOf(store.bind(axb(A, C, { x: X2 })))).toBe('PN_ERR_X_UNAVAILABLE');
      expect(await codeOf(store.bind(axb(C, D, { x: '+8619999999999' })))).toBe('PN_ERR_X_UNAVAILABLE');
      await store.setNumberStatus(X3, 'disabled');
      expect(await codeOf(store.bind(axb(C, D, { x: X3 })))).toBe('PN_ERR_X_UNAVAILABLE');
    });

    it('an exhausted pool names tenant, group and area', async () => {
      await pool([X1]);
      await store.bind(axb(A, B));
      const err = await store.bind(axb(A, C, { areaCode: '10' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ code: 'PN_ERR_POOL_EXHAUSTED', details: { tenant: T, group: G, areaCode: '10' } });
      expect(await codeOf(store.bind({ ...axb(C, D), group: 'no-such-group' }))).toBe('PN_ERR_POOL_EXHAUSTED');
    });

    it('area preference: requested, then the callee, then the caller, then any (fallback) or none (strict)', async () => {
      await store.addNumbers([
        { number: X1, areaCode: '10', tenant: T, group: G },
        { number: X2, areaCode: '21', tenant: T, group: G },
        { number: X3, areaCode: '755', tenant: T, group: G },
      ]);
      const areas: Record<string, string> = { [A]: '21', [B]: '755', [C]: '21', [D]: '999' };
      const s = f.store({ areaOf: (n) => areas[n] });
      expect((await s.bind(axb(A, B, { areaCode: '10' }))).binding.x).toBe(X1);
      expect((await s.bind(axb(C, B))).binding.x).toBe(X3); // the callee B is in 755
      expect((await s.bind(axb(D, A))).binding.x).toBe(X2); // callee A in 21
      // Strict: the requested area only.
      expect(await codeOf(s.bind(axb(B, D, { areaCode: '10', areaMatch: 'strict' })))).toBe('PN_ERR_POOL_EXHAUSTED');
      expect((await s.bind(axb(B, E, { areaCode: '21', areaMatch: 'strict' }))).binding.x).toBe(X2);
      // Fallback: requested area full for these parties, any other will do.
      expect((await s.bind(axb(A, E, { areaCode: '10', areaMatch: 'fallback' }))).binding.x).toBe(X3);
    });

    it('strict with no area known falls to any area; with the default strict config the callee area binds', async () => {
      await store.addNumbers([
        { number: X1, areaCode: '10', tenant: T, group: G },
        { number: X2, areaCode: '21', tenant: T, group: G },
      ]);
      const s = f.store({ defaultAreaMatch: 'strict', areaOf: (n) => (n === B ? '21' : undefined) });
      expect((await s.bind(axb(A, B))).binding.x).toBe(X2);
      expect(await codeOf(s.bind(axb(C, B)))).toBe('PN_ERR_POOL_EXHAUSTED');
      expect((await s.bind(axb(C, D))).binding.x).toBeDefined();
    });

    it('sticky: re-binding a pair prefers the X they used before', async () => {
      await pool([X1, X2, X3]);
      const first = await store.bind(axb(A, B));
      await store.bind(axb(A, C));
      await store.unbind(first.binding.id);
      // Any X fits now; the pair gets its old one back.
      const again = await store.bind(axb(A, B));
      expect(again.binding.x).toBe(first.binding.x);
    });

    it('per-X cap limits live bindings on each X', async () => {
      await pool([X1, X2]);
      const s = f.store({ maxBindingsPerX: 2 });
      const parties = Array.from({ length: 10 }, (_, i) => `+86139000001${String(i).padStart(2, '0')}`);
      const got: string[] = [];
      for (let i = 0; i < 4; i++) got.push((await s.bind(axb(parties[2 * i] as string, parties[2 * i + 1] as string))).binding.x);
      expect(got.filter((x) => x === X1)).toHaveLength(2);
      expect(got.filter((x) => x === X2)).toHaveLength(2);
      expect(await codeOf(s.bind(axb(parties[8] as string, parties[9] as string)))).toBe('PN_ERR_POOL_EXHAUSTED');
    });

    it('disabled numbers get no new bindings; existing ones keep working', async () => {
      await pool([X1, X2]);
      const ab = await store.bind(axb(A, B, { x: X1 }));
      await store.setNumberStatus(X1, 'disabled');
      expect((await store.bind(axb(C, D))).binding.x).toBe(X2);
      expect(await store.lookup(A, X1)).toMatchObject({ target: B });
      expect((await store.bind(axb(A, B))).binding.id).toBe(ab.binding.id);
      await store.setNumberStatus(X2, 'disabled');
      expect(await codeOf(store.bind(axb(A, D)))).toBe('PN_ERR_POOL_EXHAUSTED');
      await store.setNumberStatus(X2, 'active');
      expect((await store.bind(axb(A, E))).binding.x).toBe(X2);
    });

    it('validates requests with the field at fault', async () => {
      const err = (await store.bind({ ...axb(A, B), b: 'nope' }).catch((e: unknown) => e)) as AppError;
      expect(err).toMatchObject({ code: 'PN_ERR_NUMBER_INVALID', field: 'b' });
      expect(await store.bind({ ...axb(A, A) }).catch((e: unknown) => (e as AppError).field)).toBe('b');
      expect(await store.bind({ ...axb(A, B), ttlSeconds: 0 }).catch((e: unknown) => (e as AppError).field)).toBe('ttlSeconds');
      expect(await store.bind({ tenant: T, group: G, mode: 'AXN', a: A, b: B, ttlSeconds: 5 }).catch((e: unknown) => (e as AppError).field)).toBe('b');
    });
  });

  describe('pool', () => {
    it('adds, lists by cursor, counts, disables and removes numbers', async () => {
      const numbers = Array.from({ length: 25 }, (_, i) => `+86100000001${String(i).padStart(2, '0')}`);
      expect((await pool(numbers.slice(0, 20), '10')).added).toHaveLength(20);
      const second = await pool(numbers.slice(15), '21');
      expect(second.existing).toEqual(numbers.slice(15, 20));
      expect(second.added).toEqual(numbers.slice(20));
      await store.addNumbers([{ number: '+8620000000001', areaCode: '20', tenant: 'other', group: 'g' }]);

      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await store.listNumbers({ tenant: T, limit: 7, ...(cursor ? { cursor } : {}) });
        expect(page.items.length).toBeLessThanOrEqual(7);
        seen.push(...page.items.map((n) => n.number));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(numbers);
      expect((await store.listNumbers({ tenant: T, group: G, areaCode: '21', limit: 100 })).items.map((n) => n.number)).toEqual(numbers.slice(20));

      await store.setNumberStatus(numbers[0] as string, 'disabled');
      expect(await store.getNumber(numbers[0] as string)).toEqual({ number: numbers[0], tenant: T, group: G, areaCode: '10', status: 'disabled' });
      expect((await store.listNumbers({ status: 'disabled', limit: 10 })).items.map((n) => n.number)).toEqual([numbers[0]]);

      const { binding } = await store.bind(axb(A, B, { x: numbers[1] }));
      expect(await store.poolStats({ tenant: T })).toEqual([
        { tenant: T, group: G, areaCode: '10', numbers: 20, activeNumbers: 19, liveBindings: 1 },
        { tenant: T, group: G, areaCode: '21', numbers: 5, activeNumbers: 5, liveBindings: 0 },
      ]);
      expect(await codeOf(store.removeNumber(numbers[1] as string))).toBe('PN_ERR_NUMBER_IN_USE');
      await store.unbind(binding.id);
      await store.removeNumber(numbers[1] as string);
      expect(await store.getNumber(numbers[1] as string)).toBeNull();
      expect(await codeOf(store.removeNumber(numbers[1] as string))).toBe('PN_ERR_NUMBER_NOT_FOUND');
      expect(await codeOf(store.setNumberStatus(numbers[1] as string, 'active'))).toBe('PN_ERR_NUMBER_NOT_FOUND');
      expect((await store.poolStats({ tenant: T, group: G }))[0]?.numbers).toBe(19);
    });

    it('a removed number is no longer allocated', async () => {
      await pool([X1, X2]);
      await store.bind(axb(A, B)); // warm the local pool view
      await store.removeNumber(X2);
      expect(await codeOf(store.bind(axb(A, C)))).toBe('PN_ERR_POOL_EXHAUSTED');
    });

    it('finds bindings by party, tenant and X', async () => {
      await pool([X1, X2]);
      const ab = await store.bind(axb(A, B));
      const ac = await store.bind(axb(A, C));
      const cd = await store.bind({ ...axb(C, D), tenant: T });
      expect((await store.find({ party: A })).map((b) => b.id).sort()).toEqual([ab.binding.id, ac.binding.id].sort());
      expect((await store.find({ tenant: T })).length).toBe(3);
      expect((await store.find({ x: ab.binding.x })).map((b) => b.id)).toContain(ab.binding.id);
      expect((await store.find({ party: D })).map((b) => b.id)).toEqual([cd.binding.id]);
      expect(await codeOf(store.find({}))).toBe('PN_ERR_VALIDATION');
    });
  });

  it('reports PN_ERR_STORE_UNAVAILABLE when Redis cannot be reached', async () => {
    const dead = new Redis({ port: 1, host: '127.0.0.1', lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null });
    const s = createBindingStore({ redis: dead, log: quietLog, coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback' });
    expect(await codeOf(s.lookup(A, X1))).toBe('PN_ERR_STORE_UNAVAILABLE');
    expect(await codeOf(s.bind(axb(A, B)))).toBe('PN_ERR_STORE_UNAVAILABLE');
    dead.disconnect();
  });
});

describe.each(BACKENDS)('derived indexes on %s redis', (backendName) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await startBackend(backendName);
  });
  afterAll(async () => {
    await backend.stop();
  });

  it('are rebuilt from the per-X state after being lost', async () => {
    const redis = backend.connect();
    let clock = 1_800_000_000_000;
    const released: string[] = [];
    const store = createBindingStore({ redis, log: quietLog, coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback', now: () => clock, onReleased: (b) => released.push(b.id) });
    await store.addNumbers([X1, X2].map((number) => ({ number, areaCode: '10', tenant: T, group: G })));
    const ab = await store.bind({ tenant: T, group: G, mode: 'AXB', a: A, b: B, ttlSeconds: 60 });
    const ac = await store.bind({ tenant: T, group: G, mode: 'AXB', a: A, b: C, ttlSeconds: 600 });
    // Lose every derived key: only pn:{<X>}:... survives.
    const derived = [/^pn:\{party:/, /^pn:\{pool:/, /^pn:\{idx\}/];
    const nodes = redis instanceof Cluster ? redis.nodes('master') : [redis];
    for (const node of nodes) {
      const keys = (await node.keys('pn:*')).filter((k) => derived.some((re) => re.test(k)));
      for (const k of keys) await node.del(k);
    }
    expect(await store.find({ party: A })).toEqual([]);
    expect(await rebuildIndexes(redis, { coolDownSeconds: 0 })).toBe(2);
    expect((await store.find({ party: A })).map((b) => b.id).sort()).toEqual([ab.binding.id, ac.binding.id].sort());
    expect((await store.listNumbers({ tenant: T, group: G, limit: 10 })).items).toHaveLength(2);
    expect((await store.poolStats({ tenant: T }))[0]?.liveBindings).toBe(2);
    clock += 60_000;
    await store.sweepOnce();
    expect(released).toEqual([ab.binding.id]);
    // A fresh store allocates from the rebuilt pool view.
    const s2 = createBindingStore({ redis, log: quietLog, coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback', now: () => clock });
    expect((await s2.bind({ tenant: T, group: G, mode: 'AXB', a: A, b: D, ttlSeconds: 60 })).binding.x).toBe(ab.binding.x);
  });
});
