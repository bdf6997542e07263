// A local HTTP webhook receiver for tests: records every request and answers with a scripted status.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { until as untilDeadline } from '../../../harness/poll.ts';

export interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

export interface Receiver {
  url: string;
  received: Received[];
  /** Max requests seen in flight at once. */
  maxInFlight: number;
  /** Resolves once `n` requests have arrived (rejects after the deadline). */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** `answer(i)` gives the status of the i-th request (0-based); `holdMs` delays each answer. */
export async function startReceiver(answer: (i: number) => number, holdMs = 0): Promise<Receiver> {
  const received: Received[] = [];
  const waiters: Array<{ n: number; resolve: () => void }> = [];
  let inFlight = 0;
  const state = { maxInFlight: 0 };
  const server: Server = createServer((req, res) => {
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = received.length;
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const reply = (): void => {
        inFlight--;
        res.statusCode = answer(i);
        res.end();
        for (const w of waiters.filter((x) => received.length >= x.n)) w.resolve();
      };
      if (holdMs > 0) setTimeout(reply, holdMs);
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    get maxInFlight() {
      return state.maxInFlight;
    },
    waitFor(n, timeoutMs = 15_000) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver got ${received.length} of ${n} requests`)), timeoutMs);
        waiters.push({ n, resolve: () => (clearTimeout(timer), resolve()) });
      });
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Polls `check` until true or the deadline passes. */
export function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<void> {
  return untilDeadline(what, check, timeoutMs);
}
