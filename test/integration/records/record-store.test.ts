// CallRecordStore on a real redis-server: merge by field, time windows, pages, retention, Cluster slots.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CallRecord } from '../../../src/records/model.ts';
import { CallRecordStore } from '../../../src/records/record-store.ts';
import { startRedis, type RedisInstance } from '../../harness/redis.ts';

let server: RedisInstance;
let redis: Redis;
let now = 1_800_000_000_000;
let store: CallRecordStore;

const rec = (id: string, invitedAt: number, extra: Partial<CallRecord> = {}): CallRecord => ({ id, kind: 'direct', tenant: 't1', x: '+8613800000001', caller: '+8613900000001', invitedAt, ...extra });

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  await redis.flushdb();
  now = 1_800_000_000_000;
  store = new CallRecordStore({ redis, retentionSeconds: 3600, now: () => now });
});

describe('CallRecordStore', () => {
  it('merges the fields of successive events into one record', async () => {
    await store.save(rec('c1', now, { bindingId: 'b1', callee: '+8613900000002' }));
    await store.save(rec('c1', now, { bindingId: 'b1', answeredAt: now + 3000 }));
    await store.save(rec('c1', now, { bindingId: 'b1', endedAt: now + 63_000, durationSeconds: 60, outcome: 'answered', hangupBy: 'callee', finalStatus: 200 }));
    expect(await store.get('t1', 'c1')).toEqual(rec('c1', now, { bindingId: 'b1', callee: '+8613900000002', answeredAt: now + 3000, endedAt: now + 63_000, durationSeconds: 60, outcome: 'answered', hangupBy: 'callee', finalStatus: 200 }));
    expect(await store.get('t2', 'c1')).toBeNull();
    const page = await store.list({ tenant: 't1', limit: 10 });
    expect(page.items.map((r) => r.id)).toEqual(['c1']);
  });

  it('lists by tenant or binding within [since, until), oldest first, in pages', async () => {
    for (let i = 0; i < 7; i++) await store.save(rec(`c${i}`, now - 10_000 + i * 1000, { bindingId: i % 2 === 0 ? 'even' : 'odd' }));
    expect((await store.list({ tenant: 't1', limit: 100, since: now - 8000, until: now - 5000 })).items.map((r) => r.id)).toEqual(['c2', 'c3', 'c4']);
    expect((await store.list({ tenant: 't1', bindingId: 'even', limit: 100 })).items.map((r) => r.id)).toEqual(['c0', 'c2', 'c4', 'c6']);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.list({ tenant: 't1', limit: 3, ...(cursor !== undefined && { cursor }) });
      seen.push(...page.items.map((r) => r.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor !== undefined);
    expect(seen).toEqual(['c0', 'c1', 'c2', 'c3', 'c4', 'c5', 'c6']);
    expect(pages).toBe(3);
    // Same timestamp: ordered by id, none lost across pages.
    await store.save(rec('same-a', now));
    await store.save(rec('same-b', now));
    const p1 = await store.list({ tenant: 't1', since: now, limit: 1 });
    const p2 = await store.list({ tenant: 't1', since: now, limit: 1, ...(p1.nextCursor !== undefined && { cursor: p1.nextCursor }) });
    expect([...p1.items, ...p2.items].map((r) => r.id)).toEqual(['same-a', 'same-b']);
  });

  it('keeps records for retentionSeconds only: keys expire and indexes are trimmed', async () => {
    await store.save(rec('old', now, { bindingId: 'b' }));
    expect(await redis.pttl('pn:rec:{t:t1}:r:old')).toBeGreaterThan(3_500_000);
    now += 3_601_000;
    await store.save(rec('new', now, { bindingId: 'b' }));
    expect(await redis.zrange('pn:rec:{t:t1}:t', 0, -1)).toEqual([`${String(now).padStart(15, '0')}:new`]);
    expect(await redis.zcard('pn:rec:{t:t1}:b:b')).toBe(1);
    expect((await store.list({ tenant: 't1', limit: 10 })).items.map((r) => r.id)).toEqual(['new']);
  });

  it('records without a tenant are kept apart; a bad cursor is a 400 naming the field', async () => {
    const { tenant: _t, ...noTenant } = rec('u1', now);
    await store.save(noTenant);
    expect((await store.list({ tenant: 't1', limit: 10 })).items).toEqual([]);
    await expect(store.list({ tenant: 't1', limit: 10, cursor: 'garbage' })).rejects.toMatchObject({ code: 'PN_ERR_VALIDATION', field: 'cursor' });
  });

  it('reports PN_ERR_STORE_UNAVAILABLE when Redis is unreachable', async () => {
    const dead = new Redis({ port: 1, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
    const s = new CallRecordStore({ redis: dead, retentionSeconds: 60 });
    await expect(s.save(rec('x', now))).rejects.toMatchObject({ code: 'PN_ERR_STORE_UNAVAILABLE' });
    await expect(s.get('t1', 'x')).rejects.toMatchObject({ code: 'PN_ERR_STORE_UNAVAILABLE' });
    dead.disconnect();
  });
});
