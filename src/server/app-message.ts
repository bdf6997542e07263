// SIP text written by the app (drachtio-protocol.md §4.2.1 "header rules"): split like the C++
// server does (start line, header lines, body = everything after the first blank line; the app's
// Content-Length is ignored because srf computes it in UTF-16 units), then filter and normalise
// the header lines.
import { EMPTY_BODY, type Header, type SipRequest, type SipResponse } from '../sip/message/types.ts';

export class AppMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AppMessageError';
  }
}

const TOKEN_NAME = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

/** Never taken from the app: the server owns them. */
const IMMUTABLE = new Set(['via', 'v', 'route', 'record-route', 'rseq', 'content-length', 'l']);

/** Canonical spelling of well-known headers (the stack re-encodes them). Keys: lower case, '_' as '-'. */
const CANONICAL: ReadonlyMap<string, string> = new Map(Object.entries({
  f: 'From', from: 'From', t: 'To', to: 'To', i: 'Call-ID', 'call-id': 'Call-ID', cseq: 'CSeq',
  m: 'Contact', contact: 'Contact', 'max-forwards': 'Max-Forwards', c: 'Content-Type',
  'content-type': 'Content-Type', e: 'Content-Encoding', 'content-encoding': 'Content-Encoding',
  k: 'Supported', supported: 'Supported', require: 'Require', 'proxy-require': 'Proxy-Require',
  x: 'Session-Expires', 'session-expires': 'Session-Expires', 'min-se': 'Min-SE', rack: 'RAck',
  'p-asserted-identity': 'P-Asserted-Identity', 'p-preferred-identity': 'P-Preferred-Identity',
  reason: 'Reason', o: 'Event', event: 'Event', 'subscription-state': 'Subscription-State',
  r: 'Refer-To', 'refer-to': 'Refer-To', b: 'Referred-By', 'referred-by': 'Referred-By',
  authorization: 'Authorization', 'proxy-authorization': 'Proxy-Authorization',
  'www-authenticate': 'WWW-Authenticate', 'proxy-authenticate': 'Proxy-Authenticate',
  allow: 'Allow', u: 'Allow-Events', 'allow-events': 'Allow-Events', expires: 'Expires',
  'min-expires': 'Min-Expires', 'user-agent': 'User-Agent', server: 'Server', 'retry-after': 'Retry-After',
  privacy: 'Privacy', 'content-disposition': 'Content-Disposition', accept: 'Accept',
  'accept-encoding': 'Accept-Encoding', 'accept-language': 'Accept-Language', date: 'Date',
  'alert-info': 'Alert-Info', 'call-info': 'Call-Info', organization: 'Organization', priority: 'Priority',
  s: 'Subject', subject: 'Subject', timestamp: 'Timestamp', unsupported: 'Unsupported', warning: 'Warning',
  'error-info': 'Error-Info', 'in-reply-to': 'In-Reply-To', 'mime-version': 'MIME-Version',
  'reply-to': 'Reply-To', 'authentication-info': 'Authentication-Info', path: 'Path',
  'service-route': 'Service-Route', 'remote-party-id': 'Remote-Party-ID', diversion: 'Diversion',
  'history-info': 'History-Info',
}));

function capitalizeAfterDash(name: string): string {
  return name
    .split('-')
    .map((part) => (part.length === 0 ? part : part[0]!.toUpperCase() + part.slice(1).toLowerCase()))
    .join('-');
}

/** Lookup key of a header name: lower case, '_' as '-'. */
function headerKey(name: string): string {
  const lower = name.toLowerCase();
  return lower.includes('_') ? lower.replace(/_/g, '-') : lower;
}

/** Name as the server writes it (`key` = headerKey(name)): canonical for well-known headers, X- kept as given, others re-cased. */
function normalizeHeaderName(name: string, key: string): string {
  // A Map, not an object: an app header named e.g. "constructor" must not match Object.prototype.
  const canonical = CANONICAL.get(key);
  if (canonical !== undefined) return canonical;
  if (key.startsWith('x-')) return name;
  return capitalizeAfterDash(name);
}

/** A body the request keeps for its transaction's lifetime: its own memory, not a pinned 8 KB pool slab. */
function ownedUtf8(text: string): Buffer {
  if (text === '') return EMPTY_BODY;
  const out = Buffer.allocUnsafeSlow(Buffer.byteLength(text, 'utf8'));
  out.write(text, 0, 'utf8');
  return out;
}

export interface AppMessage {
  startLine: string;
  headers: Header[];
  body: Buffer;
}

/** Split app SIP text; header lines filtered (no ':' or a bad name: dropped; immutable headers: dropped). */
export function splitAppMessage(text: string): AppMessage {
  const sep = text.indexOf('\r\n\r\n');
  const head = sep < 0 ? text : text.slice(0, sep);
  const bodyText = sep < 0 ? '' : text.slice(sep + 4);
  const lines = head.split(/\r\n|\r|\n/);
  const startLine = (lines.shift() ?? '').trim();
  const headers: Header[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const rawName = line.slice(0, colon).trim();
    if (!TOKEN_NAME.test(rawName)) continue;
    const key = headerKey(rawName);
    if (IMMUTABLE.has(key)) continue;
    headers.push({ name: normalizeHeaderName(rawName, key), value: line.slice(colon + 1).trim() });
  }
  return { startLine, headers, body: ownedUtf8(bodyText) };
}

const METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH']);

export function appRequest(msg: AppMessage): SipRequest {
  const m = /^([A-Za-z]+)\s+(\S+)\s+SIP\/2\.0$/i.exec(msg.startLine);
  if (!m || !METHODS.has(m[1]!.toUpperCase())) throw new AppMessageError(`invalid request-uri: ${msg.startLine}`);
  return { kind: 'request', method: m[1]!.toUpperCase(), uri: m[2]!, version: 'SIP/2.0', headers: msg.headers, body: msg.body };
}

export function appResponse(msg: AppMessage): SipResponse {
  const m = /^SIP\/2\.0\s+(\d{3})(?:\s+(.*))?$/i.exec(msg.startLine);
  if (!m) throw new AppMessageError(`invalid status line: ${msg.startLine}`);
  return { kind: 'response', status: Number(m[1]), reason: m[2] ?? '', version: 'SIP/2.0', headers: msg.headers, body: msg.body };
}

/** Header value from a header list, by canonical name. */
export function findHeader(headers: readonly Header[], canonicalName: string): string | undefined {
  for (const h of headers) if (h.name === canonicalName) return h.value;
  return undefined;
}

export function withoutHeaders(headers: readonly Header[], names: readonly string[]): Header[] {
  return headers.filter((h) => !names.includes(h.name));
}

/** `@localhost` in From/To/Contact/PAI means "our address" (drachtio-protocol.md §4.2.1). */
export function substituteLocalhost(value: string, hostport: string): string {
  return value.replace(/@localhost(?::\d+)?(?=[>;\s]|$)/gi, `@${hostport}`);
}

/** A body without Content-Type: SDP when it starts with v=0, else unknown. */
export function sniffContentType(body: Buffer): string | undefined {
  return body.length >= 3 && body.toString('latin1', 0, 3) === 'v=0' ? 'application/sdp' : undefined;
}
