import { describe, expect, it } from 'vitest';
import { heldAnswer, newSessionId, OriginSequence } from '../../../src/calls/callback-sdp.ts';

const OFFER = [
  'v=0',
  'o=+8613912345671 11111111 1 IN IP4 10.0.0.1',
  's=+8613912345671',
  'c=IN IP4 10.0.0.1',
  't=0 0',
  'm=audio 6000 RTP/AVP 8 0 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'm=video 0 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  '',
].join('\r\n');

const origin = { sessionId: '1234567890', version: 1, address: '0.0.0.0' };

describe('heldAnswer (RFC 3725 held SDP, RFC 3264 §6)', () => {
  const answer = heldAnswer(OFFER, origin) ?? '';
  const lines = answer.trimEnd().split('\r\n');

  it('answers every offered stream, in order, with one of its offered formats', () => {
    const m = lines.filter((l) => l.startsWith('m='));
    expect(m).toEqual(['m=audio 9 RTP/AVP 8', 'm=video 0 RTP/AVP 96']);
    expect(lines).toContain('a=rtpmap:8 PCMA/8000');
    expect(lines).not.toContain('a=rtpmap:0 PCMU/8000');
  });

  it('MUST keep a rejected stream (port 0) rejected', () => {
    expect(lines).toContain('m=video 0 RTP/AVP 96');
  });

  it('sends and receives nothing: a=inactive on accepted streams and c=0.0.0.0', () => {
    expect(lines).toContain('c=IN IP4 0.0.0.0');
    expect(lines.filter((l) => l === 'a=inactive')).toHaveLength(1);
    expect(answer).not.toContain('sendrecv');
  });

  it('carries our origin and none of the offerer\'s identity', () => {
    expect(lines[1]).toBe('o=- 1234567890 1 IN IP4 0.0.0.0');
    expect(answer).not.toContain('13912345671');
    expect(answer).not.toContain('10.0.0.1');
  });

  it('returns null for an offer without media (nothing to answer)', () => {
    expect(heldAnswer('v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0 0\r\n', origin)).toBeNull();
  });
});

describe('OriginSequence (RFC 3264 §8: one session, version + 1 per new SDP)', () => {
  it('keeps the session id and address and increments the version by one each time', () => {
    const seq = new OriginSequence('555', '0.0.0.0');
    expect(seq.next().version).toBe(1);
    const second = seq.stamp('v=0\r\no=+8613987654322 22222222 7 IN IP4 10.0.0.2\r\ns=-\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n');
    expect(second.split('\r\n')[1]).toBe('o=- 555 2 IN IP4 0.0.0.0');
    const third = seq.stamp('v=0\r\no=- 1 99 IN IP4 10.0.0.3\r\ns=-\r\n');
    expect(third.split('\r\n')[1]).toBe('o=- 555 3 IN IP4 0.0.0.0');
    expect(second).toContain('m=audio 6000 RTP/AVP 0');
  });

  it('adds an o= line after v= when the SDP has none', () => {
    const out = new OriginSequence('9').stamp('v=0\r\ns=-\r\n');
    expect(out.split('\r\n').slice(0, 3)).toEqual(['v=0', 'o=- 9 1 IN IP4 0.0.0.0', 's=-']);
  });

  it('new session ids are numeric and distinct', () => {
    const a = newSessionId();
    const b = newSessionId();
    expect(a).toMatch(/^\d+$/);
    expect(a).not.toBe(b);
  });
});
