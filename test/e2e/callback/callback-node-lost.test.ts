// A process running a callback dies while B rings: its lease lapses and the surviving nodes'
// sweeps finalise the callback once (failed, node-lost), with one final record and one call.ended
// webhook, the tenant's limit slot free again and the binding's release timer started.
//
// The dying node is a second callback service in this process, on its own Redis client and
// placing calls through the stack's SIP server; it "dies" by losing its Redis connection and its
// bindings and records sinks at once, so it renews nothing and writes nothing more, like a killed
// process. Leases and sweeps are shortened through options.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { trunksFromConfig } from '../../../src/compose.ts';
import { createCallbackService, type CallbackService, type CallbackServiceDeps } from '../../../src/calls/callback-service.ts';
import { asCallbackSrf } from '../../../src/calls/callback-srf.ts';
import { CALLBACK_LEASES_KEY, callbackActiveKey, leaseMember } from '../../../src/calls/callback-store.ts';
import type { CallEventSink } from '../../../src/records/model.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';
import type { SippUasHandle } from '../../harness/sipp.ts';
import { API_KEY, startStack, TENANT, type Stack } from '../../harness/stack.ts';
import { endedRecord, expectReleaseTimer, expectSippOk, finalState, freshBinding, getCall, poll, startParties, type CallView, type RecordView } from './support.ts';

let stack: Stack;
let port: number;
let parties: SippUasHandle | undefined;
let receiver: Server;
const webhooks: Array<{ type: string; data: { id?: string } }> = [];
const services: CallbackService[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      webhooks.push(JSON.parse(body) as { type: string; data: { id?: string } });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  port = await getFreeUdpTcpPort();
  stack = await startStack({
    gateways: [`sip:127.0.0.1:${port}`],
    config: {
      calls: { ringTimeoutSeconds: 50, callbackLimitPerTenant: 1 },
      api: { keys: [{ tenant: TENANT, key: API_KEY }], rateLimitPerMinute: 100000, webhooks: [{ tenant: TENANT, url, secret: 'hook-secret' }] },
    },
  });
});
afterAll(async () => {
  for (const s of services) await s.close().catch(() => undefined);
  await stack?.stop();
  await new Promise((r) => receiver?.close(r));
});
afterEach(async () => {
  await parties?.stop();
  parties = undefined;
});

/** A callback service on its own Redis client whose bindings and records sinks can be cut off. */
async function runnerNode(lease: CallbackServiceDeps['lease']): Promise<{ service: CallbackService; die(): void }> {
  const store = stack.handles.store;
  const events = stack.handles.events;
  const srf = stack.handles.srf;
  if (!store || !events || !srf) throw new Error('stack without bindings, records or srf');
  let alive = true;
  const redis = new Redis(stack.redisServer.url, { maxRetriesPerRequest: 0 });
  const sink: CallEventSink = {
    started: (r) => {
      if (alive) events.started(r);
    },
    ringing: (r) => {
      if (alive) events.ringing(r);
    },
    answered: (r) => {
      if (alive) events.answered(r);
    },
    ended: (r) => {
      if (alive) events.ended(r);
    },
  };
  const bindings: CallbackServiceDeps['bindings'] = {
    get: (id) => store.get(id),
    getNumber: (x) => store.getNumber(x),
    bind: (req) => store.bind(req),
    callStarted: (id) => (alive ? store.callStarted(id) : Promise.resolve()),
    callEnded: (id) => (alive ? store.callEnded(id) : Promise.resolve(null)),
  };
  const service = await createCallbackService({
    srf: asCallbackSrf(srf),
    redis,
    bindings,
    events: sink,
    trunks: trunksFromConfig(stack.config),
    log: pino({ level: 'silent' }),
    ringTimeoutSeconds: 50,
    limitPerTenant: 1,
    lease,
  });
  // Never closed: a dead process hangs up nothing (its flow is dropped with the stack's SIP client).
  return {
    service,
    die() {
      alive = false;
      redis.disconnect();
    },
  };
}

/** A surviving node: sweeps often; counts the ends it reports. */
async function survivor(ended: string[]): Promise<CallbackService> {
  const store = stack.handles.store;
  const events = stack.handles.events;
  if (!store || !events) throw new Error('stack without bindings or records');
  const service = await createCallbackService({
    srf: { createUAC: () => Promise.reject(new Error('this node places no calls')) },
    redis: stack.redis,
    bindings: store,
    events: {
      started: (r) => events.started(r),
      ringing: (r) => events.ringing(r),
      answered: (r) => events.answered(r),
      ended: (r) => {
        ended.push(r.id);
        events.ended(r);
      },
    },
    trunks: [],
    log: pino({ level: 'silent' }),
    ringTimeoutSeconds: 3,
    limitPerTenant: 1,
    lease: { sweepMs: 50 },
  });
  services.push(service);
  return service;
}

it('a node dies while B rings: another node finalises the callback once as failed (node-lost) and frees its slot', async () => {
  const binding = await freshBinding(stack);
  parties = await startParties('uas-callback-blongring', port, 2, 90_000);
  const node = await runnerNode({ ttlMs: 1500, renewMs: 250, sweepMs: 60_000 });
  const started = await node.service.start({ tenant: TENANT, bindingId: binding.id });
  await poll('B ringing', async () => ((await getCall(stack, started.id)).status === 'calling-b' ? true : undefined));
  // The slot is held: the tenant's limit of one is reached.
  const refused = await stack.api<{ error: { code: string } }>('POST', '/v1/calls', { bindingId: binding.id });
  expect(refused.status).toBe(429);

  node.die();
  const ended: string[] = [];
  await Promise.all([survivor(ended), survivor(ended)]);
  const end: CallView = await finalState(stack, started.id, 30_000);
  expect(end).toMatchObject({ status: 'failed', reason: 'node-lost', bindingId: binding.id, x: binding.x });
  expect(end.endedAt).toBeDefined();
  expect(end.answeredAt).toBeUndefined();

  // Nothing of the callback is left in progress: slot and lease index entry gone.
  expect(await stack.redis.zscore(callbackActiveKey(TENANT), started.id)).toBeNull();
  await poll('lease index entry removed', async () => ((await stack.redis.zscore(CALLBACK_LEASES_KEY, leaseMember(TENANT, started.id))) === null ? true : undefined));

  // One final record and one call.ended webhook, whichever node (of three sweeping) claimed it.
  const rec = await endedRecord(stack, binding.id, started.id);
  expect(rec).toMatchObject({ kind: 'callback', outcome: 'failed', finalStatus: 503, hangupBy: 'system' });
  const list = await stack.api<{ items: RecordView[] }>('GET', `/v1/records?bindingId=${binding.id}`);
  expect(list.body.items.filter((i) => i.id === started.id)).toHaveLength(1);
  const endedHooks = (): number => webhooks.filter((w) => w.type === 'call.ended' && w.data.id === started.id).length;
  await poll('call.ended webhook', async () => (endedHooks() > 0 ? true : undefined), 30_000);
  await poll('webhook outbox drained', async () => ((await stack.handles.webhooks?.depth())?.queued === 0 ? true : undefined));
  expect(endedHooks()).toBe(1);
  expect(ended.length).toBeLessThanOrEqual(1);
  await expectReleaseTimer(stack, binding.id, 600);

  // The tenant's one slot is free again: a new callback is admitted and runs to its end.
  await parties.stop();
  parties = await startParties('uas-callback-abusy', port, 1);
  const next = await stack.api<CallView>('POST', '/v1/calls', { bindingId: binding.id });
  expect(next.status, JSON.stringify(next.body)).toBe(202);
  expect(await finalState(stack, next.body.id)).toMatchObject({ status: 'failed', reason: 'a-busy' });
  expectSippOk(await parties.done);
});

it('a node that stalls past its lease learns it lost the callback: it hangs up both legs and leaves the final state as swept', async () => {
  const binding = await freshBinding(stack);
  parties = await startParties('uas-callback-cancel', port, 2);
  // Renews less often than its lease lasts: the lease lapses between two renewals.
  const node = await runnerNode({ ttlMs: 1500, renewMs: 4000, sweepMs: 60_000 });
  const started = await node.service.start({ tenant: TENANT, bindingId: binding.id });
  await poll('B ringing', async () => ((await getCall(stack, started.id)).status === 'calling-b' ? true : undefined));
  const ended: string[] = [];
  await survivor(ended);
  expect(await finalState(stack, started.id, 30_000)).toMatchObject({ status: 'failed', reason: 'node-lost' });

  // Its next renewal finds the lease gone: B gets a CANCEL, A a BYE (the scenario checks both).
  expectSippOk(await parties.done);
  await poll('runner idle', async () => (node.service.activeCallbacks() === 0 ? true : undefined));
  expect(await node.service.get(TENANT, started.id)).toMatchObject({ status: 'failed', reason: 'node-lost' });
  const rec = await endedRecord(stack, binding.id, started.id);
  expect(rec).toMatchObject({ outcome: 'failed', finalStatus: 503, hangupBy: 'system' });
  const endedHooks = (): number => webhooks.filter((w) => w.type === 'call.ended' && w.data.id === started.id).length;
  await poll('call.ended webhook', async () => (endedHooks() > 0 ? true : undefined), 30_000);
  await poll('webhook outbox drained', async () => ((await stack.handles.webhooks?.depth())?.queued === 0 ? true : undefined));
  expect(endedHooks()).toBe(1);
  await expectReleaseTimer(stack, binding.id, 600);
});
