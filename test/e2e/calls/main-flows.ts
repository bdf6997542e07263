// The main call flows, registered once per transport (main-flows-udp / main-flows-tcp): direct
// dial, return call, busy and callee hangs up, each with its call record and release timer.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { A, B, bind, call, endedRecord, expectCompleted, expectReleaseTimer, expectTimes, startCallsEnv, tracedMessages, type CallsEnv, type SipTransport } from './call-fixture.ts';

export function describeMainFlows(transport: SipTransport): void {
  const over = transport === 'u1' ? 'UDP' : 'TCP';

  describe(`main call flows over ${over}`, () => {
    let env: CallsEnv;
    beforeAll(async () => {
      env = await startCallsEnv({ transport });
    });
    afterAll(async () => env?.stop());

    it('direct dial: A calls X, B sees X (never A), answers, a hold re-INVITE is relayed, A hangs up', async () => {
      const binding = await bind(env, { mode: 'AXB', a: A, b: B });
      const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-callerbye', uas: 'uas-direct-callerbye', traceCallee: true });
      expectCompleted('uac-direct-callerbye', run.uac);
      expectCompleted('uas-direct-callerbye', run.uas);

      // B is called at the gateway, shown X as the caller in From and P-Asserted-Identity.
      const invite = tracedMessages(run.uas).find((m) => /^INVITE sip:/m.test(m));
      expect(invite, run.uas.logs).toBeDefined();
      const xDigits = binding.x.slice(1);
      expect(invite).toMatch(new RegExp(`^INVITE sip:\\+?${B.slice(1)}@127\\.0\\.0\\.1:${env.calleePort}`, 'm'));
      expect(invite).toMatch(new RegExp(`^From:[^\\r\\n]*${xDigits}`, 'mi'));
      expect(invite).toMatch(new RegExp(`^P-Asserted-Identity:[^\\r\\n]*${xDigits}`, 'mi'));
      // The B leg goes over the transport of the gateway URI.
      expect(invite).toMatch(new RegExp(`^Via: SIP/2\\.0/${over} `, 'mi'));

      const rec = await endedRecord(env, binding.id);
      expect(rec).toMatchObject({ kind: 'direct', x: binding.x, caller: A, callee: B, direction: 'a-to-b', outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
      expectTimes(rec, run, { ringing: true, answered: true });
      await expectReleaseTimer(env, binding, rec);
    });

    it('DTMF as SIP INFO crosses both ways (5 to B, # to A) with no number of either party in it', async () => {
      const binding = await bind(env, { mode: 'AXB', a: A, b: B });
      const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-dtmfinfo', uas: 'uas-direct-dtmfinfo', traceCallee: true });
      expectCompleted('uac-direct-dtmfinfo', run.uac);
      expectCompleted('uas-direct-dtmfinfo', run.uas);
      const info = tracedMessages(run.uas).find((m) => /^INFO sip:/m.test(m));
      expect(info, run.uas.logs).toMatch(/^Content-Type: application\/dtmf-relay/im);
      expect(info).not.toMatch(/^P-Asserted-Identity:[^\r\n]*13912345671/im);
    });

    it('a mid-call UPDATE with a hold offer reaches B and B\'s answer reaches A, neither carrying the other\'s number', async () => {
      const binding = await bind(env, { mode: 'AXB', a: A, b: B });
      const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-update', uas: 'uas-direct-update' });
      expectCompleted('uac-direct-update', run.uac);
      expectCompleted('uas-direct-update', run.uas);
    });

    it('return call: B calls X, A sees X (never B), answers, B hangs up', async () => {
      const binding = await bind(env, { mode: 'AXB', a: A, b: B });
      const run = await call(env, { caller: B, x: binding.x, uac: 'uac-return-callerbye', uas: 'uas-return-callerbye' });
      expectCompleted('uac-return-callerbye', run.uac);
      expectCompleted('uas-return-callerbye', run.uas);

      const rec = await endedRecord(env, binding.id);
      expect(rec).toMatchObject({ x: binding.x, caller: B, callee: A, direction: 'b-to-a', outcome: 'answered', finalStatus: 200, hangupBy: 'caller' });
      expectTimes(rec, run, { ringing: true, answered: true });
      await expectReleaseTimer(env, binding, rec);
    });

    it('busy: B answers 486 and A gets 486', async () => {
      const binding = await bind(env, { mode: 'AXB', a: A, b: B });
      const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-busy', uas: 'uas-direct-busy' });
      expectCompleted('uac-direct-busy', run.uac);
      expectCompleted('uas-direct-busy', run.uas);

      const rec = await endedRecord(env, binding.id);
      expect(rec).toMatchObject({ caller: A, callee: B, direction: 'a-to-b', outcome: 'busy', finalStatus: 486 });
      expect(rec.hangupBy).toBeUndefined();
      expectTimes(rec, run, { ringing: true, answered: false });
      await expectReleaseTimer(env, binding, rec);
    });

    it('callee hangs up: B answers, puts A on hold (relayed to A), then sends BYE', async () => {
      const binding = await bind(env, { mode: 'AXB', a: A, b: B });
      const run = await call(env, { caller: A, x: binding.x, uac: 'uac-direct-calleebye', uas: 'uas-direct-calleebye' });
      expectCompleted('uac-direct-calleebye', run.uac);
      expectCompleted('uas-direct-calleebye', run.uas);

      const rec = await endedRecord(env, binding.id);
      expect(rec).toMatchObject({ caller: A, callee: B, direction: 'a-to-b', outcome: 'answered', finalStatus: 200, hangupBy: 'callee' });
      expectTimes(rec, run, { ringing: true, answered: true });
      await expectReleaseTimer(env, binding, rec);
    });
  });
}
