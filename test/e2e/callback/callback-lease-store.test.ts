// The callback leases on a real redis-server and on a 3-master Redis Cluster (every script's keys
// in one slot): the limit counts only live leases, a lapsed callback is claimed by exactly one of
// several concurrent sweeps, and the process that lost its lease can neither renew it nor write
// over the final state. A settable clock replaces waiting for leases to lapse.
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeLost } from '../../../src/calls/callback-record.ts';
import { CALLBACK_LEASES_KEY, callbackActiveKey, createCallbackStore, leaseMember, type CallbackStore, type StoredCallback } from '../../../src/calls/callback-store.ts';
import { startRedis, startRedisCluster, type RedisClusterInstance, type RedisInstance } from '../../harness/redis.ts';

const LEASE_MS = 10_000;
const finalise = (s: StoredCallback, t: number): StoredCallback => nodeLost(s, t).state;

interface Backend {
  name: string;
  start(): Promise<void>;
  client(): Redis | Cluster;
  stop(): Promise<void>;
}

function single(): Backend {
  let server: RedisInstance | undefined;
  const clients: Redis[] = [];
  return {
    name: 'redis-server',
    async start() {
      server = await startRedis();
    },
    client() {
      const c = new Redis((server as RedisInstance).url);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await server?.stop();
    },
  };
}

function cluster(): Backend {
  let instance: RedisClusterInstance | undefined;
  const clients: Cluster[] = [];
  return {
    name: 'Redis Cluster',
    async start() {
      instance = await startRedisCluster();
    },
    client() {
      const c = new Cluster((instance as RedisClusterInstance).nodes);
      clients.push(c);
      return c;
    },
    async stop() {
      for (const c of clients) c.disconnect();
      await instance?.stop();
    },
  };
}

describe.each([single(), cluster()])('callback leases on $name', (backend) => {
  let redis: Redis | Cluster;
  let clock = 1_700_000_000_000;
  const now = (): number => clock;
  const storeOn = (r: Redis | Cluster): CallbackStore => createCallbackStore({ redis: r, stateTtlSeconds: 3600, leaseMs: LEASE_MS, now });
  let seq = 0;
  const tenant = (): string => `tenant{${++seq}}`;
  const state = (t: string, id: string): StoredCallback => ({ id, tenant: t, status: 'calling-b', x: '+8617000005001', bindingId: 'bnd', a: '+8613912345671', b: '+8613987654322', createdAt: clock });

  beforeAll(async () => {
    await backend.start();
    redis = backend.client();
  });
  afterAll(async () => backend.stop());

  it('the limit counts live leases only: a lapsed one frees its slot before any sweep', async () => {
    const store = storeOn(redis);
    const t = tenant();
    expect(await store.admit(t, 'one', 1)).toBe(true);
    expect(await store.admit(t, 'two', 1)).toBe(false);
    expect(await redis.zscore(CALLBACK_LEASES_KEY, leaseMember(t, 'two'))).toBeNull();
    clock += LEASE_MS + 1;
    expect(await store.admit(t, 'two', 1)).toBe(true);
    // The lapsed one stays listed for the sweep to finalise.
    expect(await redis.zscore(callbackActiveKey(t), 'one')).not.toBeNull();
  });

  it('four nodes sweeping at once finalise each lapsed callback exactly once', async () => {
    const store = storeOn(redis);
    const t = tenant();
    const ids = Array.from({ length: 20 }, (_, i) => `cb-${i}`);
    for (const id of ids) {
      expect(await store.admit(t, id, 100)).toBe(true);
      expect(await store.save(state(t, id), false)).toBe('saved');
    }
    clock += LEASE_MS + 1;
    const sweepers = Array.from({ length: 4 }, () => storeOn(backend.client()));
    const claimed = (await Promise.all(sweepers.map((s) => s.sweep(finalise, 100)))).flat();
    expect(claimed.map((c) => c.read.id).sort()).toEqual([...ids].sort());
    for (const c of claimed) expect(c.final).toMatchObject({ status: 'failed', reason: 'node-lost', endedAt: clock });
    for (const id of ids) expect(await store.get(t, id)).toMatchObject({ status: 'failed', reason: 'node-lost' });
    expect(await redis.zcard(callbackActiveKey(t))).toBe(0);
    for (const id of ids) expect(await redis.zscore(CALLBACK_LEASES_KEY, leaseMember(t, id))).toBeNull();
    // Nothing is left to claim.
    expect(await store.sweep(finalise, 100)).toEqual([]);
  });

  it('the process that lost its lease learns it on renewal and cannot overwrite the final state', async () => {
    const runner = storeOn(redis);
    const t = tenant();
    expect(await runner.admit(t, 'lost', 10)).toBe(true);
    expect(await runner.admit(t, 'kept', 10)).toBe(true);
    await runner.save(state(t, 'lost'), false);
    await runner.save(state(t, 'kept'), false);
    clock += LEASE_MS + 1;
    // Only 'kept' is renewed in time (e.g. 'lost' belonged to a process that stalled).
    expect(await runner.renew([{ tenant: t, id: 'kept' }])).toEqual([]);
    const claimed = await storeOn(redis).sweep(finalise, 100);
    expect(claimed.map((c) => c.read.id)).toEqual(['lost']);
    expect(await runner.renew([{ tenant: t, id: 'lost' }, { tenant: t, id: 'kept' }])).toEqual([{ tenant: t, id: 'lost' }]);
    expect(await runner.save({ ...state(t, 'lost'), status: 'connected' }, false)).toBe('ended');
    expect(await runner.save({ ...state(t, 'lost'), status: 'completed', reason: 'b-hangup' }, true)).toBe('ended');
    expect(await runner.get(t, 'lost')).toMatchObject({ status: 'failed', reason: 'node-lost' });
    expect(await runner.get(t, 'kept')).toMatchObject({ status: 'calling-b' });
    // A normal end of the kept one frees its slot and its index entry.
    expect(await runner.save({ ...state(t, 'kept'), status: 'completed', reason: 'a-hangup' }, true)).toBe('saved');
    expect(await redis.zcard(callbackActiveKey(t))).toBe(0);
    expect(await redis.zscore(CALLBACK_LEASES_KEY, leaseMember(t, 'kept'))).toBeNull();
  });

  it('a lease renewed in the tenant slot but not yet in the index is alive; a progress write needs the lease', async () => {
    const store = storeOn(redis);
    const t = tenant();
    expect(await store.admit(t, 'busy', 10)).toBe(true);
    await store.save(state(t, 'busy'), false);
    clock += LEASE_MS + 1;
    await store.renew([{ tenant: t, id: 'busy' }]);
    // The index entry lapsed (its update was lost): the sweep checks the lease itself.
    await redis.zadd(CALLBACK_LEASES_KEY, clock - 1, leaseMember(t, 'busy'));
    expect(await store.sweep(finalise, 100)).toEqual([]);
    expect(await store.get(t, 'busy')).toMatchObject({ status: 'calling-b' });
    // Without a lease a progress write is refused.
    expect(await store.save(state(t, 'never-admitted'), false)).toBe('lost');
    expect(await store.get(t, 'never-admitted')).toBeNull();
    expect(await store.save({ ...state(t, 'busy'), status: 'completed' }, true)).toBe('saved');
  });

  it('entries of callbacks that ended or were never saved are dropped without a claim', async () => {
    const store = storeOn(redis);
    const t = tenant();
    // Admitted, then the process died before saving the first state.
    expect(await store.admit(t, 'unsaved', 10)).toBe(true);
    // Ended, but the index entry survived (its removal was lost).
    expect(await store.admit(t, 'done', 10)).toBe(true);
    await store.save({ ...state(t, 'done'), status: 'completed' }, true);
    await redis.zadd(CALLBACK_LEASES_KEY, clock, leaseMember(t, 'done'));
    clock += LEASE_MS + 1;
    expect(await store.sweep(finalise, 100)).toEqual([]);
    expect(await store.get(t, 'done')).toMatchObject({ status: 'completed' });
    expect(await redis.zcard(callbackActiveKey(t))).toBe(0);
    expect(await redis.zscore(CALLBACK_LEASES_KEY, leaseMember(t, 'unsaved'))).toBeNull();
    expect(await redis.zscore(CALLBACK_LEASES_KEY, leaseMember(t, 'done'))).toBeNull();
  });
});
