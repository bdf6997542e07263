// Via header values (RFC 3261 §20.42, §25.1 via-parm; RFC 3581 rport). LWS is allowed around
// '/', ':', ';' and '=' (SLASH, COLON, SEMI, EQUAL are SWS-padded).

import type { SipMessage, Via } from './types.ts';
import { SipParseError } from './errors.ts';
import { firstListItem, getHeader, getHeaderList } from './headers.ts';
import { scanToken, skipWs, isWs } from './lex.ts';
import { parseGenericParams } from './lex.ts';

const H = 'via';

function expectSlash(s: string, i: number): number {
  i = skipWs(s, i);
  if (s.charCodeAt(i) !== 0x2f) throw new SipParseError('expected "/" in sent-protocol', H);
  return skipWs(s, i + 1);
}

function isViaHostChar(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || c === 0x2d || c === 0x2e || c === 0x5f;
}

/** Parses one via-parm (one comma-separated item of a Via line). Throws SipParseError. */
export function parseVia(value: string): Via {
  const s = value;
  let i = skipWs(s, 0);
  let e = scanToken(s, i);
  if (e === i) throw new SipParseError('missing protocol name', H);
  const name = s.slice(i, e);
  i = expectSlash(s, e);
  e = scanToken(s, i);
  if (e === i) throw new SipParseError('missing protocol version', H);
  const version = s.slice(i, e);
  i = expectSlash(s, e);
  e = scanToken(s, i);
  if (e === i) throw new SipParseError('missing transport', H);
  const transport = s.slice(i, e).toUpperCase();
  if (e >= s.length || !isWs(s.charCodeAt(e))) throw new SipParseError('expected LWS before sent-by', H);
  i = skipWs(s, e);

  let host: string;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) throw new SipParseError('unterminated IPv6 reference', H);
    host = s.slice(i + 1, close).toLowerCase();
    if (!/^[0-9a-f:.]+$/.test(host)) throw new SipParseError('bad IPv6 reference', H);
    i = close + 1;
  } else {
    const start = i;
    while (i < s.length && isViaHostChar(s.charCodeAt(i))) i++;
    if (i === start) throw new SipParseError('missing sent-by host', H);
    host = s.slice(start, i).toLowerCase();
  }
  const via: Via = { protocol: `${name.toUpperCase()}/${version}`, transport, host, params: new Map() };

  let k = skipWs(s, i);
  if (s.charCodeAt(k) === 0x3a) {
    k = skipWs(s, k + 1);
    const start = k;
    while (k < s.length && s.charCodeAt(k) >= 0x30 && s.charCodeAt(k) <= 0x39) k++;
    const port = Number(s.slice(start, k));
    if (k === start || k - start > 5 || port > 65535) throw new SipParseError('bad sent-by port', H);
    via.port = port;
    i = k;
  }
  const end = parseGenericParams(s, i, via.params, H);
  if (end < s.length) throw new SipParseError('unexpected "," inside one Via value', H);

  const branch = via.params.get('branch');
  if (branch === null) throw new SipParseError('branch without a value', H);
  if (branch !== undefined) via.branch = branch;
  const received = via.params.get('received');
  if (received === null) throw new SipParseError('received without a value', H);
  if (received !== undefined) via.received = received;
  if (via.params.has('rport')) {
    const rport = via.params.get('rport');
    if (rport === null || rport === undefined) via.rport = null;
    else {
      if (!/^\d{1,5}$/.test(rport) || Number(rport) > 65535) throw new SipParseError('bad rport', H);
      via.rport = Number(rport);
    }
  }
  return via;
}

/**
 * Writes a Via value. Parameters come from `params` in order, except branch, received and rport,
 * whose values come from the typed fields (so setting via.received is enough).
 */
export function formatVia(via: Via): string {
  let out = `${via.protocol}/${via.transport} ${via.host.includes(':') ? `[${via.host}]` : via.host}`;
  if (via.port !== undefined) out += ':' + via.port;
  let wroteBranch = false;
  let wroteReceived = false;
  let wroteRport = false;
  for (const [k, v] of via.params) {
    let value: string | null | undefined = v;
    if (k === 'branch') {
      value = via.branch;
      wroteBranch = value !== undefined;
    } else if (k === 'received') {
      value = via.received;
      wroteReceived = value !== undefined;
    } else if (k === 'rport') {
      value = typedRport(via);
      wroteRport = value !== undefined;
    }
    if (value === undefined) continue;
    out += value === null ? `;${k}` : `;${k}=${value}`;
  }
  // Typed fields set without a matching parameter are appended in this order.
  if (!wroteBranch && via.branch !== undefined) out += `;branch=${via.branch}`;
  if (!wroteReceived && via.received !== undefined) out += `;received=${via.received}`;
  const rport = typedRport(via);
  if (!wroteRport && rport !== undefined) out += rport === null ? ';rport' : `;rport=${rport}`;
  return out;
}

/** The rport parameter value from the typed field: undefined absent, null flag, else the number as text. */
function typedRport(via: Via): string | null | undefined {
  if (via.rport === undefined) return undefined;
  return via.rport === null ? null : String(via.rport);
}

/** The top-most Via value (first item of the first Via line), parsed; undefined if there is none. */
export function topVia(msg: SipMessage): Via | undefined {
  const line = getHeader(msg, 'via');
  if (line === undefined) return undefined;
  return parseVia(firstListItem(line));
}

/** Every Via value in order, comma lists split. Throws SipParseError on a bad one. */
export function getVias(msg: SipMessage): Via[] {
  return getHeaderList(msg, 'via').map(parseVia);
}
