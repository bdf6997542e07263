import { describe, expect, it } from 'vitest';
import { findMessageEnd, isKeepAlive, leadingCrlfLength, parseMessage } from '../../../../src/sip/message/parse.ts';
import { SipParseError, SipVersionError } from '../../../../src/sip/message/errors.ts';
import { getHeader } from '../../../../src/sip/message/headers.ts';
import { SDP, invite, parseRequest, parseResponse, wire } from './helpers.ts';

describe('parseMessage: requests and responses (RFC 3261 §7)', () => {
  it('parses a request line, headers in order and the body as a view of the input', () => {
    const data = invite();
    const r = parseMessage(data);
    expect(r.ok).toBe(true);
    if (!r.ok || r.message.kind !== 'request') return;
    expect(r.message).toMatchObject({ method: 'INVITE', uri: 'sip:+8613900001111@trunk.example.org', version: 'SIP/2.0' });
    expect(r.message.headers.map((h) => h.name)).toEqual(['Via', 'Max-Forwards', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Type', 'Content-Length']);
    expect(r.message.body.toString()).toBe(SDP);
    expect(r.message.body.buffer).toBe(data.buffer); // no copy
    expect(r.size).toBe(data.length);
  });

  it('parses a status line; the reason phrase may hold spaces', () => {
    const m = parseResponse(wire(['SIP/2.0 486 Busy Here Now', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'CSeq: 1 INVITE', 'Content-Length: 0']));
    expect(m).toMatchObject({ status: 486, reason: 'Busy Here Now', version: 'SIP/2.0' });
  });

  it('accepts the version case-insensitively and stores SIP/2.0', () => {
    expect(parseRequest(wire(['OPTIONS sip:a@b sip/2.0', 'l: 0'])).version).toBe('SIP/2.0');
    expect(parseResponse(wire(['sip/2.0 200 OK', 'l: 0'])).version).toBe('SIP/2.0');
  });

  it('tolerates LF-only and mixed line ends', () => {
    const lf = parseRequest(wire(['BYE sip:a@b SIP/2.0', 'Call-ID: x', 'Content-Length: 3'], 'abc', '\n'));
    expect(getHeader(lf, 'call-id')).toBe('x');
    expect(lf.body.toString()).toBe('abc');
    const mixed = parseRequest(Buffer.from('BYE sip:a@b SIP/2.0\r\nCall-ID: y\nl: 2\r\n\nhi'));
    expect(getHeader(mixed, 'call-id')).toBe('y');
    expect(mixed.body.toString()).toBe('hi');
  });

  it('unfolds continuation lines into one value (§7.3.1)', () => {
    const m = parseRequest(wire(['OPTIONS sip:a@b SIP/2.0', 'Subject: I know you are there,', '     pick up the phone', '\tand talk to me!', 'l: 0']));
    expect(getHeader(m, 'subject')).toBe('I know you are there, pick up the phone and talk to me!');
  });

  it('allows whitespace before the colon and empty values', () => {
    const m = parseRequest(wire(['OPTIONS sip:a@b SIP/2.0', 'Subject   :', 'Call-ID\t: abc ', 'l: 0']));
    expect(getHeader(m, 'subject')).toBe('');
    expect(getHeader(m, 'call-id')).toBe('abc');
  });

  it('skips leading CRLFs (§7.5) and counts them in size', () => {
    const data = Buffer.concat([Buffer.from('\r\n\r\n'), wire(['OPTIONS sip:a@b SIP/2.0', 'l: 0'])]);
    const r = parseMessage(data);
    expect(r.ok && r.size).toBe(data.length);
  });

  it('takes the rest of the datagram as body when Content-Length is absent (§18.3)', () => {
    expect(parseRequest(wire(['MESSAGE sip:a@b SIP/2.0', 'Content-Type: text/plain'], 'hello')).body.toString()).toBe('hello');
  });

  it('ignores bytes after Content-Length (§18.3) and reports the size used', () => {
    const data = wire(['MESSAGE sip:a@b SIP/2.0', 'l: 2'], 'hello');
    const r = parseMessage(data);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.message.body.toString()).toBe('he');
    expect(r.size).toBe(data.length - 3);
  });

  it('parses extension methods', () => {
    expect(parseRequest(wire(['PUBLISH-X sip:a@b SIP/2.0', 'l: 0'])).method).toBe('PUBLISH-X');
  });
});

describe('parseMessage: bad input never throws', () => {
  const bad = (data: Buffer) => {
    const r = parseMessage(data);
    expect(r.ok).toBe(false);
    if (r.ok) throw new Error('parsed');
    expect(r.error).toBeInstanceOf(SipParseError);
    return r;
  };

  it('empty input and keep-alives', () => {
    bad(Buffer.alloc(0));
    bad(Buffer.from('\r\n\r\n'));
    expect(isKeepAlive(Buffer.from('\r\n\r\n'))).toBe(true);
    expect(isKeepAlive(Buffer.from('\r\nX'))).toBe(false);
    expect(isKeepAlive(Buffer.alloc(0))).toBe(false);
    expect(leadingCrlfLength(Buffer.from('\n\r\nA'))).toBe(3);
  });

  it('another SIP version gives SipVersionError, with a partial request to answer 505', () => {
    const r = bad(wire(['OPTIONS sip:a@b SIP/3.0', 'Via: SIP/3.0/UDP h', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>', 'Call-ID: v', 'CSeq: 1 OPTIONS']));
    expect(r.error).toBeInstanceOf(SipVersionError);
    expect(r.error.message).toMatch(/version/);
    expect(r.partial?.method).toBe('OPTIONS');
    expect(bad(wire(['SIP/3.0 200 OK', 'l: 0'])).error).toBeInstanceOf(SipVersionError);
  });

  it('a malformed request without the headers to answer it has no partial', () => {
    expect(bad(wire(['OPTIONS sip:a@b SIP/2.0', 'no colon here', 'CSeq: 1 OPTIONS'])).partial).toBeUndefined();
  });

  it('a malformed request with Via, From, To, Call-ID and CSeq comes back as partial', () => {
    const r = bad(wire(['INVITE sip:a@b SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:c@d>', 'Call-ID: p', 'CSeq: 1 INVITE', 'Bad Header Name: x']));
    expect(r.partial?.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq']);
  });

  it.each([
    ['garbage', 'hello world'],
    ['HTTP request', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['status code out of range', 'SIP/2.0 700 Nope\r\n\r\n'],
    ['status code too long', 'SIP/2.0 2000 OK\r\n\r\n'],
    ['status code not a number', 'SIP/2.0 abc OK\r\n\r\n'],
    ['no version in status line', 'SIP/ 200 OK\r\n\r\n'],
    ['request line with two parts', 'INVITE sip:a@b\r\n\r\n'],
    ['method not a token', 'INV(ITE sip:a@b SIP/2.0\r\n\r\n'],
    ['no end of headers', 'OPTIONS sip:a@b SIP/2.0\r\nCall-ID: x\r\n'],
    ['continuation before the first header', 'OPTIONS sip:a@b SIP/2.0\r\n folded\r\n\r\n'],
    ['negative Content-Length', 'OPTIONS sip:a@b SIP/2.0\r\nl: -1\r\n\r\n'],
    ['Content-Length with junk', 'OPTIONS sip:a@b SIP/2.0\r\nl: 1x\r\n\r\nx'],
    ['huge Content-Length', 'OPTIONS sip:a@b SIP/2.0\r\nl: 99999999999999999999\r\n\r\n'],
    ['two Content-Lengths', 'OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\nContent-Length: 0\r\n\r\n'],
    ['Content-Length beyond the data', 'OPTIONS sip:a@b SIP/2.0\r\nl: 10\r\n\r\nabc'],
  ])('%s', (_name, text) => {
    bad(Buffer.from(text, 'latin1'));
  });

  it('names the header at fault when it knows it', () => {
    expect(bad(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: x\r\n\r\n')).error.header).toBe('content-length');
  });
});

describe('findMessageEnd: stream framing (RFC 3261 §18.3)', () => {
  it('returns null until the header section is complete', () => {
    const data = invite();
    const headerEnd = data.indexOf('\r\n\r\n') + 4;
    for (const cut of [0, 1, 10, headerEnd - 1]) expect(findMessageEnd(data.subarray(0, cut))).toBeNull();
    expect(findMessageEnd(data.subarray(0, headerEnd))).toEqual({ headerEnd, contentLength: Buffer.byteLength(SDP) });
  });

  it('frames coalesced messages one at a time', () => {
    const one = invite();
    const two = wire(['BYE sip:a@b SIP/2.0', 'i: z', 'l: 0']);
    const both = Buffer.concat([Buffer.from('\r\n\r\n'), one, two]);
    const f1 = findMessageEnd(both);
    if (f1 === null || f1 === 'invalid') throw new Error('no frame');
    const end1 = f1.headerEnd + f1.contentLength;
    expect(end1).toBe(4 + one.length);
    const p1 = parseMessage(both.subarray(0, end1));
    expect(p1.ok && p1.message.kind === 'request' && p1.message.method).toBe('INVITE');
    const rest = both.subarray(end1);
    const f2 = findMessageEnd(rest);
    expect(f2).toEqual({ headerEnd: two.length, contentLength: 0 });
  });

  it('reads compact, folded and oddly spaced Content-Length; missing means 0', () => {
    expect(findMessageEnd(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nL :  12\r\n\r\n'))).toMatchObject({ contentLength: 12 });
    expect(findMessageEnd(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nContent-Length:\r\n 7\r\n\r\n'))).toMatchObject({ contentLength: 7 });
    const lf = 'OPTIONS sip:a@b SIP/2.0\nX: 1\n\n';
    expect(findMessageEnd(Buffer.from(lf))).toEqual({ headerEnd: lf.length, contentLength: 0 });
  });

  it('says invalid when Content-Length cannot frame the message', () => {
    for (const v of ['-5', 'abc', '', '1 2', '9999999999999']) {
      expect(findMessageEnd(Buffer.from(`OPTIONS sip:a@b SIP/2.0\r\nContent-Length: ${v}\r\n\r\n`)), v).toBe('invalid');
    }
    expect(findMessageEnd(Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nl: 1\r\nContent-Length: 1\r\n\r\n'))).toBe('invalid');
  });

  it('returns null for keep-alives only', () => {
    expect(findMessageEnd(Buffer.from('\r\n\r\n'))).toBeNull();
  });
});
