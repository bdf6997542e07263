// 100,000 random and mutated datagrams at the UDP listener; afterwards the server must still
// serve (an OPTIONS gets 200) and nothing may have escaped the receive loop.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { buildResponse } from '../../../src/server/transaction-layer.ts';
import { startTestTu, type TestTu } from './test-tu.ts';
import { request, statusOf, udpPeer, type UdpPeer } from './udp-peer.ts';
import { mutate, seeds } from '../../harness/sip-fuzz.ts';
import { prng } from '../../harness/prng.ts';

const TOTAL = 100_000;

let tu: TestTu | undefined;
let peer: UdpPeer | undefined;
afterEach(async () => {
  await tu?.close();
  await peer?.close();
});

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
