import { describe, expect, it } from 'vitest';
import { isIpOrCidr, isSipUri, parseHostPort, parseSipContact } from '../../../src/config/formats.ts';

describe('parseSipContact (drachtio contact form)', () => {
  it('reads host, port and the transport list', () => {
    expect(parseSipContact('sip:0.0.0.0:5060;transport=udp,tcp')).toEqual({ scheme: 'sip', host: '0.0.0.0', port: 5060, transports: ['udp', 'tcp'] });
    expect(parseSipContact('sip:[::1]:5070;transport=tcp')).toEqual({ scheme: 'sip', host: '::1', port: 5070, transports: ['tcp'] });
  });

  it('defaults the port to 5060 (5061 for sips) and the transport to udp (tls for sips)', () => {
    expect(parseSipContact('sip:10.0.0.1')).toEqual({ scheme: 'sip', host: '10.0.0.1', port: 5060, transports: ['udp'] });
    expect(parseSipContact('sips:sip.example.com')).toEqual({ scheme: 'sips', host: 'sip.example.com', port: 5061, transports: ['tls'] });
  });

  it('rejects other schemes, bad ports and unknown transports', () => {
    for (const bad of ['http://0.0.0.0:5060', 'sip:0.0.0.0:99999', 'sip:0.0.0.0:5060;transport=sctp', 'sip:[10.0.0.1]:5060', 'sip:', '0.0.0.0:5060']) {
      expect(parseSipContact(bad), bad).toBeNull();
    }
  });
});

describe('parseHostPort', () => {
  it('accepts IPv4, [IPv6] and host names with a port', () => {
    expect(parseHostPort('127.0.0.1:8080')).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parseHostPort('[::]:80')).toEqual({ host: '::', port: 80 });
    expect(parseHostPort('localhost:0')).toEqual({ host: 'localhost', port: 0 });
  });
  it('rejects a missing or out-of-range port and bare IPv6', () => {
    for (const bad of ['127.0.0.1', ':8080', '127.0.0.1:65536', '::1:8080', 'a b:80']) expect(parseHostPort(bad), bad).toBeNull();
  });
});

describe('isIpOrCidr', () => {
  it('accepts addresses and blocks of both families', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '2001:db8::1', '2001:db8::/32', '::/0']) expect(isIpOrCidr(ok), ok).toBe(true);
  });
  it('rejects bad prefixes and non-addresses', () => {
    for (const bad of ['10.0.0.0/33', '2001:db8::/129', '10.0.0.0/', '10.0.0.0/8/8', 'example.com', '256.0.0.1']) expect(isIpOrCidr(bad), bad).toBe(false);
  });
});

describe('isSipUri', () => {
  it('accepts SIP and SIPS URIs with host, optional user, port and parameters', () => {
    for (const ok of ['sip:10.0.0.5:5060', 'sip:gw.example.com;transport=tcp', 'sips:carrier@[2001:db8::5]:5061', 'sip:+8613800000000@10.0.0.5']) expect(isSipUri(ok), ok).toBe(true);
  });
  it('rejects other schemes and bad ports', () => {
    for (const bad of ['tel:+861380000', 'http://10.0.0.5', 'sip:10.0.0.5:70000', 'sip:']) expect(isSipUri(bad), bad).toBe(false);
  });
});
