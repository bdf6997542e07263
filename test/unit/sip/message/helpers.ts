// Test helpers: build wire messages from lines.
import { parseMessage } from '../../../../src/sip/message/parse.ts';
import type { SipMessage, SipRequest, SipResponse } from '../../../../src/sip/message/types.ts';

export function wire(lines: string[], body = '', eol = '\r\n'): Buffer {
  return Buffer.from(lines.join(eol) + eol + eol + body, 'utf8');
}

export function parseOk(data: Buffer): SipMessage {
  const r = parseMessage(data);
  if (!r.ok) throw new Error(`parse failed: ${r.error.message}`);
  return r.message;
}

export function parseRequest(data: Buffer): SipRequest {
  const m = parseOk(data);
  if (m.kind !== 'request') throw new Error('not a request');
  return m;
}

export function parseResponse(data: Buffer): SipResponse {
  const m = parseOk(data);
  if (m.kind !== 'response') throw new Error('not a response');
  return m;
}

export const SDP = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

export function invite(extra: string[] = [], body = SDP): Buffer {
  return wire(
    [
      'INVITE sip:+8613900001111@trunk.example.org SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK-inv-1;rport',
      'Max-Forwards: 70',
      'From: "Caller" <sip:+8613800002222@192.0.2.1>;tag=from-1',
      'To: <sip:+8613900001111@trunk.example.org>',
      'Call-ID: call-1@192.0.2.1',
      'CSeq: 1 INVITE',
      'Contact: <sip:+8613800002222@192.0.2.1:5060>',
      'Content-Type: application/sdp',
      ...extra,
      `Content-Length: ${Buffer.byteLength(body)}`,
    ],
    body,
  );
}
