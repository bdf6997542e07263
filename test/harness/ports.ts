// Free loopback ports for tests: the OS picks them (bind to port 0), we never hard-code any.
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';

const HOST = '127.0.0.1';

function freeTcpPort(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, HOST, () => {
      const addr = srv.address();
      const p = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(p));
    });
  });
}

function udpPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createSocket('udp4');
    sock.once('error', () => resolve(false));
    sock.bind(port, HOST, () => sock.close(() => resolve(true)));
  });
}

/** A port free for TCP on 127.0.0.1. */
export async function getFreePort(): Promise<number> {
  return freeTcpPort();
}

/** A port free for both UDP and TCP on 127.0.0.1 (SIP listens on both). */
export async function getFreeUdpTcpPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const p = await freeTcpPort();
    if (await udpPortFree(p)) return p;
  }
  throw new Error('no port free for both UDP and TCP after 50 tries');
}
