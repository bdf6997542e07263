// One TCP listener plus the connections it accepts or opens (RFC 3261 §18). Connections are
// identified by a connectionId so responses go back on the connection a request came on
// (§18.2.2), and are reused for requests to the same address:port (§18.1.1).
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { StreamFramer } from './stream-framer.ts';
import { normalizeAddress, TransportError, type BoundListener, type Destination, type Endpoint, type MessageCallback, type TransportStats } from './types.ts';

const PONG = Buffer.from('\r\n');

interface Connection {
  id: string;
  socket: Socket;
  remote: Endpoint;
  local: Endpoint;
  remoteKey: string;
}

export interface TcpOptions {
  maxMessageSize: number;
  idleTimeoutMs: number;
  connectTimeoutMs: number;
  log: Logger;
  stats: TransportStats;
  deliver: MessageCallback;
}

let nextConnectionNumber = 1;
const remoteKey = (address: string, port: number): string => `${address}|${port}`;

export class TcpListener {
  private readonly connections = new Map<string, Connection>();
  /** The most recent open connection per remote address:port. */
  private readonly byRemote = new Map<string, Connection>();
  private readonly connecting = new Map<string, Promise<Connection>>();
  private closed = false;

  private constructor(
    private readonly server: Server,
    readonly bound: BoundListener,
    private readonly opts: TcpOptions,
  ) {}

  static listen(host: string, port: number, opts: TcpOptions): Promise<TcpListener> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true });
      const onError = (err: Error): void => reject(err);
      server.once('error', onError);
      server.listen({ host, port, exclusive: true }, () => {
        server.off('error', onError);
        const addr = server.address();
        const actual = typeof addr === 'object' && addr ? addr.port : port;
        const listener = new TcpListener(server, { protocol: 'tcp', host, port: actual }, opts);
        server.on('connection', (socket) => {
          opts.stats.tcpConnectionsAccepted++;
          listener.adopt(socket);
        });
        server.on('error', (err) => opts.log.warn({ err }, 'tcp server error'));
        resolve(listener);
      });
    });
  }

  has(connectionId: string): boolean {
    return this.connections.has(connectionId);
  }

  get openConnections(): number {
    return this.connections.size;
  }

  private adopt(socket: Socket): Connection | undefined {
    const remoteAddress = socket.remoteAddress;
    const remotePort = socket.remotePort;
    if (remoteAddress === undefined || remotePort === undefined) {
      socket.destroy();
      return undefined;
    }
    const remote = { address: normalizeAddress(remoteAddress), port: remotePort };
    const local = { address: normalizeAddress(socket.localAddress ?? this.bound.host), port: socket.localPort ?? this.bound.port };
    const conn: Connection = { id: `tcp-${nextConnectionNumber++}`, socket, remote, local, remoteKey: remoteKey(remote.address, remote.port) };
    this.connections.set(conn.id, conn);
    this.byRemote.set(conn.remoteKey, conn);
    const framer = new StreamFramer(this.opts.maxMessageSize);
    const { log, stats, deliver } = this.opts;
    socket.setNoDelay(true);
    socket.setTimeout(this.opts.idleTimeoutMs);
    socket.on('timeout', () => {
      stats.tcpClosedIdle++;
      log.debug({ connectionId: conn.id }, 'tcp connection idle: closing');
      socket.destroy();
    });
    socket.on('error', (err) => log.debug({ err, connectionId: conn.id }, 'tcp connection error'));
    socket.on('close', () => {
      this.connections.delete(conn.id);
      if (this.byRemote.get(conn.remoteKey) === conn) this.byRemote.delete(conn.remoteKey);
    });
    socket.on('data', (chunk: Buffer) => {
      for (const ev of framer.push(chunk)) {
        switch (ev.type) {
          case 'message':
            stats.tcpMessages++;
            try {
              deliver(ev.data, { protocol: 'tcp', remote, local, connectionId: conn.id });
            } catch (err) {
              stats.receiveCallbackErrors++;
              log.error({ err }, 'tcp receive callback threw');
            }
            break;
          case 'ping':
            // RFC 5626 §4.4.1: answer a double-CRLF ping with a single CRLF pong.
            stats.keepAlivePings++;
            socket.write(PONG);
            break;
          case 'oversize':
            stats.tcpClosedOversize++;
            log.warn({ connectionId: conn.id, remote }, 'tcp message over size cap: closing connection');
            socket.destroy();
            break;
          case 'invalid':
            stats.tcpClosedInvalid++;
            log.warn({ connectionId: conn.id, remote, reason: ev.reason }, 'tcp framing invalid: closing connection');
            socket.destroy();
            break;
        }
      }
    });
    return conn;
  }

  private open(address: string, port: number): Promise<Connection> {
    const key = remoteKey(address, port);
    const pending = this.connecting.get(key);
    if (pending) return pending;
    const dest: Destination = { protocol: 'tcp', address, port };
    const p = new Promise<Connection>((resolve, reject) => {
      const wildcard = this.bound.host === '0.0.0.0' || this.bound.host === '::';
      const socket = connect({ host: address, port, ...(wildcard ? {} : { localAddress: this.bound.host }) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new TransportError(`tcp connect to ${address}:${port} timed out`, { destination: dest }));
      }, this.opts.connectTimeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(new TransportError(`tcp connect to ${address}:${port} failed`, { destination: dest, cause: err }));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        if (this.closed) {
          socket.destroy();
          reject(new TransportError('transport closed', { destination: dest }));
          return;
        }
        this.opts.stats.tcpConnectionsOpened++;
        const conn = this.adopt(socket);
        if (!conn) reject(new TransportError(`tcp connect to ${address}:${port} lost`, { destination: dest }));
        else {
          // Also index under the address we dialled, in case it is spelt differently.
          this.byRemote.set(key, conn);
          resolve(conn);
        }
      });
    });
    this.connecting.set(key, p);
    const done = (): void => {
      this.connecting.delete(key);
    };
    p.then(done, done);
    return p;
  }

  private static isOpen(conn: Connection | undefined): conn is Connection {
    return conn !== undefined && !conn.socket.destroyed && conn.socket.writable;
  }

  /** Send on the given connection if open, else on an open one to address:port, else connect. */
  async send(dest: Destination, data: Buffer): Promise<void> {
    if (this.closed) throw new TransportError('transport closed', { destination: dest });
    let conn = dest.connectionId !== undefined ? this.connections.get(dest.connectionId) : undefined;
    if (!TcpListener.isOpen(conn)) conn = this.byRemote.get(remoteKey(dest.address, dest.port));
    if (!TcpListener.isOpen(conn)) conn = await this.open(dest.address, dest.port);
    const socket = conn.socket;
    await new Promise<void>((resolve, reject) => {
      socket.write(data, (err) => {
        if (err) reject(new TransportError(`tcp write to ${dest.address}:${dest.port} failed`, { destination: dest, cause: err }));
        else resolve();
      });
    });
  }

  close(): Promise<void> {
    this.closed = true;
    for (const conn of this.connections.values()) conn.socket.destroy();
    this.connections.clear();
    this.byRemote.clear();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
