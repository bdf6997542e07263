import { describe, expect, it } from 'vitest';
import { formatUri, parseUri, uriScheme } from '../../../../src/sip/message/uri.ts';
import { SipParseError, SipUnsupportedSchemeError } from '../../../../src/sip/message/errors.ts';

describe('parseUri (RFC 3261 §19.1, RFC 3966)', () => {
  it('parses a full SIP URI with password, port, params and headers', () => {
    const u = parseUri('SIP:alice:secret@Atlanta.Example.COM:5061;transport=TCP;lr?subject=project%20x&priority=urgent');
    expect(u).toMatchObject({ scheme: 'sip', user: 'alice', password: 'secret', host: 'atlanta.example.com', port: 5061 });
    expect([...u.params]).toEqual([['transport', 'TCP'], ['lr', null]]);
    expect([...u.headers]).toEqual([['subject', 'project%20x'], ['priority', 'urgent']]);
  });

  it('parses sips and host-only URIs', () => {
    const u = parseUri('sips:example.org');
    expect(u).toMatchObject({ scheme: 'sips', host: 'example.org' });
    expect(u.user).toBeUndefined();
  });

  it('parses IPv6 references and keeps the host without brackets', () => {
    const u = parseUri('sip:+8613800001111@[2001:DB8::10]:5070;user=phone');
    expect(u.host).toBe('2001:db8::10');
    expect(u.port).toBe(5070);
    expect(formatUri(u)).toBe('sip:+8613800001111@[2001:db8::10]:5070;user=phone');
    expect(parseUri('sip:[::1]').host).toBe('::1');
  });

  it('parses tel URIs (RFC 3966)', () => {
    const u = parseUri('tel:+86-10-1234-5678;phone-context=+86;ext=22');
    expect(u).toMatchObject({ scheme: 'tel', user: '+86-10-1234-5678', host: '' });
    expect(u.params.get('phone-context')).toBe('+86');
    expect(formatUri(u)).toBe('tel:+86-10-1234-5678;phone-context=+86;ext=22');
  });

  it('keeps %-escapes as received', () => {
    const u = parseUri('sip:%61lice@example.org;n%61me=v%41');
    expect(u.user).toBe('%61lice');
    expect(u.params.get('n%61me')).toBe('v%41');
  });

  it('round-trips through formatUri', () => {
    for (const text of ['sip:a@b.example.org', 'sip:a:p@h:1;x;y=2?h=v&i=w', 'sips:[::1]:5061', 'tel:+123;a=b', 'sip:h.example.org;lr']) {
      expect(formatUri(parseUri(text))).toBe(text);
    }
  });

  it('rejects malformed URIs with SipParseError', () => {
    for (const bad of ['', 'sip:', 'sip:@host', 'sip:user@', 'sip:a b@host', '<sip:a@b>', 'sip:a@host:99999', 'sip:a@host:x', 'sip:a@[::1', 'sip:a@host;;x', 'sip:a@host;=x', 'tel:', 'sip:a@ho st']) {
      expect(() => parseUri(bad), bad).toThrow(SipParseError);
    }
  });

  it('signals a well-formed URI of another scheme with SipUnsupportedSchemeError', () => {
    expect(() => parseUri('http://example.org')).toThrow(SipUnsupportedSchemeError);
    try {
      parseUri('urn:service:sos');
    } catch (err) {
      expect(err instanceof SipUnsupportedSchemeError && err.scheme).toBe('urn');
    }
    expect(uriScheme('Soap.Beep://x')).toBe('soap.beep');
    expect(uriScheme('<sip:x>')).toBeUndefined();
  });
});
