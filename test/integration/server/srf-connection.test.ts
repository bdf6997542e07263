// drachtio-srf connection behaviour on our server: reconnection after a server restart, digest
// authentication driven by srf (401 challenge, retry with credentials), and the outbound proxy option.
import { afterEach, describe, expect, it } from 'vitest';
import type Srf from 'drachtio-srf';
import { connectSrf, startSipServer, waitFor, type TestSipServer, fixtureScenario, TEST_SDP } from '../../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

const scenario = (name: string): string => fixtureScenario('sipp-srf', name);
const SDP = TEST_SDP;

describe('srf connection', () => {
  let stack: TestSipServer | undefined;
  let srf: Srf | undefined;
  afterEach(async () => {
    srf?.disconnect();
    await stack?.stop();
    stack = undefined;
  });

  it('srf reconnects after the server restarts and calls work again', async () => {
    stack = await startSipServer();
    const { adminPort, sipPort } = stack;
    srf = await connectSrf(adminPort);
    let connects = 0;
    srf.on('connect', () => connects++);
    srf.invite((req, res) => void srf!.createUAS(req, res, { localSdp: SDP }));
    await stack.stop();
    stack = await startSipServer({ adminPort, sipPort });
    await waitFor(() => connects >= 1 && stack!.server.hasInviteApp, 20_000, 'srf reconnected and routed INVITE');
    const result = await runSipp({ scenario: 'uac', remote: stack.sipAddress, calls: 1 });
    expect(result.exitCode, result.logs).toBe(0);
  });

  it.each([['udp', 'u1'], ['tcp', 't1']] as const)('createUAC answers a 401 challenge with digest credentials (%s)', async (proto, t) => {
    stack = await startSipServer();
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: scenario('uas-digest'), localPort: port, transport: t, calls: 1 });
    const uri = `sip:bob@127.0.0.1:${port}${proto === 'tcp' ? ';transport=tcp' : ''}`;
    const dialog = await srf.createUAC(uri, { localSdp: SDP, auth: { username: 'alice', password: 'secret' } });
    await dialog.destroy();
    const u = await uas.done;
    expect(u.exitCode, u.logs).toBe(0);
  });

  it('createUAC sends through an outbound proxy without changing the Request-URI', async () => {
    stack = await startSipServer();
    srf = await connectSrf(stack.adminPort);
    const port = await getFreeUdpTcpPort();
    const uas = await startSippUas({ scenario: 'uas', localPort: port, calls: 1 });
    // The Request-URI names a host that does not exist; only the proxy option gets it delivered.
    const dialog = await srf.createUAC('sip:bob@invalid.example.invalid', { localSdp: SDP, proxy: `sip:127.0.0.1:${port}` });
    await dialog.destroy();
    const u = await uas.done;
    expect(u.exitCode, u.logs).toBe(0);
  });
});
