// Overload control on our SIP server (RFC 3261 §21.5.4, §20.33): while overloaded, a new INVITE
// from the network is answered 503 + Retry-After + Reason by the server itself and never reaches
// the app; in-dialog requests of established calls still do; when the load goes away new INVITEs
// reach the app again. Overload is caused for real: a backlog of INVITEs the app does not answer,
// or a stalled event loop. Real sockets, an unmodified drachtio-srf app, a raw UDP peer.
import { afterEach, describe, expect, it } from 'vitest';
import type Srf from 'drachtio-srf';
import { Registry } from 'prom-client';
import { SipServer } from '../../../src/server/sip-server.ts';
import type { OverloadOptions } from '../../../src/server/overload-monitor.ts';
import { registerOverloadMetrics } from '../../../src/server/overload-metrics.ts';
import { connectSrf, TEST_SDP, TEST_SECRET, testLogger, waitFor } from '../../harness/sip-stack.ts';
import { getFreePort, getFreeUdpTcpPort } from '../../harness/ports.ts';
import { headerOf, request, statusOf, udpPeer, type UdpPeer } from '../sip/udp-peer.ts';

/** The parts of srf's Request/Response/Dialog the tests use. */
interface InReq {
  uri: string;
  get(name: string): string | undefined;
}
interface InRes {
  send(status: number): void;
}
interface InDialog {
  on(event: 'destroy', cb: () => void): void;
}

interface Env {
  server: SipServer;
  sipPort: number;
  app: Srf;
  peer: UdpPeer;
  /** Call-IDs of the INVITEs the app was offered. */
  offered: string[];
  /** INVITEs to `hold@` the app keeps unanswered (the backlog). */
  held: InRes[];
  /** Dialogs the app answered (INVITEs to `talk@`), and whether each has ended. */
  ended: Map<string, boolean>;
}

let env: Env | undefined;

afterEach(async () => {
  const e = env;
  env = undefined;
  if (!e) return;
  e.app.disconnect();
  await e.peer.close();
  await e.server.close();
});

async function start(overload: OverloadOptions): Promise<Env> {
  const sipPort = await getFreeUdpTcpPort();
  const server = await SipServer.start({
    contacts: [`sip:127.0.0.1:${sipPort};transport=udp`],
    admin: { address: '127.0.0.1', port: await getFreePort(), secret: TEST_SECRET },
    timers: { t1: 500, t2: 4000, t4: 5000 },
    maxMessageSize: 65535,
    tcpIdleTimeoutMs: 60_000,
    overload,
    log: testLogger(),
  });
  const app = await connectSrf(server.adminPort);
  const e: Env = { server, sipPort, app, peer: await udpPeer(), offered: [], held: [], ended: new Map() };
  app.invite((req, res) => {
    const r = req as unknown as InReq;
    const callId = r.get('Call-ID') ?? '';
    e.offered.push(callId);
    if (r.uri.startsWith('sip:hold@')) {
      e.held.push(res as unknown as InRes);
    } else if (r.uri.startsWith('sip:busy@')) {
      (res as unknown as InRes).send(486);
    } else {
      void app.createUAS(req, res, { localSdp: TEST_SDP }).then((d) => {
        e.ended.set(callId, false);
        (d as unknown as InDialog).on('destroy', () => e.ended.set(callId, true));
      });
    }
  });
  env = e;
  return e;
}

let seq = 0;

/** Sends a new INVITE (no To tag) to `user@`; returns its text so it can be retransmitted. */
async function invite(e: Env, user: string): Promise<{ text: string; callId: string; branch: string }> {
  seq++;
  const callId = `ovl-${seq}-${Math.random().toString(36).slice(2)}`;
  const branch = `z9hG4bKovl${seq}${Math.random().toString(36).slice(2)}`;
  const text = request('INVITE', {
    port: e.peer.port,
    branch,
    callId,
    uri: `sip:${user}@127.0.0.1:${e.sipPort}`,
    to: `<sip:${user}@127.0.0.1>`,
    extra: [`Contact: <sip:peer@127.0.0.1:${e.peer.port}>`, 'Content-Type: application/sdp'],
    body: TEST_SDP,
  });
  await e.peer.send(text, e.sipPort);
  return { text, callId, branch };
}

function finalFor(e: Env, callId: string, method = 'INVITE'): Promise<string> {
  return e.peer.waitFor((m) => statusOf(m) >= 200 && headerOf(m, 'Call-ID') === callId && (headerOf(m, 'CSeq') ?? '').endsWith(method), `final response to ${method} ${callId}`, 15_000);
}

/** ACK for a final response (same branch for a non-2xx, RFC 3261 §17.1.1.3; new one for a 2xx). */
async function ack(e: Env, res: string, callId: string, branch: string): Promise<void> {
  const ok = statusOf(res) < 300;
  const uri = ok ? (/<([^>]+)>/.exec(headerOf(res, 'Contact') ?? '')?.[1] ?? '') : `sip:x@127.0.0.1:${e.sipPort}`;
  await e.peer.send(request('ACK', { port: e.peer.port, ...(ok ? {} : { branch }), callId, uri, to: headerOf(res, 'To') ?? '' }), e.sipPort);
}

/** An established call to `talk@`: INVITE, 200 from the app, ACK. */
async function establishedCall(e: Env): Promise<{ callId: string; ok: string }> {
  const { callId, branch } = await invite(e, 'talk');
  const ok = await finalFor(e, callId);
  expect(statusOf(ok)).toBe(200);
  await ack(e, ok, callId, branch);
  await waitFor(() => e.ended.get(callId) === false, 5000, 'the app sees the call established');
  return { callId, ok };
}

/** Once the overload has cleared, a new INVITE reaches the app again (its answer: 486). */
async function expectAdmittedOnceCleared(e: Env): Promise<void> {
  await waitFor(() => !e.server.stats().overload.overloaded, 5000, 'overload cleared');
  const after = await invite(e, 'busy');
  const busy = await finalFor(e, after.callId);
  expect(statusOf(busy)).toBe(486);
  expect(e.offered).toContain(after.callId);
  await ack(e, busy, after.callId, after.branch);
}

function expectOverload503(res: string, retryAfter: number): void {
  expect(statusOf(res)).toBe(503);
  expect(res).toMatch(/^SIP\/2\.0 503 Service Unavailable\r\n/);
  expect(headerOf(res, 'Retry-After')).toBe(String(retryAfter));
  expect(headerOf(res, 'Reason')).toBe('SIP;cause=503;text="overloaded"');
  expect(headerOf(res, 'To')).toMatch(/;tag=/);
}

describe('SIP overload control', () => {
  it('refuses new INVITEs with 503 while unanswered INVITEs pile up, keeps in-dialog requests going, and recovers', async () => {
    const e = await start({ maxLoopDelayMs: 0, maxPendingInvites: 2, retryAfterSeconds: 7, windowMs: 100 });
    const registry = new Registry();
    registerOverloadMetrics(registry, () => e.server.stats().overload);
    const call = await establishedCall(e);

    // A backlog: three INVITEs the app does not answer.
    const held = [await invite(e, 'hold'), await invite(e, 'hold'), await invite(e, 'hold')];
    await waitFor(() => e.held.length === 3, 5000, 'the app holds three INVITEs');
    expect(e.server.stats().unansweredInvites).toBe(3);
    await waitFor(() => e.server.stats().overload.overloaded, 5000, 'overload detected');
    expect(await registry.getSingleMetricAsString('pn_sip_overloaded')).toMatch(/^pn_sip_overloaded 1$/m);

    // A new call is refused by the server; the app never sees it.
    const offeredBefore = e.offered.length;
    const refused = await invite(e, 'talk');
    const res = await finalFor(e, refused.callId);
    expectOverload503(res, 7);
    // A retransmission of that INVITE is absorbed by its server transaction: the same 503 again.
    const count503 = (): number => e.peer.received.filter((m) => headerOf(m, 'Call-ID') === refused.callId && statusOf(m) === 503).length;
    const before = count503();
    await e.peer.send(refused.text, e.sipPort);
    await waitFor(() => count503() > before, 5000, '503 resent for the retransmitted INVITE');
    await ack(e, res, refused.callId, refused.branch);
    expect(e.offered.length).toBe(offeredBefore);
    expect(e.server.stats().overload.refusedInvites).toBe(1);
    expect(await registry.getSingleMetricAsString('pn_sip_overload_refused_invites_total')).toMatch(/^pn_sip_overload_refused_invites_total 1$/m);

    // The established call still works: the BYE reaches the app and is answered.
    const to = headerOf(call.ok, 'To') ?? '';
    const byeUri = /<([^>]+)>/.exec(headerOf(call.ok, 'Contact') ?? '')?.[1] ?? '';
    await e.peer.send(request('BYE', { port: e.peer.port, callId: call.callId, cseq: 2, uri: byeUri, to }), e.sipPort);
    const byeRes = await finalFor(e, call.callId, 'BYE');
    expect(statusOf(byeRes)).toBe(200);
    await waitFor(() => e.ended.get(call.callId) === true, 5000, 'the app sees the BYE');
    expect(e.server.stats().overload.overloaded).toBe(true);

    // The load goes away: the app answers its backlog; new INVITEs reach it again.
    for (const r of e.held) r.send(486);
    for (const h of held) await ack(e, await finalFor(e, h.callId), h.callId, h.branch);
    expect(e.server.stats().unansweredInvites).toBe(0);
    await expectAdmittedOnceCleared(e);
    expect(await registry.getSingleMetricAsString('pn_sip_overloaded')).toMatch(/^pn_sip_overloaded 0$/m);
  });

  it('refuses a new INVITE while the event loop is stalled, and accepts again once it runs freely', async () => {
    const e = await start({ maxLoopDelayMs: 30, maxPendingInvites: 0, retryAfterSeconds: 3, windowMs: 100 });
    expect(e.server.stats().overload.overloaded).toBe(false);

    // Stall the loop in 80 ms slices (the server runs in this process) until a condition holds.
    const stallUntil = (done: () => boolean, what: string, timeoutMs = 15_000): Promise<void> =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const slice = (): void => {
          const end = Date.now() + 80;
          while (Date.now() < end) {
            // busy: this is the overload
          }
          if (done()) resolve();
          else if (Date.now() > deadline) reject(new Error(`timed out stalling until ${what}`));
          else setImmediate(slice);
        };
        slice();
      });

    await stallUntil(() => e.server.stats().overload.overloaded, 'overload detected');
    expect(e.server.stats().overload.loopDelayMs).toBeGreaterThan(30);
    const refused = await invite(e, 'talk');
    await stallUntil(() => e.peer.received.some((m) => headerOf(m, 'Call-ID') === refused.callId && statusOf(m) >= 200), 'a final response');
    const res = await finalFor(e, refused.callId);
    expectOverload503(res, 3);
    expect(e.offered).not.toContain(refused.callId);
    await ack(e, res, refused.callId, refused.branch);

    // The loop runs freely again: after a calm window the overload clears.
    await expectAdmittedOnceCleared(e);
  });
});
