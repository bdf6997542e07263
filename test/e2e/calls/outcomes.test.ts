// Calls that end without the parties hanging up normally, over UDP: the platform's ring timeout,
// the caller cancelling while B rings, and the binding's maximum call duration.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { A, B, bind, call, endedRecord, expectCompleted, expectReleaseTimer, expectTimes, startCallsEnv, tracedMessages, type CallsEnv } from './call-fixture.ts';

const RING_TIMEOUT_SECONDS = 2;
const MAX_CALL_SECONDS = 2;

let env: CallsEnv;
beforeAll(async () => {
  env = await startCallsEnv({ config: { calls: { ringTimeoutSeconds: RING_TIMEOUT_SECONDS } } });
});
afterAll(async () => env?.stop());

it('no answer: after the ring timeout the platform CANCELs B and answers A 480', async () => {
  const binding = await bind(env, { mode: 'AXB', a: A, b: B });
  const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-noanswer', uas: 'uas-direct-noanswer', traceCaller: true });
  // uas-direct-noanswer completes only if it receives the CANCEL.
  expectCompleted('uac-direct-noanswer', run.uac);
  expectCompleted('uas-direct-noanswer', run.uas);
  const final = tracedMessages(run.uac).find((m) => /^SIP\/2\.0 480 /m.test(m));
  expect(final, run.uac.logs).toMatch(/^Reason: Q\.850;cause=19/m);

  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ caller: A, callee: B, direction: 'a-to-b', outcome: 'no-answer', finalStatus: 480 });
  expectTimes(rec, run, { ringing: true, answered: false });
  // The ring timeout runs from the B-leg INVITE; it cannot have fired early.
  expect(Date.parse(rec.endedAt!) - Date.parse(rec.invitedAt)).toBeGreaterThanOrEqual(RING_TIMEOUT_SECONDS * 1000);
  await expectReleaseTimer(env, binding, rec);
});

it('caller cancels while B rings: A gets 487, B gets CANCEL', async () => {
  const binding = await bind(env, { mode: 'AXB', a: A, b: B });
  const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-cancel', uas: 'uas-direct-cancel' });
  expectCompleted('uac-direct-cancel', run.uac);
  expectCompleted('uas-direct-cancel', run.uas);

  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ caller: A, callee: B, direction: 'a-to-b', outcome: 'cancelled', finalStatus: 487, hangupBy: 'caller' });
  expectTimes(rec, run, { ringing: true, answered: false });
  await expectReleaseTimer(env, binding, rec);
});

it('max duration: nobody hangs up; when maxCallSeconds passes both legs get BYE', async () => {
  const binding = await bind(env, { mode: 'AXB', a: A, b: B, maxCallSeconds: MAX_CALL_SECONDS });
  const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-maxduration', uas: 'uas-direct-maxduration', traceCaller: true });
  expectCompleted('uac-direct-maxduration', run.uac);
  expectCompleted('uas-direct-maxduration', run.uas);
  const bye = tracedMessages(run.uac).find((m) => /^BYE sip:/m.test(m));
  expect(bye, run.uac.logs).toMatch(/^Reason: Q\.850;cause=102/m);

  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ caller: A, callee: B, outcome: 'answered', finalStatus: 200, hangupBy: 'system', durationSeconds: MAX_CALL_SECONDS });
  expectTimes(rec, run, { ringing: true, answered: true });
  await expectReleaseTimer(env, binding, rec);
});
