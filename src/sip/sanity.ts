// Request and response sanity checks (RFC 3261 §8.2 UAS checks, §16.3 request validation) as
// named pure functions. Each returns the rejection to send, or null when the message passes.
// The order follows §16.3: syntax (400), URI scheme (416), Max-Forwards (483), extensions (420),
// then the UAS content checks of §8.2.3 (415) and Accept (406).
// Note: an ACK is never answered (§17.2.1, §17.2.3); the caller drops an ACK that fails a check.

import type { SipMessage, SipRequest, SipResponse } from './message/types.ts';
import { SipParseError, SipUnsupportedSchemeError, SipVersionError } from './message/errors.ts';
import { countHeaders, displayHeaderName, getHeader, getHeaderList, getHeaders, splitHeaderList } from './message/headers.ts';
import { parseCSeq } from './message/cseq.ts';
import { parseNameAddr } from './message/name-addr.ts';
import { parseUri, uriScheme } from './message/uri.ts';
import { parseVia } from './message/via.ts';
import { maxForwards } from './message/accessors.ts';
import { reasonPhrase } from './status.ts';

export interface SanityFailure {
  /** The status to answer with (400, 416, 420, 483, 415, 406, 505). */
  status: number;
  /** Reason phrase, e.g. "Bad CSeq Header". */
  reason: string;
  /** Canonical (lower-case) name of the header at fault, when one is. */
  header?: string;
  /** For 420: the option tags to list in the Unsupported header (§8.2.2.3). */
  unsupported?: string[];
  /** For 415/406: what we do accept (for the Accept header of the answer, §21.4.13). */
  accept?: string[];
  /** Human-readable cause for logs or a Warning header; never contains message text beyond the fault. */
  detail?: string;
}

/** Why a response must be dropped (responses are never answered). */
export interface ResponseSanityFailure {
  reason: string;
  header?: string;
  detail?: string;
}

export interface SanityOptions {
  /** Option tags this element implements; a Require with any other gets 420. Default: none. */
  supportedExtensions?: readonly string[];
  /** Body media types accepted in INVITE/UPDATE/PRACK, else 415. Default: DEFAULT_ACCEPTED_CONTENT_TYPES. */
  acceptedContentTypes?: readonly string[];
}

/** We claim no option tag unless the server says it implements it. */
export const DEFAULT_SUPPORTED_EXTENSIONS: readonly string[] = [];
export const DEFAULT_ACCEPTED_CONTENT_TYPES: readonly string[] = ['application/sdp', 'multipart/mixed', 'multipart/alternative'];

/** Methods whose body is a session description we must understand. */
const SESSION_METHODS = new Set(['INVITE', 'UPDATE', 'PRACK']);
/** Headers that may appear once only (RFC 3261 §7.3.1, §20: not a comma list). */
const SINGLE_VALUED = ['to', 'from', 'call-id', 'cseq', 'max-forwards', 'content-length', 'content-type'];
/** RFC 3261 §17.2.3: the magic cookie, meaning "this branch is a unique transaction id". */
const MAGIC_COOKIE = 'z9hG4bK';

function bad(header: string, detail?: string): SanityFailure {
  const f: SanityFailure = { status: 400, reason: `Bad ${displayHeaderName(header)} Header`, header };
  if (detail !== undefined) f.detail = detail;
  return f;
}

function detailOf(err: unknown): string | undefined {
  return err instanceof SipParseError ? err.message : undefined;
}

/** §8.1.1: To, From, CSeq, Call-ID and Via are mandatory. Max-Forwards is tolerated when absent (RFC 2543 peers). */
export function checkMandatoryHeaders(msg: SipMessage): SanityFailure | null {
  for (const name of ['via', 'from', 'to', 'call-id', 'cseq']) {
    if (getHeader(msg, name) === undefined) {
      return { status: 400, reason: `Missing ${displayHeaderName(name)} Header`, header: name };
    }
  }
  return null;
}

/** Headers that are not lists must not repeat (RFC 4475 §3.3.8, §3.3.9). */
export function checkSingleValuedHeaders(msg: SipMessage): SanityFailure | null {
  for (const name of SINGLE_VALUED) if (countHeaders(msg, name) > 1) return bad(name, 'header repeated');
  return null;
}

/** CSeq must parse (number below 2**31) and, in a request, name the request's method (§8.2 / RFC 4475 §3.1.2.17). */
export function checkCSeq(msg: SipMessage): SanityFailure | null {
  const v = getHeader(msg, 'cseq');
  if (v === undefined) return null;
  try {
    const c = parseCSeq(v);
    if (msg.kind === 'request' && c.method !== msg.method) {
      return { status: 400, reason: 'CSeq Method Mismatch', header: 'cseq', detail: `CSeq method ${c.method} in a ${msg.method}` };
    }
  } catch (err) {
    return bad('cseq', detailOf(err));
  }
  return null;
}

/** Call-ID = word ["@" word]: non-empty, no whitespace. */
export function checkCallId(msg: SipMessage): SanityFailure | null {
  const v = getHeader(msg, 'call-id');
  if (v === undefined) return null;
  if (v.length === 0 || /\s/.test(v)) return bad('call-id');
  return null;
}

/** From and To must be one name-addr/addr-spec each with a sip, sips or tel URI. */
export function checkFromTo(msg: SipMessage): SanityFailure | null {
  for (const name of ['from', 'to']) {
    const v = getHeader(msg, name);
    if (v === undefined) continue;
    try {
      parseNameAddr(v, name);
    } catch (err) {
      return bad(name, detailOf(err));
    }
  }
  return null;
}

/** Every Via must parse as SIP/2.0, and a branch must be more than the bare magic cookie (RFC 4475 §3.2.1). */
export function checkVias(msg: SipMessage): SanityFailure | null {
  let first = true;
  for (const item of getHeaderList(msg, 'via')) {
    try {
      const via = parseVia(item);
      if (via.protocol !== 'SIP/2.0') return bad('via', `protocol ${via.protocol}`);
      if (first && via.branch !== undefined && via.branch === MAGIC_COOKIE) {
        // A branch that claims RFC 3261 uniqueness but carries no id would merge unrelated
        // transactions; reject statelessly (RFC 4475 §3.2.1).
        return bad('via', 'branch is only the magic cookie');
      }
    } catch (err) {
      return bad('via', detailOf(err));
    }
    first = false;
  }
  if (first && getHeaders(msg, 'via').length > 0) return bad('via', 'empty Via');
  return null;
}

/** Max-Forwards must be 0-255 when present (§20.22). */
export function checkMaxForwardsSyntax(msg: SipMessage): SanityFailure | null {
  try {
    maxForwards(msg);
  } catch (err) {
    return bad('max-forwards', detailOf(err));
  }
  return null;
}

/** Every Contact value must parse ("*" is allowed, for REGISTER). */
export function checkContacts(msg: SipMessage): SanityFailure | null {
  for (const item of getHeaderList(msg, 'contact')) {
    if (item === '*') continue;
    try {
      parseNameAddr(item, 'contact');
    } catch (err) {
      return bad('contact', detailOf(err));
    }
  }
  return null;
}

/**
 * The Request-URI: 416 for a well-formed URI of a scheme we do not serve (§8.2.2.1), 400 when
 * malformed, enclosed in <> (RFC 4475 §3.1.2.7), or carrying headers, which §19.1.1 forbids
 * in a Request-URI (RFC 4475 §3.1.2.11).
 */
export function checkRequestUri(req: SipRequest): SanityFailure | null {
  const scheme = uriScheme(req.uri);
  if (scheme === undefined) return { status: 400, reason: 'Bad Request-URI', detail: 'not an absolute URI' };
  try {
    const uri = parseUri(req.uri);
    if (uri.headers.size > 0) return { status: 400, reason: 'Bad Request-URI', detail: 'headers are not allowed in a Request-URI' };
  } catch (err) {
    if (err instanceof SipUnsupportedSchemeError) return { status: 416, reason: reasonPhrase(416), detail: `scheme ${err.scheme}` };
    return { status: 400, reason: 'Bad Request-URI', detail: detailOf(err) ?? 'malformed' };
  }
  return null;
}

/**
 * §16.3 step 3: with Max-Forwards 0 the request must not be forwarded, so 483, except OPTIONS,
 * which the element may answer itself (§11, RFC 4475 §3.3.11).
 */
export function checkMaxForwardsZero(req: SipRequest): SanityFailure | null {
  if (req.method === 'OPTIONS') return null;
  let mf: number | undefined;
  try {
    mf = maxForwards(req);
  } catch {
    return null; // malformed: checkMaxForwardsSyntax answers that
  }
  return mf === 0 ? { status: 483, reason: reasonPhrase(483), header: 'max-forwards' } : null;
}

/** §8.2.2.3: a Require tag we do not implement gets 420 with Unsupported; not checked for ACK and CANCEL. */
export function checkRequire(req: SipRequest, supported: readonly string[]): SanityFailure | null {
  if (req.method === 'ACK' || req.method === 'CANCEL') return null;
  const known = new Set(supported.map((s) => s.toLowerCase()));
  const unsupported = getHeaderList(req, 'require').filter((tag) => !known.has(tag.toLowerCase()));
  return unsupported.length > 0 ? { status: 420, reason: reasonPhrase(420), header: 'require', unsupported } : null;
}

function mediaType(v: string): string {
  const semi = v.indexOf(';');
  return (semi < 0 ? v : v.slice(0, semi)).replace(/[ \t]+/g, '').toLowerCase();
}

/** §7.4.1: a body needs a Content-Type; §8.2.3: a session body of a type we do not know gets 415. */
export function checkContentType(req: SipRequest, accepted: readonly string[]): SanityFailure | null {
  if (req.body.length === 0) return null;
  const ct = getHeader(req, 'content-type');
  if (ct === undefined) return { status: 400, reason: 'Missing Content-Type Header', header: 'content-type' };
  const type = mediaType(ct);
  if (!/^[^/\s]+\/[^/\s]+$/.test(type)) return bad('content-type');
  if (!SESSION_METHODS.has(req.method)) return null;
  if (!accepted.includes(type)) return { status: 415, reason: reasonPhrase(415), header: 'content-type', accept: [...accepted] };
  return null;
}

/** An INVITE whose Accept excludes application/sdp cannot get an SDP answer: 406 (RFC 4475 §3.3.15). */
export function checkAccept(req: SipRequest): SanityFailure | null {
  if (req.method !== 'INVITE') return null;
  const lines = getHeaders(req, 'accept');
  if (lines.length === 0) return null;
  const ranges = lines.flatMap((l) => splitHeaderList(l)).map(mediaType);
  const ok = ranges.some((r) => r === 'application/sdp' || r === 'application/*' || r === '*/*');
  return ok ? null : { status: 406, reason: reasonPhrase(406), header: 'accept', accept: ['application/sdp'] };
}

/** Runs every request check in order; the first failure wins. */
export function checkRequestSanity(req: SipRequest, opts: SanityOptions = {}): SanityFailure | null {
  return (
    checkMandatoryHeaders(req) ??
    checkSingleValuedHeaders(req) ??
    checkCSeq(req) ??
    checkCallId(req) ??
    checkFromTo(req) ??
    checkVias(req) ??
    checkMaxForwardsSyntax(req) ??
    checkContacts(req) ??
    checkRequestUri(req) ??
    checkMaxForwardsZero(req) ??
    checkRequire(req, opts.supportedExtensions ?? DEFAULT_SUPPORTED_EXTENSIONS) ??
    checkContentType(req, opts.acceptedContentTypes ?? DEFAULT_ACCEPTED_CONTENT_TYPES) ??
    checkAccept(req)
  );
}

/** Checks a response enough to match it to a transaction; a failure means drop it (and count it). */
export function checkResponseSanity(res: SipResponse): ResponseSanityFailure | null {
  const f = checkMandatoryHeaders(res) ?? checkSingleValuedHeaders(res) ?? checkCSeq(res) ?? checkCallId(res) ?? checkVias(res);
  if (f === null) return null;
  const out: ResponseSanityFailure = { reason: f.reason };
  if (f.header !== undefined) out.header = f.header;
  if (f.detail !== undefined) out.detail = f.detail;
  return out;
}

/**
 * What to answer for a request parseMessage could not accept: 505 for another SIP version,
 * 400 otherwise. Null when there is no `partial` (not enough to build a response: drop it).
 */
export function rejectionForParseFailure(error: SipParseError, partial: SipRequest | undefined): SanityFailure | null {
  if (partial === undefined) return null;
  if (error instanceof SipVersionError) return { status: 505, reason: reasonPhrase(505), detail: error.message };
  if (error.header !== undefined) return bad(error.header, error.message);
  return { status: 400, reason: reasonPhrase(400), detail: error.message };
}
