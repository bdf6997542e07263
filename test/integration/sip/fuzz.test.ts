// 100,000 random and mutated datagrams at the UDP listener; afterwards the server must still
// serve (an OPTIONS gets 200) and nothing may have escaped the receive loop.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildResponse } from '../../../src/server/transaction-layer.ts';
import { startTestTu, type TestTu } from './test-tu.ts';
import { request, statusOf, udpPeer, type UdpPeer } from './udp-peer.ts';

const TOTAL = 100_000;

let tu: TestTu | undefined;
let peer: UdpPeer | undefined;
afterEach(async () => {
  await tu?.close();
  await peer?.close();
});

/** Deterministic PRNG (mulberry32) so a failure can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function seeds(port: number): string[] {
  return [
    request('OPTIONS', { port }),
    request('INVITE', { port, body: SDP, extra: ['Content-Type: application/sdp', 'Contact: <sip:peer@127.0.0.1>'] }),
    request('BYE', { port, to: '<sip:svc@127.0.0.1>;tag=x' }),
    request('CANCEL', { port }),
    request('ACK', { port }),
    request('REGISTER', { port, via: `SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKa, SIP/2.0/TCP 10.0.0.1;branch=z9hG4bKb;received=1.2.3.4` }),
    `SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKresp\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: r1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n`,
    `INVITE sip:x@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 127.0.0.1:${port};branch=z9hG4bKc\r\nf: "A \\"q\\"" <sip:a@b>;tag=1\r\nt: sip:x@127.0.0.1\r\ni: compact\r\nCSeq: 9 INVITE\r\nl: 0\r\n\r\n`,
  ];
}

const JUNK = ['\r\n', '\n', ':', ';', ',', '<', '>', '"', '\\', '\0', 'SIP/2.0', 'Via: ', 'Content-Length: 99999999999', 'CSeq: -1 INVITE', ';branch=', 'z9hG4bK', '%00', '\u00ff', ' '.repeat(300), 'A'.repeat(2000)];

function mutate(base: Buffer, rnd: () => number): Buffer {
  const r = rnd();
  if (r < 0.08) {
    // Pure noise.
    const n = Math.floor(rnd() * 1500);
    const b = Buffer.alloc(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(rnd() * 256);
    return b;
  }
  let b = Buffer.from(base);
  const rounds = 1 + Math.floor(rnd() * 4);
  for (let k = 0; k < rounds; k++) {
    const at = Math.floor(rnd() * Math.max(1, b.length));
    const op = rnd();
    if (op < 0.3) {
      b[at] = Math.floor(rnd() * 256);
    } else if (op < 0.45) {
      b = b.subarray(0, at);
    } else if (op < 0.6) {
      const junk = Buffer.from(JUNK[Math.floor(rnd() * JUNK.length)] ?? '');
      b = Buffer.concat([b.subarray(0, at), junk, b.subarray(at)]);
    } else if (op < 0.75) {
      const len = Math.floor(rnd() * 60);
      b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + len))]);
    } else if (op < 0.9) {
      const len = Math.floor(rnd() * 80);
      b = Buffer.concat([b.subarray(0, at), b.subarray(at, at + len), b.subarray(at)]);
    } else {
      // Swap two lines.
      const lines = b.toString('latin1').split('\r\n');
      const i = Math.floor(rnd() * lines.length);
      const j = Math.floor(rnd() * lines.length);
      const t = lines[i] ?? '';
      lines[i] = lines[j] ?? '';
      lines[j] = t;
      b = Buffer.from(lines.join('\r\n'), 'latin1');
    }
  }
  return b.length > 60_000 ? b.subarray(0, 60_000) : b;
}

describe('fuzz: the receive loop survives hostile datagrams', () => {
  it(`still answers OPTIONS with 200 after ${TOTAL.toLocaleString('en-US')} random and mutated datagrams`, async () => {
    tu = await startTestTu({
      specs: [{ protocol: 'udp', host: '127.0.0.1', port: 0 }],
      // Answer everything with a final response so no 2xx retransmission is pending.
      onRequest: (req, tx) => {
        tx?.respond(buildResponse(req, req.method === 'OPTIONS' ? 200 : 503));
        return true;
      },
    });
    const fuzzer = createSocket('udp4');
    fuzzer.on('message', () => undefined);
    await new Promise<void>((r) => fuzzer.bind(0, '127.0.0.1', () => r()));
    const fport = fuzzer.address().port;
    const bases = seeds(fport).map((s) => Buffer.from(s));
    const rnd = prng(20240601);
    const BATCH = 250;
    const layer = tu.layer;
    for (let sent = 0; sent < TOTAL; sent += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, () => {
          const data = mutate(bases[Math.floor(rnd() * bases.length)] ?? Buffer.alloc(0), rnd);
          return new Promise<void>((res) => fuzzer.send(data.length === 0 ? Buffer.from(' ') : data, tu?.port ?? 0, '127.0.0.1', () => res()));
        }),
      );
      // Let the receiver drain the batch (it is in this process): wait while it makes progress.
      let last = -1;
      let stalls = 0;
      while (layer.stats.received < sent + BATCH && stalls < 20) {
        await new Promise((r) => setTimeout(r, 1));
        if (layer.stats.received === last) stalls++;
        else [last, stalls] = [layer.stats.received, 0];
      }
    }
    // Loopback may drop a few under load; nearly all must have been handled.
    expect(layer.stats.received, JSON.stringify(layer.stats)).toBeGreaterThanOrEqual(TOTAL * 0.95);
    peer = await udpPeer();
    await peer.send(request('OPTIONS', { port: peer.port }), tu.port);
    await peer.waitFor((m) => statusOf(m) === 200, '200 after the fuzz');
    const s = layer.stats;
    // The mix really exercised every branch of the receive path.
    expect(s.malformedDropped).toBeGreaterThan(1000);
    expect(s.badRequestAnswered).toBeGreaterThan(100);
    expect(s.requests).toBeGreaterThan(1000);
    expect(s.internalErrors).toBe(0);
    expect(tu.transports.stats.receiveCallbackErrors).toBe(0);
    fuzzer.close();
  });
});
