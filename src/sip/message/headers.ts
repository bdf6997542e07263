// Header names and header access on a SipMessage (RFC 3261 §7.3). Names compare case-insensitively
// and compact forms equal their long forms (§7.3.3); values stay text, parsed on demand elsewhere.

import type { Header, SipMessage } from './types.ts';
import { DQUOTE } from './lex.ts';

/** Compact forms: RFC 3261 §7.3.3 plus the extensions registered at IANA. */
const COMPACT: Record<string, string> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type',
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact', // RFC 3841
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject',
  t: 'to',
  u: 'allow-events', // RFC 6665
  v: 'via',
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 4474 / RFC 8224
};

/** Conventional wire spelling of well-known headers (for messages we write and for "Bad X Header"). */
const DISPLAY: Record<string, string> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'p-asserted-identity': 'P-Asserted-Identity',
  'p-preferred-identity': 'P-Preferred-Identity',
  rack: 'RAck',
  rseq: 'RSeq',
};

/** Lower-case long form of a header name: 'v' -> 'via', 'Call-ID' -> 'call-id'. */
export function canonicalHeaderName(name: string): string {
  const lower = name.toLowerCase();
  if (lower.length === 1) return COMPACT[lower] ?? lower;
  return lower;
}

/** The usual wire spelling of a header name: 'call-id' -> 'Call-ID', 'max-forwards' -> 'Max-Forwards'. */
export function displayHeaderName(name: string): string {
  const canon = canonicalHeaderName(name);
  const known = DISPLAY[canon];
  if (known !== undefined) return known;
  return canon.replace(/(^|-)([a-z])/g, (_m, sep: string, ch: string) => sep + ch.toUpperCase());
}

/**
 * True when `name` equals the lower-case `lower` ignoring ASCII case, without allocating a
 * lower-cased copy (this runs for every header line on every lookup). Header names are tokens,
 * so ASCII; anything else takes the general path.
 */
export function equalsLowerCase(name: string, lower: string): boolean {
  const n = name.length;
  if (n !== lower.length) return false;
  for (let i = 0; i < n; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x80) return name.toLowerCase() === lower;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** True when a header's wire name means the canonical name `canon` (already canonical). */
function matches(headerName: string, canon: string): boolean {
  if (headerName.length === 1) {
    return canon.length === 1 ? headerName.toLowerCase() === canon : COMPACT[headerName.toLowerCase()] === canon;
  }
  return equalsLowerCase(headerName, canon);
}

/** The first value of a header, or undefined. */
export function getHeader(msg: SipMessage, name: string): string | undefined {
  const canon = canonicalHeaderName(name);
  for (const h of msg.headers) if (matches(h.name, canon)) return h.value;
  return undefined;
}

/** Every line's value of a header, in message order. */
export function getHeaders(msg: SipMessage, name: string): string[] {
  const canon = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of msg.headers) if (matches(h.name, canon)) out.push(h.value);
  return out;
}

/** Every value of a list header (Via, Route, Contact, Allow, ...), lines and comma lists flattened in order. */
export function getHeaderList(msg: SipMessage, name: string): string[] {
  const canon = canonicalHeaderName(name);
  const out: string[] = [];
  for (const h of msg.headers) if (matches(h.name, canon)) splitInto(h.value, out);
  return out;
}

export function hasHeader(msg: SipMessage, name: string): boolean {
  return getHeader(msg, name) !== undefined;
}

/** Number of header lines with this name. */
export function countHeaders(msg: SipMessage, name: string): number {
  const canon = canonicalHeaderName(name);
  let n = 0;
  for (const h of msg.headers) if (matches(h.name, canon)) n++;
  return n;
}

/**
 * Splits a comma-separated header value (RFC 3261 §7.3.1) into trimmed items. Commas inside
 * quoted strings or <...> do not split; empty items are dropped.
 */
export function splitHeaderList(value: string): string[] {
  const out: string[] = [];
  splitInto(value, out);
  return out;
}

/** The first item of a comma-separated value (cheaper than splitting all of it). */
export function firstListItem(value: string): string {
  if (value.indexOf(',') < 0) return value.trim();
  const end = listItemEnd(value, 0);
  return value.slice(0, end).trim();
}

function listItemEnd(value: string, i: number): number {
  let angle = false;
  while (i < value.length) {
    const c = value.charCodeAt(i);
    if (c === DQUOTE) {
      i++;
      while (i < value.length) {
        const q = value.charCodeAt(i);
        if (q === 0x5c) i += 2;
        else if (q === DQUOTE) break;
        else i++;
      }
    } else if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) return i;
    i++;
  }
  return value.length;
}

function splitInto(value: string, out: string[]): void {
  if (value.indexOf(',') < 0) {
    // Fast path: one item (the usual case for Via, Contact, Route on a trunk).
    const item = value.trim();
    if (item.length > 0) out.push(item);
    return;
  }
  let start = 0;
  while (start <= value.length) {
    const end = listItemEnd(value, start);
    const item = value.slice(start, end).trim();
    if (item.length > 0) out.push(item);
    start = end + 1;
  }
}

/** Replaces every occurrence with one line, at the first occurrence's position (else appended). */
export function setHeader(msg: SipMessage, name: string, value: string): void {
  const canon = canonicalHeaderName(name);
  const idx = msg.headers.findIndex((h) => matches(h.name, canon));
  if (idx < 0) {
    msg.headers.push({ name, value });
    return;
  }
  const kept: Header[] = [];
  msg.headers.forEach((h, i) => {
    if (i === idx) kept.push({ name, value });
    else if (!matches(h.name, canon)) kept.push(h);
  });
  msg.headers = kept;
}

/** Adds one header line before all others ('first', e.g. a new top Via) or after them ('last', default). */
export function addHeader(msg: SipMessage, name: string, value: string, position: 'first' | 'last' = 'last'): void {
  if (position === 'last') {
    msg.headers.push({ name, value });
    return;
  }
  // 'first' means first among headers of the same name, so a new Via lands above the others but
  // the header block keeps its overall order; with none yet, it goes to the very top.
  const canon = canonicalHeaderName(name);
  const idx = msg.headers.findIndex((h) => matches(h.name, canon));
  msg.headers.splice(idx < 0 ? 0 : idx, 0, { name, value });
}

/** Removes every line of a header; returns how many were removed. */
export function removeHeader(msg: SipMessage, name: string): number {
  const canon = canonicalHeaderName(name);
  const before = msg.headers.length;
  msg.headers = msg.headers.filter((h) => !matches(h.name, canon));
  return before - msg.headers.length;
}
