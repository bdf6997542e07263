// 100rel on the UAS side (RFC 3262; drachtio-protocol.md §3.4): a caller that requires 100rel
// works with an srf app that knows nothing about PRACK. The server makes the 18x reliable,
// answers the PRACK itself, and rejects the INVITE 503 when no PRACK comes within 64*T1.
import { afterEach, describe, expect, it } from 'vitest';
import type Srf from 'drachtio-srf';
import { connectSrf, startSipServer, waitFor, type TestSipServer, fixtureScenario, TEST_SDP } from '../../harness/sip-stack.ts';
import { runSipp } from '../../harness/sipp.ts';

const scenario = (name: string): string => fixtureScenario('sipp-proxy', name);

const SDP = TEST_SDP;

describe('Require: 100rel from the caller, app unaware of PRACK', () => {
  let stack: TestSipServer | undefined;
  let srf: Srf | undefined;

  afterEach(async () => {
    srf?.disconnect();
    await stack?.stop();
    srf = undefined;
    stack = undefined;
  });

  it.each([
    ['udp', 'u1'],
    ['tcp', 't1'],
  ] as const)('over %s: the 180 goes out reliably, the PRACK is answered by the server, the call completes', async (_proto, transport) => {
    stack = await startSipServer();
    const s = await connectSrf(stack.adminPort);
    srf = s;
    const methods: string[] = [];
    s.use((req, _res, next) => {
      methods.push(req.method);
      next();
    });
    let answered = 0;
    s.invite((req, res) => {
      res.send(180);
      // The phone rings a moment before it answers: the caller's scenario PRACKs the 180 before it
      // takes the 200 (RFC 3262 would also allow the 200 first, since this 180 has no body).
      setTimeout(() => void s.createUAS(req, res, { localSdp: SDP }).then(() => answered++), 300);
    });
    const caller = await runSipp({ scenario: scenario('uac-100rel-prack'), remote: stack.sipAddress, transport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    expect(answered).toBe(1);
    await waitFor(() => stack?.server.stats().dialogs === 0, 5000, 'dialog ended by BYE');
    // The PRACK never reached the app.
    expect(methods).not.toContain('PRACK');
  });

  it('no PRACK within 64*T1: the INVITE is rejected 503 Reliable Response Time-Out', async () => {
    // A short T1 keeps timer P2 (64*T1) brief.
    stack = await startSipServer({ t1: 40 });
    const s = await connectSrf(stack.adminPort);
    srf = s;
    s.invite((_req, res) => res.send(180));
    const caller = await runSipp({ scenario: scenario('uac-100rel-noprack'), remote: stack.sipAddress, transport: 'u1', calls: 1, timeoutMs: 20_000 });
    expect(caller.exitCode, caller.logs).toBe(0);
    expect(stack.server.stats().pendingIncoming).toBe(0);
  });
});
