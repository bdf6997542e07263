// SIP, SIPS (RFC 3261 §19.1, §25.1) and tel (RFC 3966) URIs. %-escapes are kept as received so a
// forwarded URI is byte-identical; only scheme and host are lower-cased (they compare
// case-insensitively, §19.1.4).

import type { SipUri } from './types.ts';
import { SipParseError, SipUnsupportedSchemeError } from './errors.ts';

/** scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
function schemeEnd(text: string): number {
  const first = text.charCodeAt(0);
  if (!((first >= 0x41 && first <= 0x5a) || (first >= 0x61 && first <= 0x7a))) return -1;
  for (let i = 1; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x3a) return i;
    const ok = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e;
    if (!ok) return -1;
  }
  return -1;
}

/** The lower-cased scheme of an absolute URI, or undefined when the text has no valid scheme. */
export function uriScheme(text: string): string | undefined {
  const end = schemeEnd(text);
  return end > 0 ? text.slice(0, end).toLowerCase() : undefined;
}

/** Characters never allowed unescaped anywhere in a URI we accept (whitespace, controls, <>"). */
function hasForbidden(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return true;
  }
  return false;
}

function isHostChar(c: number): boolean {
  // hostname = *( domainlabel "." ) toplabel [ "." ]; '_' tolerated (seen in the wild).
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f;
}

function fail(message: string, header?: string): never {
  throw new SipParseError(message, header);
}

/** Parses a sip:, sips: or tel: URI. Throws SipParseError (SipUnsupportedSchemeError for other schemes). */
export function parseUri(text: string, header?: string): SipUri {
  const sEnd = schemeEnd(text);
  if (sEnd <= 0) fail(`not a URI: ${JSON.stringify(text.slice(0, 40))}`, header);
  const scheme = text.slice(0, sEnd).toLowerCase();
  if (scheme !== 'sip' && scheme !== 'sips' && scheme !== 'tel') throw new SipUnsupportedSchemeError(scheme, header);
  if (hasForbidden(text)) fail('URI contains whitespace or a forbidden character', header);
  const rest = text.slice(sEnd + 1);
  return scheme === 'tel' ? parseTel(rest, header) : parseSip(scheme, rest, header);
}

function parseTel(rest: string, header?: string): SipUri {
  // telephone-subscriber = number *( ";" par ); no headers part.
  const semi = rest.indexOf(';');
  const user = semi < 0 ? rest : rest.slice(0, semi);
  if (user.length === 0) fail('tel URI without a number', header);
  const params = new Map<string, string | null>();
  if (semi >= 0) parseUriParams(rest.slice(semi + 1), params, header);
  return { scheme: 'tel', user, host: '', params, headers: new Map() };
}

function parseSip(scheme: 'sip' | 'sips', rest: string, header?: string): SipUri {
  const uri: SipUri = { scheme, host: '', params: new Map(), headers: new Map() };
  // '@' may only appear unescaped as the end of userinfo (params and headers exclude it), while
  // the user part itself may hold ';', '?' and ':' (RFC 4475 §3.1.1.2), so split at the first '@'.
  let i = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    if (colon >= 0) {
      uri.user = userinfo.slice(0, colon);
      uri.password = userinfo.slice(colon + 1);
    } else uri.user = userinfo;
    if (uri.user.length === 0) fail('empty user part', header);
    i = at + 1;
  }
  // host
  if (rest.charCodeAt(i) === 0x5b) {
    const close = rest.indexOf(']', i);
    if (close < 0) fail('unterminated IPv6 reference', header);
    const v6 = rest.slice(i + 1, close);
    if (v6.length < 2 || !/^[0-9a-fA-F:.]+$/.test(v6)) fail('bad IPv6 reference', header);
    uri.host = v6.toLowerCase();
    i = close + 1;
  } else {
    const start = i;
    while (i < rest.length && isHostChar(rest.charCodeAt(i))) i++;
    if (i === start) fail('missing host', header);
    uri.host = rest.slice(start, i).toLowerCase();
  }
  // port
  if (rest.charCodeAt(i) === 0x3a) {
    const start = ++i;
    while (i < rest.length && rest.charCodeAt(i) >= 0x30 && rest.charCodeAt(i) <= 0x39) i++;
    const port = Number(rest.slice(start, i));
    if (i === start || i - start > 5 || port > 65535) fail('bad port', header);
    uri.port = port;
  }
  if (i >= rest.length) return uri;
  const c = rest.charCodeAt(i);
  if (c !== 0x3b && c !== 0x3f) fail(`unexpected ${JSON.stringify(rest[i])} after host`, header);
  const q = rest.indexOf('?', i);
  const paramText = c === 0x3b ? rest.slice(i + 1, q < 0 ? rest.length : q) : '';
  if (paramText.length > 0 || c === 0x3b) parseUriParams(paramText, uri.params, header);
  if (q >= 0) parseUriHeaders(rest.slice(q + 1), uri.headers, header);
  return uri;
}

function parseUriParams(text: string, into: Map<string, string | null>, header?: string): void {
  for (const part of text.split(';')) {
    if (part.length === 0) fail('empty URI parameter', header);
    const eq = part.indexOf('=');
    if (eq === 0) fail('URI parameter without a name', header);
    if (eq < 0) into.set(part.toLowerCase(), null);
    else into.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
}

function parseUriHeaders(text: string, into: Map<string, string>, header?: string): void {
  if (text.length === 0) return;
  for (const part of text.split('&')) {
    const eq = part.indexOf('=');
    if (eq <= 0) fail('bad URI header', header);
    into.set(part.slice(0, eq), part.slice(eq + 1));
  }
}

/** Writes a URI back as text (IPv6 hosts in brackets). */
export function formatUri(uri: SipUri): string {
  let out = uri.scheme + ':';
  if (uri.scheme === 'tel') {
    out += uri.user ?? '';
  } else {
    if (uri.user !== undefined) {
      out += uri.user;
      if (uri.password !== undefined) out += ':' + uri.password;
      out += '@';
    }
    out += uri.host.includes(':') ? `[${uri.host}]` : uri.host;
    if (uri.port !== undefined) out += ':' + uri.port;
  }
  for (const [k, v] of uri.params) out += v === null ? `;${k}` : `;${k}=${v}`;
  let first = true;
  for (const [k, v] of uri.headers) {
    out += (first ? '?' : '&') + k + '=' + v;
    first = false;
  }
  return out;
}
