// The main callback flow over TCP: our SIP server listens on TCP too, the trunk's gateway URI
// carries ;transport=tcp and sipp plays A and B with -t t1 (one connection). Same checks as over
// UDP: both see X (the scenarios' leak checks), a BYE from either side ends both legs, and the
// state, record and release timer are final.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../../harness/stack.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';
import { startSippUas, type SippUasHandle } from '../../harness/sipp.ts';
import { A, B, endedRecord, expectReleaseTimer, expectSippOk, finalState, freshBinding, scenario, startCallback, startParties } from './support.ts';

let stack: Stack;
let port: number;
let parties: SippUasHandle | undefined;

beforeAll(async () => {
  port = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${port};transport=tcp`], config: { calls: { ringTimeoutSeconds: 5, callbackLimitPerTenant: 100 } } });
});
afterAll(async () => stack?.stop());
afterEach(async () => {
  await parties?.stop();
  parties = undefined;
});

describe('callback through the whole stack (TCP)', () => {
  it('both answer and see X; A hangs up and B gets the BYE over the same connection', async () => {
    const binding = await freshBinding(stack);
    parties = await startSippUas({ scenario: scenario('uas-callback-abye'), localPort: port, calls: 2, timeoutMs: 60_000, transport: 't1', traceMessages: true });
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    const r = await parties.done;
    expectSippOk(r);
    expect(r.stats.successful).toBe(2);
    // Both legs' INVITEs (and A's re-INVITE) came over TCP.
    const invites = r.logs.match(/^INVITE sip:[^\r\n]*\r?\nVia: SIP\/2\.0\/\S+/gm) ?? [];
    expect(invites.length, r.logs).toBe(3);
    for (const i of invites) expect(i).toMatch(/Via: SIP\/2\.0\/TCP$/);
    expect(end).toMatchObject({ status: 'completed', reason: 'a-hangup', x: binding.x, a: A, b: B, bindingId: binding.id });
    expect(end.answeredAt).toBeDefined();
    const rec = await endedRecord(stack, binding.id, call.id);
    expect(rec).toMatchObject({ kind: 'callback', caller: A, callee: B, x: binding.x, direction: 'a-to-b', outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
    expect(rec.ringingAt).toBeDefined();
    await expectReleaseTimer(stack, binding.id, 600);
    expect(stack.handles.callbacks?.activeCallbacks()).toBe(0);
  });

  it('both answer; B hangs up and A gets the BYE', async () => {
    const binding = await freshBinding(stack);
    parties = await startParties('uas-callback-bbye', port, 2, 60_000, 't1');
    const call = await startCallback(stack, { bindingId: binding.id });
    const end = await finalState(stack, call.id);
    const r = await parties.done;
    expectSippOk(r);
    expect(r.stats.successful).toBe(2);
    expect(end).toMatchObject({ status: 'completed', reason: 'b-hangup', x: binding.x });
    const rec = await endedRecord(stack, binding.id, call.id);
    expect(rec).toMatchObject({ outcome: 'answered', hangupBy: 'callee', finalStatus: 200 });
    await expectReleaseTimer(stack, binding.id, 600);
  });
});
