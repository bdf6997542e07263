import { describe, expect, it } from 'vitest';
import { formatVia, getVias, parseVia, topVia } from '../../../../src/sip/message/via.ts';
import { SipParseError } from '../../../../src/sip/message/errors.ts';
import { parseRequest, wire } from './helpers.ts';

describe('parseVia (RFC 3261 §20.42, RFC 3581)', () => {
  it('parses protocol, transport, sent-by and params', () => {
    const v = parseVia('SIP/2.0/udp PC33.Example.COM:5066;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5070;x-flag');
    expect(v).toMatchObject({ protocol: 'SIP/2.0', transport: 'UDP', host: 'pc33.example.com', port: 5066, branch: 'z9hG4bK776asdhds', received: '192.0.2.1', rport: 5070 });
    expect(v.params.get('x-flag')).toBeNull();
  });

  it('rport without value is null; absent is undefined', () => {
    expect(parseVia('SIP/2.0/UDP h;rport;branch=z9hG4bKa').rport).toBeNull();
    expect(parseVia('SIP/2.0/UDP h;branch=z9hG4bKa').rport).toBeUndefined();
  });

  it('tolerates LWS around "/", ":", ";" and "="', () => {
    const v = parseVia('SIP / 2.0 / TCP  host.example.org : 5060 ; branch = z9hG4bKx ;received= 10.0.0.1');
    expect(v).toMatchObject({ transport: 'TCP', host: 'host.example.org', port: 5060, branch: 'z9hG4bKx', received: '10.0.0.1' });
  });

  it('parses IPv6 sent-by and IPv6 received', () => {
    const v = parseVia('SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKb;received=2001:db8::9:255');
    expect(v.host).toBe('2001:db8::9:1');
    expect(v.received).toBe('2001:db8::9:255');
    expect(formatVia(v)).toBe('SIP/2.0/UDP [2001:db8::9:1]:5060;branch=z9hG4bKb;received=2001:db8::9:255');
  });

  it('rejects malformed values', () => {
    for (const bad of ['', 'SIP/2.0', 'SIP/2.0/UDP', 'SIP/2.0/UDPhost', 'SIP 2.0/UDP h', 'SIP/2.0/UDP h;;branch=1', 'SIP/2.0/UDP h;branch', 'SIP/2.0/UDP h:99999', 'SIP/2.0/UDP h;rport=abc', 'SIP/2.0/UDP h x']) {
      expect(() => parseVia(bad), bad).toThrow(SipParseError);
    }
  });

  it('formatVia writes received and rport from the typed fields (how a server stamps §18.2.1 / RFC 3581)', () => {
    const v = parseVia('SIP/2.0/UDP 10.0.0.5:5060;rport;branch=z9hG4bK1');
    v.received = '203.0.113.9';
    v.rport = 40123;
    expect(formatVia(v)).toBe('SIP/2.0/UDP 10.0.0.5:5060;rport=40123;branch=z9hG4bK1;received=203.0.113.9');
    expect(parseVia(formatVia(v))).toMatchObject({ rport: 40123, received: '203.0.113.9', branch: 'z9hG4bK1' });
  });

  it('topVia and getVias read the message in order, across lines and commas', () => {
    const m = parseRequest(
      wire(['BYE sip:a@b SIP/2.0', 'v: SIP/2.0/UDP a;branch=z9hG4bK1 , SIP/2.0/TCP b;branch=z9hG4bK2', 'Via: SIP/2.0/TLS c;branch=z9hG4bK3', 'CSeq: 1 BYE']),
    );
    expect(topVia(m)?.host).toBe('a');
    expect(getVias(m).map((v) => v.transport)).toEqual(['UDP', 'TCP', 'TLS']);
    expect(topVia(parseRequest(wire(['BYE sip:a@b SIP/2.0', 'CSeq: 1 BYE'])))).toBeUndefined();
  });
});

describe('formatVia: typed fields against the parameter list', () => {
  it('keeps parameter order and writes typed values in place', () => {
    const v = parseVia('SIP/2.0/UDP h:5060;x=1;branch=z9hG4bKa;rport;y');
    expect(formatVia(v)).toBe('SIP/2.0/UDP h:5060;x=1;branch=z9hG4bKa;rport;y');
    v.rport = 5070;
    expect(formatVia(v)).toBe('SIP/2.0/UDP h:5060;x=1;branch=z9hG4bKa;rport=5070;y');
  });

  it('appends typed fields that have no parameter, in the order branch, received, rport', () => {
    const v = parseVia('SIP/2.0/TCP h;x');
    v.rport = null;
    v.received = '192.0.2.7';
    v.branch = 'z9hG4bKnew';
    expect(formatVia(v)).toBe('SIP/2.0/TCP h;x;branch=z9hG4bKnew;received=192.0.2.7;rport');
  });

  it('drops a parameter whose typed field was cleared', () => {
    const v = parseVia('SIP/2.0/UDP h;received=10.0.0.1;branch=z9hG4bKa;rport=1');
    v.received = undefined;
    v.rport = undefined;
    expect(formatVia(v)).toBe('SIP/2.0/UDP h;branch=z9hG4bKa');
  });
});
