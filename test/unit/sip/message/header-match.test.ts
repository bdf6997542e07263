// Header-name matching without lower-casing copies (equalsLowerCase) must keep RFC 3261 §7.3.1 /
// §7.3.3 semantics: case-insensitive names, compact forms equal long forms, multi-valued headers.
import { describe, expect, it } from 'vitest';
import { countHeaders, equalsLowerCase, getHeader, getHeaderList, getHeaders } from '../../../../src/sip/message/headers.ts';
import { parseRequest, wire } from './helpers.ts';

describe('equalsLowerCase', () => {
  it('compares ASCII case-insensitively against a lower-case name', () => {
    expect(equalsLowerCase('Call-ID', 'call-id')).toBe(true);
    expect(equalsLowerCase('CALL-ID', 'call-id')).toBe(true);
    expect(equalsLowerCase('call-id', 'call-id')).toBe(true);
    expect(equalsLowerCase('Call-IE', 'call-id')).toBe(false);
    expect(equalsLowerCase('Call-I', 'call-id')).toBe(false);
    expect(equalsLowerCase('', '')).toBe(true);
  });

  it('folds only A-Z: punctuation and digits must match exactly', () => {
    // '[' (0x5b) | 0x20 would be '{': only letters are folded.
    expect(equalsLowerCase('X[1', 'x{1')).toBe(false);
    expect(equalsLowerCase('X-1_a', 'x-1_a')).toBe(true);
    expect(equalsLowerCase('X-1-a', 'x-1_a')).toBe(false);
  });

  it('falls back to toLowerCase for non-ASCII names', () => {
    expect(equalsLowerCase('ÄB', 'äb')).toBe(true);
    expect(equalsLowerCase('ÄB', 'ab')).toBe(false);
  });
});

describe('header lookup by name after the matching change', () => {
  const m = parseRequest(
    wire([
      'INVITE sip:b@example.org SIP/2.0',
      'v: SIP/2.0/UDP a.example.org;branch=z9hG4bK1',
      'VIA: SIP/2.0/TCP b.example.org;branch=z9hG4bK2, SIP/2.0/UDP c.example.org;branch=z9hG4bK3',
      'f: <sip:a@example.org>;tag=1',
      'TO: <sip:b@example.org>',
      'i: abc',
      'cseq: 1 INVITE',
      'Contact: <sip:a@a.example.org>',
      'X-Folded: one,',
      ' two',
      'x-folded: three',
      'Content-Length: 0',
    ]),
  );

  it('finds long names in any case and compact forms by their long name, and the reverse', () => {
    expect(getHeader(m, 'Via')).toBe('SIP/2.0/UDP a.example.org;branch=z9hG4bK1');
    expect(getHeader(m, 'FROM')).toBe('<sip:a@example.org>;tag=1');
    expect(getHeader(m, 'f')).toBe('<sip:a@example.org>;tag=1');
    expect(getHeader(m, 'to')).toBe('<sip:b@example.org>');
    expect(getHeader(m, 't')).toBe('<sip:b@example.org>');
    expect(getHeader(m, 'Call-ID')).toBe('abc');
    expect(getHeader(m, 'CSeq')).toBe('1 INVITE');
    expect(getHeader(m, 'm')).toBe('<sip:a@a.example.org>');
    expect(getHeader(m, 'Max-Forwards')).toBeUndefined();
  });

  it('counts and lists multi-valued headers across compact and long lines, folded lines unfolded', () => {
    expect(countHeaders(m, 'via')).toBe(2);
    expect(getHeaderList(m, 'v')).toEqual(['SIP/2.0/UDP a.example.org;branch=z9hG4bK1', 'SIP/2.0/TCP b.example.org;branch=z9hG4bK2', 'SIP/2.0/UDP c.example.org;branch=z9hG4bK3']);
    expect(getHeaders(m, 'X-FOLDED')).toEqual(['one, two', 'three']);
    expect(getHeaderList(m, 'x-folded')).toEqual(['one', 'two', 'three']);
  });

  it('a name of the same length but other letters does not match', () => {
    expect(getHeader(m, 'x-folden')).toBeUndefined();
    expect(countHeaders(m, 'cseg')).toBe(0);
  });
});
