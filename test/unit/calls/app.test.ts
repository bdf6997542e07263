// The calls app against a scripted stand-in of the drachtio-srf facade (the real SIP server is
// exercised by the e2e tests): admission, lookup bound, rejections, B-leg options, failover, records.
import { EventEmitter } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Binding, CallLookup } from '../../../src/bindings/model.ts';
import { createCallsApp } from '../../../src/calls/app.ts';
import { containsNumber, numberNeedles } from '../../../src/calls/numbers.ts';
import { SipError } from '../../../src/calls/srf-types.ts';
import type { B2buaOptions, B2buaProgress, CallsSrf, SrfDialog, SrfIncomingRequest, SrfMessage, SrfOutgoingResponse, SrfReceivedResponse } from '../../../src/calls/srf-types.ts';
import type { CallEventSink, CallRecord } from '../../../src/records/model.ts';
import { poll } from '../../harness/poll.ts';

const A = '+8613912345671';
const B = '+8613987654322';
const X = '+8617000001234';
const NOW = Date.now();

function message(headers: Record<string, string>, body?: string): SrfMessage {
  const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { headers, ...(body !== undefined ? { body } : {}), get: (n) => lower[n.toLowerCase()], has: (n) => n.toLowerCase() in lower };
}

class FakeRequest extends EventEmitter {
  readonly method = 'INVITE';
  readonly protocol = 'udp';
  readonly source_port = 5060;
  readonly headers: Record<string, string>;
  readonly body: string;
  private readonly msg: SrfMessage;
  constructor(readonly uri: string, headers: Record<string, string>, readonly source_address = '10.0.0.5') {
    super();
    this.headers = headers;
    this.body = `v=0\r\no=${A.slice(1)} 1 1 IN IP4 10.0.0.5\r\ns=${A}\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n`;
    this.msg = message(headers, this.body);
  }
  get(n: string): string | undefined { return this.msg.get(n); }
  has(n: string): boolean { return this.msg.has(n); }
}

class FakeResponse implements SrfOutgoingResponse {
  sent: Array<{ status: number; headers: Record<string, string>; body?: string }> = [];
  get finalResponseSent(): boolean { return this.sent.some((s) => s.status >= 200); }
  send(status: number, opts: { headers?: Record<string, string>; body?: string } = {}): void {
    if (this.finalResponseSent) return;
    this.sent.push({ status, headers: opts.headers ?? {}, ...(opts.body !== undefined ? { body: opts.body } : {}) });
  }
}

class FakeDialog extends EventEmitter implements SrfDialog {
  local: { sdp?: string } = { sdp: 'v=0\r\n' };
  remote: { sdp?: string } = {};
  destroyed = 0;
  async destroy(): Promise<unknown> { this.destroyed++; return undefined; }
  async modify(sdp: string): Promise<string> { return sdp; }
  requests: Array<{ method: string; headers?: Record<string, string>; body?: string }> = [];
  reply: (opts: { method: string; body?: string }) => SrfReceivedResponse | Promise<SrfReceivedResponse> = () => ({ status: 200, ...message({}) });
  async request(opts: { method: string; headers?: Record<string, string>; body?: string }): Promise<SrfReceivedResponse> {
    this.requests.push(opts);
    return this.reply(opts);
  }
}

interface Attempt { uri: string; opts: B2buaOptions; progress: B2buaProgress; resolve: (d: { uas: SrfDialog; uac: SrfDialog }) => void; reject: (e: unknown) => void }

class FakeSrf implements CallsSrf {
  handler?: (req: SrfIncomingRequest, res: SrfOutgoingResponse) => void;
  attempts: Attempt[] = [];
  optionsHandler?: (req: SrfIncomingRequest, res: SrfOutgoingResponse) => void;
  invite(h: (req: SrfIncomingRequest, res: SrfOutgoingResponse) => void): void { this.handler = h; }
  options(h: (req: SrfIncomingRequest, res: SrfOutgoingResponse) => void): void { this.optionsHandler = h; }
  createB2BUA(_req: SrfIncomingRequest, _res: SrfOutgoingResponse, uri: string, opts: B2buaOptions, progress: B2buaProgress): Promise<{ uas: SrfDialog; uac: SrfDialog }> {
    return new Promise((resolve, reject) => this.attempts.push({ uri, opts, progress, resolve, reject }));
  }
}

function binding(over: Partial<Binding> = {}): Binding {
  return { id: 'bind-1', tenant: 't1', group: 'g', mode: 'AXB', a: A, b: B, x: X, createdAt: NOW, expiresAt: NOW + 3_600_000, releaseAfterCallSeconds: 60, callRestriction: 'both', record: false, activeCalls: 0, unbindPending: false, ...over };
}

function until<T>(what: string, fn: () => T | undefined | false, ms = 3000): Promise<T> {
  return poll(what, () => fn() || undefined, ms, 5);
}

function setup(lookup: (caller: string, x: string) => Promise<CallLookup | null>, extra: { lookupTimeoutMs?: number } = {}) {
  const srf = new FakeSrf();
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, new Writable({ write(c: Buffer, _e, cb) { lines.push(c.toString()); cb(); } }));
  const events: Array<[keyof CallEventSink, CallRecord]> = [];
  const sink: CallEventSink = {
    started: (r) => events.push(['started', r]), ringing: (r) => events.push(['ringing', r]),
    answered: (r) => events.push(['answered', r]), ended: (r) => events.push(['ended', r]),
  };
  const calls = { lookups: 0, started: [] as string[], ended: [] as string[] };
  const app = createCallsApp({
    srf,
    bindings: {
      lookup: (c, x) => { calls.lookups++; return lookup(c, x); },
      callStarted: async (id) => { calls.started.push(id); },
      callEnded: async (id) => { calls.ended.push(id); return null; },
    },
    events: sink,
    trunks: [{ name: 'carrier', addresses: ['10.0.0.0/24'], gateways: ['sip:10.0.0.1:5060', 'sip:10.0.0.2:5060'], countryCode: '86' }],
    log,
    ringTimeoutSeconds: 30,
    maxConcurrentCalls: 10,
    ...extra,
  });
  const invite = (caller: string, source?: string) => {
    const req = new FakeRequest(`sip:${X}@10.0.0.9`, {
      From: `"Alice" <sip:${caller}@10.0.0.5>;tag=1`, To: `<sip:${X}@10.0.0.9>`, 'Call-ID': `${caller.slice(1)}@10.0.0.5`,
      'P-Asserted-Identity': `<sip:${caller}@10.0.0.5>`, 'Content-Type': 'application/sdp', 'X-Caller': caller,
    }, source);
    const res = new FakeResponse();
    srf.handler?.(req as unknown as SrfIncomingRequest, res);
    return { req, res };
  };
  const options = (source?: string) => {
    const req = new FakeRequest(`sip:10.0.0.9`, { From: '<sip:ping@10.0.0.5>;tag=9', To: '<sip:10.0.0.9>', 'Call-ID': 'ping-1' }, source);
    const res = new FakeResponse();
    srf.optionsHandler?.(req as unknown as SrfIncomingRequest, res);
    return res;
  };
  return { srf, app, events, calls, lines, invite, options };
}

/** A's call answered by B: the two dialogs of the connected call. */
async function connectedCall(t: ReturnType<typeof setup>): Promise<{ uas: FakeDialog; uac: FakeDialog }> {
  t.invite(A);
  const uas = new FakeDialog();
  const uac = new FakeDialog();
  (await until('attempt', () => t.srf.attempts[0])).resolve({ uas, uac });
  await until('answered', () => t.events.find(([k]) => k === 'answered'));
  return { uas, uac };
}

const aDigits = numberNeedles(A, '86');
const bDigits = numberNeedles(B, '86');
const found: CallLookup = { binding: binding(), target: B, direction: 'a-to-b' };

describe('createCallsApp', () => {
  it('answers an OPTIONS ping from a trunk 200 with Allow and Accept, from a stranger 403, and 503 with Retry-After once closing', async () => {
    const t = setup(async () => found);
    expect(t.options().sent).toEqual([{ status: 200, headers: { Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK', Accept: 'application/sdp' } }]);
    expect(t.options('203.0.113.7').sent).toEqual([{ status: 403, headers: { Reason: 'Q.850;cause=21;text="source not allowed"' } }]);
    await t.app.close();
    expect(t.options().sent).toEqual([{ status: 503, headers: { 'Retry-After': '5', Reason: 'Q.850;cause=41;text="service shutting down"' } }]);
    expect(t.calls.lookups).toBe(0);
  });

  it('refuses an untrusted source with 403 without looking anything up', async () => {
    const t = setup(async () => found);
    const { res } = t.invite(A, '203.0.113.7');
    expect(res.sent).toEqual([{ status: 403, headers: { Reason: 'Q.850;cause=21;text="source not allowed"' } }]);
    expect(t.calls.lookups).toBe(0);
    expect(t.events).toEqual([]);
  });

  it('answers 503 with Retry-After when the lookup hangs (bounded wait)', async () => {
    const t = setup(() => new Promise(() => undefined), { lookupTimeoutMs: 100 });
    const { res } = t.invite(A);
    const sent = await until('503', () => res.sent[0]);
    expect(sent).toMatchObject({ status: 503, headers: { 'Retry-After': '5', Reason: 'Q.850;cause=41;text="temporary failure"' } });
    expect(t.srf.attempts).toEqual([]);
  });

  it('rejects an unbound caller with 404 and writes a rejected-unbound record', async () => {
    const t = setup(async () => null);
    const { res } = t.invite('+8615600001111');
    await until('404', () => res.sent[0]);
    expect(res.sent[0]).toMatchObject({ status: 404, headers: { Reason: 'Q.850;cause=1;text="unallocated number"' } });
    expect(t.events.map(([k]) => k)).toEqual(['started', 'ended']);
    expect(t.events[1]?.[1]).toMatchObject({ outcome: 'rejected-unbound', finalStatus: 404, x: X, caller: '+8615600001111' });
  });

  it('calls the target with explicit identity options and nothing of the caller, then records the call', async () => {
    const t = setup(async () => found);
    const { res } = t.invite(A);
    const first = await until('B-leg attempt', () => t.srf.attempts[0]);
    expect(first.uri).toBe(`sip:${B}@10.0.0.1:5060`);
    expect(first.opts).toMatchObject({ proxyRequestHeaders: [], proxyResponseHeaders: [], passFailure: false, passProvisionalResponses: false, callingNumber: X, callingName: '', calledNumber: B });
    expect(first.opts.headers).toMatchObject({ From: `<sip:${X}@localhost>`, 'P-Asserted-Identity': `<sip:${X}@localhost>`, To: `<sip:${B}@10.0.0.1:5060>` });
    expect(containsNumber(JSON.stringify(first.opts.headers), aDigits)).toBe(false);
    expect(typeof first.opts.localSdpB).toBe('string');
    expect(containsNumber(String(first.opts.localSdpB), aDigits)).toBe(false);

    // The callee rings with its own identity and SDP: the caller gets 180 with X only.
    const ringing = message({ 'P-Asserted-Identity': `<sip:${B}@gw>`, 'Remote-Party-ID': `<sip:${B}@gw>` }, `v=0\r\no=${B.slice(1)} 1 1 IN IP4 10.0.0.1\r\ns=x\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n`);
    first.progress.cbProvisional?.(Object.assign(ringing, { status: 183 }) as SrfReceivedResponse);
    expect(res.sent[0]?.status).toBe(183);
    expect(containsNumber(JSON.stringify(res.sent[0]), bDigits)).toBe(false);
    const answerSdp = await first.opts.localSdpA(`v=0\r\no=${B.slice(1)} 2 2 IN IP4 10.0.0.1\r\ns=${B}\r\nt=0 0\r\n`, ringing as SrfReceivedResponse);
    expect(containsNumber(answerSdp, bDigits)).toBe(false);

    const uas = new FakeDialog();
    const uac = new FakeDialog();
    first.resolve({ uas, uac });
    await until('answered', () => t.events.find(([k]) => k === 'answered'));
    expect(t.calls.started).toEqual(['bind-1']);
    uac.emit('destroy', message({}));
    const ended = await until('ended', () => t.events.find(([k]) => k === 'ended'));
    expect(ended[1]).toMatchObject({ outcome: 'answered', hangupBy: 'callee', bindingId: 'bind-1', callee: B, direction: 'a-to-b', finalStatus: 200 });
    expect(uas.destroyed).toBe(1);
    await until('callEnded', () => t.calls.ended.length === 1);
    expect(t.app.activeCalls()).toBe(0);
    // Nothing at info or above carries a full real number.
    const info = t.lines.filter((l) => (JSON.parse(l) as { level: number }).level >= 30).join('\n');
    expect(containsNumber(info, aDigits) || containsNumber(info, bDigits)).toBe(false);
  });

  it('fails over to the next gateway on 503 and passes a busy upstream', async () => {
    const t = setup(async () => found);
    const { res } = t.invite(A);
    (await until('attempt 1', () => t.srf.attempts[0])).reject(new SipError(503));
    const second = await until('attempt 2', () => t.srf.attempts[1]);
    expect(second.uri).toBe(`sip:${B}@10.0.0.2:5060`);
    second.reject(new SipError(486));
    await until('486', () => res.sent[0]);
    expect(res.sent[0]?.status).toBe(486);
    const ended = await until('ended', () => t.events.find(([k]) => k === 'ended'));
    expect(ended[1]).toMatchObject({ outcome: 'busy', finalStatus: 486 });
    await until('callEnded', () => t.calls.ended.length === 1);
  });

  it('hangs up both legs when the binding\'s maximum call duration passes', async () => {
    const t = setup(async () => ({ ...found, binding: binding({ maxCallSeconds: 0.05 }) }));
    t.invite(A);
    const uas = new FakeDialog();
    const uac = new FakeDialog();
    (await until('attempt', () => t.srf.attempts[0])).resolve({ uas, uac });
    const ended = await until('ended', () => t.events.find(([k]) => k === 'ended'));
    expect(ended[1]).toMatchObject({ outcome: 'answered', hangupBy: 'system' });
    expect([uas.destroyed, uac.destroyed]).toEqual([1, 1]);
  });

  it('relays DTMF INFO between the legs with only Content-Type, answers other INFO itself', async () => {
    const { uas, uac } = await connectedCall(setup(async () => found));
    const info = (headers: Record<string, string>, body: string) => {
      const res = new FakeResponse();
      return { req: message(headers, body), res };
    };
    // A's digit reaches B; the caller's identity headers stay behind.
    const dtmf = info({ 'Content-Type': 'application/dtmf-relay', 'P-Asserted-Identity': `<sip:${A}@gw>`, 'X-Caller': A }, 'Signal=5\r\nDuration=160\r\n');
    uas.emit('info', dtmf.req, dtmf.res);
    await until('relayed 200', () => dtmf.res.sent[0]);
    expect(uac.requests).toEqual([{ method: 'INFO', headers: { 'Content-Type': 'application/dtmf-relay' }, body: 'Signal=5\r\nDuration=160\r\n' }]);
    expect(dtmf.res.sent[0]?.status).toBe(200);
    // B's digit reaches A.
    const back = info({ 'Content-Type': 'application/dtmf' }, '#');
    uac.emit('info', back.req, back.res);
    await until('relayed back', () => back.res.sent[0]);
    expect(uas.requests.map((r) => r.body)).toEqual(['#']);
    // Not DTMF, or carrying the sender's number: answered here, nothing crosses.
    const other = info({ 'Content-Type': 'application/broadsoft' }, 'event=flashhook');
    uas.emit('info', other.req, other.res);
    const leaky = info({ 'Content-Type': 'application/dtmf-relay' }, `Signal=1\r\nFrom=${A}\r\n`);
    uas.emit('info', leaky.req, leaky.res);
    expect(other.res.sent[0]?.status).toBe(200);
    expect(leaky.res.sent[0]?.status).toBe(200);
    expect(uac.requests).toHaveLength(1);
  });

  it('relays a mid-call UPDATE offer and its answer, scrubbed both ways; answers a body-less UPDATE itself', async () => {
    const { uas, uac } = await connectedCall(setup(async () => found));
    const answerFromB = `v=0\r\no=${B.slice(1)} 7 7 IN IP4 10.0.0.1\r\ns=${B}\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 5002 RTP/AVP 0\r\n`;
    uac.reply = () => ({ status: 200, ...message({ 'Content-Type': 'application/sdp' }, answerFromB) });
    const offerFromA = `v=0\r\no=${A.slice(1)} 1 2 IN IP4 10.0.0.5\r\ns=${A}\r\nc=IN IP4 10.0.0.6\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\na=sendonly\r\n`;
    const res = new FakeResponse();
    uas.emit('update', message({ 'Content-Type': 'application/sdp' }, offerFromA), res);
    await until('UPDATE answered', () => res.sent[0]);
    expect(uac.requests).toHaveLength(1);
    expect(uac.requests[0]).toMatchObject({ method: 'UPDATE', headers: { 'Content-Type': 'application/sdp' } });
    const relayedOffer = uac.requests[0]?.body ?? '';
    expect(relayedOffer).toContain('c=IN IP4 10.0.0.6');
    expect(relayedOffer).toContain('a=sendonly');
    expect(containsNumber(relayedOffer, aDigits)).toBe(false);
    expect(res.sent[0]?.status).toBe(200);
    expect(res.sent[0]?.body).toContain('m=audio 5002');
    expect(containsNumber(res.sent[0]?.body ?? '', bDigits)).toBe(false);
    // A session refresh without a body stays with us.
    const refresh = new FakeResponse();
    uac.emit('update', message({}), refresh);
    expect(refresh.sent[0]?.status).toBe(200);
    expect(uas.requests).toHaveLength(0);
  });

  it('refuses colliding UPDATE offers as RFC 3311 §5.2 says: 500 + Retry-After from the same side, 491 from the other', async () => {
    const { uas, uac } = await connectedCall(setup(async () => found));
    let answerB: (r: SrfReceivedResponse) => void = () => undefined;
    uac.reply = () => new Promise((resolve) => (answerB = resolve));
    const offer = (v: number) => message({ 'Content-Type': 'application/sdp' }, `v=0\r\no=- 1 ${v} IN IP4 10.0.0.5\r\ns=-\r\nc=IN IP4 10.0.0.5\r\nt=0 0\r\nm=audio 4002 RTP/AVP 0\r\n`);
    const first = new FakeResponse();
    uas.emit('update', offer(2), first);
    await until('relayed to B', () => uac.requests.length === 1);
    const again = new FakeResponse();
    uas.emit('update', offer(3), again);
    const crossing = new FakeResponse();
    uac.emit('update', offer(4), crossing);
    expect(again.sent[0]?.status).toBe(500);
    expect(Number(again.sent[0]?.headers['Retry-After'])).toBeGreaterThanOrEqual(0);
    expect(Number(again.sent[0]?.headers['Retry-After'])).toBeLessThanOrEqual(10);
    expect(crossing.sent[0]?.status).toBe(491);
    answerB({ status: 200, ...message({ 'Content-Type': 'application/sdp' }, 'v=0\r\no=- 9 9 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio 5002 RTP/AVP 0\r\n') });
    await until('first answered', () => first.sent[0]);
    expect(first.sent[0]?.status).toBe(200);
    // Once answered, the next offer goes through.
    uac.reply = () => ({ status: 200, ...message({}) });
    const next = new FakeResponse();
    uas.emit('update', offer(5), next);
    await until('next answered', () => next.sent[0]);
    expect(next.sent[0]?.status).toBe(200);
    expect(uac.requests).toHaveLength(2);
  });
});
