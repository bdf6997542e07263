import { describe, expect, it } from 'vitest';
import { calledNumber, callerNumber, containsNumber, normalizeParty, numberNeedles, uriOfNameAddr, userOfUri } from '../../../src/calls/numbers.ts';

describe('uriOfNameAddr / userOfUri', () => {
  it.each([
    ['"Alice" <sip:+8613912345678@10.0.0.1>;tag=abc', 'sip:+8613912345678@10.0.0.1'],
    ['<sip:13912345678@h;user=phone>;tag=1', 'sip:13912345678@h;user=phone'],
    ['sip:13912345678@h;tag=1', 'sip:13912345678@h'],
    ['<tel:+86-139-1234-5678>', 'tel:+86-139-1234-5678'],
  ])('%s -> %s', (v, uri) => {
    expect(uriOfNameAddr(v)).toBe(uri);
  });

  it.each([
    ['sip:+8613912345678@h;user=phone', '+8613912345678'],
    ['sips:008613912345678@h', '008613912345678'],
    ['sip:+86139;npdi;rn=+861@h', '+86139'],
    ['sip:user:secret@h', 'user'],
    ['tel:+86-139-1234-5678;phone-context=+86', '+86-139-1234-5678'],
    ['sip:%2B8613912345678@h', '+8613912345678'],
    ['sip:h', null],
    ['http://x', null],
  ])('user of %s is %s', (uri, user) => {
    expect(userOfUri(uri)).toBe(user);
  });
});

describe('normalisation with the trunk country code', () => {
  it.each([
    ['+86 139-1234-5678', '86', '+8613912345678'],
    ['008613912345678', '86', '+8613912345678'],
    ['013912345678', '86', '+8613912345678'],
    ['13912345678', '86', '+8613912345678'],
    ['(139) 1234.5678', '86', '+8613912345678'],
    ['13912345678', undefined, null],
    ['+8613912345678', undefined, '+8613912345678'],
    ['anonymous', '86', null],
    ['123', '86', null],
  ])('%s (cc %s) -> %s', (raw, cc, expected) => {
    expect(normalizeParty(raw, cc)).toBe(expected);
  });
});

describe('caller and called numbers', () => {
  it('prefers P-Asserted-Identity over From (RFC 3325)', () => {
    expect(callerNumber({ pai: '<sip:+8613912345678@gw>', from: '<sip:+8613800000000@gw>;tag=1' }, '86')).toBe('+8613912345678');
  });
  it('takes the first usable PAI value (sip or tel)', () => {
    expect(callerNumber({ pai: '"x" <sip:anonymous@anonymous.invalid>, <tel:+8613912345678>' }, '86')).toBe('+8613912345678');
  });
  it('falls back to From when PAI is absent or unusable', () => {
    expect(callerNumber({ pai: '<sip:anonymous@invalid>', from: '"Bob, Jr" <sip:013912345678@gw>;tag=9' }, '86')).toBe('+8613912345678');
  });
  it('returns null for an anonymous caller', () => {
    expect(callerNumber({ from: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1' }, '86')).toBeNull();
  });
  it('reads X from the Request-URI, else from To', () => {
    expect(calledNumber({ requestUri: 'sip:+8617000001234@us;user=phone' }, '86')).toBe('+8617000001234');
    expect(calledNumber({ requestUri: 'sip:us.example.com', to: '<tel:017000001234>' }, '86')).toBe('+8617000001234');
    expect(calledNumber({ requestUri: 'sip:us.example.com' }, '86')).toBeNull();
  });
});

describe('leak needles', () => {
  it('include the full digits and the national significant number', () => {
    expect(numberNeedles('+8613912345678', '86')).toEqual(['8613912345678', '13912345678']);
    expect(numberNeedles('+8613912345678')).toEqual(['8613912345678']);
  });
  it('find a number written with separators', () => {
    const n = numberNeedles('+8613912345678', '86');
    expect(containsNumber('x 139-1234-5678 y', n)).toBe(true);
    expect(containsNumber('sip:0013912345678@h', n)).toBe(true);
    expect(containsNumber('sip:+8617000001234@h', n)).toBe(false);
  });
});
