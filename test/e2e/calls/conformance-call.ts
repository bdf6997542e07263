// Shared steps of the conformance tests: the whole product (startCallsEnv) with a raw UDP caller
// (A) and a raw UDP callee (B) bound at the trunk's gateway, and the privacy check over every
// message each side received.
import { expect } from 'vitest';
import { A, B, bind, startCallsEnv, type BindingView, type CallsEnv } from './call-fixture.ts';
import { newBranch, newTag, parseSip, responseTo, sdp, sipText, tagOf, udpPeer, uriOf, type CallerDialog, type Peer, type SipMsg } from './conformance-peer.ts';

/** National digits of A and B: neither may appear in anything the other side received. */
export const A_DIGITS = A.slice(3);
export const B_DIGITS = B.slice(3);

export interface ConformanceEnv extends CallsEnv {
  /** A fresh caller peer and callee peer (at the gateway) per test; closed by `cleanup`. */
  peers(): Promise<{ a: Peer; b: Peer }>;
  cleanup(): Promise<void>;
}

export async function startConformanceEnv(config?: Record<string, unknown>): Promise<ConformanceEnv> {
  const env = await startCallsEnv({ transport: 'u1', ...(config !== undefined && { config }) });
  let open: Peer[] = [];
  return {
    ...env,
    async peers() {
      const a = await udpPeer();
      const b = await udpPeer(env.calleePort);
      open.push(a, b);
      return { a, b };
    },
    async cleanup() {
      const closing = open;
      open = [];
      await Promise.all(closing.map((p) => p.close()));
    },
  };
}

export const bindAB = (env: CallsEnv): Promise<BindingView> => bind(env, { mode: 'AXB', a: A, b: B });

/** Fails if any message the caller got carries B's number or the callee got carries A's. */
export function expectNoLeak(a: Peer, b: Peer): void {
  for (const m of a.received) expect(m.raw, `B's number reached the caller in ${m.firstLine}`).not.toContain(B_DIGITS);
  for (const m of b.received) expect(m.raw, `A's number reached the callee in ${m.firstLine}`).not.toContain(A_DIGITS);
}

export interface InviteOpts {
  x: string;
  caller?: string;
  /** Replaces the whole header block (first line and Content-Length excepted). */
  headers?: string[];
  extra?: string[];
  body?: string | null;
  uri?: string;
  callId?: string;
  branch?: string;
}

export interface OutgoingCall {
  dialog: CallerDialog;
  branch: string;
  invite: string;
  viaLine: string;
}

/** A's INVITE, presenting A's number everywhere a phone or PBX might (as the sipp callers do). */
export function callerInvite(a: Peer, o: InviteOpts): OutgoingCall {
  const caller = o.caller ?? A;
  const callId = o.callId ?? `${newTag()}-${caller}@127.0.0.1`;
  const fromTag = newTag();
  const branch = o.branch ?? newBranch();
  const viaLine = `Via: SIP/2.0/UDP 127.0.0.1:${a.port};branch=${branch};rport`;
  const from = `<sip:${caller}@127.0.0.1:${a.port}>;tag=${fromTag}`;
  const uri = o.uri ?? `sip:${o.x}@127.0.0.1`;
  const to = `<sip:${o.x}@127.0.0.1>`;
  const body = o.body === null ? '' : (o.body ?? sdp(caller));
  const headers = o.headers ?? [
    viaLine,
    `From: ${from}`,
    `To: ${to}`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:${caller}@127.0.0.1:${a.port}>`,
    `P-Asserted-Identity: <sip:${caller}@127.0.0.1>`,
    `User-Agent: raw caller ${caller}`,
    'Max-Forwards: 70',
    ...(body !== '' ? ['Content-Type: application/sdp'] : []),
    ...(o.extra ?? []),
  ];
  return { dialog: { callId, fromTag, from, to, remoteTarget: '', cseq: 1 }, branch, viaLine, invite: sipText(`INVITE ${uri} SIP/2.0`, headers, body) };
}

/** Completes the caller's dialog state from the 2xx (To tag, Contact) and ACKs it. */
export async function ackAnswer(a: Peer, platformPort: number, call: OutgoingCall, ok: SipMsg, body?: string): Promise<void> {
  call.dialog.to = ok.get('To') ?? call.dialog.to;
  call.dialog.remoteTarget = uriOf(ok.get('Contact'));
  const ack = sipText(
    `ACK ${call.dialog.remoteTarget} SIP/2.0`,
    [`Via: SIP/2.0/UDP 127.0.0.1:${a.port};branch=${newBranch()};rport`, `From: ${call.dialog.from}`, `To: ${call.dialog.to}`, `Call-ID: ${call.dialog.callId}`, 'CSeq: 1 ACK', 'Max-Forwards: 70', ...(body ? ['Content-Type: application/sdp'] : [])],
    body ?? '',
  );
  await a.send(ack, platformPort);
}

/** The callee side's answer to the B-leg INVITE: identity = the number it was called at. */
export function calleeHeaders(invite: SipMsg, b: Peer): string[] {
  const user = /^INVITE sip:([^@;]+)@/.exec(invite.firstLine)?.[1] ?? '';
  return [`Contact: <sip:${user}@127.0.0.1:${b.port}>`, `P-Asserted-Identity: <sip:${user}@127.0.0.1>`, `Server: raw callee ${user}`];
}

export function calleeSdp(invite: SipMsg): string {
  return sdp(/^INVITE sip:([^@;]+)@/.exec(invite.firstLine)?.[1] ?? 'callee', { port: 50000 });
}

export const isRequest = (method: string) => (m: SipMsg): boolean => m.method === method;
export const isStatus = (status: number, method = 'INVITE') => (m: SipMsg): boolean => m.status === status && (m.get('CSeq') ?? '').endsWith(method);
export const isFinal = (method = 'INVITE') => (m: SipMsg): boolean => m.status !== undefined && m.status >= 200 && (m.get('CSeq') ?? '').endsWith(method);

export { A, B, newTag, parseSip, responseTo, tagOf, type Peer, type SipMsg };
export type { CallerDialog };

export interface Established {
  call: OutgoingCall;
  /** The B-leg INVITE as the callee got it, and the callee's To tag. */
  bInvite: SipMsg;
  bTag: string;
}

/** A calls X and B answers 200 at once; A has the 200 and has not ACKed it yet. */
export async function answeredCall(env: ConformanceEnv, a: Peer, b: Peer, x: string, o: Partial<InviteOpts> = {}): Promise<Established & { ok: SipMsg }> {
  const sip = env.stack.sipPort;
  const call = callerInvite(a, { ...o, x });
  await a.send(call.invite, sip);
  const bInvite = await b.waitFor(isRequest('INVITE'), 'the B-leg INVITE');
  const bTag = newTag();
  await b.send(responseTo(bInvite, 200, 'OK', { toTag: bTag, headers: [...calleeHeaders(bInvite, b), 'Content-Type: application/sdp'], body: calleeSdp(bInvite) }), sip);
  const ok = await a.waitFor(isStatus(200), "the caller's 200");
  return { call, bInvite, bTag, ok };
}

/** A calls X, B answers 200 at once, A ACKs: a confirmed call on both legs. */
export async function establishCall(env: ConformanceEnv, a: Peer, b: Peer, x: string, o: Partial<InviteOpts> = {}): Promise<Established> {
  const { call, bInvite, bTag, ok } = await answeredCall(env, a, b, x, o);
  await ackAnswer(a, env.stack.sipPort, call, ok);
  await b.waitFor(isRequest('ACK'), 'the ACK at B');
  return { call, bInvite, bTag };
}
