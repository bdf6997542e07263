// 100rel on the UAC side (RFC 3262 §4; drachtio-protocol.md §4.3, §4.5): a callee sends a reliable
// 183 and srf's createUAC PRACKs it. The server creates the early dialog from the 183 (remote tag,
// Contact as target, route set from Record-Route), sends the PRACK in it, drops the repeated 183,
// lets the 2xx confirm the same dialog (route set recomputed), and counts CSeq past the PRACK.
import { describe, expect, it } from 'vitest';
import { useSipServer, waitFor, fixtureScenario, TEST_SDP } from '../../harness/sip-stack.ts';
import { startSippUas } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

const scenario = (name: string): string => fixtureScenario('sipp-srf', name);

const SDP = TEST_SDP;

interface SentMsg {
  get(name: string): string;
}
interface Provisional {
  status: number;
  get(name: string): string | undefined;
}
type CreateUac = (
  uri: string,
  opts: { localSdp: string; headers: Record<string, string> },
  progress: { cbRequest: (err: Error | null, req: SentMsg) => void; cbProvisional: (res: Provisional) => void },
) => Promise<{ id: string; remote: { sdp: string }; destroy(): Promise<SentMsg> }>;

const seqOf = (msg: SentMsg): number => Number(msg.get('CSeq').split(/\s+/)[0]);

describe.each([
  ['udp', 'u1'],
  ['tcp', 't1'],
] as const)('createUAC to a callee that sends a reliable 183, over %s', (proto, sippTransport) => {
  const env = useSipServer();

  const transportParam = proto === 'tcp' ? ';transport=tcp' : '';

  it('PRACKs the 183 once inside the early dialog, and the 200 confirms that dialog', { timeout: 30_000 }, async () => {
    const app = await env.app();
    const port = await getFreeUdpTcpPort();
    const callee = await startSippUas({ scenario: scenario('uas-100rel-prack'), localPort: port, transport: sippTransport, calls: 1, timeoutMs: 25_000 });
    let invite: SentMsg | undefined;
    const provisionals: Provisional[] = [];
    let earlyDialogs = -1;
    const createUac = app.createUAC.bind(app) as unknown as CreateUac;
    const dialog = await createUac(
      `sip:bob@127.0.0.1:${port}${transportParam}`,
      { localSdp: SDP, headers: { Supported: '100rel' } },
      {
        cbRequest: (err, req) => {
          if (!err) invite = req;
        },
        cbProvisional: (res) => {
          provisionals.push(res);
          earlyDialogs = env.server.server.stats().dialogs;
        },
      },
    );
    // The repeated 183 (same RSeq) was not passed on: one provisional, one PRACK.
    expect(provisionals.map((p) => p.status)).toEqual([183]);
    expect(provisionals[0]?.get('RSeq')).toBe('1');
    // The early dialog existed when the 183 reached the app (RFC 3262 §4, drachtio-protocol.md §4.3).
    expect(earlyDialogs).toBe(1);
    expect(dialog.remote.sdp).toContain('m=audio');
    expect(env.server.server.stats().dialogs).toBe(1);
    const bye = await dialog.destroy();
    // INVITE n, PRACK n+1, BYE n+2: the dialog's CSeq counted past the PRACK.
    expect(invite).toBeDefined();
    expect(seqOf(bye)).toBe(seqOf(invite as SentMsg) + 2);
    const c = await callee.done;
    expect(c.exitCode, c.logs).toBe(0);
    await waitFor(() => env.server.server.stats().dialogs === 0, 5000, 'dialog removed after BYE');
  });
});
