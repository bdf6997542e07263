// name-addr / addr-spec values of From, To, Contact, Route, Record-Route, Refer-To, P-Asserted-Identity...
// (RFC 3261 §20.10, §25.1). Without angle brackets every ';' after the URI starts a header
// parameter, and a URI holding ',', ';' or '?' must be bracketed (§20.10).

import type { NameAddr } from './types.ts';
import { SipParseError } from './errors.ts';
import { DQUOTE, formatParams, isTokenChar, isWs, parseGenericParams, quote, scanQuoted, skipWs, unquote } from './lex.ts';
import { formatUri, parseUri } from './uri.ts';

/** Parses one name-addr or addr-spec with its header parameters. Throws SipParseError. */
export function parseNameAddr(value: string, header?: string): NameAddr {
  let i = skipWs(value, 0);
  let displayName: string | undefined;
  let uriStart: number;
  let uriEnd: number;
  let afterUri: number;

  if (value.charCodeAt(i) === DQUOTE) {
    const end = scanQuoted(value, i);
    if (end < 0) throw new SipParseError('unterminated quoted display name', header);
    displayName = unquote(value.slice(i, end));
    i = skipWs(value, end);
    if (value.charCodeAt(i) !== 0x3c) throw new SipParseError('expected <uri> after display name', header);
  }

  const lt = value.indexOf('<', i);
  if (lt >= 0) {
    if (displayName === undefined && lt > i) {
      // display-name = *(token LWS): anything else (',', '"', '@' ...) is not allowed unquoted.
      const raw = value.slice(i, lt).trim();
      for (let k = 0; k < raw.length; k++) {
        const c = raw.charCodeAt(k);
        if (!isTokenChar(c) && !isWs(c)) throw new SipParseError('display name must be tokens or a quoted string', header);
      }
      displayName = raw.replace(/\s+/g, ' ');
    }
    const gt = value.indexOf('>', lt);
    if (gt < 0) throw new SipParseError('missing ">"', header);
    uriStart = lt + 1;
    uriEnd = gt;
    afterUri = gt + 1;
  } else {
    // addr-spec: the URI runs to the first ';' (header params) or LWS.
    uriStart = i;
    let k = i;
    while (k < value.length) {
      const c = value.charCodeAt(k);
      if (c === 0x3b || isWs(c)) break;
      if (c === 0x2c || c === 0x3f) throw new SipParseError('a URI with "," or "?" must be enclosed in <>', header);
      k++;
    }
    uriEnd = k;
    afterUri = k;
  }

  // Spaces just inside the brackets are tolerated (RFC 4475 §3.1.2.14 allows being liberal).
  const rawUri = value.slice(uriStart, uriEnd).trim();
  if (rawUri.length === 0) throw new SipParseError('empty URI', header);
  const uri = parseUri(rawUri, header);
  const params = new Map<string, string | null>();
  const end = parseGenericParams(value, afterUri, params, header);
  if (end < value.length) throw new SipParseError('unexpected "," after name-addr', header);
  const na: NameAddr = { uri, params, rawUri };
  if (displayName !== undefined) na.displayName = displayName;
  return na;
}

/** Writes a name-addr: display name quoted when present, URI always in <> (safe for any URI). */
export function formatNameAddr(na: NameAddr): string {
  const dn = na.displayName !== undefined && na.displayName.length > 0 ? quote(na.displayName) + ' ' : '';
  return `${dn}<${formatUri(na.uri)}>${formatParams(na.params)}`;
}

/**
 * The tag parameter of a From/To value, without a full parse (hot path for transaction and
 * dialog matching). Undefined when absent.
 */
export function getTag(value: string): string | undefined {
  return getHeaderParam(value, 'tag') ?? undefined;
}

/** One header parameter (after the URI) of a name-addr / addr-spec value, lower-case name; null for a flag. */
export function getHeaderParam(value: string, name: string): string | null | undefined {
  let i = 0;
  // Skip a quoted display name, then the <uri> if any; header params follow.
  const firstQuote = value.indexOf('"');
  const firstLt = value.indexOf('<');
  if (firstQuote >= 0 && (firstLt < 0 || firstQuote < firstLt)) {
    const end = scanQuoted(value, firstQuote);
    if (end < 0) return undefined;
    i = end;
  }
  const lt = value.indexOf('<', i);
  if (lt >= 0) {
    const gt = value.indexOf('>', lt);
    if (gt < 0) return undefined;
    i = gt + 1;
  } else {
    const semi = value.indexOf(';', i);
    if (semi < 0) return undefined;
    i = semi;
  }
  while (i < value.length) {
    const semi = value.indexOf(';', i);
    if (semi < 0) return undefined;
    let k = skipWs(value, semi + 1);
    const nameStart = k;
    while (k < value.length && isTokenChar(value.charCodeAt(k))) k++;
    const pname = value.slice(nameStart, k);
    k = skipWs(value, k);
    let pvalue: string | null = null;
    let next = k;
    if (value.charCodeAt(k) === 0x3d) {
      const vs = skipWs(value, k + 1);
      let ve = vs;
      if (value.charCodeAt(vs) === DQUOTE) ve = Math.max(scanQuoted(value, vs), vs);
      else while (ve < value.length && value.charCodeAt(ve) !== 0x3b && !isWs(value.charCodeAt(ve))) ve++;
      pvalue = value.slice(vs, ve);
      next = ve;
    }
    if (pname.length === name.length && pname.toLowerCase() === name) return pvalue;
    i = next;
  }
  return undefined;
}

/** The URI text of a name-addr/addr-spec header value (Contact, Route, ...), or undefined when it does not parse. */
export function uriOfNameAddr(value: string): string | undefined {
  try {
    return parseNameAddr(value).rawUri;
  } catch (err) {
    if (err instanceof SipParseError) return undefined;
    throw err;
  }
}
