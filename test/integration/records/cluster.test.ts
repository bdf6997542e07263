// Records and the webhook outbox on a local 3-master Redis Cluster: every multi-key write stays in one slot.
import { Cluster } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CallRecordStore } from '../../../src/records/record-store.ts';
import { WebhookDispatcher } from '../../../src/records/webhooks.ts';
import { startRedisCluster, type RedisClusterInstance } from '../../harness/redis.ts';
import { startReceiver, until, type Receiver } from './support/receiver.ts';

let cluster: RedisClusterInstance;
let redis: Cluster;
let rx: Receiver;

beforeAll(async () => {
  cluster = await startRedisCluster();
  redis = new Cluster(cluster.nodes);
  rx = await startReceiver(() => 200);
});
afterAll(async () => {
  await rx?.close();
  await redis?.quit().catch(() => undefined);
  await cluster?.stop();
});

it('saves and lists records of several tenants, and delivers queued webhooks', async () => {
  const store = new CallRecordStore({ redis, retentionSeconds: 600 });
  const t = Date.now();
  for (const tenant of ['alpha', 'beta', 'gamma{odd}']) {
    for (let i = 0; i < 3; i++) await store.save({ id: `${tenant}-${i}`, kind: 'direct', tenant, bindingId: 'b', x: '+8613800000001', caller: '+8613900000001', invitedAt: t + i });
  }
  for (const tenant of ['alpha', 'beta', 'gamma{odd}']) {
    const page = await store.list({ tenant, bindingId: 'b', limit: 2 });
    expect(page.items.map((r) => r.id)).toEqual([`${tenant}-0`, `${tenant}-1`]);
    const rest = await store.list({ tenant, limit: 5, ...(page.nextCursor !== undefined && { cursor: page.nextCursor }) });
    expect(rest.items.map((r) => r.id)).toEqual([`${tenant}-2`]);
  }

  const d = new WebhookDispatcher({ redis, log: pino({ level: 'silent' }), endpoints: [{ tenant: 'alpha', url: rx.url, secret: 's' }], pollIntervalMs: 50 });
  d.start();
  try {
    await d.enqueueAsync('alpha', 'call.started', { id: 'alpha-0' });
    await rx.waitFor(1);
    await until('outbox drained', async () => (await d.depth()).queued === 0);
  } finally {
    await d.stop();
  }
});
