// Raw UDP SIP peers for the conformance tests: a caller (A) that sends whatever text a carrier
// might and a callee (B) listening at the trunk's gateway. Both keep every message received,
// parsed just enough to match on, so a test can assert on exactly what crossed and stage races
// (CANCEL against 200, glare) that a sipp scenario cannot time.
import { randomBytes } from 'node:crypto';
import { poll } from '../../harness/poll.ts';
import { recordingUdpSocket, type RecordingSocket } from '../../harness/udp-socket.ts';

export interface SipMsg {
  raw: string;
  firstLine: string;
  method?: string;
  status?: number;
  body: string;
  /** First value of a header (compact forms too: f, t, i, v, m, l, c, k, s). */
  get(name: string): string | undefined;
  /** Every value of a header, in order (one per line). */
  all(name: string): string[];
}

const COMPACT: Record<string, string> = { f: 'from', t: 'to', i: 'call-id', v: 'via', m: 'contact', l: 'content-length', c: 'content-type', k: 'supported', s: 'subject' };
const longName = (n: string): string => COMPACT[n.toLowerCase()] ?? n.toLowerCase();

export function parseSip(raw: string): SipMsg {
  const sep = raw.indexOf('\r\n\r\n');
  const head = sep >= 0 ? raw.slice(0, sep) : raw;
  const body = sep >= 0 ? raw.slice(sep + 4) : '';
  const lines = head.split('\r\n');
  const firstLine = lines[0] ?? '';
  const headers: Array<[string, string]> = [];
  for (const l of lines.slice(1)) {
    const c = l.indexOf(':');
    if (c > 0) headers.push([longName(l.slice(0, c).trim()), l.slice(c + 1).trim()]);
  }
  const all = (name: string): string[] => headers.filter(([k]) => k === longName(name)).map(([, v]) => v);
  const m: SipMsg = { raw, firstLine, body, get: (n) => all(n)[0], all };
  const st = /^SIP\/2\.0 (\d{3})/.exec(firstLine);
  if (st) m.status = Number(st[1]);
  else m.method = firstLine.split(' ')[0];
  return m;
}

export const cseqMethod = (m: SipMsg): string => (m.get('CSeq') ?? '').split(/\s+/)[1] ?? '';
export const cseqNumber = (m: SipMsg): number => Number((m.get('CSeq') ?? '').split(/\s+/)[0]);
export const tagOf = (headerValue: string | undefined): string | undefined => /;\s*tag=([^;>\s]+)/i.exec(headerValue ?? '')?.[1];
export const uriOf = (headerValue: string | undefined): string => /<([^>]+)>/.exec(headerValue ?? '')?.[1] ?? (headerValue ?? '').split(';')[0] ?? '';
export const newBranch = (): string => `z9hG4bK${randomBytes(6).toString('hex')}`;
export const newTag = (): string => randomBytes(4).toString('hex');

/** Builds a message: CRLF line ends, Content-Length from the body. */
export function sipText(firstLine: string, headers: string[], body = ''): string {
  return [firstLine, ...headers, `Content-Length: ${Buffer.byteLength(body)}`, '', body].join('\r\n');
}

export function sdp(owner: string, opts: { port?: number; direction?: string; version?: number } = {}): string {
  return [
    'v=0',
    `o=${owner} 4711 ${opts.version ?? 1} IN IP4 127.0.0.1`,
    `s=${owner}`,
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${opts.port ?? 40000} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    `a=${opts.direction ?? 'sendrecv'}`,
    '',
  ].join('\r\n');
}

export interface Peer extends RecordingSocket<SipMsg> {
  /** Every received message matching. */
  filter(pred: (m: SipMsg) => boolean): SipMsg[];
}

export async function udpPeer(port = 0): Promise<Peer> {
  const s = await recordingUdpSocket((buf) => parseSip(buf.toString()), (m) => `${m.firstLine} (${m.get('CSeq') ?? ''})`, port);
  return { ...s, filter: (pred) => s.received.filter(pred) };
}

/** A response to `req` (Via, From, To (+tag), Call-ID, CSeq copied; the rest given). */
export function responseTo(req: SipMsg, status: number, reason: string, o: { toTag?: string; headers?: string[]; body?: string } = {}): string {
  const to = req.get('To') ?? '';
  const toHeader = o.toTag !== undefined && tagOf(to) === undefined ? `${to};tag=${o.toTag}` : to;
  return sipText(
    `SIP/2.0 ${status} ${reason}`,
    [...req.all('Via').map((v) => `Via: ${v}`), `From: ${req.get('From') ?? ''}`, `To: ${toHeader}`, `Call-ID: ${req.get('Call-ID') ?? ''}`, `CSeq: ${req.get('CSeq') ?? ''}`, ...(o.headers ?? [])],
    o.body ?? '',
  );
}

/** State of one dialog as the caller sees it, enough to send in-dialog requests. */
export interface CallerDialog {
  callId: string;
  fromTag: string;
  from: string;
  to: string;
  remoteTarget: string;
  cseq: number;
}

/** An in-dialog request from the caller (BYE, re-INVITE, ACK of a 2xx). */
export function inDialog(d: CallerDialog, method: string, localPort: number, o: { cseq?: number; headers?: string[]; body?: string; branch?: string } = {}): string {
  return sipText(
    `${method} ${d.remoteTarget} SIP/2.0`,
    [
      `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${o.branch ?? newBranch()};rport`,
      `From: ${d.from}`,
      `To: ${d.to}`,
      `Call-ID: ${d.callId}`,
      `CSeq: ${o.cseq ?? d.cseq} ${method}`,
      'Max-Forwards: 70',
      ...(o.headers ?? []),
    ],
    o.body ?? '',
  );
}

/** The callee's view of the B-leg dialog: requests we send it go to the platform. */
export function calleeInDialog(invite: SipMsg, toTag: string, method: string, localPort: number, cseq: number, o: { headers?: string[]; body?: string } = {}): string {
  const target = uriOf(invite.get('Contact'));
  return sipText(
    `${method} ${target} SIP/2.0`,
    [
      `Via: SIP/2.0/UDP 127.0.0.1:${localPort};branch=${newBranch()};rport`,
      `From: ${invite.get('To') ?? ''};tag=${toTag}`,
      `To: ${invite.get('From') ?? ''}`,
      `Call-ID: ${invite.get('Call-ID') ?? ''}`,
      `CSeq: ${cseq} ${method}`,
      'Max-Forwards: 70',
      ...(o.headers ?? []),
    ],
    o.body ?? '',
  );
}

export const pollUntil = poll;
