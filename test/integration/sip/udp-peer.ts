// A raw UDP peer for tests: sends text, collects every datagram it receives, and waits for one
// matching a predicate (polling with a deadline, never a fixed sleep).
import { until as untilDeadline } from '../../harness/poll.ts';
import { recordingUdpSocket } from '../../harness/udp-socket.ts';

export interface UdpPeer {
  port: number;
  received: string[];
  send(text: string | Buffer, port: number): Promise<void>;
  waitFor(pred: (msg: string) => boolean, what: string, timeoutMs?: number): Promise<string>;
  close(): Promise<void>;
}

export async function udpPeer(): Promise<UdpPeer> {
  // Name what did arrive on a timeout: the first line of every datagram received so far.
  const s = await recordingUdpSocket((buf) => buf.toString(), (m) => m.split('\r\n')[0] ?? '');
  return { port: s.port, received: s.received, send: s.send, waitFor: (pred, what, timeoutMs) => s.waitFor(pred, what, timeoutMs === undefined ? {} : { timeoutMs }), close: s.close };
}

export function until(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  return untilDeadline(what, cond, timeoutMs, 5);
}

/** A request as text, CRLF line ends, Content-Length filled in. */
export function request(method: string, o: { port: number; branch?: string; via?: string; callId?: string; cseq?: number; maxForwards?: string; extra?: string[]; body?: string; to?: string; uri?: string }): string {
  const body = o.body ?? '';
  const via = o.via ?? `SIP/2.0/UDP 127.0.0.1:${o.port};branch=${o.branch ?? `z9hG4bK${Math.random().toString(36).slice(2)}`}`;
  const lines = [
    `${method} ${o.uri ?? 'sip:svc@127.0.0.1'} SIP/2.0`,
    `Via: ${via}`,
    `From: <sip:peer@127.0.0.1>;tag=p1`,
    `To: ${o.to ?? '<sip:svc@127.0.0.1>'}`,
    `Call-ID: ${o.callId ?? Math.random().toString(36).slice(2)}`,
    `CSeq: ${o.cseq ?? 1} ${method}`,
    `Max-Forwards: ${o.maxForwards ?? '70'}`,
    ...(o.extra ?? []),
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ];
  return lines.join('\r\n');
}

export const statusOf = (m: string): number => Number(/^SIP\/2\.0 (\d{3})/.exec(m)?.[1] ?? 0);
export const headerOf = (m: string, name: string): string | undefined => new RegExp(`^${name}:\\s*(.*)$`, 'im').exec(m)?.[1]?.trim();
