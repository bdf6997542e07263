// Unmodified drachtio-srf (from npm) driving our SIP server, with sipp as the far ends, over UDP
// and TCP: createUAS, createUAC (incl. 3pcc noAck), createB2BUA, CANCEL, BYE either side,
// re-INVITE either side, and request() for OPTIONS/INFO/MESSAGE.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type Srf from 'drachtio-srf';
import { connectSrf, startSipServer, waitFor, type TestSipServer, fixtureScenario, TEST_SDP } from '../../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

const scenario = (name: string): string => fixtureScenario('sipp-srf', name);

const SDP = TEST_SDP;

describe.each([
  ['udp', 'u1'],
  ['tcp', 't1'],
] as const)('drachtio-srf on our server over %s', (proto, sippTransport) => {
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

  it('createUAS answers calls; the caller hangs up', async () => {
    srf = await connectSrf(stack.adminPort);
    let answered = 0;
    srf.invite((req, res) => {
      void srf.createUAS(req, res, { localSdp: SDP }).then((dialog) => {
        answered++;
        dialog.on('destroy', () => undefined);
      });
    });
    const result = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: sippTransport, calls: 3, rate: 10 });
    expect(result.exitCode, result.logs).toBe(0);
    expect(result.stats.successful).toBe(3);
    expect(answered).toBe(3);
    await waitFor(() => stack.server.stats().dialogs === 0, 5000, 'dialogs removed after BYE');
  });

  it('res.send(486) rejects a call', async () => {
    srf = await connectSrf(stack.adminPort);
    srf.invite((_req, res) => res.send(486));
    const result = await runSipp({ scenario: scenario('uac-expect-486'), remote: stack.sipAddress, transport: sippTransport, calls: 2, rate: 10 });
    expect(result.exitCode, result.logs).toBe(0);
    expect(result.stats.successful).toBe(2);
  });

  it('createUAC calls a sipp callee and hangs up with BYE', async () => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: 'uas', localPort: port, transport: sippTransport, calls: 1 });
    const dialog = await srf.createUAC(`sip:bob@127.0.0.1:${port}${transportParam}`, { localSdp: SDP });
    expect(dialog.remote.sdp).toContain('m=audio');
    await dialog.destroy();
    const result = await uas.done;
    expect(result.exitCode, result.logs).toBe(0);
  });

  it('createUAC with noAck (RFC 3725 3pcc): the app sends the ACK with its answer later', async () => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: 'uas', localPort: port, transport: sippTransport, calls: 1 });
    const uac = (await srf.createUAC(`sip:bob@127.0.0.1:${port}${transportParam}`, { noAck: true } as never)) as unknown as {
      sdp: string;
      ack: (sdp: string) => Promise<import('drachtio-srf').Dialog>;
    };
    expect(uac.sdp).toContain('m=audio');
    const dialog = await uac.ack(SDP);
    await dialog.destroy();
    const result = await uas.done;
    expect(result.exitCode, result.logs).toBe(0);
  });

  it('createB2BUA connects caller and callee; the caller hangs up', async () => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: 'uas', localPort: port, transport: sippTransport, calls: 2 });
    srf.invite((req, res) => {
      void srf.createB2BUA(req, res, `sip:bob@127.0.0.1:${port}${transportParam}`, { localSdpB: req.body }).then(({ uas: a, uac: b }) => {
        a.on('destroy', () => void b.destroy());
        b.on('destroy', () => void a.destroy());
      });
    });
    const result = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: sippTransport, calls: 2, rate: 10 });
    expect(result.exitCode, result.logs).toBe(0);
    { const u = await uas.done; expect(u.exitCode, u.logs).toBe(0); }
    await waitFor(() => stack.server.stats().dialogs === 0, 5000, 'all dialogs gone');
  });

  it('createB2BUA: the callee hangs up and the caller gets the BYE', async () => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: scenario('uas-hangup'), localPort: port, transport: sippTransport, calls: 1 });
    srf.invite((req, res) => {
      void srf.createB2BUA(req, res, `sip:bob@127.0.0.1:${port}${transportParam}`, { localSdpB: req.body }).then(({ uas: a, uac: b }) => {
        a.on('destroy', () => void b.destroy());
        b.on('destroy', () => void a.destroy());
      });
    });
    const result = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: sippTransport, calls: 1, extraArgs: ['-d', '10000'] });
    { const u = await uas.done; expect(u.exitCode, u.logs).toBe(0); }
    // sipp's built-in uac would BYE after the pause; the callee's BYE comes first and sipp answers it.
    expect([0, 1]).toContain(result.exitCode);
    await waitFor(() => stack.server.stats().dialogs === 0, 5000, 'all dialogs gone');
  });

  it('a caller CANCEL gives 487 and cancels the B leg', async () => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: scenario('uas-ring-cancel'), localPort: port, transport: sippTransport, calls: 1 });
    const failures: number[] = [];
    srf.invite((req, res) => {
      srf.createB2BUA(req, res, `sip:bob@127.0.0.1:${port}${transportParam}`, { localSdpB: req.body }).catch((err: { status?: number }) => {
        failures.push(err.status ?? 0);
      });
    });
    const result = await runSipp({ scenario: scenario('uac-cancel'), remote: stack.sipAddress, transport: sippTransport, calls: 1 });
    expect(result.exitCode, result.logs).toBe(0);
    { const u = await uas.done; expect(u.exitCode, u.logs).toBe(0); }
    await waitFor(() => failures.length === 1, 5000, 'B2BUA promise rejected');
    expect(failures[0]).toBe(487);
  });

  it('a re-INVITE (hold) from the caller is answered inside the dialog', async () => {
    srf = await connectSrf(stack.adminPort);
    srf.invite((req, res) => void srf.createUAS(req, res, { localSdp: SDP }));
    const result = await runSipp({ scenario: scenario('uac-reinvite-hold'), remote: stack.sipAddress, transport: sippTransport, calls: 1 });
    expect(result.exitCode, result.logs).toBe(0);
  });

  it('Dialog#modify (hold) from the app re-INVITEs the far end', async () => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: scenario('uas-reinvite'), localPort: port, transport: sippTransport, calls: 1 });
    const dialog = await srf.createUAC(`sip:bob@127.0.0.1:${port}${transportParam}`, { localSdp: SDP });
    await dialog.modify('hold');
    await dialog.destroy();
    { const u = await uas.done; expect(u.exitCode, u.logs).toBe(0); }
  });

  it.each(['OPTIONS', 'INFO', 'MESSAGE'])('srf.request sends %s and gets the 200', async (method) => {
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: scenario('uas-request-200'), localPort: port, transport: sippTransport, calls: 1 });
    // The callback runs in the same tick as the request echo, so the 'response' listener is in
    // place before the response frame (which may arrive in the same TCP read) is processed.
    type Sent = { on: (e: 'response', cb: (res: { status: number }) => void) => void };
    type RequestFn = (uri: string, opts: object, cb: (err: Error | null, req: Sent) => void) => void;
    const status = await new Promise<number>((resolve, reject) => {
      (srf.request as unknown as RequestFn).call(
        srf,
        `sip:bob@127.0.0.1:${port}${transportParam}`,
        { method, headers: { 'Content-Type': 'text/plain' }, body: method === 'OPTIONS' ? '' : 'hello' },
        (err, sent) => (err ? reject(err) : sent.on('response', (res) => resolve(res.status))),
      );
    });
    expect(status).toBe(200);
    { const u = await uas.done; expect(u.exitCode, u.logs).toBe(0); }
  });
});

describe('app connection', () => {
  let stack: TestSipServer;
  beforeAll(async () => {
    stack = await startSipServer();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('refuses a wrong secret', async () => {
    await expect(connectSrf(stack.adminPort, 'wrong')).rejects.toThrow(/authenticate/);
  });

  it('answers 503 when no app routes INVITE', async () => {
    const result = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: 'u1', calls: 1, timeoutMs: 15_000 });
    expect(result.exitCode).not.toBe(0);
    expect(result.stats.failed).toBe(1);
  });

  it('spreads new calls across several connected apps and forgets a disconnected one', async () => {
    const apps = [await connectSrf(stack.adminPort), await connectSrf(stack.adminPort)];
    const counts = [0, 0];
    apps.forEach((app, i) => app.invite((req, res) => {
      counts[i]!++;
      void app.createUAS(req, res, { localSdp: SDP });
    }));
    const r1 = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: 'u1', calls: 4, rate: 20 });
    expect(r1.exitCode, r1.logs).toBe(0);
    expect(counts).toEqual([2, 2]);
    apps[0]!.disconnect();
    await waitFor(() => stack.server.stats().apps === 1, 5000, 'first app gone');
    const r2 = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: 'u1', calls: 2, rate: 20 });
    expect(r2.exitCode, r2.logs).toBe(0);
    expect(counts).toEqual([2, 4]);
    apps[1]!.disconnect();
  });
});
