// CSeq (RFC 3261 §20.16): sequence number and method. The number MUST be below 2**31 (§8.1.1.5).

import type { CSeq } from './types.ts';
import { SipParseError } from './errors.ts';
import { isToken } from './lex.ts';

export const MAX_CSEQ = 2 ** 31 - 1;

/** Parses "<seq> <METHOD>"; leading zeros and extra LWS are allowed. Throws SipParseError. */
export function parseCSeq(value: string): CSeq {
  const s = value.trim();
  let i = 0;
  while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
  if (i === 0) throw new SipParseError('CSeq without a sequence number', 'cseq');
  // Leading zeros do not count toward the size (RFC 4475 §3.1.1.1 sends 0009).
  const digits = s.slice(0, i).replace(/^0+(?=\d)/, '');
  if (digits.length > 10 || Number(digits) > MAX_CSEQ) throw new SipParseError('CSeq number too large', 'cseq');
  const method = s.slice(i).trim();
  if (i === s.length || !/\s/.test(s[i] ?? '')) throw new SipParseError('CSeq needs LWS before the method', 'cseq');
  if (!isToken(method)) throw new SipParseError('bad CSeq method', 'cseq');
  return { seq: Number(digits), method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
