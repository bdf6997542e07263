import { describe, expect, it } from 'vitest';
import { callId, contentLength, contentType, cseq, fromTag, maxForwards, toTag } from '../../../../src/sip/message/accessors.ts';
import { SipParseError } from '../../../../src/sip/message/errors.ts';
import { invite, parseOk, wire } from './helpers.ts';

describe('typed accessors', () => {
  it('read the headers a B2BUA uses', () => {
    const m = parseOk(invite());
    expect(callId(m)).toBe('call-1@192.0.2.1');
    expect(fromTag(m)).toBe('from-1');
    expect(toTag(m)).toBeUndefined();
    expect(cseq(m)).toEqual({ seq: 1, method: 'INVITE' });
    expect(contentLength(m)).toBe(m.body.length);
    expect(contentType(m)).toBe('application/sdp');
    expect(maxForwards(m)).toBe(70);
  });

  it('work with compact forms, params and odd spacing', () => {
    const m = parseOk(wire(['BYE sip:a@b SIP/2.0', 'i: cid', 'f: sip:a@b;tag=F', 't: "B" <sip:b@c>;tag=T', 'CSeq:  7   BYE', 'c: Application/SDP ; charset=x', 'l: 0', 'Max-Forwards: 0']));
    expect([callId(m), fromTag(m), toTag(m)]).toEqual(['cid', 'F', 'T']);
    expect(cseq(m)).toEqual({ seq: 7, method: 'BYE' });
    expect(contentType(m)).toBe('application/sdp');
    expect(contentLength(m)).toBe(0);
    expect(maxForwards(m)).toBe(0);
  });

  it('give undefined for absent headers and throw SipParseError for malformed ones', () => {
    const m = parseOk(wire(['BYE sip:a@b SIP/2.0', 'Max-Forwards: 256', 'Content-Length: 0']));
    expect(callId(m)).toBeUndefined();
    expect(fromTag(m)).toBeUndefined();
    expect(toTag(m)).toBeUndefined();
    expect(contentType(m)).toBeUndefined();
    expect(() => cseq(m)).toThrow(SipParseError);
    expect(() => maxForwards(m)).toThrow(SipParseError);
    expect(maxForwards(parseOk(wire(['BYE sip:a@b SIP/2.0', 'l: 0'])))).toBeUndefined();
    expect(() => maxForwards(parseOk(wire(['BYE sip:a@b SIP/2.0', 'Max-Forwards: x'])))).toThrow(SipParseError);
  });
});
