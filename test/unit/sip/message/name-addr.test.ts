import { describe, expect, it } from 'vitest';
import { formatNameAddr, getHeaderParam, getTag, parseNameAddr } from '../../../../src/sip/message/name-addr.ts';
import { SipParseError } from '../../../../src/sip/message/errors.ts';

describe('parseNameAddr (RFC 3261 §20.10)', () => {
  it('parses a quoted display name with escapes, the URI and header params', () => {
    const na = parseNameAddr('"Alice \\"A\\" Smith" <sip:alice@example.org;transport=udp>;tag=88sja8x;expires=60');
    expect(na.displayName).toBe('Alice "A" Smith');
    expect(na.rawUri).toBe('sip:alice@example.org;transport=udp');
    expect(na.uri.params.get('transport')).toBe('udp');
    expect([...na.params]).toEqual([['tag', '88sja8x'], ['expires', '60']]);
  });

  it('parses token display names and an empty one', () => {
    expect(parseNameAddr('Bob  Smith <sip:bob@example.org>').displayName).toBe('Bob Smith');
    expect(parseNameAddr('<sip:bob@example.org>').displayName).toBeUndefined();
    expect(parseNameAddr('"" <sip:bob@example.org>').displayName).toBe('');
  });

  it('addr-spec: params after the URI belong to the header', () => {
    const na = parseNameAddr('sip:+8613800001111@example.org;tag=abc;user=phone');
    expect(na.uri.params.size).toBe(0);
    expect(na.params.get('tag')).toBe('abc');
    expect(na.params.get('user')).toBe('phone');
  });

  it('keeps quoted param values with their quotes', () => {
    const na = parseNameAddr('<sip:a@b>;+sip.instance="<urn:uuid:0001>";q=0.5');
    expect(na.params.get('+sip.instance')).toBe('"<urn:uuid:0001>"');
  });

  it('accepts tel URIs', () => {
    expect(parseNameAddr('<tel:+8613800001111>;tag=1').uri.user).toBe('+8613800001111');
  });

  it('rejects what §20.10 and §25.1 forbid', () => {
    for (const bad of [
      '"unterminated <sip:a@b>',
      'Bell, Alexander <sip:a@b>',
      'sip:a@b?x=y',
      'sip:a@b,sip:c@d',
      '<sip:a@b',
      '<>',
      '<sip:a@b>;;tag=1',
      '<sip:a@b>;tag="x',
      '<sip:a@b> junk',
    ]) {
      expect(() => parseNameAddr(bad), bad).toThrow(SipParseError);
    }
  });

  it('formatNameAddr writes brackets and quoted display names; parse(format(x)) is stable', () => {
    const na = parseNameAddr('Carol <sip:carol@example.org>;tag=7');
    expect(formatNameAddr(na)).toBe('"Carol" <sip:carol@example.org>;tag=7');
    const tricky = parseNameAddr('"a \\\\ \\"b\\"" <sip:x@y>');
    expect(parseNameAddr(formatNameAddr(tricky)).displayName).toBe(tricky.displayName);
    expect(formatNameAddr(parseNameAddr('sip:a@b;tag=1'))).toBe('<sip:a@b>;tag=1');
  });
});

describe('getTag: the fast path for From/To tags', () => {
  it.each([
    ['<sip:a@b>;tag=xyz', 'xyz'],
    ['"Tag;tag=no" <sip:a@b;tag=inuri>;TAG=real', 'real'],
    ['sip:a@b;tag=addrspec', 'addrspec'],
    ['sip:a@b ; tag = spaced ', 'spaced'],
    ['<sip:a@b>;foo=1;tag=second', 'second'],
    ['<sip:a@b;tag=uri-only>', undefined],
    ['<sip:a@b>', undefined],
    ['sip:a@b', undefined],
    ['"unterminated <sip:a@b>;tag=x', undefined],
  ])('%s -> %s', (value, tag) => {
    expect(getTag(value)).toBe(tag);
  });

  it('agrees with the full parser', () => {
    for (const v of ['"A" <sip:a@b>;tag=1', 'sip:a@b;x;tag=2;y=3', '<sip:a@b>;tag=3;x']) {
      expect(getTag(v)).toBe(parseNameAddr(v).params.get('tag'));
    }
    expect(getHeaderParam('<sip:a@b>;expires=30;lr', 'lr')).toBeNull();
  });
});
