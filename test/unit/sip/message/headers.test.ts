import { describe, expect, it } from 'vitest';
import {
  addHeader,
  canonicalHeaderName,
  countHeaders,
  displayHeaderName,
  firstListItem,
  getHeader,
  getHeaderList,
  getHeaders,
  hasHeader,
  removeHeader,
  setHeader,
  splitHeaderList,
} from '../../../../src/sip/message/headers.ts';
import { parseRequest, wire } from './helpers.ts';

function msg() {
  return parseRequest(
    wire([
      'OPTIONS sip:x@example.org SIP/2.0',
      'v: SIP/2.0/UDP a.example.org;branch=z9hG4bK1, SIP/2.0/UDP b.example.org;branch=z9hG4bK2',
      'Via: SIP/2.0/TCP c.example.org;branch=z9hG4bK3',
      'f: <sip:a@example.org>;tag=1',
      'T: <sip:b@example.org>',
      'i: abc',
      'CSeq: 1 OPTIONS',
      'X-Custom: one',
      'Contact: "Doe, John" <sip:j@example.org>, <sip:k@example.org;x=1,2>',
      'X-Custom: two',
    ]),
  );
}

describe('canonicalHeaderName: RFC 3261 §7.3.3 compact forms and case-insensitive names', () => {
  it.each([
    ['v', 'via'], ['V', 'via'], ['f', 'from'], ['t', 'to'], ['i', 'call-id'], ['m', 'contact'], ['l', 'content-length'],
    ['c', 'content-type'], ['e', 'content-encoding'], ['k', 'supported'], ['s', 'subject'], ['o', 'event'], ['r', 'refer-to'],
    ['b', 'referred-by'], ['u', 'allow-events'], ['x', 'session-expires'], ['a', 'accept-contact'], ['j', 'reject-contact'],
    ['d', 'request-disposition'], ['y', 'identity'], ['n', 'identity-info'], ['Call-ID', 'call-id'], ['CSEQ', 'cseq'], ['z', 'z'],
  ])('%s -> %s', (name, canon) => {
    expect(canonicalHeaderName(name)).toBe(canon);
  });

  it('displayHeaderName gives the usual spelling', () => {
    expect(displayHeaderName('i')).toBe('Call-ID');
    expect(displayHeaderName('cseq')).toBe('CSeq');
    expect(displayHeaderName('max-forwards')).toBe('Max-Forwards');
    expect(displayHeaderName('www-authenticate')).toBe('WWW-Authenticate');
  });
});

describe('header access', () => {
  it('getHeader finds compact and long forms alike, first occurrence', () => {
    const m = msg();
    expect(getHeader(m, 'from')).toBe('<sip:a@example.org>;tag=1');
    expect(getHeader(m, 'TO')).toBe('<sip:b@example.org>');
    expect(getHeader(m, 'i')).toBe('abc');
    expect(getHeader(m, 'call-id')).toBe('abc');
    expect(getHeader(m, 'x-custom')).toBe('one');
    expect(getHeader(m, 'missing')).toBeUndefined();
    expect(hasHeader(m, 'Via')).toBe(true);
    expect(hasHeader(m, 'Route')).toBe(false);
  });

  it('getHeaders returns each line, getHeaderList splits comma lists across lines', () => {
    const m = msg();
    expect(getHeaders(m, 'x-custom')).toEqual(['one', 'two']);
    expect(getHeaders(m, 'via')).toHaveLength(2);
    expect(getHeaderList(m, 'via')).toEqual([
      'SIP/2.0/UDP a.example.org;branch=z9hG4bK1',
      'SIP/2.0/UDP b.example.org;branch=z9hG4bK2',
      'SIP/2.0/TCP c.example.org;branch=z9hG4bK3',
    ]);
    expect(getHeaderList(m, 'm')).toEqual(['"Doe, John" <sip:j@example.org>', '<sip:k@example.org;x=1,2>']);
    expect(countHeaders(m, 'x-custom')).toBe(2);
  });

  it('splitHeaderList respects quotes (with escapes) and <>, drops empty items', () => {
    expect(splitHeaderList('INVITE, ACK ,BYE,,')).toEqual(['INVITE', 'ACK', 'BYE']);
    expect(splitHeaderList('"a \\", b" <sip:x>, <sip:y>')).toEqual(['"a \\", b" <sip:x>', '<sip:y>']);
    expect(splitHeaderList('')).toEqual([]);
    expect(firstListItem('SIP/2.0/UDP a;branch=1 , SIP/2.0/UDP b')).toBe('SIP/2.0/UDP a;branch=1');
  });

  it('setHeader replaces all occurrences at the first position, or appends', () => {
    const m = msg();
    setHeader(m, 'X-Custom', 'three');
    expect(getHeaders(m, 'x-custom')).toEqual(['three']);
    expect(m.headers.findIndex((h) => h.name === 'X-Custom')).toBe(6);
    setHeader(m, 'Max-Forwards', '70');
    expect(m.headers[m.headers.length - 1]).toEqual({ name: 'Max-Forwards', value: '70' });
    setHeader(m, 'From', '<sip:z@example.org>;tag=9');
    expect(m.headers[2]).toEqual({ name: 'From', value: '<sip:z@example.org>;tag=9' });
  });

  it('addHeader first puts a new Via above the others, last appends; removeHeader removes all', () => {
    const m = msg();
    addHeader(m, 'Via', 'SIP/2.0/UDP top.example.org;branch=z9hG4bK0', 'first');
    expect(getHeaderList(m, 'via')[0]).toBe('SIP/2.0/UDP top.example.org;branch=z9hG4bK0');
    expect(m.headers[0]?.name).toBe('Via');
    addHeader(m, 'Record-Route', '<sip:rr.example.org;lr>', 'first');
    expect(m.headers[0]?.name).toBe('Record-Route');
    addHeader(m, 'X-Last', '1');
    expect(m.headers[m.headers.length - 1]?.name).toBe('X-Last');
    expect(removeHeader(m, 'v')).toBe(3);
    expect(hasHeader(m, 'via')).toBe(false);
  });
});
