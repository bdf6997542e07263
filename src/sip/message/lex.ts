// Character classes and small scanners shared by the header parsers (RFC 3261 §25.1).
// Everything is index-based over a string: no regex backtracking, no intermediate arrays.

import { SipParseError } from './errors.ts';

const SP = 0x20;
const HTAB = 0x09;
export const DQUOTE = 0x22;
const BACKSLASH = 0x5c;

/** token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~") */
const TOKEN = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TOKEN[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TOKEN[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TOKEN[c] = 1;
for (const ch of "-.!%*_+`'~") TOKEN[ch.charCodeAt(0)] = 1;

export function isTokenChar(c: number): boolean {
  return c < 128 && TOKEN[c] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) if (!isTokenChar(s.charCodeAt(i))) return false;
  return true;
}

export function isWs(c: number): boolean {
  return c === SP || c === HTAB || c === 0x0d || c === 0x0a;
}

/** Index of the first non-whitespace character at or after i. */
export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

/** End index (exclusive) of the token starting at i (== i when there is none). */
export function scanToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/**
 * End index (exclusive, after the closing quote) of the quoted-string opening at i (RFC 3261 §25.1:
 * quoted-pair = "\" any char except CR/LF). Returns -1 when unterminated.
 */
export function scanQuoted(s: string, i: number): number {
  i++;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === DQUOTE) return i + 1;
    else i++;
  }
  return -1;
}

/** The text of a quoted-string without its quotes and with quoted-pairs resolved. */
export function unquote(quoted: string): string {
  const inner = quoted.slice(1, -1);
  if (!inner.includes('\\')) return inner;
  let out = '';
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && i + 1 < inner.length) {
      out += inner[i + 1];
      i++;
    } else out += ch;
  }
  return out;
}

/** Wraps text as a quoted-string, escaping '"' and '\'. */
export function quote(text: string): string {
  return '"' + text.replace(/[\\"]/g, (m) => '\\' + m) + '"';
}

/**
 * Parses generic-params `*( SEMI generic-param )` from s[i..] into map (keys lower-cased, a flag
 * param maps to null, quoted values kept with their quotes). Tolerates LWS around ';' and '='
 * (SEMI and EQUAL allow SWS, RFC 3261 §25.1). Stops at end of string or at a ',' (returns its index).
 */
export function parseGenericParams(s: string, i: number, map: Map<string, string | null>, header?: string): number {
  for (;;) {
    i = skipWs(s, i);
    if (i >= s.length) return i;
    const c = s.charCodeAt(i);
    if (c === 0x2c) return i;
    if (c !== 0x3b) throw new SipParseError(`unexpected ${JSON.stringify(s[i])} in parameters`, header);
    i = skipWs(s, i + 1);
    const nameEnd = scanToken(s, i);
    if (nameEnd === i) throw new SipParseError('empty parameter name', header);
    const name = s.slice(i, nameEnd).toLowerCase();
    i = skipWs(s, nameEnd);
    if (i < s.length && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      let end: number;
      if (i < s.length && s.charCodeAt(i) === DQUOTE) {
        end = scanQuoted(s, i);
        if (end < 0) throw new SipParseError('unterminated quoted parameter value', header);
      } else {
        end = i;
        // gen-value = token / host / quoted-string; host may be an IPv6 reference.
        while (end < s.length) {
          const v = s.charCodeAt(end);
          if (v === 0x3b || v === 0x2c || v === DQUOTE || isWs(v)) break;
          end++;
        }
        if (end === i) throw new SipParseError(`empty value for parameter ${name}`, header);
      }
      map.set(name, s.slice(i, end));
      i = end;
    } else {
      map.set(name, null);
    }
  }
}

/** Writes params as `;name=value` / `;name`. */
export function formatParams(params: Map<string, string | null>): string {
  let out = '';
  for (const [k, v] of params) out += v === null ? `;${k}` : `;${k}=${v}`;
  return out;
}
