import { describe, expect, it } from 'vitest';
import { serializeMessage } from '../../../../src/sip/message/serialize.ts';
import { parseMessage } from '../../../../src/sip/message/parse.ts';
import { getHeader, setHeader } from '../../../../src/sip/message/headers.ts';
import { SDP, invite, parseOk, parseRequest, wire } from './helpers.ts';
import type { SipResponse } from '../../../../src/sip/message/types.ts';

describe('serializeMessage', () => {
  it('parse -> serialize is byte-identical for a canonical message', () => {
    const data = invite();
    expect(serializeMessage(parseOk(data)).equals(data)).toBe(true);
  });

  it('keeps header order, names as written (compact forms) and unknown headers', () => {
    const data = wire(['OPTIONS sip:a@b SIP/2.0', 'v: SIP/2.0/UDP h;branch=z9hG4bK1', 'X-Zeta: 1', 'f: <sip:a@b>;tag=1', 'X-Alpha: "q, uoted" <x>', 't: <sip:c@d>', 'i: id', 'CSeq: 1 OPTIONS', 'l: 0']);
    expect(serializeMessage(parseOk(data)).toString()).toBe(data.toString());
  });

  it('writes folded values on one line and LF-only input with CRLF', () => {
    const m = parseOk(Buffer.from('OPTIONS sip:a@b SIP/2.0\nSubject: one\n  two\nl: 0\n\n'));
    expect(serializeMessage(m).toString()).toBe('OPTIONS sip:a@b SIP/2.0\r\nSubject: one two\r\nl: 0\r\n\r\n');
  });

  it('rewrites Content-Length to the body length and adds it when absent', () => {
    const m = parseRequest(invite());
    m.body = Buffer.from('v=0\r\n');
    expect(serializeMessage(m).toString()).toContain('\r\nContent-Length: 5\r\n\r\nv=0\r\n');
    const noLength = parseOk(wire(['MESSAGE sip:a@b SIP/2.0', 'Content-Type: text/plain'], 'hey'));
    expect(serializeMessage(noLength).toString()).toBe('MESSAGE sip:a@b SIP/2.0\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nhey');
  });

  it('keeps UTF-8 in values and binary bodies intact', () => {
    const body = Buffer.from([0, 255, 13, 10, 13, 10, 1]);
    const data = Buffer.concat([Buffer.from('MESSAGE sip:a@b SIP/2.0\r\nFrom: "张三" <sip:a@b>;tag=1\r\nContent-Length: 7\r\n\r\n'), body]);
    const out = serializeMessage(parseOk(data));
    expect(out.equals(data)).toBe(true);
    const again = parseMessage(out);
    expect(again.ok && getHeader(again.message, 'from')).toBe('"张三" <sip:a@b>;tag=1');
  });

  it('writes responses with an empty reason as "SIP/2.0 100 "', () => {
    const r: SipResponse = { kind: 'response', version: 'SIP/2.0', status: 100, reason: '', headers: [{ name: 'CSeq', value: '1 INVITE' }], body: Buffer.alloc(0) };
    expect(serializeMessage(r).toString()).toBe('SIP/2.0 100 \r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n');
  });

  it('never lets a value inject a header line', () => {
    const m = parseRequest(wire(['OPTIONS sip:a@b SIP/2.0', 'l: 0']));
    setHeader(m, 'Subject', 'hi\r\nX-Injected: 1');
    const text = serializeMessage(m).toString();
    expect(text).not.toContain('\r\nX-Injected');
    expect(getHeader(parseOk(serializeMessage(m)), 'x-injected')).toBeUndefined();
  });

  it('keeps a duplicate Content-Length out of the output', () => {
    const m = parseRequest(wire(['OPTIONS sip:a@b SIP/2.0', 'l: 0']));
    m.headers.push({ name: 'Content-Length', value: '99' });
    expect(serializeMessage(m).toString()).toBe('OPTIONS sip:a@b SIP/2.0\r\nl: 0\r\n\r\n');
  });

  it('round-trips the SDP body of an INVITE', () => {
    const m = parseOk(serializeMessage(parseOk(invite())));
    expect(m.body.toString()).toBe(SDP);
  });
});
