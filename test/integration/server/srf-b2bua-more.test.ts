// createB2BUA on our server with sipp at both ends, over UDP and TCP (issue 4): early media (183
// with SDP) relayed to the caller before the 200, a callee's 486 passed back to the caller, and a
// re-INVITE (hold) from the callee relayed to the caller by the app.
import { describe, expect, it } from 'vitest';
import { useSipServer, waitFor, fixtureScenario } from '../../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

const scenario = (name: string): string => fixtureScenario('sipp-srf', name);

describe.each([
  ['udp', 'u1'],
  ['tcp', 't1'],
] as const)('createB2BUA on our server over %s', (proto, sippTransport) => {
  const env = useSipServer();

  const transportParam = proto === 'tcp' ? ';transport=tcp' : '';

  it('relays the callee 183 with SDP (early media) to the caller, then the 200', async () => {
    const app = await env.app();
    const port = await getFreeUdpTcpPort();
    const callee = await startSippUas({ scenario: scenario('uas-early-media-200'), localPort: port, transport: sippTransport, calls: 1 });
    let connected = 0;
    app.invite((req, res) => {
      void app.createB2BUA(req, res, `sip:bob@127.0.0.1:${port}${transportParam}`, { localSdpB: req.body }).then(({ uas: a, uac: b }) => {
        connected++;
        a.on('destroy', () => void b.destroy());
        b.on('destroy', () => void a.destroy());
      });
    });
    const caller = await runSipp({ scenario: scenario('uac-early-media'), remote: env.server.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    const c = await callee.done;
    expect(c.exitCode, c.logs).toBe(0);
    expect(connected).toBe(1);
    await waitFor(() => env.server.server.stats().dialogs === 0, 5000, 'both dialogs removed after BYE');
  });

  it("passes the callee's 486 to the caller", async () => {
    const app = await env.app();
    const port = await getFreeUdpTcpPort();
    const callee = await startSippUas({ scenario: scenario('uas-busy'), localPort: port, transport: sippTransport, calls: 1 });
    const failures: number[] = [];
    app.invite((req, res) => {
      app.createB2BUA(req, res, `sip:bob@127.0.0.1:${port}${transportParam}`, { localSdpB: req.body }).catch((err: { status?: number }) => {
        failures.push(err.status ?? 0);
      });
    });
    const caller = await runSipp({ scenario: scenario('uac-expect-486'), remote: env.server.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    const c = await callee.done;
    expect(c.exitCode, c.logs).toBe(0);
    await waitFor(() => failures.length === 1, 5000, 'B2BUA promise rejected');
    expect(failures[0]).toBe(486);
    expect(env.server.server.stats().dialogs).toBe(0);
  });

  it('relays a re-INVITE (hold) from the callee to the caller and its answer back', async () => {
    const app = await env.app();
    const port = await getFreeUdpTcpPort();
    const callee = await startSippUas({ scenario: scenario('uas-send-reinvite-hold'), localPort: port, transport: sippTransport, calls: 1 });
    const relayed: string[] = [];
    app.invite((req, res) => {
      void app.createB2BUA(req, res, `sip:bob@127.0.0.1:${port}${transportParam}`, { localSdpB: req.body }).then(({ uas: a, uac: b }) => {
        a.on('destroy', () => void b.destroy());
        b.on('destroy', () => void a.destroy());
        // srf does not relay re-INVITEs between the legs itself: the app does (offer to A, A's answer to B).
        b.on('modify', (reinvite: { body: string }, answer: { send: (status: number, opts: object) => void }) => {
          relayed.push(reinvite.body);
          a.modify(reinvite.body).then(
            (sdp: string) => answer.send(200, { body: sdp }),
            () => answer.send(488, {}),
          );
        });
      });
    });
    const caller = await runSipp({ scenario: scenario('uac-answer-reinvite'), remote: env.server.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    const c = await callee.done;
    expect(c.exitCode, c.logs).toBe(0);
    expect(relayed).toHaveLength(1);
    expect(relayed[0]).toContain('a=sendonly');
    await waitFor(() => env.server.server.stats().dialogs === 0, 5000, 'both dialogs removed after BYE');
  });
});
