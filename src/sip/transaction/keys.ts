// Transaction matching keys (RFC 3261 §17.1.3 for responses, §17.2.3 for requests, with the
// RFC 2543 fallback for branches without the magic cookie). Keys are strings for Map lookups.
import { getHeader } from '../message/headers.ts';
import { parseCSeq } from '../message/cseq.ts';
import { getTag } from '../message/name-addr.ts';
import { topVia } from '../message/via.ts';
import type { SipMessage, SipRequest, Via } from '../message/types.ts';

/** RFC 3261 §8.1.1.7: branches of RFC 3261 implementations start with this cookie. */
export const MAGIC_COOKIE = 'z9hG4bK';

export const hasMagicCookie = (branch: string | undefined): branch is string => branch !== undefined && branch.startsWith(MAGIC_COOKIE);

function safeTopVia(msg: SipMessage): Via | undefined {
  try {
    return topVia(msg);
  } catch {
    return undefined;
  }
}

function cseqOf(msg: SipMessage): { seq: number; method: string } | undefined {
  const v = getHeader(msg, 'cseq');
  if (v === undefined) return undefined;
  try {
    return parseCSeq(v);
  } catch {
    return undefined;
  }
}

function tagOf(msg: SipMessage, header: 'from' | 'to'): string {
  const v = getHeader(msg, header);
  if (v === undefined) return '';
  try {
    return getTag(v) ?? '';
  } catch {
    return '';
  }
}

const defaultPort = (transport: string): number => (transport.toUpperCase() === 'TLS' ? 5061 : 5060);

/** The sent-by of a Via, normalised (host lower-cased, default port filled in). */
export function sentBy(via: Via): string {
  return `${via.host.toLowerCase()}:${via.port ?? defaultPort(via.transport)}`;
}

/** Key of a client transaction: top Via branch + CSeq method (RFC 3261 §17.1.3). */
export function clientKey(branch: string, cseqMethod: string): string {
  return `${branch}|${cseqMethod.toUpperCase()}`;
}

/** The client key a request creates or a response matches; undefined if Via branch or CSeq is missing. */
export function clientKeyOf(msg: SipMessage): string | undefined {
  const branch = safeTopVia(msg)?.branch;
  const cs = cseqOf(msg);
  if (!branch || !cs) return undefined;
  return clientKey(branch, cs.method);
}

export interface ServerKey {
  key: string;
  /** True when the RFC 2543 fallback was used: an ACK must then also match the To tag of our response. */
  rfc2543: boolean;
}

/**
 * Key of the server transaction a request belongs to (RFC 3261 §17.2.3). ACK maps to its INVITE.
 * `asMethod` computes the key of another method's transaction with the same identifiers, e.g.
 * 'INVITE' to find the transaction a CANCEL cancels (RFC 3261 §9.2).
 */
export function serverKeyOf(req: SipRequest, asMethod?: string): ServerKey | undefined {
  const via = safeTopVia(req);
  if (!via) return undefined;
  const method = (asMethod ?? (req.method === 'ACK' ? 'INVITE' : req.method)).toUpperCase();
  if (hasMagicCookie(via.branch)) {
    // Branch + sent-by + method.
    return { key: `3261|${via.branch}|${sentBy(via)}|${method}`, rfc2543: false };
  }
  // RFC 2543 fallback (RFC 3261 §17.2.3): Request-URI, From tag, Call-ID, CSeq number, top Via;
  // the To tag is checked separately because an ACK carries the tag of our response.
  const cs = cseqOf(req);
  const callId = getHeader(req, 'call-id');
  if (!cs || callId === undefined) return undefined;
  const viaId = `${via.transport.toUpperCase()} ${sentBy(via)} ${via.branch ?? ''}`;
  return { key: `2543|${req.uri}|${tagOf(req, 'from')}|${callId}|${cs.seq}|${method}|${viaId}`, rfc2543: true };
}

/** The To tag of a message, '' when absent. */
export function toTagOf(msg: SipMessage): string {
  return tagOf(msg, 'to');
}
