// One UDP listener (RFC 3261 §18): each datagram is one message; the same socket sends.
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from 'pino';
import { isIpv6, normalizeAddress, TransportError, type BoundListener, type MessageCallback, type TransportStats } from './types.ts';

export class UdpListener {
  private constructor(
    private readonly socket: Socket,
    readonly bound: BoundListener,
  ) {}

  static bind(host: string, port: number, opts: { bufferBytes: number; log: Logger; stats: TransportStats; deliver: MessageCallback }): Promise<UdpListener> {
    return new Promise((resolve, reject) => {
      const socket = createSocket({ type: isIpv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
      const onError = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', onError);
      socket.bind(port, host, () => {
        socket.off('error', onError);
        // Large buffers so bursts at hundreds of calls per second are not dropped by the kernel.
        for (const set of [socket.setRecvBufferSize.bind(socket), socket.setSendBufferSize.bind(socket)]) {
          try {
            set(opts.bufferBytes);
          } catch (err) {
            opts.log.debug({ err }, 'udp buffer size not raised');
          }
        }
        const addr = socket.address();
        const bound: BoundListener = { protocol: 'udp', host, port: addr.port };
        const local = { address: normalizeAddress(addr.address), port: addr.port };
        socket.on('error', (err) => opts.log.warn({ err, port: addr.port }, 'udp socket error'));
        socket.on('message', (data, rinfo) => {
          opts.stats.udpDatagrams++;
          try {
            opts.deliver(data, { protocol: 'udp', remote: { address: normalizeAddress(rinfo.address), port: rinfo.port }, local });
          } catch (err) {
            opts.stats.receiveCallbackErrors++;
            opts.log.error({ err }, 'udp receive callback threw');
          }
        });
        resolve(new UdpListener(socket, bound));
      });
    });
  }

  send(data: Buffer, address: string, port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      try {
        this.socket.send(data, port, address, (err) => {
          if (err) reject(new TransportError(`udp send to ${address}:${port} failed`, { destination: { protocol: 'udp', address, port }, cause: err }));
          else resolve();
        });
      } catch (err) {
        reject(new TransportError(`udp send to ${address}:${port} failed`, { destination: { protocol: 'udp', address, port }, cause: err }));
      }
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}
