// A UDP socket on 127.0.0.1 for tests: records every datagram it receives (decoded by the caller)
// and waits for one matching a predicate, with a deadline. The SIP peers of the integration and
// conformance tests are built on it.
import { createSocket } from 'node:dgram';
import { poll } from './poll.ts';

export interface RecordingSocket<T> {
  port: number;
  /** Every datagram received, decoded, in arrival order. */
  received: T[];
  send(data: string | Buffer, port: number): Promise<void>;
  /** The first received item (from index `from`) matching; on timeout the error lists what came. */
  waitFor(pred: (m: T) => boolean, what: string, opts?: { timeoutMs?: number; from?: number }): Promise<T>;
  close(): Promise<void>;
}

export async function recordingUdpSocket<T>(decode: (datagram: Buffer) => T, summary: (m: T) => string, port = 0): Promise<RecordingSocket<T>> {
  const sock = createSocket('udp4');
  const received: T[] = [];
  sock.on('message', (buf) => received.push(decode(buf)));
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(port, '127.0.0.1', () => resolve());
  });
  return {
    port: sock.address().port,
    received,
    send: (data, to) => new Promise((resolve, reject) => sock.send(data, to, '127.0.0.1', (err) => (err ? reject(err) : resolve()))),
    waitFor: (pred, what, opts = {}) =>
      poll(what, () => received.slice(opts.from ?? 0).find(pred), opts.timeoutMs ?? 10_000, 5).catch(() => {
        throw new Error(`timed out waiting for ${what}; got:\n${received.map(summary).join('\n')}`);
      }),
    close: () => new Promise((resolve) => sock.close(() => resolve())),
  };
}
