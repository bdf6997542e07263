// RFC 3725: B may ring longer than A's 200/ACK window (64*T1 = 32 s) and the callback still
// connects, because A's 200 was ACKed at once with a held answer. Own file: it takes ~36 s and
// runs beside the other callback tests.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startStack, type Stack } from '../../harness/stack.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';
import { A, B, endedRecord, expectReleaseTimer, expectSippOk, finalState, freshBinding, getCall, poll, startCallback, startParties } from './support.ts';

let stack: Stack;
let port: number;

beforeAll(async () => {
  port = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${port}`], config: { calls: { ringTimeoutSeconds: 50 } } });
});
afterAll(async () => stack?.stop());

it('B rings 35 s, longer than A\'s 32 s ACK window, and the call still connects', async () => {
  const binding = await freshBinding(stack);
  const parties = await startParties('uas-callback-blongring', port, 2, 90_000);
  try {
    const call = await startCallback(stack, { bindingId: binding.id });
    // While B rings, A is answered and held.
    await poll('calling B', async () => ((await getCall(stack, call.id)).status === 'calling-b' ? true : undefined));
    const end = await finalState(stack, call.id, 60_000);
    expectSippOk(await parties.done);
    expect(end).toMatchObject({ status: 'completed', reason: 'b-hangup', a: A, b: B });
    const rec = await endedRecord(stack, binding.id, call.id);
    expect(rec).toMatchObject({ kind: 'callback', outcome: 'answered', hangupBy: 'callee', finalStatus: 200 });
    // Answered after B's long ringing, not when A answered.
    expect(Date.parse(rec.answeredAt ?? '') - Date.parse(rec.invitedAt)).toBeGreaterThanOrEqual(34_000);
    await expectReleaseTimer(stack, binding.id, 600);
  } finally {
    await parties.stop();
  }
});
