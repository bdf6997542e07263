// srf.proxyRequest (drachtio-protocol.md §6) on our server: unmodified drachtio-srf proxies a
// sipp caller's INVITE to sipp callees, over UDP and TCP. Record-routing is proven by the
// caller's ACK and BYE, sent with the route set of the 200, reaching the callee through us.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import type Srf from 'drachtio-srf';
import { connectSrf, startSipServer, waitFor, type TestSipServer, fixtureScenario } from '../../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

const scenario = (name: string): string => fixtureScenario('sipp-proxy', name);
const srfScenario = (name: string): string => fileURLToPath(new URL(`../../fixtures/sipp-srf/${name}.xml`, import.meta.url));

interface ProxyResults {
  connected: boolean;
  finalStatus?: number;
  responses: { address: string; port: number; msgs: { status: number }[] }[];
}

type ProxyRequestFn = (req: unknown, destination: string | string[], opts?: object) => Promise<ProxyResults>;

describe.each([
  ['udp', 'u1'],
  ['tcp', 't1'],
] as const)('srf.proxyRequest on our server over %s', (proto, sippTransport) => {
  let stack: TestSipServer;
  let srf: Srf;

  beforeAll(async () => {
    stack = await startSipServer();
  });
  afterAll(async () => {
    await stack.stop();
  });
  afterEach(() => {
    srf?.disconnect();
  });

  const transportParam = proto === 'tcp' ? ';transport=tcp' : '';

  /** Registers an INVITE handler that proxies to `destinations` and collects the results. */
  function proxyInvites(destinations: () => string[], opts: object): { results: ProxyResults[]; errors: unknown[] } {
    const results: ProxyResults[] = [];
    const errors: unknown[] = [];
    srf.invite((req) => {
      (srf.proxyRequest as unknown as ProxyRequestFn)
        .call(srf, req, destinations(), opts)
        .then((r) => results.push(r))
        .catch((err: unknown) => errors.push(err));
    });
    return { results, errors };
  }

  it('record-routes a call to a callee that answers 200; the caller BYE passes through us', async () => {
    srf = await connectSrf(stack.adminPort);
    const uas = await startSippUas({ scenario: scenario('uas-proxy-ok'), transport: sippTransport, calls: 1 });
    const { results, errors } = proxyInvites(() => [`sip:bob@127.0.0.1:${uas.port}${transportParam}`], { recordRoute: true });
    const caller = await runSipp({ scenario: scenario('uac-proxy-rr'), remote: stack.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    const callee = await uas.done;
    expect(callee.exitCode, callee.logs).toBe(0);
    await waitFor(() => results.length + errors.length === 1, 5000, 'proxy result');
    expect(errors).toEqual([]);
    const r = results[0] as ProxyResults;
    expect(r.connected).toBe(true);
    expect(r.finalStatus).toBe(200);
    // Only final responses are reported to the app: the 180 is not among them.
    expect(r.responses.flatMap((x) => x.msgs.map((m) => m.status))).toEqual([200]);
  });

  it('serial forking: the first callee answers 486, the second 200', async () => {
    srf = await connectSrf(stack.adminPort);
    const busy = await startSippUas({ scenario: scenario('uas-proxy-busy'), transport: sippTransport, calls: 1 });
    const ok = await startSippUas({ scenario: scenario('uas-proxy-ok'), transport: sippTransport, calls: 1 });
    const { results, errors } = proxyInvites(
      () => [`sip:busy@127.0.0.1:${busy.port}${transportParam}`, `sip:ok@127.0.0.1:${ok.port}${transportParam}`],
      { recordRoute: true, forking: 'serial' },
    );
    const caller = await runSipp({ scenario: scenario('uac-proxy-rr'), remote: stack.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    const b = await busy.done;
    expect(b.exitCode, b.logs).toBe(0);
    const o = await ok.done;
    expect(o.exitCode, o.logs).toBe(0);
    await waitFor(() => results.length + errors.length === 1, 5000, 'proxy result');
    expect(errors).toEqual([]);
    const r = results[0] as ProxyResults;
    expect(r.connected).toBe(true);
    expect(r.finalStatus).toBe(200);
    expect(r.responses.flatMap((x) => x.msgs.map((m) => m.status))).toEqual([486, 200]);
  });

  it('every callee rejecting gives the caller the best failure (486) and the app connected=false', async () => {
    srf = await connectSrf(stack.adminPort);
    const busy = await startSippUas({ scenario: scenario('uas-proxy-busy'), transport: sippTransport, calls: 1 });
    const { results } = proxyInvites(() => [`sip:busy@127.0.0.1:${busy.port}${transportParam}`], {});
    const caller = await runSipp({ scenario: srfScenario('uac-expect-486'), remote: stack.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    const b = await busy.done;
    expect(b.exitCode, b.logs).toBe(0);
    await waitFor(() => results.length === 1, 5000, 'proxy result');
    expect(results[0]?.connected).toBe(false);
    expect(results[0]?.finalStatus).toBe(486);
  });

  it('simultaneous forking: a caller CANCEL cancels every ringing branch and gets 487', async () => {
    srf = await connectSrf(stack.adminPort);
    const ringing = [
      await startSippUas({ scenario: srfScenario('uas-ring-cancel'), transport: sippTransport, calls: 1 }),
      await startSippUas({ scenario: srfScenario('uas-ring-cancel'), transport: sippTransport, calls: 1 }),
    ];
    const { results, errors } = proxyInvites(() => ringing.map((u, i) => `sip:callee${i}@127.0.0.1:${u.port}${transportParam}`), { forking: 'simultaneous' });
    const caller = await runSipp({ scenario: scenario('uac-proxy-cancel'), remote: stack.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    for (const u of ringing) {
      const r = await u.done;
      expect(r.exitCode, r.logs).toBe(0);
    }
    await waitFor(() => results.length + errors.length === 1, 5000, 'proxy result');
    expect(results[0]?.connected).toBe(false);
    expect(results[0]?.responses.flatMap((x) => x.msgs.map((m) => m.status))).toEqual([487, 487]);
  });
});

describe('srf.proxyRequest when nothing answers', () => {
  it('answers 408 upstream after timer B (RFC 3261 §16.7 step 6)', async () => {
    // A short T1 keeps timer B (64*T1) brief.
    const stack = await startSipServer({ t1: 40 });
    const srf = await connectSrf(stack.adminPort);
    try {
      const silent = await getFreeUdpTcpPort(); // nothing listens there
      const results: ProxyResults[] = [];
      srf.invite((req) => {
        void (srf.proxyRequest as unknown as ProxyRequestFn).call(srf, req, [`sip:nobody@127.0.0.1:${silent}`]).then((r) => results.push(r));
      });
      const caller = await runSipp({ scenario: scenario('uac-proxy-expect-408'), remote: stack.sipAddress, transport: 'u1', calls: 1 });
      expect(caller.exitCode, caller.logs).toBe(0);
      await waitFor(() => results.length === 1, 5000, 'proxy result');
      expect(results[0]?.connected).toBe(false);
      expect(results[0]?.finalStatus).toBe(408);
    } finally {
      srf.disconnect();
      await stack.stop();
    }
  });
});
