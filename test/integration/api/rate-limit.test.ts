// Rate limit per API key (counted in Redis): the request over the limit gets 429 with Retry-After.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { auth, startApi, type ApiFixture } from './support/setup.ts';

let f: ApiFixture;

beforeAll(async () => {
  f = await startApi({ options: { rateLimitPerMinute: 5 } });
});
afterAll(async () => f?.stop());

it('429 PN_ERR_RATE_LIMITED with Retry-After once a key exceeds its limit; other keys unaffected', async () => {
  for (let i = 0; i < 5; i++) {
    const ok = await f.app.inject({ method: 'GET', url: '/v1/numbers', headers: auth('t1') });
    expect(ok.statusCode).toBe(200);
  }
  const limited = await f.app.inject({ method: 'GET', url: '/v1/numbers', headers: auth('t1') });
  expect(limited.statusCode).toBe(429);
  expect((limited.json() as { error: { code: string } }).error.code).toBe('PN_ERR_RATE_LIMITED');
  const retryAfter = Number(limited.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(60);

  expect((await f.app.inject({ method: 'GET', url: '/v1/numbers', headers: auth('t2') })).statusCode).toBe(200);
  // Probes are never limited.
  expect((await f.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect(await f.redis.keys('pn:rl:*')).toHaveLength(2);
});
