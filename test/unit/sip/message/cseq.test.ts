import { describe, expect, it } from 'vitest';
import { formatCSeq, parseCSeq } from '../../../../src/sip/message/cseq.ts';
import { SipParseError } from '../../../../src/sip/message/errors.ts';

describe('CSeq (RFC 3261 §20.16)', () => {
  it('parses number and method with extra LWS and leading zeros', () => {
    expect(parseCSeq('4711 INVITE')).toEqual({ seq: 4711, method: 'INVITE' });
    expect(parseCSeq('  0009 \t ACK ')).toEqual({ seq: 9, method: 'ACK' });
    expect(parseCSeq('2147483647 BYE')).toEqual({ seq: 2147483647, method: 'BYE' });
    expect(parseCSeq('0 NEW-METHOD')).toEqual({ seq: 0, method: 'NEW-METHOD' });
  });

  it('the sequence number MUST be less than 2**31 (§8.1.1.5)', () => {
    expect(() => parseCSeq('2147483648 INVITE')).toThrow(SipParseError);
    expect(() => parseCSeq('36893488147419103232 INVITE')).toThrow(SipParseError);
  });

  it('rejects malformed values and names the header', () => {
    for (const bad of ['', 'INVITE', '1', '1INVITE', '-1 INVITE', '1 INV ITE', 'x 1']) {
      try {
        parseCSeq(bad);
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(SipParseError);
        expect((err as SipParseError).header).toBe('cseq');
      }
    }
  });

  it('formats', () => {
    expect(formatCSeq({ seq: 12, method: 'CANCEL' })).toBe('12 CANCEL');
  });
});
