// In-dialog requests on our server (drachtio-protocol.md §5.2, §5.3, §5.5), over UDP and TCP, with
// unmodified drachtio-srf as the app and sipp as the far end: INFO, UPDATE, NOTIFY and OPTIONS from
// the network delivered with the dialog id and answered; the same from the app with Dialog#request
// (to the remote target, with the dialog's tags and CSeq); stray requests with an unknown To-tag
// answered 481 (RFC 3261 §12.2.2); dialogs removed after BYE.
import { describe, expect, it } from 'vitest';
import { useSipServer, waitFor, fixtureScenario, TEST_SDP } from '../../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

const scenario = (name: string): string => fixtureScenario('sipp-srf', name);

const SDP = TEST_SDP;

const IN_DIALOG_METHODS = ['INFO', 'UPDATE', 'NOTIFY', 'OPTIONS'] as const;

/** The parts of srf's Request/Response the tests read (srf's typings do not cover them all). */
interface InReq {
  method: string;
  stackDialogId: string;
  get(name: string): string | undefined;
}
interface InRes {
  send(status: number, opts?: object): void;
}
interface SentReq {
  get(name: string): string;
}
interface InDialog {
  id: string;
  on(event: string, cb: (req: InReq, res: InRes) => void): void;
  request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; get(name: string): string }>;
  destroy(): Promise<SentReq>;
}

describe.each([
  ['udp', 'u1'],
  ['tcp', 't1'],
] as const)('in-dialog requests on our server over %s', (proto, sippTransport) => {
  const env = useSipServer();

  const transportParam = proto === 'tcp' ? ';transport=tcp' : '';

  it('delivers INFO, UPDATE, NOTIFY and OPTIONS from the caller to the app with the dialog id', async () => {
    const app = await env.app();
    const seen: Array<{ method: string; dialogId: string; matches: boolean }> = [];
    let destroyed = false;
    app.invite((req, res) => {
      void app.createUAS(req, res, { localSdp: SDP }).then((d) => {
        const dialog = d as unknown as InDialog;
        for (const m of IN_DIALOG_METHODS) {
          dialog.on(m.toLowerCase(), (r, answer) => {
            seen.push({ method: r.method, dialogId: r.stackDialogId, matches: r.stackDialogId === dialog.id });
            answer.send(200);
          });
        }
        dialog.on('destroy', () => (destroyed = true));
      });
    });
    const caller = await runSipp({ scenario: scenario('uac-in-dialog-requests'), remote: env.server.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    expect(seen.map((s) => s.method)).toEqual([...IN_DIALOG_METHODS]);
    for (const s of seen) {
      expect(s.matches, `${s.method} dialogId ${s.dialogId}`).toBe(true);
      expect(s.dialogId).toMatch(/;from-tag=\d+SIPpTag00/);
    }
    await waitFor(() => destroyed, 5000, 'dialog destroy event on BYE');
    await waitFor(() => env.server.server.stats().dialogs === 0, 5000, 'dialog removed after BYE');
  });

  it('sends INFO, UPDATE, NOTIFY and OPTIONS from the app to the callee with Dialog#request; CSeq counts up', async () => {
    const app = await env.app();
    const port = await getFreeUdpTcpPort();
    const callee = await startSippUas({ scenario: scenario('uas-in-dialog-requests'), localPort: port, transport: sippTransport, calls: 1 });
    const dialog = (await app.createUAC(`sip:bob@127.0.0.1:${port}${transportParam}`, { localSdp: SDP })) as unknown as InDialog;
    expect(env.server.server.stats().dialogs).toBe(1);
    const seqs: number[] = [];
    for (const method of IN_DIALOG_METHODS) {
      const headers: Record<string, string> = method === 'NOTIFY' ? { Event: 'talk', 'Subscription-State': 'active' } : { 'X-Test': method };
      const res = await dialog.request({ method, headers });
      expect(res.status, method).toBe(200);
      seqs.push(Number(res.get('CSeq').split(/\s+/)[0]));
    }
    const bye = await dialog.destroy();
    seqs.push(Number(bye.get('CSeq').split(/\s+/)[0]));
    // RFC 3261 §12.2.1.1: each new request in the dialog takes the next local CSeq number.
    for (let i = 1; i < seqs.length; i++) expect(seqs[i]).toBe((seqs[0] as number) + i);
    const c = await callee.done;
    expect(c.exitCode, c.logs).toBe(0);
    await waitFor(() => env.server.server.stats().dialogs === 0, 5000, 'dialog removed after our BYE is answered');
  });

  it('sends an INFO from the app to the caller inside a UAS dialog', async () => {
    const app = await env.app();
    const statuses: number[] = [];
    app.invite((req, res) => {
      void app.createUAS(req, res, { localSdp: SDP }).then((d) => {
        const dialog = d as unknown as InDialog;
        dialog.on('ack' as string, () => {
          void dialog.request({ method: 'INFO', headers: { 'Content-Type': 'application/dtmf-relay' }, body: 'Signal=5\r\nDuration=160\r\n' }).then((r) => statuses.push(r.status));
        });
      });
    });
    const caller = await runSipp({ scenario: scenario('uac-in-dialog-info-from-app'), remote: env.server.sipAddress, transport: sippTransport, calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    await waitFor(() => statuses.length === 1, 5000, 'INFO answered');
    expect(statuses).toEqual([200]);
    await waitFor(() => env.server.server.stats().dialogs === 0, 5000, 'dialog removed after BYE');
  });

  it('answers stray BYE, UPDATE and INFO with an unknown To-tag 481', async () => {
    // No app routes INFO here, so the stray INFO is not offered to one (drachtio would offer it).
    const result = await runSipp({ scenario: scenario('uac-stray-481'), remote: env.server.sipAddress, transport: sippTransport, calls: 1, timeoutMs: 20_000 });
    expect(result.exitCode, result.logs).toBe(0);
    expect(env.server.server.stats().dialogs).toBe(0);
  });

  it('offers a stray INFO with an unknown To-tag to an app that routes INFO, without a dialog id (as drachtio does)', async () => {
    const app = await env.app();
    const offered: string[] = [];
    // srf has info() like every verb; its typings only declare invite().
    (app as unknown as { info: (h: (req: InReq, res: InRes) => void) => void }).info((req, res) => {
      offered.push(req.stackDialogId);
      res.send(481); // the app's answer reaches the peer, which expects 481 for all three
    });
    const result = await runSipp({ scenario: scenario('uac-stray-481'), remote: env.server.sipAddress, transport: sippTransport, calls: 1, timeoutMs: 20_000 });
    expect(result.exitCode, result.logs).toBe(0);
    expect(offered).toEqual(['']);
  });
});
