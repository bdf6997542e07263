// Parses one SIP message from bytes (RFC 3261 §7, §25). Never throws: bad input gives ok:false, and
// a malformed request that still names its transaction (start line, Via, From, To, Call-ID, CSeq)
// comes back as `partial` so the server can answer 400 (or 505) instead of dropping it.
// The header block is decoded once (UTF-8) and split into lines; header values stay text and are
// parsed on demand by the typed accessors. The body is a view into `data`, never a copy.

import type { Header, SipMessage, SipRequest } from './types.ts';
import { SipParseError, SipVersionError } from './errors.ts';
import { canonicalHeaderName } from './headers.ts';
import { isToken } from './lex.ts';

export type ParseResult = { ok: true; message: SipMessage; size: number } | { ok: false; error: SipParseError; partial?: SipRequest };

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const HTAB = 0x09;
const LF_CRLF = Buffer.from('\n\r\n', 'latin1');
const LF_LF = Buffer.from('\n\n', 'latin1');
/** Content-Length above this is nonsense for SIP (and would not fit any datagram or sane stream frame). */
const MAX_CONTENT_LENGTH_DIGITS = 9;

/** Number of CR/LF bytes before the start line (RFC 3261 §7.5: ignored on streams; keep-alives, RFC 5626 §3.5.1). */
export function leadingCrlfLength(buf: Buffer): number {
  let i = 0;
  while (i < buf.length && (buf[i] === CR || buf[i] === LF)) i++;
  return i;
}

/** True for a datagram or chunk made only of CR/LF (a keep-alive ping, not a message). */
export function isKeepAlive(data: Buffer): boolean {
  return data.length > 0 && leadingCrlfLength(data) === data.length;
}

/**
 * Locates the blank line ending the header section at or after `start`.
 * Returns [index of the LF ending the last header line, index of the first body byte], or null.
 * Both CRLF and bare LF line ends are accepted.
 */
function findHeaderEnd(buf: Buffer, start: number): [number, number] | null {
  const a = buf.indexOf(LF_CRLF, start);
  const b = buf.indexOf(LF_LF, start);
  if (a < 0 && b < 0) return null;
  if (b >= 0 && (a < 0 || b < a)) return [b, b + 2];
  return [a, a + 3];
}

/** Trims SP, HTAB, CR and LF only (String.trim would also eat a BOM or NBSP that belongs to the value). */
function trimLws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b) {
    const c = s.charCodeAt(a);
    if (c !== SP && c !== HTAB && c !== CR && c !== LF) break;
    a++;
  }
  while (b > a) {
    const c = s.charCodeAt(b - 1);
    if (c !== SP && c !== HTAB && c !== CR && c !== LF) break;
    b--;
  }
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

interface HeaderBlock {
  startLine: string;
  headers: Header[];
  error?: SipParseError;
}

function splitHeaderBlock(head: string): HeaderBlock {
  const lines = head.split('\n');
  const block: HeaderBlock = { startLine: trimLws(lines[0] ?? ''), headers: [] };
  const headers = block.headers;
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? '';
    const c0 = line.charCodeAt(0);
    if (c0 === SP || c0 === HTAB) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header (folding).
      const last = headers[headers.length - 1];
      const cont = trimLws(line);
      if (last === undefined) block.error ??= new SipParseError('continuation line before the first header');
      else if (cont.length > 0) last.value = last.value.length > 0 ? `${last.value} ${cont}` : cont;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon < 0) {
      if (trimLws(line).length > 0) block.error ??= new SipParseError('header line without ":"');
      continue;
    }
    // HCOLON = *( SP / HTAB ) ":" SWS: whitespace may precede the colon.
    const name = trimLws(line.slice(0, colon));
    if (!isToken(name)) {
      block.error ??= new SipParseError(`bad header name ${JSON.stringify(name.slice(0, 40))}`);
      continue;
    }
    headers.push({ name, value: trimLws(line.slice(colon + 1)) });
  }
  return block;
}

const SIP_VERSION = /^SIP\/\d+\.\d+$/i;

interface StartLine {
  request?: { method: string; uri: string; version: string };
  response?: { status: number; reason: string; version: string };
  error?: SipParseError;
}

function parseStartLine(line: string): StartLine {
  if (line.length >= 4 && line.slice(0, 4).toUpperCase() === 'SIP/') {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (reason may be empty).
    const sp1 = line.indexOf(' ');
    const version = sp1 < 0 ? line : line.slice(0, sp1);
    if (sp1 < 0 || !SIP_VERSION.test(version)) return { error: new SipParseError('bad status line') };
    if (version.toUpperCase() !== 'SIP/2.0') return { error: new SipVersionError(version) };
    let i = sp1;
    while (line.charCodeAt(i) === SP) i++;
    const code = line.slice(i, i + 3);
    const after = line.charCodeAt(i + 3);
    if (!/^[1-6]\d\d$/.test(code) || !(Number.isNaN(after) || after === SP || after === HTAB)) {
      return { error: new SipParseError('bad status code') };
    }
    const reason = i + 4 <= line.length ? line.slice(i + 4) : '';
    return { response: { status: Number(code), reason, version: 'SIP/2.0' } };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version. Repeated or trailing SP are tolerated
  // (RFC 4475 §3.1.2.9, §3.1.2.10 allow being liberal); LWS inside the URI is not (§3.1.2.8).
  const parts = line.split(/[ \t]+/).filter((p) => p.length > 0);
  const method = parts[0] ?? '';
  const last = parts[parts.length - 1] ?? '';
  const looksSip = parts.length >= 3 && SIP_VERSION.test(last) && isToken(method);
  if (!looksSip) return { error: new SipParseError('bad request line') };
  const uri = parts.slice(1, -1).join(' ');
  const request = { method, uri, version: last.toUpperCase() };
  if (request.version !== 'SIP/2.0') return { request, error: new SipVersionError(last) };
  if (parts.length !== 3) return { request, error: new SipParseError('whitespace inside the Request-URI') };
  return { request };
}

const PARTIAL_NEEDS = ['via', 'from', 'to', 'call-id', 'cseq'];

function partialRequest(req: { method: string; uri: string; version: string }, headers: Header[]): SipRequest | undefined {
  const have = new Set(headers.map((h) => canonicalHeaderName(h.name)));
  for (const need of PARTIAL_NEEDS) if (!have.has(need)) return undefined;
  return { kind: 'request', method: req.method, uri: req.uri, version: req.version, headers, body: Buffer.alloc(0) };
}

function failure(error: SipParseError, start: StartLine, headers: Header[]): ParseResult {
  const partial = start.request ? partialRequest(start.request, headers) : undefined;
  return partial ? { ok: false, error, partial } : { ok: false, error };
}

/** Content-Length as a number; undefined when absent; a SipParseError when bad or repeated. */
function readContentLength(headers: Header[]): number | undefined | SipParseError {
  let found: number | undefined;
  for (const h of headers) {
    const n = h.name.length;
    if (n !== 1 && n !== 14) continue;
    if (canonicalHeaderName(h.name) !== 'content-length') continue;
    if (found !== undefined) return new SipParseError('more than one Content-Length', 'content-length');
    const v = h.value;
    if (v.length === 0 || v.length > MAX_CONTENT_LENGTH_DIGITS + 3 || !/^\d+$/.test(v)) {
      return new SipParseError('bad Content-Length', 'content-length');
    }
    const stripped = v.replace(/^0+(?=\d)/, '');
    if (stripped.length > MAX_CONTENT_LENGTH_DIGITS) return new SipParseError('Content-Length too large', 'content-length');
    found = Number(stripped);
  }
  return found;
}

/**
 * Parses one complete message: a UDP datagram, or one TCP frame cut with findMessageEnd.
 * The body is exactly Content-Length bytes; without Content-Length it is the rest of the data
 * (RFC 3261 §18.3, datagrams). Bytes after the body are ignored and not counted in `size`.
 */
export function parseMessage(data: Buffer): ParseResult {
  try {
    return parseUnchecked(data);
  } catch (err) {
    // Defensive: a bug here must cost one message, never the receive loop.
    return { ok: false, error: err instanceof SipParseError ? err : new SipParseError(`parser failure: ${String(err)}`) };
  }
}

function parseUnchecked(data: Buffer): ParseResult {
  const start = leadingCrlfLength(data);
  if (start >= data.length) return { ok: false, error: new SipParseError('empty message') };
  const end = findHeaderEnd(data, start);
  const headText = data.toString('utf8', start, end ? end[0] : data.length);
  const block = splitHeaderBlock(headText);
  const sl = parseStartLine(block.startLine);
  if (sl.error) return failure(sl.error, sl, block.headers);
  if (block.error) return failure(block.error, sl, block.headers);
  if (!end) return failure(new SipParseError('header section is not terminated by an empty line'), sl, block.headers);

  const bodyStart = end[1];
  const cl = readContentLength(block.headers);
  if (cl instanceof SipParseError) return failure(cl, sl, block.headers);
  let bodyEnd = data.length;
  if (cl !== undefined) {
    if (bodyStart + cl > data.length) {
      return failure(new SipParseError('Content-Length is larger than the data received', 'content-length'), sl, block.headers);
    }
    bodyEnd = bodyStart + cl;
  }
  const body = data.subarray(bodyStart, bodyEnd);
  let message: SipMessage;
  if (sl.request) {
    message = { kind: 'request', method: sl.request.method, uri: sl.request.uri, version: sl.request.version, headers: block.headers, body };
  } else if (sl.response) {
    message = { kind: 'response', status: sl.response.status, reason: sl.response.reason, version: sl.response.version, headers: block.headers, body };
  } else {
    return { ok: false, error: new SipParseError('bad start line') };
  }
  return { ok: true, message, size: bodyEnd };
}

/**
 * Stream framing (RFC 3261 §18.3): is a whole header section in `buf`, and how long is the body?
 * Returns null while headers are incomplete, 'invalid' when Content-Length cannot frame the
 * message (bad, negative or repeated). `headerEnd` is the offset of the first body byte counted
 * from the start of `buf` (leading CRLFs included), so the frame is `headerEnd + contentLength`
 * bytes. A missing Content-Length counts as 0.
 */
export function findMessageEnd(buf: Buffer): { headerEnd: number; contentLength: number } | null | 'invalid' {
  const start = leadingCrlfLength(buf);
  if (start >= buf.length) return null;
  const end = findHeaderEnd(buf, start);
  if (!end) return null;
  const head = buf.toString('latin1', start, end[0]);
  let contentLength: number | undefined;
  let inCl = false;
  let clText = '';
  const flush = (): boolean => {
    if (!inCl) return true;
    inCl = false;
    const v = trimLws(clText);
    if (!/^\d{1,12}$/.test(v) || contentLength !== undefined) return false;
    const n = Number(v.replace(/^0+(?=\d)/, ''));
    if (n > 10 ** MAX_CONTENT_LENGTH_DIGITS - 1) return false;
    contentLength = n;
    return true;
  };
  const lines = head.split('\n');
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n] ?? '';
    const c0 = line.charCodeAt(0);
    if (c0 === SP || c0 === HTAB) {
      if (inCl) clText += ' ' + line;
      continue;
    }
    if (!flush()) return 'invalid';
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = trimLws(line.slice(0, colon));
    if ((name.length === 1 || name.length === 14) && canonicalHeaderName(name) === 'content-length') {
      inCl = true;
      clText = line.slice(colon + 1);
    }
  }
  if (!flush()) return 'invalid';
  return { headerEnd: end[1], contentLength: contentLength ?? 0 };
}
