// ZaddBatch against a real redis-server: entries added in one turn share a ZADD, each caller is
// answered only after Redis has its entry, and a failed write fails every caller it carried.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startRedis, type RedisInstance } from '../../harness/redis.ts';
import { ZaddBatch } from '../../../src/bindings/zadd-batch.ts';

describe('ZaddBatch', () => {
  let server: RedisInstance;
  let redis: Redis;

  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url, { enableAutoPipelining: true });
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });
  beforeEach(async () => {
    await redis.flushall();
    await redis.config('RESETSTAT');
  });

  const zaddCalls = async (): Promise<number> => Number(/cmdstat_zadd:calls=(\d+)/.exec(await redis.info('commandstats'))?.[1] ?? 0);

  it('adds of one turn go in one ZADD, and every entry is in Redis when its caller resumes', async () => {
    const batch = new ZaddBatch(redis, 'due');
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        await batch.add(1_000 + i, `m${i}`);
        expect(await redis.zscore('due', `m${i}`)).toBe(String(1_000 + i));
      }),
    );
    expect(await redis.zcard('due')).toBe(100);
    expect(await zaddCalls()).toBe(1);
  });

  it('a member added twice in one turn keeps the later score, as two ZADDs in order would', async () => {
    const batch = new ZaddBatch(redis, 'due');
    await Promise.all([batch.add(5, 'm'), batch.add(7, 'm')]);
    expect(await redis.zscore('due', 'm')).toBe('7');
  });

  it('splits a turn into writes of at most `max` members', async () => {
    const batch = new ZaddBatch(redis, 'due', 10);
    await Promise.all(Array.from({ length: 25 }, (_, i) => batch.add(i, `m${i}`)));
    expect(await redis.zcard('due')).toBe(25);
    expect(await zaddCalls()).toBe(3);
  });

  it('a failed ZADD rejects every add it carried; later adds work again', async () => {
    await redis.set('due', 'not a sorted set');
    const batch = new ZaddBatch(redis, 'due');
    const results = await Promise.allSettled([batch.add(1, 'a'), batch.add(2, 'b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    await redis.del('due');
    await batch.add(3, 'c');
    expect(await redis.zrange('due', 0, -1)).toEqual(['c']);
  });
});
