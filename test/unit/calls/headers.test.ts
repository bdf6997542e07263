import { describe, expect, it } from 'vitest';
import { buildCalleeInviteHeaders, buildCallerResponseHeaders, buildRejectHeaders, copyAllowlisted } from '../../../src/calls/headers.ts';
import type { SipHeaders } from '../../../src/calls/headers.ts';
import { containsNumber, numberNeedles } from '../../../src/calls/numbers.ts';

const A = '+8613912345678';
const B = '+8613787654321';
const X = '+8617000001234';
const aDigits = numberNeedles(A, '86');
const bDigits = numberNeedles(B, '86');

function hostile(n: string): SipHeaders {
  const d = n.slice(1);
  const national = d.slice(2);
  return {
    From: `"${national}" <sip:${n}@10.0.0.5>;tag=1`,
    To: `<sip:${X}@us>`,
    'Call-ID': `${d}-abc@10.0.0.5`,
    Contact: `"${d}" <sip:${n}@10.0.0.5:5060>`,
    'P-Asserted-Identity': `<sip:${n}@10.0.0.5>, <tel:${n}>`,
    'P-Preferred-Identity': `<tel:${n}>`,
    'Remote-Party-ID': `"${n}" <sip:${d}@10.0.0.5>;party=calling;privacy=off`,
    Privacy: 'none',
    Diversion: `<sip:0${national}@10.0.0.5>;reason=unconditional`,
    'History-Info': `<sip:${n}@10.0.0.5>;index=1`,
    'Referred-By': `<sip:${n}@10.0.0.5>`,
    'User-Agent': `phone of ${national}`,
    Server: `pbx ext ${national}`,
    'X-Caller': n,
    'x-orig-number': `0086${national}`,
    Subject: `call from ${national}`,
    'Call-Info': `<http://example.com/${national}.png>;purpose=icon`,
    Organization: `${national} Ltd`,
    Reason: `Q.850;cause=16;text="${national}"`,
    Allow: `INVITE, ACK, ${national}`,
  };
}

const hostileSets: Array<[string, SipHeaders]> = [
  ['every identity header carrying the number', hostile(A)],
  ['lower-case names', Object.fromEntries(Object.entries(hostile(A)).map(([k, v]) => [k.toLowerCase(), v]))],
  ['compact forms', { f: `<sip:${A}@h>;tag=1`, m: `<sip:${A}@h>`, i: `${A.slice(1)}@h`, t: `<sip:${X}@h>` }],
  ['separators in the number', { From: '<sip:+86-139-1234-5678@h>;tag=1', 'P-Asserted-Identity': '<tel:+86 (139) 1234 5678>', Allow: 'INVITE' }],
  ['empty', {}],
];

function allText(h: SipHeaders): string {
  return Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n');
}

describe('B-leg INVITE headers: built from an allowlist', () => {
  it.each(hostileSets)('no digit of the caller crosses (%s)', (_name, incoming) => {
    const h = buildCalleeInviteHeaders(incoming, { x: X, targetUri: `sip:${B}@10.0.0.1`, hasBody: true }, aDigits);
    expect(containsNumber(allText(h), aDigits)).toBe(false);
  });

  it('From and P-Asserted-Identity are X without a display name; Contact user is X; To is the target', () => {
    const h = buildCalleeInviteHeaders(hostile(A), { x: X, targetUri: `sip:${B}@10.0.0.1`, hasBody: true }, aDigits);
    expect(h).toMatchObject({
      From: `<sip:${X}@localhost>`,
      'P-Asserted-Identity': `<sip:${X}@localhost>`,
      Contact: `<sip:${X}@localhost>`,
      To: `<sip:${B}@10.0.0.1>`,
      'Content-Type': 'application/sdp',
    });
  });

  it('copies only allowlisted headers with a valid value', () => {
    expect(copyAllowlisted({ allow: 'INVITE, ACK, BYE', 'User-Agent': 'x', Privacy: 'id' })).toEqual({ Allow: 'INVITE, ACK, BYE' });
    expect(copyAllowlisted({ Allow: 'INVITE, 13912345678' })).toEqual({});
  });

  it('never sets Call-ID, Via or CSeq (the server makes its own)', () => {
    const h = buildCalleeInviteHeaders(hostile(A), { x: X, targetUri: `sip:${B}@10.0.0.1`, hasBody: false }, aDigits);
    const names = Object.keys(h).map((k) => k.toLowerCase());
    expect(names).not.toContain('call-id');
    expect(names).not.toContain('via');
    expect(names).not.toContain('cseq');
    expect(names).not.toContain('content-type');
  });
});

describe('responses to the caller: nothing of the callee crosses', () => {
  it.each(hostileSets.map(([n]) => n))('no digit of the callee crosses (%s)', (name) => {
    const set = name === 'every identity header carrying the number' ? hostile(B) : hostileSets.find(([n]) => n === name)?.[1] ?? {};
    const swapped = Object.fromEntries(Object.entries(set).map(([k, v]) => [k, v.replaceAll(A, B).replaceAll(A.slice(3), B.slice(3))]));
    const h = buildCallerResponseHeaders(swapped, { x: X, hasBody: true }, bDigits);
    expect(containsNumber(allText(h), bDigits)).toBe(false);
    expect(h['P-Asserted-Identity']).toBe(`<sip:${X}@localhost>`);
  });

  it('a missing callee response still gives the connected identity X', () => {
    expect(buildCallerResponseHeaders(undefined, { x: X, hasBody: false }, bDigits)).toEqual({ 'P-Asserted-Identity': `<sip:${X}@localhost>` });
  });
});

describe('rejections', () => {
  it('carry Reason (RFC 3326) and Retry-After when given', () => {
    expect(buildRejectHeaders('Q.850;cause=1', 5)).toEqual({ Reason: 'Q.850;cause=1', 'Retry-After': '5' });
    expect(buildRejectHeaders('Q.850;cause=1')).toEqual({ Reason: 'Q.850;cause=1' });
  });
});
