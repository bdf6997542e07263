// The allocator's pool cache: a cold group is loaded once however many allocations ask at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { PoolCache, metaValue } from '../../../src/bindings/pool-cache.ts';
import { poolKeys } from '../../../src/bindings/keys.ts';
import { startRedis, type RedisInstance } from '../../harness/redis.ts';

async function hgetallCalls(redis: Redis): Promise<number> {
  const line = (await redis.info('commandstats')).split('\n').find((l) => l.startsWith('cmdstat_hgetall:'));
  return line === undefined ? 0 : Number(/calls=(\d+)/.exec(line)?.[1] ?? 0);
}

describe('pool cache', () => {
  let server: RedisInstance;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  it('32 concurrent snapshots of a cold group cost one reload; a new version reloads once more', async () => {
    const keys = poolKeys('t', 'g');
    await redis.hset(keys.meta, '+8610000000001', metaValue('10', 'active'), '+8620000000002', metaValue('20', 'disabled'));
    await redis.set(keys.version, '1');
    const cache = new PoolCache(redis);
    const before = await hgetallCalls(redis);
    const snaps = await Promise.all(Array.from({ length: 32 }, () => cache.snapshot('t', 'g', '1')));
    expect(await hgetallCalls(redis)).toBe(before + 1);
    expect(new Set(snaps).size).toBe(1);
    expect(snaps[0]?.all).toEqual(['+8610000000001', '+8620000000002']);
    expect([...(snaps[0]?.active ?? [])]).toEqual(['+8610000000001']);

    await redis.set(keys.version, '2');
    await Promise.all(Array.from({ length: 8 }, () => cache.snapshot('t', 'g', '2')));
    expect(await hgetallCalls(redis)).toBe(before + 2);
  });
});
