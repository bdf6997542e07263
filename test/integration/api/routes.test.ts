// Every route of the REST API against a real redis-server (idempotency keys, rate limits, records).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { FakeCallbacks } from './support/fake-callbacks.ts';
import { auth, startApi, type ApiFixture } from './support/setup.ts';

let f: ApiFixture;
const callbacks = new FakeCallbacks();
let ready: Record<string, boolean> = { redis: true, sipServer: true };

async function call(method: InjectOptions['method'], url: string, tenant: 't1' | 't2' | null = 't1', payload?: unknown): Promise<LightMyRequestResponse> {
  const opts: InjectOptions = { method, url, headers: tenant === null ? {} : auth(tenant) };
  if (payload !== undefined) opts.payload = payload as InjectOptions['payload'];
  return f.app.inject(opts);
}

const errorOf = (r: LightMyRequestResponse): { code: string; message: string; field?: string } => (r.json() as { error: { code: string; message: string; field?: string } }).error;

async function addPool(tenant: 't1' | 't2', numbers: string[], areaCode = '10', group?: string): Promise<void> {
  const r = await call('POST', '/v1/numbers', tenant, { numbers, areaCode, ...(group && { group }) });
  expect(r.statusCode).toBe(201);
}

beforeAll(async () => {
  f = await startApi({ callbacks, readiness: async () => ready });
});
afterAll(async () => f?.stop());
beforeEach(async () => {
  await f.reset();
  ready = { redis: true, sipServer: true };
});

describe('auth', () => {
  it('401 PN_ERR_AUTH_MISSING without a bearer key, PN_ERR_AUTH_INVALID for an unknown key', async () => {
    const none = await call('GET', '/v1/numbers', null);
    expect(none.statusCode).toBe(401);
    expect(errorOf(none).code).toBe('PN_ERR_AUTH_MISSING');
    const bad = await f.app.inject({ method: 'GET', url: '/v1/numbers', headers: { authorization: 'Bearer nope' } });
    expect(bad.statusCode).toBe(401);
    expect(errorOf(bad).code).toBe('PN_ERR_AUTH_INVALID');
    const basic = await f.app.inject({ method: 'GET', url: '/v1/numbers', headers: { authorization: 'Basic abc' } });
    expect(errorOf(basic).code).toBe('PN_ERR_AUTH_MISSING');
  });
});

describe('numbers and pool', () => {
  it('adds numbers in E.164, national and 00 forms; repeats come back as existing', async () => {
    const r = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001', '13800000002', '008613800000003'], areaCode: '10', group: 'couriers' });
    expect(r.statusCode).toBe(201);
    expect(r.json()).toEqual({ added: ['+8613800000001', '+8613800000002', '+8613800000003'], existing: [] });
    const again = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001', '+8613800000004'], areaCode: '10', group: 'couriers' });
    expect(again.json()).toEqual({ added: ['+8613800000004'], existing: ['+8613800000001'] });
  });

  it('400 naming the field for a bad number, a missing area code or an unknown field', async () => {
    const bad = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001', 'call me'], areaCode: '10' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatchObject({ code: 'PN_ERR_NUMBER_INVALID', field: 'numbers.1' });
    const missing = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001'] });
    expect(missing.statusCode).toBe(400);
    expect(errorOf(missing)).toMatchObject({ code: 'PN_ERR_VALIDATION', field: 'areaCode' });
    const area = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001'], areaCode: 'ten' });
    expect(errorOf(area).field).toBe('areaCode');
    const extra = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001'], areaCode: '10', colour: 'red' });
    expect(errorOf(extra)).toMatchObject({ code: 'PN_ERR_VALIDATION', field: 'colour' });
  });

  it('lists with filters and cursor pagination', async () => {
    await addPool('t1', ['+8613800000001', '+8613800000002', '+8613800000003'], '10');
    await addPool('t1', ['+8613800000009'], '20', 'vip');
    const page1 = await call('GET', '/v1/numbers?areaCode=10&limit=2');
    expect(page1.statusCode).toBe(200);
    const p1 = page1.json() as { items: Array<{ number: string }>; nextCursor?: string };
    expect(p1.items).toHaveLength(2);
    expect(p1.nextCursor).toBeDefined();
    const page2 = await call('GET', `/v1/numbers?areaCode=10&limit=2&cursor=${encodeURIComponent(p1.nextCursor ?? '')}`);
    const p2 = page2.json() as { items: Array<{ number: string }>; nextCursor?: string };
    expect([...p1.items, ...p2.items].map((n) => n.number).sort()).toEqual(['+8613800000001', '+8613800000002', '+8613800000003']);
    const vip = await call('GET', '/v1/numbers?group=vip');
    expect(vip.json()).toEqual({ items: [{ number: '+8613800000009', group: 'vip', areaCode: '20', status: 'active' }] });
    const badLimit = await call('GET', '/v1/numbers?limit=0');
    expect(errorOf(badLimit).field).toBe('limit');
  });

  it('gets, disables, deletes a number; 404 once gone; 409 while bound', async () => {
    await addPool('t1', ['+8613800000001', '+8613800000002']);
    const one = await call('GET', '/v1/numbers/+8613800000001');
    expect(one.json()).toMatchObject({ number: '+8613800000001', status: 'active' });
    const patched = await call('PATCH', '/v1/numbers/%2B8613800000002', 't1', { status: 'disabled' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ status: 'disabled' });
    const badStatus = await call('PATCH', '/v1/numbers/%2B8613800000002', 't1', { status: 'sleeping' });
    expect(errorOf(badStatus).field).toBe('status');

    const bound = await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 600 });
    expect(bound.json()).toMatchObject({ x: '+8613800000001' });
    const inUse = await call('DELETE', '/v1/numbers/+8613800000001');
    expect(inUse.statusCode).toBe(409);
    expect(errorOf(inUse).code).toBe('PN_ERR_NUMBER_IN_USE');

    expect((await call('DELETE', '/v1/numbers/+8613800000002')).statusCode).toBe(204);
    const gone = await call('GET', '/v1/numbers/+8613800000002');
    expect(gone.statusCode).toBe(404);
    expect(errorOf(gone).code).toBe('PN_ERR_NUMBER_NOT_FOUND');
    const notNumber = await call('GET', '/v1/numbers/hello');
    expect(errorOf(notNumber)).toMatchObject({ code: 'PN_ERR_NUMBER_INVALID', field: 'number' });
  });

  it('pool stats per group and area with utilization', async () => {
    await addPool('t1', ['+8613800000001', '+8613800000002'], '10');
    await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 600 });
    const r = await call('GET', '/v1/pool/stats');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ items: [{ group: 'default', areaCode: '10', numbers: 2, activeNumbers: 2, liveBindings: 1, utilization: 0.5 }] });
  });
});

describe('bindings', () => {
  beforeEach(async () => addPool('t1', ['+8613800000001', '+8613800000002']));

  it('creates (201), normalises numbers, and returns the same live pair again (200)', async () => {
    const body = { mode: 'AXB', a: '13900000001', b: '0086 139-0000-0002', ttlSeconds: 600, outId: 'order-1', metadata: { order: '1' }, maxCallSeconds: 300, callRestriction: 'a-to-b' };
    const r = await call('POST', '/v1/bindings', 't1', body);
    expect(r.statusCode).toBe(201);
    const b = r.json() as Record<string, unknown>;
    expect(b).toMatchObject({ mode: 'AXB', a: '+8613900000001', b: '+8613900000002', x: '+8613800000001', outId: 'order-1', metadata: { order: '1' }, maxCallSeconds: 300, callRestriction: 'a-to-b', group: 'default' });
    expect(Date.parse(String(b.expiresAt)) - Date.parse(String(b.createdAt))).toBe(600_000);
    const again = await call('POST', '/v1/bindings', 't1', { ...body, ttlSeconds: 1200 });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: b.id, x: b.x });
    expect(Date.parse(String((again.json() as Record<string, unknown>).expiresAt))).toBeGreaterThan(Date.parse(String(b.expiresAt)));
  });

  it('400 naming the field: missing or invalid a, b per mode, ttlSeconds, enums', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ mode: 'AXB', b: '+8613900000002', ttlSeconds: 60 }, 'a'],
      [{ mode: 'AXB', a: 'not-a-number', b: '+8613900000002', ttlSeconds: 60 }, 'a'],
      [{ mode: 'AXB', a: '+8613900000001', ttlSeconds: 60 }, 'b'],
      [{ mode: 'reverse', a: '+8613900000001', ttlSeconds: 60 }, 'b'],
      [{ mode: 'AXN', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60 }, 'b'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000001', ttlSeconds: 60 }, 'b'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000002' }, 'ttlSeconds'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 0 }, 'ttlSeconds'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 'long' }, 'ttlSeconds'],
      [{ mode: 'AXZ', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60 }, 'mode'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60, callRestriction: 'never' }, 'callRestriction'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60, metadata: { k: { deep: true } } }, 'metadata.k'],
      [{ mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60, x: '12' }, 'x'],
    ];
    for (const [body, field] of cases) {
      const r = await call('POST', '/v1/bindings', 't1', body);
      expect(r.statusCode, JSON.stringify(body)).toBe(400);
      expect(errorOf(r).field, JSON.stringify(body)).toBe(field);
    }
  });

  it('a requested X of another tenant is refused as unavailable (409, field x)', async () => {
    await addPool('t2', ['+8613700000001']);
    const r = await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', x: '+8613700000001', ttlSeconds: 60 });
    expect(r.statusCode).toBe(409);
    expect(errorOf(r)).toMatchObject({ code: 'PN_ERR_X_UNAVAILABLE', field: 'x' });
    const own = await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', x: '+8613800000002', ttlSeconds: 60 });
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({ x: '+8613800000002' });
  });

  it('503 with Retry-After when the pool is exhausted', async () => {
    for (const b of ['+8613900000002', '+8613900000003']) {
      expect((await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b, ttlSeconds: 60 })).statusCode).toBe(201);
    }
    const r = await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000004', ttlSeconds: 60 });
    expect(r.statusCode).toBe(503);
    expect(errorOf(r).code).toBe('PN_ERR_POOL_EXHAUSTED');
    expect(r.headers['retry-after']).toBe('1');
  });

  it('gets, finds by party and x, patches and deletes', async () => {
    const created = (await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60 })).json() as { id: string; x: string; expiresAt: string };
    const got = await call('GET', `/v1/bindings/${created.id}`);
    expect(got.json()).toMatchObject({ id: created.id });
    const byParty = await call('GET', '/v1/bindings?party=13900000002');
    expect((byParty.json() as { items: Array<{ id: string }> }).items.map((b) => b.id)).toEqual([created.id]);
    const byBoth = await call('GET', `/v1/bindings?party=%2B8613900000001&x=${encodeURIComponent(created.x)}`);
    expect((byBoth.json() as { items: unknown[] }).items).toHaveLength(1);
    const none = await call('GET', '/v1/bindings?party=%2B8613900000009');
    expect(none.json()).toEqual({ items: [] });
    const noFilter = await call('GET', '/v1/bindings');
    expect(errorOf(noFilter).field).toBe('party');
    const badParty = await call('GET', '/v1/bindings?party=abc');
    expect(errorOf(badParty)).toMatchObject({ code: 'PN_ERR_NUMBER_INVALID', field: 'party' });

    const patched = await call('PATCH', `/v1/bindings/${created.id}`, 't1', { ttlSeconds: 3600, b: '13900000005', callRestriction: 'b-to-a', maxCallSeconds: 120 });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ b: '+8613900000005', callRestriction: 'b-to-a', maxCallSeconds: 120 });
    expect(Date.parse((patched.json() as { expiresAt: string }).expiresAt)).toBeGreaterThan(Date.parse(created.expiresAt));
    const empty = await call('PATCH', `/v1/bindings/${created.id}`, 't1', {});
    expect(empty.statusCode).toBe(400);
    const badB = await call('PATCH', `/v1/bindings/${created.id}`, 't1', { b: 'x' });
    expect(errorOf(badB).field).toBe('b');

    expect((await call('DELETE', `/v1/bindings/${created.id}`)).statusCode).toBe(204);
    const gone = await call('GET', `/v1/bindings/${created.id}`);
    expect(gone.statusCode).toBe(404);
    expect(errorOf(gone).code).toBe('PN_ERR_BINDING_NOT_FOUND');
    expect((await call('DELETE', `/v1/bindings/${created.id}`)).statusCode).toBe(404);
  });
});

describe('calls (callbacks)', () => {
  it('starts from a binding or from a and b (202), reads and cancels it', async () => {
    await addPool('t1', ['+8613800000001']);
    const binding = (await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60 })).json() as { id: string };
    const fromBinding = await call('POST', '/v1/calls', 't1', { bindingId: binding.id });
    expect(fromBinding.statusCode).toBe(202);
    const started = fromBinding.json() as { id: string; status: string; x: string };
    expect(started).toMatchObject({ status: 'queued' });
    expect(callbacks.requests.at(-1)).toEqual({ tenant: 't1', bindingId: binding.id });

    const direct = await call('POST', '/v1/calls', 't1', { a: '13900000001', b: '13900000002', x: '+8613800000001' });
    expect(direct.statusCode).toBe(202);
    expect(callbacks.requests.at(-1)).toEqual({ tenant: 't1', a: '+8613900000001', b: '+8613900000002', x: '+8613800000001' });

    const state = await call('GET', `/v1/calls/${started.id}`);
    expect(state.statusCode).toBe(200);
    expect(state.json()).toMatchObject({ id: started.id, status: 'queued', bindingId: binding.id });
    expect((await call('DELETE', `/v1/calls/${started.id}`)).statusCode).toBe(204);
    expect((await call('GET', `/v1/calls/${started.id}`)).json()).toMatchObject({ status: 'cancelled' });
    const twice = await call('DELETE', `/v1/calls/${started.id}`);
    expect(twice.statusCode).toBe(409);
    expect((await call('GET', '/v1/calls/nope')).statusCode).toBe(404);
  });

  it('validates: bindingId xor a+b, numbers, unknown binding', async () => {
    expect(errorOf(await call('POST', '/v1/calls', 't1', {})).field).toBe('a');
    expect(errorOf(await call('POST', '/v1/calls', 't1', { a: '+8613900000001' })).field).toBe('b');
    expect(errorOf(await call('POST', '/v1/calls', 't1', { bindingId: 'x1', a: '+8613900000001' })).field).toBe('a');
    expect(errorOf(await call('POST', '/v1/calls', 't1', { a: '+8613900000001', b: 'zzz' }))).toMatchObject({ code: 'PN_ERR_NUMBER_INVALID', field: 'b' });
    const unknown = await call('POST', '/v1/calls', 't1', { bindingId: 'no-such-binding' });
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown).code).toBe('PN_ERR_BINDING_NOT_FOUND');
  });
});

describe('records', () => {
  it('lists records by binding and time window, pages with a cursor, gets one', async () => {
    const t0 = Date.now() - 60_000;
    for (let i = 0; i < 5; i++) {
      await f.records.save({ id: `call-${i}`, kind: 'direct', tenant: 't1', bindingId: i < 4 ? 'b1' : 'b2', outId: 'order-1', x: '+8613800000001', caller: '+8613900000001', callee: '+8613900000002', direction: 'a-to-b', invitedAt: t0 + i * 1000, outcome: 'answered', finalStatus: 200 });
    }
    await f.records.save({ id: 'other-tenant', kind: 'direct', tenant: 't2', bindingId: 'b1', x: '+8613800000001', caller: '+8613900000001', invitedAt: t0 });

    const all = await call('GET', '/v1/records');
    expect((all.json() as { items: Array<{ id: string }> }).items.map((r) => r.id)).toEqual(['call-0', 'call-1', 'call-2', 'call-3', 'call-4']);
    const b1 = await call('GET', `/v1/records?bindingId=b1&since=${new Date(t0 + 1000).toISOString()}&until=${t0 + 3000}`);
    expect((b1.json() as { items: Array<{ id: string }> }).items.map((r) => r.id)).toEqual(['call-1', 'call-2']);
    const first = (await call('GET', '/v1/records?limit=3')).json() as { items: Array<{ id: string }>; nextCursor: string };
    expect(first.items.map((r) => r.id)).toEqual(['call-0', 'call-1', 'call-2']);
    const second = (await call('GET', `/v1/records?limit=3&cursor=${first.nextCursor}`)).json() as { items: Array<{ id: string }>; nextCursor?: string };
    expect(second.items.map((r) => r.id)).toEqual(['call-3', 'call-4']);
    expect(second.nextCursor).toBeUndefined();

    const one = await call('GET', '/v1/records/call-2');
    expect(one.json()).toMatchObject({ id: 'call-2', outId: 'order-1', invitedAt: new Date(t0 + 2000).toISOString(), outcome: 'answered' });
    expect(one.json()).not.toHaveProperty('tenant');
    expect((await call('GET', '/v1/records/other-tenant')).statusCode).toBe(404);
    expect((await call('GET', '/v1/records', 't2')).json()).toMatchObject({ items: [{ id: 'other-tenant' }] });

    expect(errorOf(await call('GET', '/v1/records?since=yesterday'))).toMatchObject({ code: 'PN_ERR_VALIDATION', field: 'since' });
    expect(errorOf(await call('GET', `/v1/records?since=${t0}&until=${t0}`)).field).toBe('until');
    expect(errorOf(await call('GET', '/v1/records?cursor=bm9wZQ')).field).toBe('cursor');
  });
});

describe('operations', () => {
  it('/healthz, /readyz (503 with Retry-After when a check fails), /metrics', async () => {
    expect((await call('GET', '/healthz', null)).json()).toEqual({ status: 'ok' });
    const ok = await call('GET', '/readyz', null);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ ready: true, checks: { redis: true, sipServer: true } });
    ready = { redis: true, sipServer: false };
    const notReady = await call('GET', '/readyz', null);
    expect(notReady.statusCode).toBe(503);
    expect(notReady.headers['retry-after']).toBe('1');
    expect(notReady.json()).toEqual({ ready: false, checks: { redis: true, sipServer: false } });

    await addPool('t1', ['+8613800000001']);
    await call('POST', '/v1/bindings', 't1', { mode: 'AXN', a: '+8613900000001', ttlSeconds: 60 });
    await call('POST', '/v1/bindings', 't1', { mode: 'AXN', a: '+8613900000001', ttlSeconds: 60, x: '+8613800000001', areaCode: '99', group: 'nope' });
    const m = await call('GET', '/metrics', null);
    expect(m.statusCode).toBe(200);
    expect(m.body).toMatch(/pn_bindings_created_total\{tenant="t1",mode="AXN"\} \d+/);
    expect(m.body).toMatch(/pn_allocation_failures_total\{tenant="t1",code="PN_ERR_X_UNAVAILABLE"\} [1-9]/);
    expect(m.body).toContain('pn_pool_utilization{tenant="t1",group="default"} 1');
    expect(m.body).toContain('pn_api_request_duration_seconds_bucket');
    expect(m.body).toContain('# TYPE pn_calls_total counter');
  });

  it('OpenAPI 3 at /v1/openapi.json lists every route with request and response schemas; /docs serves a page', async () => {
    const r = await call('GET', '/v1/openapi.json', null);
    expect(r.statusCode).toBe(200);
    const doc = r.json() as { openapi: string; paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown; parameters?: unknown[] }>> };
    expect(doc.openapi).toMatch(/^3\./);
    const expected: Array<[string, string]> = [
      ['/v1/numbers', 'post'], ['/v1/numbers', 'get'], ['/v1/numbers/{number}', 'get'], ['/v1/numbers/{number}', 'patch'], ['/v1/numbers/{number}', 'delete'], ['/v1/pool/stats', 'get'],
      ['/v1/bindings', 'post'], ['/v1/bindings', 'get'], ['/v1/bindings/{id}', 'get'], ['/v1/bindings/{id}', 'patch'], ['/v1/bindings/{id}', 'delete'],
      ['/v1/calls', 'post'], ['/v1/calls/{id}', 'get'], ['/v1/calls/{id}', 'delete'], ['/v1/records', 'get'], ['/v1/records/{id}', 'get'],
    ];
    for (const [path, method] of expected) {
      const op = doc.paths[path]?.[method];
      expect(op, `${method} ${path}`).toBeDefined();
      expect(Object.keys(op?.responses ?? {}).some((s) => s.startsWith('2')), `${method} ${path} 2xx`).toBe(true);
      expect(op?.responses['4XX'] ?? op?.responses['4xx'], `${method} ${path} 4xx`).toBeDefined();
      if (method === 'post' || method === 'patch') expect(op?.requestBody, `${method} ${path} body`).toBeDefined();
    }
    const docs = await call('GET', '/docs/', null);
    expect(docs.statusCode).toBe(200);
    expect(docs.headers['content-type']).toContain('text/html');
  });

  it('413 for a body over the limit, 404 for an unknown route, both as {error}', async () => {
    const big = await call('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001'], areaCode: '10', group: 'g', pad: 'x'.repeat(20_000) });
    expect(big.statusCode).toBe(413);
    expect(errorOf(big).code).toBe('PN_ERR_VALIDATION');
    const nowhere = await call('GET', '/v1/nowhere');
    expect(nowhere.statusCode).toBe(404);
    expect(errorOf(nowhere).code).toBe('PN_ERR_NOT_FOUND');
  });

  it('logs one line per request without any full real number', async () => {
    await addPool('t1', ['+8613800000001']);
    const before = f.logs.length;
    await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613911112222', b: '+8613933334444', ttlSeconds: 60 });
    await call('GET', '/v1/bindings?party=%2B8613911112222');
    await call('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613911112222', b: 'bogus-13933334444', ttlSeconds: 60 });
    const lines = f.logs.slice(before);
    expect(lines.filter((l) => l.msg === 'api request')).toHaveLength(3);
    const text = JSON.stringify(lines);
    expect(text).not.toContain('13911112222');
    expect(text).not.toContain('13933334444');
  });
});
