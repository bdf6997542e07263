// A UDP relay that loses a share of the datagrams crossing it, in both directions, from a seeded
// PRNG (a failing run can be replayed). It stands between the platform and one peer (a sipp UAS):
// the platform sends to the relay, the relay forwards to the peer from its own socket, so the peer
// answers the relay, which forwards back to the last platform address it heard from. The peer must
// advertise the relay's port in its Contact so in-dialog requests cross the relay too.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { prng } from './prng.ts';

export interface LossyRelay {
  /** Where the platform sends (the peer's public face). */
  port: number;
  /** Datagrams dropped and forwarded so far, per direction. */
  stats: { toPeer: { forwarded: number; lost: number }; toPlatform: { forwarded: number; lost: number } };
  /** Changes the loss from now on (0 makes the relay transparent). */
  setLossPercent(percent: number): void;
  close(): Promise<void>;
}

const HOST = '127.0.0.1';

export async function startLossyRelay(opts: { peerPort: number; lossPercent: number; seed: number }): Promise<LossyRelay> {
  const random = prng(opts.seed);
  let lossPercent = opts.lossPercent;
  const stats = { toPeer: { forwarded: 0, lost: 0 }, toPlatform: { forwarded: 0, lost: 0 } };
  let platform: { address: string; port: number } | undefined;
  const sock: Socket = createSocket('udp4');
  const lose = (): boolean => random() * 100 < lossPercent;
  sock.on('message', (msg: Buffer, from: RemoteInfo) => {
    const fromPeer = from.address === HOST && from.port === opts.peerPort;
    if (!fromPeer) platform = { address: from.address, port: from.port };
    const dir = fromPeer ? stats.toPlatform : stats.toPeer;
    const to = fromPeer ? platform : { address: HOST, port: opts.peerPort };
    if (to === undefined) return;
    if (lose()) {
      dir.lost++;
      return;
    }
    dir.forwarded++;
    sock.send(msg, to.port, to.address);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(0, HOST, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.on('error', () => {}); // ICMP port unreachable after the peer exits: not the test's concern
  return {
    port: sock.address().port,
    stats,
    setLossPercent(percent: number) {
      lossPercent = percent;
    },
    close: () => new Promise<void>((resolve) => sock.close(() => resolve())),
  };
}
