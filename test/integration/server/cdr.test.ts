// cdr:attempt / cdr:start / cdr:stop (drachtio-protocol.md §7, drachtio-traces.md Flow 9) as an
// unmodified drachtio-srf app receives them from our server, for UAS, UAC and proxied calls.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import Srf from 'drachtio-srf';
import { startSipServer, TEST_SECRET, waitFor, type TestSipServer, TEST_SDP } from '../../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../../harness/sipp.ts';

const fixture = (dir: string, name: string): string => fileURLToPath(new URL(`../../fixtures/${dir}/${name}.xml`, import.meta.url));

const SDP = TEST_SDP;

interface CdrEvent {
  kind: 'attempt' | 'start' | 'stop';
  source: string;
  /** role (start) or reason (stop). */
  detail?: string;
  /** Start line of the attached SIP message: method for requests, status for responses. */
  what: string;
  time: string;
}

interface SrfSipMessage {
  method?: string;
  status?: number;
}

const describeMsg = (msg: SrfSipMessage): string => (msg.method ?? String(msg.status));

/** An srf app that routes the cdr streams before it connects, so no event can be missed. */
async function connectWithCdrs(adminPort: number, events: CdrEvent[]): Promise<Srf> {
  const srf = new Srf();
  const on = srf.on.bind(srf) as unknown as (event: string, fn: (...args: unknown[]) => void) => void;
  on('cdr:attempt', (source, time, msg) => events.push({ kind: 'attempt', source: String(source), time: String(time), what: describeMsg(msg as SrfSipMessage) }));
  on('cdr:start', (source, time, role, msg) => events.push({ kind: 'start', source: String(source), time: String(time), detail: String(role), what: describeMsg(msg as SrfSipMessage) }));
  on('cdr:stop', (source, time, reason, msg) => events.push({ kind: 'stop', source: String(source), time: String(time), detail: String(reason), what: describeMsg(msg as SrfSipMessage) }));
  await new Promise<void>((resolve, reject) => {
    srf.on('connect', (err: Error | null) => (err ? reject(err) : resolve()));
    srf.on('error', (err: Error) => reject(err));
    void srf.connect({ host: '127.0.0.1', port: adminPort, secret: TEST_SECRET });
  });
  return srf;
}

const summary = (events: CdrEvent[]): string[] => events.map((e) => [e.kind, e.source, e.detail ?? '-', e.what].join(' '));

describe('CDR events from our server', () => {
  let stack: TestSipServer;
  let srf: Srf | undefined;
  let events: CdrEvent[];

  beforeAll(async () => {
    stack = await startSipServer();
  });
  afterAll(async () => {
    await stack.stop();
  });
  afterEach(() => {
    srf?.disconnect();
    srf = undefined;
  });

  async function app(): Promise<Srf> {
    events = [];
    srf = await connectWithCdrs(stack.adminPort, events);
    return srf;
  }

  it('UAS call answered by the app, caller hangs up: attempt(network), start(uas), stop(normal-release)', async () => {
    const s = await app();
    s.invite((req, res) => void s.createUAS(req, res, { localSdp: SDP }));
    const caller = await runSipp({ scenario: 'uac', remote: stack.sipAddress, transport: 'u1', calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    await waitFor(() => events.some((e) => e.kind === 'stop'), 5000, 'cdr:stop');
    expect(summary(events)).toEqual(['attempt network - INVITE', 'start application uas 200', 'stop network normal-release BYE']);
    // drachtio's time token: UTC time of day with microseconds.
    for (const e of events) expect(e.time).toMatch(/^\d{2}:\d{2}:\d{2}\.\d{6}$/);
  });

  it('UAS call rejected by the app: attempt(network), stop(application, call-rejected) with the 486', async () => {
    const s = await app();
    s.invite((_req, res) => res.send(486));
    const caller = await runSipp({ scenario: fixture('sipp-srf', 'uac-expect-486'), remote: stack.sipAddress, transport: 'u1', calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    await waitFor(() => events.some((e) => e.kind === 'stop'), 5000, 'cdr:stop');
    expect(summary(events)).toEqual(['attempt network - INVITE', 'stop application call-rejected 486']);
  });

  it('UAC call with a re-INVITE, app hangs up: attempt(application), one start(uac), stop(application, normal-release)', async () => {
    const s = await app();
    const uas = await startSippUas({ scenario: fixture('sipp-srf', 'uas-reinvite'), transport: 'u1', calls: 1 });
    const dialog = await s.createUAC(`sip:bob@127.0.0.1:${uas.port}`, { localSdp: SDP });
    await dialog.modify('hold');
    await dialog.destroy();
    const r = await uas.done;
    expect(r.exitCode, r.logs).toBe(0);
    await waitFor(() => events.some((e) => e.kind === 'stop'), 5000, 'cdr:stop');
    // The re-INVITE's 200 is not a new call: no second cdr:start (drachtio-protocol.md §7).
    expect(summary(events)).toEqual(['attempt application - INVITE', 'start network uac 200', 'stop application normal-release BYE']);
  });

  it('UAC call rejected by the callee: attempt(application), stop(network, call-rejected)', async () => {
    const s = await app();
    const uas = await startSippUas({ scenario: fixture('sipp-proxy', 'uas-proxy-busy'), transport: 'u1', calls: 1 });
    await expect(s.createUAC(`sip:bob@127.0.0.1:${uas.port}`, { localSdp: SDP })).rejects.toMatchObject({ status: 486 });
    const r = await uas.done;
    expect(r.exitCode, r.logs).toBe(0);
    await waitFor(() => events.some((e) => e.kind === 'stop'), 5000, 'cdr:stop');
    expect(summary(events)).toEqual(['attempt application - INVITE', 'stop network call-rejected 486']);
  });

  it('proxied call (serial 486 then 200): an attempt per branch, start proxy-uac and proxy-uas, stop at the BYE', async () => {
    const s = await app();
    const busy = await startSippUas({ scenario: fixture('sipp-proxy', 'uas-proxy-busy'), transport: 'u1', calls: 1 });
    const ok = await startSippUas({ scenario: fixture('sipp-proxy', 'uas-proxy-ok'), transport: 'u1', calls: 1 });
    s.invite((req) => {
      const proxy = s.proxyRequest as unknown as (req: unknown, dest: string[], opts: object) => Promise<unknown>;
      void proxy.call(s, req, [`sip:busy@127.0.0.1:${busy.port}`, `sip:ok@127.0.0.1:${ok.port}`], { recordRoute: true });
    });
    const caller = await runSipp({ scenario: fixture('sipp-proxy', 'uac-proxy-rr'), remote: stack.sipAddress, transport: 'u1', calls: 1 });
    expect(caller.exitCode, caller.logs).toBe(0);
    for (const u of [busy, ok]) {
      const r = await u.done;
      expect(r.exitCode, r.logs).toBe(0);
    }
    await waitFor(() => events.some((e) => e.kind === 'stop'), 5000, 'cdr:stop');
    expect(summary(events)).toEqual([
      'attempt network - INVITE',
      'attempt application - INVITE',
      'attempt application - INVITE',
      'start network proxy-uac 200',
      'start application proxy-uas 200',
      'stop network normal-release BYE',
    ]);
  });
});
