// Non-INVITE SIP transactions per second over UDP on loopback: a raw dgram client keeps a window
// of OPTIONS in flight against a TransactionLayer whose TU answers 200 at once.
import { createSocket } from 'node:dgram';
import { pino } from 'pino';
import { TransactionLayer, buildResponse } from '../src/server/transaction-layer.ts';
import { TransportSet } from '../src/server/transport/transport-set.ts';
import type { BenchFn, BenchRow } from './types.ts';

const WINDOW = 200;

export const run: BenchFn = async ({ quick }) => {
  const log = pino({ level: 'silent' });
  const transports = await TransportSet.listen([{ protocol: 'udp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log });
  const layer = new TransactionLayer({
    transports,
    timers: { t1: 500, t2: 4000, t4: 5000 },
    log,
    maxMessageSize: 65_535,
    onRequest: (req, _src, tx) => tx?.respond(buildResponse(req, 200)),
    onStrayResponse: () => undefined,
  });
  const port = transports.listeners[0]?.port ?? 0;
  const client = createSocket('udp4');
  await new Promise<void>((r) => client.bind(0, '127.0.0.1', () => r()));
  const cport = client.address().port;

  let seq = 0;
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const make = (): Buffer => {
    const id = `b${++seq}`;
    sentAt.set(id, performance.now());
    return Buffer.from(
      `OPTIONS sip:bench@127.0.0.1:${port} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:${cport};branch=z9hG4bK${id}\r\n` +
        `From: <sip:c@127.0.0.1>;tag=t${id}\r\nTo: <sip:bench@127.0.0.1>\r\nCall-ID: ${id}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n`,
    );
  };
  const durationMs = quick ? 2000 : 10_000;
  let done = 0;
  let running = true;
  const send = (): void => {
    if (running) client.send(make(), port, '127.0.0.1');
  };
  client.on('message', (m) => {
    const id = /Call-ID: (\S+)/.exec(m.toString('latin1'))?.[1];
    const t0 = id === undefined ? undefined : sentAt.get(id);
    if (t0 === undefined || id === undefined) return;
    sentAt.delete(id);
    latencies.push(performance.now() - t0);
    done++;
    send();
  });
  const start = performance.now();
  for (let i = 0; i < WINDOW; i++) send();
  // Lost datagrams shrink the window: refill it now and then.
  const refill = setInterval(() => {
    const now = performance.now();
    for (const [id, t] of sentAt) {
      if (now - t > 1000) {
        sentAt.delete(id);
        send();
      }
    }
  }, 250);
  await new Promise((r) => setTimeout(r, durationMs));
  running = false;
  clearInterval(refill);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number): number => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  const rows: BenchRow[] = [
    { bench: 'sip-transactions', metric: 'OPTIONS transactions/s (UDP loopback)', value: Math.round(done / elapsed), unit: 'tx/s', note: `window ${WINDOW}, ${elapsed.toFixed(1)} s, one process` },
    { bench: 'sip-transactions', metric: 'latency p50', value: pct(0.5), unit: 'ms' },
    { bench: 'sip-transactions', metric: 'latency p99', value: pct(0.99), unit: 'ms' },
    { bench: 'sip-transactions', metric: 'server transactions alive at end', value: layer.stats.serverTransactions, unit: 'tx', note: 'NIST waits timer J (64*T1) on UDP' },
  ];
  client.close();
  await layer.close();
  await transports.close();
  return rows;
};
