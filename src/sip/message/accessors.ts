// Typed accessors for the headers a B2BUA reads on every message. Missing headers give undefined;
// present but malformed ones throw SipParseError (checkRequestSanity rejects those up front).

import type { CSeq, SipMessage } from './types.ts';
import { SipParseError } from './errors.ts';
import { getHeader } from './headers.ts';
import { getTag } from './name-addr.ts';
import { parseCSeq } from './cseq.ts';

export function callId(msg: SipMessage): string | undefined {
  return getHeader(msg, 'call-id');
}

/** The From tag (undefined for an RFC 2543 peer that sends none). */
export function fromTag(msg: SipMessage): string | undefined {
  const v = getHeader(msg, 'from');
  return v === undefined ? undefined : getTag(v);
}

/** The To tag (undefined outside a dialog). */
export function toTag(msg: SipMessage): string | undefined {
  const v = getHeader(msg, 'to');
  return v === undefined ? undefined : getTag(v);
}

/** The CSeq; throws SipParseError when missing or malformed. */
export function cseq(msg: SipMessage): CSeq {
  const v = getHeader(msg, 'cseq');
  if (v === undefined) throw new SipParseError('missing CSeq', 'cseq');
  return parseCSeq(v);
}

/** The Content-Length header value as a number (undefined when absent). */
export function contentLength(msg: SipMessage): number | undefined {
  const v = getHeader(msg, 'content-length');
  if (v === undefined) return undefined;
  if (!/^\d{1,9}$/.test(v)) throw new SipParseError('bad Content-Length', 'content-length');
  return Number(v);
}

/** The media type of the body, lower-cased, without parameters ('application/sdp'); undefined when absent. */
export function contentType(msg: SipMessage): string | undefined {
  const v = getHeader(msg, 'content-type');
  if (v === undefined) return undefined;
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).replace(/[ \t]+/g, '').toLowerCase();
}

/** Max-Forwards (RFC 3261 §20.22: 0-255); undefined when absent; throws when malformed or out of range. */
export function maxForwards(msg: SipMessage): number | undefined {
  const v = getHeader(msg, 'max-forwards');
  if (v === undefined) return undefined;
  if (!/^\d{1,6}$/.test(v)) throw new SipParseError('bad Max-Forwards', 'max-forwards');
  const n = Number(v);
  if (n > 255) throw new SipParseError('Max-Forwards above 255', 'max-forwards');
  return n;
}
