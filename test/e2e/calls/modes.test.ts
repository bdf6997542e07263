// Binding modes other than AXB, over UDP: AXN (anyone calling X reaches A) and reverse
// (B calling X reaches A; A calling X is treated as unbound and reaches nobody).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { join } from 'node:path';
import {
  A,
  B,
  FIXTURES,
  bind,
  call,
  endedRecord,
  expectCompleted,
  expectExpiryUnchanged,
  expectNothingReached,
  expectReleaseTimer,
  expectTimes,
  startCallsEnv,
  tracedMessages,
  type CallsEnv,
} from './call-fixture.ts';

let env: CallsEnv;
beforeAll(async () => {
  env = await startCallsEnv();
});
afterAll(async () => env?.stop());

it('AXN: anyone (here B, not a party of the binding) calling X reaches A, neither sees the other', async () => {
  const binding = await bind(env, { mode: 'AXN', a: A });
  const run = await call(env, { caller: B, x: binding.x, uac: 'uac-return-callerbye', uas: 'uas-return-callerbye' });
  expectCompleted('uac-return-callerbye', run.uac);
  expectCompleted('uas-return-callerbye', run.uas);

  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ x: binding.x, caller: B, callee: A, outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
  expectTimes(rec, run, { ringing: true, answered: true });
  await expectReleaseTimer(env, binding, rec);
});

it('reverse: B calling X reaches A', async () => {
  const binding = await bind(env, { mode: 'reverse', a: A, b: B });
  const run = await call(env, { caller: B, x: binding.x, uac: 'uac-return-callerbye', uas: 'uas-return-callerbye' });
  expectCompleted('uac-return-callerbye', run.uac);
  expectCompleted('uas-return-callerbye', run.uas);

  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ x: binding.x, caller: B, callee: A, direction: 'b-to-a', outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
  expectTimes(rec, run, { ringing: true, answered: true });
  await expectReleaseTimer(env, binding, rec);
});

it('reverse: A calling X is treated as unbound (404, Reason Q.850;cause=1) and B receives nothing', async () => {
  const binding = await bind(env, { mode: 'reverse', a: A, b: B });
  const run = await call(env, {
    caller: A,
    x: binding.x,
    // Like uac-unbound-rejected, but A's own number comes back in From/To: only B's is a leak.
    uac: join(FIXTURES, 'uac-reverse-rejected.xml'),
    uas: null,
    traceCaller: true,
    traceCallee: true,
  });
  expectCompleted('uac-reverse-rejected', run.uac);
  const final = tracedMessages(run.uac).find((m) => /^SIP\/2\.0 404 /m.test(m));
  expect(final, run.uac.logs).toMatch(/^Reason: Q\.850;cause=1\b/m);
  expectNothingReached(run.uas);
  // The lookup finds no binding for (A, X) at all, so the rejection is not tied to this binding.
  await expectExpiryUnchanged(env, binding);
});
