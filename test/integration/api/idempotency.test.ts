// Idempotency-Key over real HTTP: replays, body mismatch (422), concurrent retries create one binding.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { auth, startApi, type ApiFixture } from './support/setup.ts';

let f: ApiFixture;
let base: string;

beforeAll(async () => {
  f = await startApi();
  base = await f.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => f?.stop());
beforeEach(async () => {
  await f.reset();
  const r = await post('/v1/numbers', { numbers: ['+8613800000001', '+8613800000002', '+8613800000003'], areaCode: '10' });
  expect(r.status).toBe(201);
});

function post(path: string, body: unknown, headers: Record<string, string> = {}, tenant: 't1' | 't2' = 't1'): Promise<Response> {
  return fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', ...auth(tenant), ...headers }, body: JSON.stringify(body) });
}

async function liveBindings(party: string, tenant: 't1' | 't2' = 't1'): Promise<Array<{ id: string }>> {
  const r = await fetch(`${base}/v1/bindings?party=${encodeURIComponent(party)}`, { headers: auth(tenant) });
  return ((await r.json()) as { items: Array<{ id: string }> }).items;
}

it('a retry with the same key and body returns the first answer; a different body gets 422', async () => {
  const body = { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60 };
  const first = await post('/v1/bindings', body, { 'idempotency-key': 'order-42' });
  expect(first.status).toBe(201);
  const firstBody = await first.text();
  // Same body with keys in another order: same request.
  const retry = await post('/v1/bindings', { ttlSeconds: 60, b: '+8613900000002', a: '+8613900000001', mode: 'AXB' }, { 'idempotency-key': 'order-42' });
  expect(retry.status).toBe(201);
  expect(retry.headers.get('idempotent-replayed')).toBe('true');
  expect(await retry.text()).toBe(firstBody);

  const other = await post('/v1/bindings', { ...body, b: '+8613900000003' }, { 'idempotency-key': 'order-42' });
  expect(other.status).toBe(422);
  expect(((await other.json()) as { error: { code: string; field: string } }).error).toMatchObject({ code: 'PN_ERR_IDEMPOTENCY_MISMATCH', field: 'Idempotency-Key' });
  expect(await liveBindings('+8613900000003')).toEqual([]);

  // Keys are per tenant: t2 using the same key is a different request.
  const t2 = await post('/v1/numbers', { numbers: ['+8613700000001'], areaCode: '10' }, { 'idempotency-key': 'order-42' }, 't2');
  expect(t2.status).toBe(201);
  const bad = await post('/v1/bindings', body, { 'idempotency-key': '' });
  expect(bad.status).toBe(400);
});

it('concurrent retries with one key create exactly one binding and all get its answer', async () => {
  const body = { mode: 'AXB', a: '+8613900000011', b: '+8613900000012', ttlSeconds: 60 };
  const createdSoFar = async (): Promise<number> => Number((await f.registry.getSingleMetricAsString('pn_bindings_created_total')).match(/mode="AXB"\} (\d+)/)?.[1] ?? 0);
  const before = await createdSoFar();
  const answers = await Promise.all(Array.from({ length: 12 }, () => post('/v1/bindings', body, { 'idempotency-key': 'burst-1' })));
  const bodies = await Promise.all(answers.map(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } })));
  expect(bodies.every((b) => b.status === 201)).toBe(true);
  expect(new Set(bodies.map((b) => b.body.id)).size).toBe(1);
  expect(answers.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(11);
  expect(await liveBindings('+8613900000011')).toHaveLength(1);
  expect((await createdSoFar()) - before).toBe(1);
});

it('errors are replayed too (4xx), but a 5xx frees the key for a retry', async () => {
  const invalid = { mode: 'AXB', a: '+8613900000001', ttlSeconds: 60 };
  const r1 = await post('/v1/bindings', invalid, { 'idempotency-key': 'k-400' });
  expect(r1.status).toBe(400);
  // A 400 from the handler (b is required in AXB mode) is a final answer: replayed.
  const r2 = await post('/v1/bindings', invalid, { 'idempotency-key': 'k-400' });
  expect(r2.status).toBe(400);
  expect(r2.headers.get('idempotent-replayed')).toBe('true');

  // Exhaust the pool for party a (3 numbers), then the 4th binding is a 503 that must not stick.
  for (const b of ['+8613900000002', '+8613900000003', '+8613900000004']) {
    expect((await post('/v1/bindings', { mode: 'AXB', a: '+8613900000001', b, ttlSeconds: 60 })).status).toBe(201);
  }
  const exhausted = await post('/v1/bindings', { mode: 'AXB', a: '+8613900000001', b: '+8613900000005', ttlSeconds: 60 }, { 'idempotency-key': 'k-503' });
  expect(exhausted.status).toBe(503);
  expect(await f.redis.keys('pn:idem:*')).toHaveLength(1);
  await post('/v1/numbers', { numbers: ['+8613800000004'], areaCode: '10' });
  const retried = await post('/v1/bindings', { mode: 'AXB', a: '+8613900000001', b: '+8613900000005', ttlSeconds: 60 }, { 'idempotency-key': 'k-503' });
  expect(retried.status).toBe(201);
  expect(retried.headers.get('idempotent-replayed')).toBeNull();
});
