// The transaction layer as a UAS under sipp over real loopback sockets, UDP and TCP, with and
// without packet loss (sipp -lost), so retransmission and absorption really happen.
import { afterEach, describe, expect, it } from 'vitest';
import { runSipp, type SippResult } from '../../harness/sipp.ts';
import { startTestTu, type TestTu } from './test-tu.ts';

const FIX = 'test/fixtures/sipp';
let tu: TestTu | undefined;

afterEach(async () => {
  await tu?.close();
  tu = undefined;
});

function explain(r: SippResult): string {
  return `exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n${r.logs.slice(-3000)}\n${r.stderr.slice(-1000)}`;
}

describe('server transactions driven by sipp', () => {
  for (const transport of ['u1', 't1'] as const) {
    it(`OPTIONS answered 200 over ${transport === 'u1' ? 'UDP' : 'TCP'}`, async () => {
      tu = await startTestTu();
      const r = await runSipp({ scenario: `${FIX}/uac-options-ok.xml`, remote: `127.0.0.1:${tu.port}`, transport, calls: 20, rate: 50, timeoutMs: 60_000 });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stats.successful).toBe(20);
      expect(tu.seen.get('OPTIONS')).toBe(20);
    });

    it(`INVITE 180/200, ACK, BYE 200 over ${transport === 'u1' ? 'UDP' : 'TCP'}`, async () => {
      tu = await startTestTu();
      const r = await runSipp({ scenario: `${FIX}/uac-invite-ok.xml`, remote: `127.0.0.1:${tu.port}`, transport, calls: 20, rate: 50, timeoutMs: 60_000 });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stats.successful).toBe(20);
      expect(tu.seen.get('INVITE')).toBe(20);
      expect(tu.seen.get('BYE')).toBe(20);
    });

    it(`INVITE then CANCEL: 200 for the CANCEL and 487 for the INVITE over ${transport === 'u1' ? 'UDP' : 'TCP'}`, async () => {
      tu = await startTestTu();
      const r = await runSipp({ scenario: `${FIX}/uac-invite-cancel.xml`, remote: `127.0.0.1:${tu.port}`, transport, calls: 10, rate: 50, timeoutMs: 60_000 });
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stats.successful).toBe(10);
      expect(tu.seen.get('CANCEL')).toBe(10);
    });
  }

  it('with 10% packet loss (sipp -lost 10) OPTIONS transactions still complete: retransmissions are absorbed and answered', async () => {
    tu = await startTestTu();
    const r = await runSipp({ scenario: `${FIX}/uac-options-ok.xml`, remote: `127.0.0.1:${tu.port}`, calls: 60, rate: 100, extraArgs: ['-lost', '10'], timeoutMs: 90_000 });
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.stats.successful).toBe(60);
    expect(r.stats.retransmissions).toBeGreaterThan(0);
    expect(tu.layer.stats.retransmissionsAbsorbed).toBeGreaterThan(0);
  });

  it('with 10% packet loss (sipp -lost 10) INVITE/BYE calls still complete', async () => {
    tu = await startTestTu();
    const r = await runSipp({ scenario: `${FIX}/uac-invite-ok.xml`, remote: `127.0.0.1:${tu.port}`, calls: 40, rate: 100, extraArgs: ['-lost', '10'], timeoutMs: 120_000 });
    expect(r.exitCode, explain(r)).toBe(0);
    expect(r.stats.successful).toBe(40);
    expect(r.stats.retransmissions + tu.okRetransmissions + tu.layer.stats.retransmissionsSent).toBeGreaterThan(0);
  });
});
