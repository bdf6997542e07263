// Callbacks (click-to-call) through the whole stack: POST /v1/calls, sipp playing A and B over UDP
// at the trunk's gateway, the final state in GET /v1/calls/{id}, the call record, the release
// timer and the scenarios' leak checks. The long-ringing B has its own file (callback-longring).
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, TENANT, type Stack } from '../../harness/stack.ts';
import { pino } from 'pino';
import { callbackActiveKey } from '../../../src/calls/callback-store.ts';
import { createCallbackService } from '../../../src/calls/callback-service.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';
import type { SippUasHandle } from '../../harness/sipp.ts';
import { A, B, endedRecord, expectReleaseTimer, expectSippOk, finalState, freshBinding, getCall, poll, startCallback, startParties } from './support.ts';

let stack: Stack;
let port: number;
let parties: SippUasHandle | undefined;

beforeAll(async () => {
  port = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${port}`], config: { calls: { ringTimeoutSeconds: 3, callbackLimitPerTenant: 100 } } });
});
afterAll(async () => stack?.stop());
afterEach(async () => {
  // A failed test must not leave its sipp holding the gateway port.
  await parties?.stop();
  parties = undefined;
});

describe('callback through the whole stack (UDP)', () => {
  it('both answer: A gets a held answer, then B\'s offer in a re-INVITE; A hangs up and B gets the BYE', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-abye', port, 2);
    const call = await startCallback(stack, { bindingId: binding.id });
    expect(call.x).toBe(binding.x);
    const end = await finalState(stack, call.id);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'completed', reason: 'a-hangup', x: binding.x, a: A, b: B, bindingId: binding.id });
    expect(end.answeredAt).toBeDefined();
    const rec = await endedRecord(stack, binding.id, call.id);
    expect(rec).toMatchObject({ kind: 'callback', caller: A, callee: B, x: binding.x, direction: 'a-to-b', outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
    expect(rec.answeredAt).toBeDefined();
    expect(rec.ringingAt).toBeDefined();
    await expectReleaseTimer(stack, binding.id, 600);
  });

  it('both answer from {a, b, x}; B hangs up and A gets the BYE', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-bbye', port, 2);
    // The same live pair is reused: same binding, same X.
    const call = await startCallback(stack, { a: A, b: B, x: binding.x });
    const end = await finalState(stack, call.id);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'completed', reason: 'b-hangup', bindingId: binding.id, x: binding.x });
    const rec = await endedRecord(stack, binding.id, call.id);
    expect(rec).toMatchObject({ outcome: 'answered', hangupBy: 'callee', finalStatus: 200 });
  });

  it('A busy: the callback fails and B is never called', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-abusy', port, 1);
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    const r = await parties.done;
    expectSippOk(r);
    expect(r.stats.created).toBe(1);
    expect(end).toMatchObject({ status: 'failed', reason: 'a-busy' });
    expect(end.answeredAt).toBeUndefined();
    const rec = await endedRecord(stack, binding.id, call.id);
    expect(rec).toMatchObject({ outcome: 'busy', finalStatus: 486 });
    expect(rec.answeredAt).toBeUndefined();
    await expectReleaseTimer(stack, binding.id, 600);
  });

  it('A does not answer: CANCEL after the ring timeout, B is never called', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-anoanswer', port, 1);
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    const r = await parties.done;
    expectSippOk(r);
    expect(r.stats.created).toBe(1);
    expect(end).toMatchObject({ status: 'failed', reason: 'a-no-answer' });
    expect(await endedRecord(stack, binding.id, call.id)).toMatchObject({ outcome: 'no-answer' });
  });

  it('B busy: A is released with a BYE and the outcome says why', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-bbusy', port, 2);
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'failed', reason: 'b-busy' });
    expect(await endedRecord(stack, binding.id, call.id)).toMatchObject({ outcome: 'busy', finalStatus: 486 });
    await expectReleaseTimer(stack, binding.id, 600);
  });

  it('B does not answer: CANCEL after the ring timeout, A released with a BYE', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-bnoanswer', port, 2);
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'failed', reason: 'b-no-answer' });
    expect(await endedRecord(stack, binding.id, call.id)).toMatchObject({ outcome: 'no-answer' });
  });

  it('cancel through the API while B rings: B gets CANCEL, A gets BYE; a second cancel is a 409', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-cancel', port, 2);
    const call = await startCallback(stack, { bindingId: binding.id });
    // Wait until B rings (the record's ringingAt is B's 180).
    await poll('B ringing', async () => {
      const r = await stack.api<{ items: Array<{ id: string; ringingAt?: string }> }>('GET', `/v1/records?bindingId=${binding.id}`);
      return r.body.items.find((i) => i.id === call.id)?.ringingAt;
    });
    expect((await getCall(stack, call.id)).status).toBe('calling-b');
    expect((await stack.api('DELETE', `/v1/calls/${call.id}`)).status).toBe(204);
    const end = await finalState(stack, call.id);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'cancelled', reason: 'cancelled' });
    expect(await endedRecord(stack, binding.id, call.id)).toMatchObject({ outcome: 'cancelled', hangupBy: 'api' });
    expect((await stack.api('DELETE', `/v1/calls/${call.id}`)).status).toBe(409);
  });

  it('a cancel on another node reaches the process running the callback (Redis pub/sub)', async () => {
    // A second callback service on the same Redis, as on a second API node: it runs no flow.
    const otherNode = await createCallbackService({
      srf: { createUAC: () => Promise.reject(new Error('this node places no calls')) },
      redis: stack.redis,
      bindings: stack.handles.store as NonNullable<typeof stack.handles.store>,
      events: { started: () => undefined, ringing: () => undefined, answered: () => undefined, ended: () => undefined },
      trunks: [],
      log: pino({ level: 'silent' }),
      ringTimeoutSeconds: 3,
      limitPerTenant: 1,
    });
    try {
      const binding = await freshBinding(stack);
      parties = await startParties('uas-callback-cancel', port, 2);
      const call = await startCallback(stack, { bindingId: binding.id });
      await poll('B ringing', async () => {
        const r = await stack.api<{ items: Array<{ id: string; ringingAt?: string }> }>('GET', `/v1/records?bindingId=${binding.id}`);
        return r.body.items.find((i) => i.id === call.id)?.ringingAt;
      });
      expect((await otherNode.get(TENANT, call.id))?.status).toBe('calling-b');
      expect(await otherNode.cancel('another-tenant', call.id)).toBe(false);
      expect(await otherNode.cancel(TENANT, call.id)).toBe(true);
      const end = await finalState(stack, call.id);
      expectSippOk(await parties.done);
      expect(end).toMatchObject({ status: 'cancelled', reason: 'cancelled' });
      expect(await otherNode.cancel(TENANT, call.id)).toBe(false);
    } finally {
      await otherNode.close();
    }
  });

  it('maximum call duration: both legs get a BYE from the platform', async () => {
    const binding = await freshBinding(stack, { maxCallSeconds: 2 });
    parties = await startParties('uas-callback-maxduration', port, 2);
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'completed', reason: 'max-duration' });
    expect(await endedRecord(stack, binding.id, call.id)).toMatchObject({ outcome: 'answered', hangupBy: 'system' });
  });

  it('the per-tenant limit answers 429 beyond it; an unknown call is a 404', async () => {
    const limited = stack.handles.callbacks;
    expect(limited).toBeDefined();
    // Fill the tenant's slots directly in Redis (the limit counts callbacks in progress on any node).
    const key = callbackActiveKey(TENANT);
    const far = Date.now() + 600_000;
    const args: Array<string | number> = [];
    for (let i = 0; i < 100; i++) args.push(far, `filler-${i}`);
    await stack.redis.zadd(key, ...args);
    try {
      const binding = await freshBinding(stack);
      const r = await stack.api<{ error: { code: string } }>('POST', '/v1/calls', { bindingId: binding.id });
      expect(r.status).toBe(429);
      expect(r.body.error.code).toBe('PN_ERR_CALLBACK_LIMIT');
    } finally {
      await stack.redis.del(key);
    }
    expect((await stack.api('GET', '/v1/calls/no-such-call')).status).toBe(404);
  });
});
