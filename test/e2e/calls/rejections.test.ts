// Calls to X that must reach nobody, over UDP: a stranger (unbound: 404 with Reason Q.850;cause=1)
// and a call against the binding's call restriction (403). A callee sipp listens at the gateway
// throughout and must receive nothing.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { A, B, STRANGER, bind, call, endedRecord, expectCompleted, expectExpiryUnchanged, expectNothingReached, startCallsEnv, tracedMessages, type CallsEnv } from './call-fixture.ts';
import { poll } from '../../harness/poll.ts';
import { runSipp } from '../../harness/sipp.ts';

let env: CallsEnv;
beforeAll(async () => {
  env = await startCallsEnv();
});
afterAll(async () => env?.stop());

it('unbound: a stranger calling X gets 404 with Reason Q.850;cause=1 and no INVITE leaves the platform', async () => {
  const binding = await bind(env, { mode: 'AXB', a: A, b: B });
  const run = await call(env, { caller: STRANGER, x: binding.x, uac: 'uac-unbound-rejected', uas: null, traceCaller: true, traceCallee: true });
  expectCompleted('uac-unbound-rejected', run.uac);
  const final = tracedMessages(run.uac).find((m) => /^SIP\/2\.0 404 /m.test(m));
  expect(final, run.uac.logs).toMatch(/^Reason: Q\.850;cause=1\b/m);
  expectNothingReached(run.uas);
  // Nothing was connected on the binding: no release timer.
  await expectExpiryUnchanged(env, binding);
  // The attempt is still recorded for the tenant that owns X (no binding id: none matched).
  type Rec = { x: string; caller: string; outcome?: string; finalStatus?: number; bindingId?: string };
  const rec = await poll('the unbound attempt in the records', async () => {
    const page = await env.stack.api<{ items: Rec[] }>('GET', '/v1/records');
    return page.body.items.find((r) => r.x === binding.x && r.outcome === 'rejected-unbound');
  }, 5000, 50);
  expect(rec).toMatchObject({ caller: STRANGER, finalStatus: 404 });
  expect(rec?.bindingId).toBeUndefined();
});

it('restricted: with callRestriction a-to-b, B calling X gets 403 and nothing leaves the platform', async () => {
  const binding = await bind(env, { mode: 'AXB', a: A, b: B, callRestriction: 'a-to-b' });
  const run = await call(env, { caller: B, x: binding.x, uac: 'uac-restricted-rejected', uas: null, traceCallee: true });
  expectCompleted('uac-restricted-rejected', run.uac);
  expectNothingReached(run.uas);

  const rec = await endedRecord(env, binding.id);
  expect(rec).toMatchObject({ x: binding.x, caller: B, outcome: 'rejected-restricted', finalStatus: 403 });
  expect(rec.answeredAt).toBeUndefined();
  expect(rec.hangupBy).toBeUndefined();
  await expectExpiryUnchanged(env, binding);
});

it("a trunk's OPTIONS keep-alive gets 200 from the product (not 503 for want of an app)", async () => {
  const r = await runSipp({ scenario: new URL('../../fixtures/sipp/uac-options-ok.xml', import.meta.url).pathname, remote: `127.0.0.1:${env.stack.sipPort}`, calls: 3, rate: 10, timeoutMs: 30_000 });
  expect(r.stats.successful, r.logs).toBe(3);
});
