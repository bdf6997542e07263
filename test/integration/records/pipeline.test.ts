// The CallEventSink the call flows use: records merged in Redis, webhooks delivered, never blocking.
import { Redis } from 'ioredis';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { apiMetrics } from '../../../src/api/metrics.ts';
import type { Binding } from '../../../src/bindings/model.ts';
import type { CallRecord } from '../../../src/records/model.ts';
import { createCallEventSink } from '../../../src/records/pipeline.ts';
import { CallRecordStore } from '../../../src/records/record-store.ts';
import { verifyWebhook } from '../../../src/records/signature.ts';
import { WebhookDispatcher } from '../../../src/records/webhooks.ts';
import { startRedis, type RedisInstance } from '../../harness/redis.ts';
import { startReceiver, until, type Receiver } from './support/receiver.ts';

const log = pino({ level: 'silent' });
let server: RedisInstance;
let redis: Redis;
let rx: Receiver;

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
  rx = await startReceiver(() => 200);
});
afterAll(async () => {
  await rx?.close();
  redis?.disconnect();
  await server?.stop();
});

it('each event merges the record and sends its webhook; bindingReleased sends binding.released', async () => {
  const records = new CallRecordStore({ redis, retentionSeconds: 3600 });
  const webhooks = new WebhookDispatcher({ redis, log, endpoints: [{ tenant: 't1', url: rx.url, secret: 's3cret' }], pollIntervalMs: 50 });
  const registry = new Registry();
  const sink = createCallEventSink({ records, webhooks, log, counters: apiMetrics(registry) });
  webhooks.start();
  try {
    const t = Date.now();
    const rec: CallRecord = { id: 'call-1', kind: 'direct', tenant: 't1', bindingId: 'b1', outId: 'order-7', x: '+8613800000001', caller: '+8613900000001', callee: '+8613900000002', direction: 'a-to-b', invitedAt: t };
    sink.started(rec);
    rec.ringingAt = t + 100;
    sink.ringing(rec);
    rec.answeredAt = t + 2000;
    sink.answered(rec);
    Object.assign(rec, { endedAt: t + 62_000, durationSeconds: 60, outcome: 'answered', hangupBy: 'caller', finalStatus: 200 });
    sink.ended(rec);
    const binding: Binding = { id: 'b1', tenant: 't1', group: 'default', mode: 'AXB', a: '+8613900000001', b: '+8613900000002', x: '+8613800000001', createdAt: t, expiresAt: t + 1000, releaseAfterCallSeconds: 60, callRestriction: 'both', record: false, outId: 'order-7', activeCalls: 0, unbindPending: false };
    sink.bindingReleased(binding);

    await sink.flush();
    expect(await records.get('t1', 'call-1')).toEqual(rec);
    await rx.waitFor(5);
    const events = rx.received.map((r) => ({ r, e: JSON.parse(r.body) as { type: string; data: Record<string, unknown> } }));
    expect(events.map(({ e }) => e.type).sort()).toEqual(['binding.released', 'call.answered', 'call.ended', 'call.ringing', 'call.started']);
    for (const { r } of events) expect(verifyWebhook('s3cret', r.headers['x-pn-timestamp'] as string, r.headers['x-pn-signature'] as string, r.body)).toBe(true);
    const ended = events.find(({ e }) => e.type === 'call.ended')?.e.data;
    expect(ended).toMatchObject({ id: 'call-1', outId: 'order-7', outcome: 'answered', invitedAt: new Date(t).toISOString(), endedAt: new Date(t + 62_000).toISOString() });
    expect(ended).not.toHaveProperty('tenant');
    expect(events.find(({ e }) => e.type === 'binding.released')?.e.data).toMatchObject({ bindingId: 'b1', outId: 'order-7', x: '+8613800000001' });
    expect(await registry.getSingleMetricAsString('pn_bindings_released_total')).toContain('pn_bindings_released_total{tenant="t1"} 1');
    await until('outbox drained', async () => (await webhooks.depth()).queued === 0);
  } finally {
    await webhooks.stop();
  }
});

it('never throws into the call path, even with Redis unreachable, and logs no full number', async () => {
  const dead = new Redis({ port: 1, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false });
  const lines: string[] = [];
  const errLog = pino({ level: 'error' }, { write: (l: string) => void lines.push(l) });
  const sink = createCallEventSink({ records: new CallRecordStore({ redis: dead, retentionSeconds: 60 }), webhooks: new WebhookDispatcher({ redis: dead, log: errLog, endpoints: [{ tenant: 't1', url: rx.url, secret: 's' }] }), log: errLog });
  const rec: CallRecord = { id: 'call-2', kind: 'direct', tenant: 't1', x: '+8613800000001', caller: '+8613912345678', invitedAt: Date.now() };
  // Synchronous and void: nothing for the call flow to await.
  expect(sink.started(rec)).toBeUndefined();
  expect(() => sink.ended({ ...rec, outcome: 'failed' })).not.toThrow();
  await sink.flush();
  await until('errors logged', () => lines.length >= 4);
  expect(lines.join('\n')).not.toContain('13912345678');
  dead.disconnect();
});
