// Fuzz: mutated real-looking messages must never make parse, sanity or the accessors throw
// anything but SipParseError (parseMessage itself must never throw at all).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { findMessageEnd, parseMessage } from '../../../../src/sip/message/parse.ts';
import { serializeMessage } from '../../../../src/sip/message/serialize.ts';
import { checkRequestSanity, checkResponseSanity, rejectionForParseFailure } from '../../../../src/sip/sanity.ts';
import { callId, contentLength, contentType, cseq, fromTag, maxForwards, toTag } from '../../../../src/sip/message/accessors.ts';
import { getVias, topVia } from '../../../../src/sip/message/via.ts';
import { getHeader, getHeaderList } from '../../../../src/sip/message/headers.ts';
import { parseNameAddr } from '../../../../src/sip/message/name-addr.ts';
import { parseUri } from '../../../../src/sip/message/uri.ts';
import { SipParseError } from '../../../../src/sip/message/errors.ts';
import { invite } from './helpers.ts';

const DIR = fileURLToPath(new URL('../../../fixtures/rfc4475/', import.meta.url));
const SEEDS: Buffer[] = [
  invite(),
  Buffer.from('SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bK1;rport=5060;received=10.0.0.1\r\nFrom: <sip:a@b>;tag=1\r\nTo: "B" <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContact: <sip:c@[2001:db8::1]:5060;transport=tcp>\r\nContent-Length: 0\r\n\r\n'),
  Buffer.from('BYE sip:a@192.0.2.9:5060 SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bK2\r\nMax-Forwards: 70\r\nf: <sip:a@b>;tag=1\r\nt: <sip:c@d>;tag=2\r\ni: x\r\nCSeq: 2 BYE\r\nl: 0\r\n\r\n'),
  ...readdirSync(DIR)
    .filter((f) => f.endsWith('.sip'))
    .sort()
    .map((f) => readFileSync(join(DIR, f))),
];

const HEADER_NAMES = ['Via', 'v', 'From', 'f', 'To', 't', 'Call-ID', 'i', 'CSeq', 'Contact', 'm', 'Content-Length', 'l', 'Content-Type', 'c', 'Max-Forwards', 'Route', 'Record-Route', 'Require', 'Accept', 'X-Odd'];
const TRICKY = ['', ';', ';;tag=', '"', '"\\', '<', '>', '<sip:', 'sip:@', '[::', 'SIP/2.0/UDP', 'SIP/2.0/UDP [', '-1', '99999999999999999999', '0', ',,,', 'z9hG4bK', 'tel:', '?a=b', '\t \t', '%00', '\u00ff\u4e2d'];

let messages = 0;

/** Runs everything a receive loop would run; only SipParseError may escape the typed accessors. */
function exercise(data: Buffer): void {
  messages++;
  const r = parseMessage(data); // must never throw
  findMessageEnd(data);
  if (!r.ok) {
    if (!(r.error instanceof SipParseError)) throw new Error('parse failure is not a SipParseError');
    rejectionForParseFailure(r.error, r.partial);
    if (r.partial) checkRequestSanity(r.partial);
    return;
  }
  const m = r.message;
  if (m.kind === 'request') {
    checkRequestSanity(m, messages % 2 === 0 ? {} : { supportedExtensions: ['timer'], acceptedContentTypes: ['application/sdp'] });
  } else checkResponseSanity(m);
  // What we accept, we can write back and read again with the same headers.
  const again = parseMessage(serializeMessage(m));
  const expected = m.headers.length + (getHeader(m, 'content-length') === undefined ? 1 : 0);
  if (!again.ok || again.message.headers.length !== expected) throw new Error(`serialize/parse round trip broke: ${JSON.stringify(data.toString('latin1'))}`);
  const calls: (() => unknown)[] = [
    () => callId(m),
    () => fromTag(m),
    () => toTag(m),
    () => cseq(m),
    () => contentLength(m),
    () => contentType(m),
    () => maxForwards(m),
    () => topVia(m),
    () => getVias(m),
    () => getHeaderList(m, 'contact').map((c) => parseNameAddr(c)),
    () => (m.kind === 'request' ? parseUri(m.uri) : undefined),
  ];
  for (const call of calls) {
    try {
      call();
    } catch (err) {
      if (!(err instanceof SipParseError)) throw err;
    }
  }
}

const seed = fc.integer({ min: 0, max: SEEDS.length - 1 }).map((i) => SEEDS[i] ?? Buffer.alloc(0));

describe('fuzz: parseMessage and sanity never throw', () => {
  it('byte flips', () => {
    fc.assert(
      fc.property(seed, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (base, flips) => {
        const data = Buffer.from(base);
        for (const [pos, byte] of flips) data[pos % data.length] = byte;
        exercise(data);
      }),
      { numRuns: 30_000 },
    );
  }, 60_000);

  it('truncations and duplications', () => {
    fc.assert(
      fc.property(seed, fc.nat(), fc.nat(), fc.nat(), fc.boolean(), (base, a, b, c, truncate) => {
        if (truncate) {
          exercise(base.subarray(0, a % (base.length + 1)));
          exercise(base.subarray(a % (base.length + 1)));
        } else {
          const start = a % base.length;
          const piece = base.subarray(start, start + (b % 200));
          const at = c % (base.length + 1);
          exercise(Buffer.concat([base.subarray(0, at), piece, base.subarray(at)]));
        }
      }),
      { numRuns: 25_000 },
    );
  }, 60_000);

  it('random header insertions', () => {
    const value = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...TRICKY), fc.array(fc.constantFrom(...TRICKY), { maxLength: 5 }).map((a) => a.join('')));
    fc.assert(
      fc.property(seed, fc.array(fc.tuple(fc.constantFrom(...HEADER_NAMES), value, fc.nat()), { minLength: 1, maxLength: 4 }), (base, inserts) => {
        // Insert whole header lines at line starts inside the header section.
        const headEnd = Math.max(0, base.indexOf('\r\n\r\n'));
        let data = base;
        for (const [name, v, pos] of inserts) {
          const lineStart = data.indexOf('\r\n', pos % (headEnd + 1));
          const at = lineStart < 0 || lineStart > headEnd ? Math.max(0, data.indexOf('\r\n')) : lineStart;
          data = Buffer.concat([data.subarray(0, at), Buffer.from(`\r\n${name}: ${v}`, 'latin1'), data.subarray(at)]);
        }
        exercise(data);
      }),
      { numRuns: 25_000 },
    );
  }, 60_000);

  it('random bytes and line soup', () => {
    const line = fc.oneof(fc.constantFrom(...HEADER_NAMES).chain((n) => fc.constantFrom(...TRICKY).map((v) => `${n}:${v}`)), fc.string({ maxLength: 30 }));
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((u) => Buffer.from(u)), fc.array(line, { maxLength: 12 }).map((ls) => Buffer.from(['INVITE sip:a@b SIP/2.0', ...ls, '', ''].join('\r\n')))), (data) => {
        exercise(data);
      }),
      { numRuns: 22_000 },
    );
  }, 60_000);

  it('fed at least 100,000 messages in total', () => {
    expect(messages).toBeGreaterThanOrEqual(100_000);
  });
});
