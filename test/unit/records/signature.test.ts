import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../../src/records/signature.ts';
import { recordView } from '../../../src/records/view.ts';

describe('webhook signature', () => {
  const body = '{"id":"e1","type":"call.ended","createdAt":"2026-01-01T00:00:00.000Z","data":{}}';
  const now = 1_800_000_000_000;
  const ts = now / 1000;

  it('is sha256=<hex HMAC-SHA256 over "<timestamp>.<body>">', () => {
    const expected = createHmac('sha256', 'k').update(`${ts}.${body}`).digest('hex');
    expect(signWebhook('k', ts, body)).toBe(`sha256=${expected}`);
  });

  it('verifies the right secret, timestamp and body only', () => {
    const sig = signWebhook('k', ts, body);
    expect(verifyWebhook('k', String(ts), sig, body, { now })).toBe(true);
    expect(verifyWebhook('other', String(ts), sig, body, { now })).toBe(false);
    expect(verifyWebhook('k', String(ts + 1), sig, body, { now })).toBe(false);
    expect(verifyWebhook('k', String(ts), sig, body + ' ', { now })).toBe(false);
    expect(verifyWebhook('k', String(ts), sig.slice(0, -1), body, { now })).toBe(false);
    expect(verifyWebhook('k', undefined, sig, body, { now })).toBe(false);
    expect(verifyWebhook('k', 'soon', sig, body, { now })).toBe(false);
  });

  it('refuses timestamps outside the tolerance (replays)', () => {
    const old = ts - 301;
    expect(verifyWebhook('k', String(old), signWebhook('k', old, body), body, { now })).toBe(false);
    expect(verifyWebhook('k', String(old), signWebhook('k', old, body), body, { now, toleranceSeconds: 600 })).toBe(true);
  });
});

describe('recordView', () => {
  it('turns epoch ms into ISO 8601 and drops the tenant', () => {
    const v = recordView({ id: 'c', kind: 'direct', tenant: 't', x: '+8613800000001', caller: '+8613900000001', invitedAt: 0, answeredAt: 1000 });
    expect(v).toEqual({ id: 'c', kind: 'direct', x: '+8613800000001', caller: '+8613900000001', invitedAt: '1970-01-01T00:00:00.000Z', answeredAt: '1970-01-01T00:00:01.000Z' });
  });
});

describe('webhook backoff', () => {
  it('doubles per failed attempt from the base, capped, within ±20 % jitter', async () => {
    const { Redis } = await import('ioredis');
    const { WebhookDispatcher } = await import('../../../src/records/webhooks.ts');
    const pino = (await import('pino')).default;
    const redis = new Redis({ lazyConnect: true });
    const d = new WebhookDispatcher({ redis, log: pino({ level: 'silent' }), endpoints: [], baseDelayMs: 1000, maxDelayMs: 30_000 });
    for (const [n, nominal] of [[1, 1000], [2, 2000], [3, 4000], [5, 16_000], [6, 30_000], [20, 30_000]] as const) {
      const ms = d.backoffMs(n);
      expect(ms).toBeGreaterThanOrEqual(nominal * 0.8);
      expect(ms).toBeLessThanOrEqual(nominal * 1.2);
    }
    redis.disconnect();
  });
});
