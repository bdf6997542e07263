// SIP message model throughput: parse (and parse + the checks a server runs) and serialize, per second.
import type { BenchFn, BenchRow } from './types.ts';
import { parseMessage } from '../src/sip/message/parse.ts';
import { serializeMessage } from '../src/sip/message/serialize.ts';
import { checkRequestSanity } from '../src/sip/sanity.ts';
import { callId, cseq, fromTag, toTag } from '../src/sip/message/accessors.ts';
import { topVia } from '../src/sip/message/via.ts';
import type { SipMessage } from '../src/sip/message/types.ts';

const SDP =
  'v=0\r\no=- 3724394400 3724394400 IN IP4 198.51.100.20\r\ns=-\r\nc=IN IP4 198.51.100.20\r\nt=0 0\r\n' +
  'm=audio 30000 RTP/AVP 8 0 101\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n' +
  'a=fmtp:101 0-15\r\na=ptime:20\r\na=sendrecv\r\n';

const INVITE = Buffer.from(
  'INVITE sip:+8613900001111@203.0.113.10:5060;user=phone SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f6;rport\r\n' +
    'Max-Forwards: 69\r\n' +
    'From: "+8613800002222" <sip:+8613800002222@198.51.100.20;user=phone>;tag=4c5d6e7f\r\n' +
    'To: <sip:+8613900001111@203.0.113.10;user=phone>\r\n' +
    'Call-ID: 5b0a3c2d-9e8f-4a1b-8c7d-6e5f4a3b2c1d@198.51.100.20\r\n' +
    'CSeq: 1 INVITE\r\n' +
    'Contact: <sip:+8613800002222@198.51.100.20:5060;transport=udp>\r\n' +
    'P-Asserted-Identity: <sip:+8613800002222@198.51.100.20;user=phone>\r\n' +
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, PRACK, INFO, REFER, NOTIFY\r\n' +
    'Supported: 100rel, timer, replaces\r\n' +
    'Session-Expires: 1800\r\n' +
    'User-Agent: carrier-sbc/4.2\r\n' +
    'Content-Type: application/sdp\r\n' +
    `Content-Length: ${Buffer.byteLength(SDP)}\r\n\r\n${SDP}`,
);

const OK200 = Buffer.from(
  'SIP/2.0 200 OK\r\n' +
    'Via: SIP/2.0/UDP 198.51.100.20:5060;branch=z9hG4bK-524287-1---a1b2c3d4e5f6;rport=5060;received=198.51.100.20\r\n' +
    'From: "+8613800002222" <sip:+8613800002222@198.51.100.20;user=phone>;tag=4c5d6e7f\r\n' +
    'To: <sip:+8613900001111@203.0.113.10;user=phone>;tag=as7d8f9a\r\n' +
    'Call-ID: 5b0a3c2d-9e8f-4a1b-8c7d-6e5f4a3b2c1d@198.51.100.20\r\n' +
    'CSeq: 1 INVITE\r\n' +
    'Contact: <sip:203.0.113.10:5060>\r\n' +
    'Allow: INVITE, ACK, CANCEL, BYE, OPTIONS\r\n' +
    'Content-Type: application/sdp\r\n' +
    `Content-Length: ${Buffer.byteLength(SDP)}\r\n\r\n${SDP}`,
);

const BYE = Buffer.from(
  'BYE sip:+8613800002222@198.51.100.20:5060;transport=udp SIP/2.0\r\n' +
    'Via: SIP/2.0/UDP 203.0.113.10:5060;branch=z9hG4bK-bye-77aa;rport\r\n' +
    'Max-Forwards: 70\r\n' +
    'From: <sip:+8613900001111@203.0.113.10;user=phone>;tag=as7d8f9a\r\n' +
    'To: "+8613800002222" <sip:+8613800002222@198.51.100.20;user=phone>;tag=4c5d6e7f\r\n' +
    'Call-ID: 5b0a3c2d-9e8f-4a1b-8c7d-6e5f4a3b2c1d@198.51.100.20\r\n' +
    'CSeq: 2 BYE\r\n' +
    'Content-Length: 0\r\n\r\n',
);

function must(data: Buffer): SipMessage {
  const r = parseMessage(data);
  if (!r.ok) throw new Error(r.error.message);
  return r.message;
}

/** Runs fn repeatedly for about `ms` milliseconds; returns operations per second. */
function rate(fn: () => void, ms: number): number {
  for (let i = 0; i < 2000; i++) fn(); // warm up the JIT
  let ops = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 500; i++) fn();
    ops += 500;
    now = performance.now();
  }
  return Math.round((ops * 1000) / (now - start));
}

export const run: BenchFn = async ({ quick }) => {
  const ms = quick ? 400 : 2000;
  const invite = must(INVITE);
  const ok = must(OK200);
  const rows: BenchRow[] = [];
  const add = (metric: string, perSec: number, note?: string): void => {
    const row: BenchRow = { bench: 'sip-parse', metric, value: perSec, unit: 'msg/s' };
    row.note = `${(1e6 / perSec).toFixed(2)} µs/msg${note ? `; ${note}` : ''}`;
    rows.push(row);
  };
  add('parse INVITE+SDP', rate(() => void parseMessage(INVITE), ms), `${INVITE.length} B`);
  add('parse 200 OK+SDP', rate(() => void parseMessage(OK200), ms), `${OK200.length} B`);
  add('parse BYE', rate(() => void parseMessage(BYE), ms), `${BYE.length} B`);
  add(
    'parse+sanity+accessors INVITE',
    rate(() => {
      const r = parseMessage(INVITE);
      if (!r.ok || r.message.kind !== 'request') return;
      checkRequestSanity(r.message, { supportedExtensions: ['timer'] });
      callId(r.message);
      fromTag(r.message);
      toTag(r.message);
      cseq(r.message);
      topVia(r.message);
    }, ms),
    'what the server does per request',
  );
  add('serialize INVITE+SDP', rate(() => void serializeMessage(invite), ms));
  add('serialize 200 OK+SDP', rate(() => void serializeMessage(ok), ms));
  return rows;
};
