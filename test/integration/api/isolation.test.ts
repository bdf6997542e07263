// A tenant sees and changes only its own numbers, bindings, calls and records. Rule: resources with
// a global id (numbers, bindings) answer 403 to another tenant; calls and records live in the
// tenant's own space and answer 404.
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { FakeCallbacks } from './support/fake-callbacks.ts';
import { auth, startApi, type ApiFixture } from './support/setup.ts';

let f: ApiFixture;
const callbacks = new FakeCallbacks();

beforeAll(async () => {
  f = await startApi({ callbacks });
});
afterAll(async () => f?.stop());
beforeEach(async () => f.reset());

const inject = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, tenant: 't1' | 't2', payload?: object) =>
  f.app.inject({ method, url, headers: auth(tenant), ...(payload !== undefined && { payload }) });

it('another tenant gets 403 on numbers and bindings, and cannot see them in lists', async () => {
  expect((await inject('POST', '/v1/numbers', 't1', { numbers: ['+8613800000001'], areaCode: '10' })).statusCode).toBe(201);
  const binding = (await inject('POST', '/v1/bindings', 't1', { mode: 'AXB', a: '+8613900000001', b: '+8613900000002', ttlSeconds: 60 })).json() as { id: string; x: string };

  for (const [method, url, body] of [
    ['GET', `/v1/bindings/${binding.id}`, undefined],
    ['PATCH', `/v1/bindings/${binding.id}`, { ttlSeconds: 5 }],
    ['DELETE', `/v1/bindings/${binding.id}`, undefined],
    ['GET', '/v1/numbers/+8613800000001', undefined],
    ['PATCH', '/v1/numbers/+8613800000001', { status: 'disabled' }],
    ['DELETE', '/v1/numbers/+8613800000001', undefined],
    ['POST', '/v1/calls', { bindingId: binding.id }],
  ] as const) {
    const r = await inject(method, url, 't2', body);
    expect(r.statusCode, `${method} ${url}`).toBe(403);
    expect((r.json() as { error: { code: string } }).error.code).toBe('PN_ERR_FORBIDDEN');
  }
  // Nothing changed for the owner.
  const own = await inject('GET', `/v1/bindings/${binding.id}`, 't1');
  expect(own.statusCode).toBe(200);
  expect((await inject('GET', '/v1/numbers/+8613800000001', 't1')).json()).toMatchObject({ status: 'active' });

  expect((await inject('GET', '/v1/bindings?party=%2B8613900000001', 't2')).json()).toEqual({ items: [] });
  expect((await inject('GET', `/v1/bindings?x=${encodeURIComponent(binding.x)}`, 't2')).json()).toEqual({ items: [] });
  expect((await inject('GET', '/v1/numbers', 't2')).json()).toEqual({ items: [] });
  expect((await inject('GET', '/v1/pool/stats', 't2')).json()).toEqual({ items: [] });
  // t2 cannot bind with t1's number either.
  const steal = await inject('POST', '/v1/bindings', 't2', { mode: 'AXB', a: '+8613900000003', b: '+8613900000004', x: binding.x, ttlSeconds: 60 });
  expect(steal.statusCode).toBe(409);
});

it('calls and records of another tenant are not found', async () => {
  const started = (await inject('POST', '/v1/calls', 't1', { a: '+8613900000001', b: '+8613900000002' })).json() as { id: string };
  expect((await inject('GET', `/v1/calls/${started.id}`, 't2')).statusCode).toBe(404);
  expect((await inject('DELETE', `/v1/calls/${started.id}`, 't2')).statusCode).toBe(404);
  expect((await inject('GET', `/v1/calls/${started.id}`, 't1')).statusCode).toBe(200);

  await f.records.save({ id: 'r1', kind: 'direct', tenant: 't1', bindingId: 'b1', x: '+8613800000001', caller: '+8613900000001', invitedAt: Date.now() });
  expect((await inject('GET', '/v1/records/r1', 't2')).statusCode).toBe(404);
  expect((await inject('GET', '/v1/records?bindingId=b1', 't2')).json()).toEqual({ items: [] });
  expect((await inject('GET', '/v1/records?bindingId=b1', 't1')).json()).toMatchObject({ items: [{ id: 'r1' }] });
});
