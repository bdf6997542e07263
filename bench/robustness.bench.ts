// Robustness (DEVELOPERS target: 1,000,000 fuzzed SIP messages without a crash): mutated and random
// datagrams at our full SIP server with a drachtio-srf app connected; afterwards an OPTIONS must
// still get its 200 and no error may have escaped the receive path. quick: 100,000 messages.
import { createSocket } from 'node:dgram';
import type { BenchFn, BenchRow } from './types.ts';
import { connectSrf, startSipServer } from '../test/harness/sip-stack.ts';
import { mutate, seeds } from '../test/harness/sip-fuzz.ts';
import { prng } from '../test/harness/prng.ts';
import { request, statusOf, udpPeer } from '../test/integration/sip/udp-peer.ts';

export const run: BenchFn = async ({ quick }) => {
  const total = quick ? 100_000 : 1_000_000;
  const stack = await startSipServer();
  const srf = await connectSrf(stack.adminPort);
  srf.invite((_req, res) => res.send(486));
  // srf has a handler method per SIP method; its typings only declare invite().
  (srf as unknown as { options: typeof srf.invite }).options((_req, res) => res.send(200));
  const fuzzer = createSocket('udp4');
  fuzzer.on('message', () => undefined);
  await new Promise<void>((r) => fuzzer.bind(0, '127.0.0.1', () => r()));
  const bases = seeds(fuzzer.address().port).map((s) => Buffer.from(s));
  const rnd = prng(7);
  const received = (): number => stack.server.stats().transport['received'] ?? 0;
  const t0 = performance.now();
  try {
    const BATCH = 250;
    for (let sent = 0; sent < total; sent += BATCH) {
      await Promise.all(
        Array.from({ length: BATCH }, () => {
          const data = mutate(bases[Math.floor(rnd() * bases.length)] ?? Buffer.alloc(0), rnd);
          return new Promise<void>((res) => fuzzer.send(data.length === 0 ? Buffer.from(' ') : data, stack.sipPort, '127.0.0.1', () => res()));
        }),
      );
      // Pace the sender to the receiver (same process): wait while it makes progress.
      let last = -1;
      let stalls = 0;
      while (received() < sent + BATCH && stalls < 20) {
        await new Promise((r) => setTimeout(r, 1));
        if (received() === last) stalls++;
        else [last, stalls] = [received(), 0];
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const peer = await udpPeer();
    await peer.send(request('OPTIONS', { port: peer.port }), stack.sipPort);
    const serving = await peer
      .waitFor((m) => statusOf(m) === 200, '200 after the fuzz', 10_000)
      .then(() => 'yes')
      .catch(() => 'NO');
    await peer.close();
    const s = stack.server.stats().transport;
    const rows: BenchRow[] = [
      { bench: 'robustness', metric: 'fuzzed datagrams sent', value: total, unit: 'messages', note: `${Math.round(total / seconds).toLocaleString('en-US')}/s` },
      { bench: 'robustness', metric: 'received by the server', value: s['received'] ?? 0, unit: 'messages', note: 'loopback may drop a few under load' },
      { bench: 'robustness', metric: 'dropped as malformed', value: s['malformedDropped'] ?? 0, unit: 'messages' },
      { bench: 'robustness', metric: 'answered 400 (malformed but answerable)', value: s['badRequestAnswered'] ?? 0, unit: 'messages' },
      { bench: 'robustness', metric: 'errors escaped the receive path', value: s['internalErrors'] ?? 0, unit: 'errors' },
      { bench: 'robustness', metric: 'still serving (OPTIONS -> 200)', value: serving, unit: '' },
    ];
    return rows;
  } finally {
    fuzzer.close();
    srf.disconnect();
    await stack.stop();
  }
};
