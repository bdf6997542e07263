// The drachtio wire framing (drachtio-protocol.md §1): `<bytes>#<leader>[CRLF<sip>]`.
import { describe, expect, it } from 'vitest';
import { FrameDecoder, decodeCommand, encodeFrame, encodeMessageFrame, wireTime } from '../../../src/server/wire/codec.ts';

describe('encodeMessageFrame', () => {
  const sip = 'SIP/2.0 200 OK\r\nTo: "Zoë" <sip:b@example.org>;tag=1\r\nContent-Length: 0\r\n\r\n';

  it('gives the same bytes as encodeFrame(leader CRLF text), multi-byte UTF-8 included', () => {
    const tokens = ['id-1', 'sip', 'network', '123', 'udp', '192.0.2.1', '5060', '12:00:00.000000', 'tx', 'dlg;from-tag=ü', ''];
    const payload = `${tokens.join('|')}\r\n${sip}`;
    const framed = encodeMessageFrame(tokens, Buffer.from(sip, 'utf8'));
    expect(framed.equals(encodeFrame(payload))).toBe(true);
    expect(framed.toString('latin1').startsWith(`${Buffer.byteLength(payload)}#`)).toBe(true);
  });

  it('without a message the frame is the leader alone', () => {
    expect(encodeMessageFrame(['id', 'response', 'x', 'OK']).toString()).toBe('16#id|response|x|OK');
    expect(encodeMessageFrame([]).toString()).toBe('0#');
  });

  it('replaces |, CR and LF inside tokens by a space, keeps empty tokens', () => {
    const tokens = ['a|b', 'c\r\nd', '', 'e'];
    expect(encodeMessageFrame(tokens).toString()).toBe('11#a b|c  d||e');
    expect(encodeMessageFrame(tokens, Buffer.from('X')).toString()).toBe(`14#a b|c  d||e\r\nX`);
  });

  it('round-trips through FrameDecoder and decodeCommand', () => {
    const frame = encodeMessageFrame(['m1', 'sip', 'tx1', 'dlg1', ''], Buffer.from(sip, 'utf8'));
    const dec = new FrameDecoder(1 << 20);
    const payloads = [...dec.push(frame.subarray(0, 7)), ...dec.push(frame.subarray(7))];
    expect(payloads).toHaveLength(1);
    expect(decodeCommand(payloads[0] as string)).toEqual({ kind: 'sip', id: 'm1', transactionId: 'tx1', dialogId: 'dlg1', proxy: '', sip });
  });
});

describe('decodeCommand token positions', () => {
  it('reads missing tokens as empty strings', () => {
    expect(decodeCommand('m|sip')).toEqual({ kind: 'sip', id: 'm', transactionId: '', dialogId: '', proxy: '', sip: '' });
    expect(decodeCommand('m|authenticate|s|a,b')).toEqual({ kind: 'authenticate', id: 'm', secret: 's', tags: ['a', 'b'] });
    expect(decodeCommand('m|bogus')).toEqual({ kind: 'unknown', id: 'm', type: 'bogus' });
  });
});

describe('wireTime', () => {
  it('formats a given time as HH:MM:SS.uuuuuu (UTC)', () => {
    expect(wireTime(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 67)))).toBe('03:04:05.067000');
    expect(wireTime(new Date(Date.UTC(2024, 0, 2, 23, 59, 9, 999)))).toBe('23:59:09.999000');
  });

  it('the current time has the same shape and is close to now', () => {
    const before = Date.now();
    const t = wireTime();
    expect(t).toMatch(/^\d\d:\d\d:\d\d\.\d{3}000$/);
    const [h, m, s] = t.split(':').map(Number) as [number, number, number];
    const ms = ((h * 60 + m) * 60 + s) * 1000;
    const dayMs = before % 86_400_000;
    expect(Math.abs(ms - dayMs) < 2000 || Math.abs(ms - dayMs) > 86_400_000 - 2000).toBe(true);
  });
});
