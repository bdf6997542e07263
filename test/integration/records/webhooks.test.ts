// Webhooks against a local HTTP receiver: signature, retry with backoff, give-up, restart, concurrency.
import { Redis } from 'ioredis';
import pino from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifyWebhook } from '../../../src/records/signature.ts';
import { WebhookDispatcher, type WebhookDispatcherOptions } from '../../../src/records/webhooks.ts';
import { startRedis, type RedisInstance } from '../../harness/redis.ts';
import { startReceiver, until, type Receiver } from './support/receiver.ts';

const SECRET = 'whsec-test-1';
const log = pino({ level: 'silent' });
let server: RedisInstance;
let redis: Redis;
const cleanup: Array<() => Promise<void>> = [];

beforeAll(async () => {
  server = await startRedis();
  redis = new Redis(server.url);
});
afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});
beforeEach(async () => {
  while (cleanup.length > 0) await cleanup.pop()?.();
  await redis.flushdb();
});

async function receiver(answer: (i: number) => number, holdMs = 0): Promise<Receiver> {
  const r = await startReceiver(answer, holdMs);
  cleanup.push(() => r.close());
  return r;
}

function dispatcher(url: string, opts: Partial<WebhookDispatcherOptions> = {}): WebhookDispatcher {
  const d = new WebhookDispatcher({ redis, log, endpoints: [{ tenant: 't1', url, secret: SECRET }], baseDelayMs: 20, maxDelayMs: 200, pollIntervalMs: 50, timeoutMs: 2000, ...opts });
  cleanup.push(() => d.stop());
  return d;
}

describe('WebhookDispatcher', () => {
  it('signs every attempt and retries with backoff until a 2xx (same event id and body)', async () => {
    const rx = await receiver((i) => (i < 2 ? 500 : 204));
    const d = dispatcher(rx.url);
    d.start();
    const id = await d.enqueueAsync('t1', 'call.answered', { callId: 'c1', x: '+8613800000001' });
    await rx.waitFor(3);
    await until('outbox drained', async () => (await d.depth()).queued === 0);
    expect(rx.received).toHaveLength(3);
    for (const [i, r] of rx.received.entries()) {
      const event = JSON.parse(r.body) as { id: string; type: string; createdAt: string; data: Record<string, unknown> };
      expect(event).toMatchObject({ id, type: 'call.answered', data: { callId: 'c1', x: '+8613800000001' } });
      expect(Number.isNaN(Date.parse(event.createdAt))).toBe(false);
      expect(r.headers['x-pn-signature']).toMatch(/^sha256=[0-9a-f]{64}$/);
      expect(r.headers['x-pn-attempt']).toBe(String(i + 1));
      expect(verifyWebhook(SECRET, r.headers['x-pn-timestamp'] as string, r.headers['x-pn-signature'] as string, r.body)).toBe(true);
      expect(verifyWebhook('wrong-secret', r.headers['x-pn-timestamp'] as string, r.headers['x-pn-signature'] as string, r.body)).toBe(false);
      expect(verifyWebhook(SECRET, r.headers['x-pn-timestamp'] as string, r.headers['x-pn-signature'] as string, r.body.replace('c1', 'c2'))).toBe(false);
    }
    expect(rx.received[0]?.body).toBe(rx.received[2]?.body);
  });

  it('gives up after maxAttempts and keeps the event in the dead set', async () => {
    const rx = await receiver(() => 503);
    const d = dispatcher(rx.url, { maxAttempts: 3 });
    d.start();
    await d.enqueueAsync('t1', 'call.ended', { callId: 'c2' });
    await until('event given up', async () => (await d.depth()).dead === 1);
    expect(rx.received).toHaveLength(3);
    expect(await d.depth()).toEqual({ queued: 0, dead: 1 });
  });

  it('queued events survive a restart: a new dispatcher on a new connection delivers them', async () => {
    const rx = await receiver(() => 200);
    const first = new WebhookDispatcher({ redis, log, endpoints: [{ tenant: 't1', url: rx.url, secret: SECRET }] });
    // Never started: the process "dies" with the events only in Redis.
    await first.enqueueAsync('t1', 'binding.released', { bindingId: 'b1' });
    await first.enqueueAsync('t1', 'call.started', { callId: 'c3' });
    await first.stop();
    expect(rx.received).toHaveLength(0);

    const other = new Redis(server.url);
    cleanup.push(async () => other.disconnect());
    const second = new WebhookDispatcher({ redis: other, log, endpoints: [{ tenant: 't1', url: rx.url, secret: SECRET }], pollIntervalMs: 50 });
    cleanup.push(() => second.stop());
    second.start();
    await rx.waitFor(2);
    expect(rx.received.map((r) => (JSON.parse(r.body) as { type: string }).type).sort()).toEqual(['binding.released', 'call.started']);
  });

  it('delivers many events with bounded concurrency; tenants without a webhook get nothing queued', async () => {
    const rx = await receiver(() => 200, 30);
    const d = dispatcher(rx.url, { concurrency: 3 });
    d.start();
    expect(await d.enqueueAsync('t9', 'call.started', {})).toBeNull();
    expect(await d.enqueueAsync(undefined, 'call.started', {})).toBeNull();
    for (let i = 0; i < 15; i++) d.enqueue('t1', 'call.ringing', { n: i });
    await rx.waitFor(15);
    expect(rx.maxInFlight).toBeLessThanOrEqual(3);
    expect(rx.maxInFlight).toBeGreaterThan(1);
    expect(new Set(rx.received.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n)).size).toBe(15);
  });

  it('a delivery whose worker died is redelivered when its lease ends (at least once)', async () => {
    const rx = await receiver(() => 200);
    const d = dispatcher(rx.url);
    const id = await d.enqueueAsync('t1', 'call.ended', { callId: 'c4' });
    // Claim it as a worker would, then "die" before delivering: the due time is pushed by the lease.
    const claimed = await (redis as unknown as { pnWebhookClaimDue(k: string, now: number, lease: number, max: number): Promise<string[]> }).pnWebhookClaimDue('pn:wh:{wh}:due', Date.now(), 300, 10);
    expect(claimed).toEqual([id]);
    d.start();
    await rx.waitFor(1);
    expect((JSON.parse(rx.received[0]?.body ?? '{}') as { id: string }).id).toBe(id);
  });
});
