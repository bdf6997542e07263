// All SIP listeners of the server, UDP and TCP, behind one send/receive surface (RFC 3261 §18).
import type { Logger } from 'pino';
import { TcpListener } from './tcp.ts';
import { UdpListener } from './udp.ts';
import {
  isIpv6,
  TransportError,
  type BoundListener,
  type Destination,
  type ListenerSpec,
  type MessageCallback,
  type MessageSource,
  type TransportOptions,
  type TransportProtocol,
  type TransportStats,
} from './types.ts';

const SHARED_PORT_ATTEMPTS = 30;

function isAddrInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

const isLoopback = (a: string): boolean => a === '::1' || a.startsWith('127.');
const isWildcard = (a: string): boolean => a === '0.0.0.0' || a === '::';

export class TransportSet {
  readonly listeners: BoundListener[] = [];
  readonly stats: TransportStats = {
    udpDatagrams: 0,
    tcpMessages: 0,
    tcpConnectionsAccepted: 0,
    tcpConnectionsOpened: 0,
    tcpClosedOversize: 0,
    tcpClosedInvalid: 0,
    tcpClosedIdle: 0,
    keepAlivePings: 0,
    receiveCallbackErrors: 0,
  };
  private readonly udp: UdpListener[] = [];
  private readonly tcp: TcpListener[] = [];
  private callback: MessageCallback = () => undefined;
  private closed = false;

  private constructor(
    private readonly opts: TransportOptions,
    private readonly log: Logger,
  ) {}

  /**
   * Open every listener. A udp and a tcp spec on the same host that both ask for port 0 get one
   * port free for both, so a single sent-by serves either transport.
   */
  static async listen(specs: ListenerSpec[], opts: TransportOptions & { log: Logger }): Promise<TransportSet> {
    const set = new TransportSet(opts, opts.log);
    try {
      const done = new Set<ListenerSpec>();
      for (const spec of specs) {
        if (done.has(spec)) continue;
        done.add(spec);
        const partner = spec.port === 0 ? specs.find((s) => !done.has(s) && s.port === 0 && s.host === spec.host && s.protocol !== spec.protocol) : undefined;
        if (partner) {
          done.add(partner);
          await set.bindPair(spec.host);
        } else {
          await set.bind(spec.protocol, spec.host, spec.port);
        }
      }
    } catch (err) {
      await set.close();
      throw err;
    }
    return set;
  }

  private deliver: MessageCallback = (data: Buffer, source: MessageSource) => this.callback(data, source);

  private async bind(protocol: TransportProtocol, host: string, port: number): Promise<BoundListener> {
    if (protocol === 'udp') {
      const l = await UdpListener.bind(host, port, { bufferBytes: this.opts.udpBufferBytes ?? 4 * 1024 * 1024, log: this.log, stats: this.stats, deliver: this.deliver });
      this.udp.push(l);
      this.listeners.push(l.bound);
      return l.bound;
    }
    const l = await TcpListener.listen(host, port, {
      maxMessageSize: this.opts.maxMessageSize,
      idleTimeoutMs: this.opts.tcpIdleTimeoutMs,
      connectTimeoutMs: this.opts.tcpConnectTimeoutMs ?? 5000,
      log: this.log,
      stats: this.stats,
      deliver: this.deliver,
    });
    this.tcp.push(l);
    this.listeners.push(l.bound);
    return l.bound;
  }

  private async bindPair(host: string): Promise<void> {
    for (let attempt = 0; attempt < SHARED_PORT_ATTEMPTS; attempt++) {
      const t = await this.bind('tcp', host, 0);
      try {
        await this.bind('udp', host, t.port);
        return;
      } catch (err) {
        if (!isAddrInUse(err)) throw err;
        const l = this.tcp.pop();
        this.listeners.splice(this.listeners.indexOf(t), 1);
        await l?.close();
      }
    }
    throw new TransportError(`no port free for both udp and tcp on ${host}`);
  }

  /** Register the receiver of every complete message (one callback; a later call replaces it). */
  onMessage(cb: MessageCallback): void {
    this.callback = cb;
  }

  /** Which local listener sends to dest: same protocol and address family, loopback to loopback. */
  listenerFor(dest: { protocol: TransportProtocol; address: string }): BoundListener | undefined {
    const candidates = this.listeners.filter((l) => l.protocol === dest.protocol && isIpv6(l.host) === isIpv6(dest.address));
    if (candidates.length <= 1) return candidates[0];
    const loop = isLoopback(dest.address);
    return (
      candidates.find((l) => l.host === dest.address) ??
      candidates.find((l) => isLoopback(l.host) === loop && !isWildcard(l.host)) ??
      candidates.find((l) => isWildcard(l.host)) ??
      candidates[0]
    );
  }

  async send(dest: Destination, data: Buffer): Promise<void> {
    if (this.closed) throw new TransportError('transport closed', { destination: dest });
    const bound = this.listenerFor(dest);
    if (!bound) throw new TransportError(`no ${dest.protocol} listener can reach ${dest.address}`, { destination: dest });
    if (dest.protocol === 'udp') {
      const l = this.udp.find((u) => u.bound === bound);
      if (!l) throw new TransportError('udp listener gone', { destination: dest });
      return l.send(data, dest.address, dest.port);
    }
    // A connection may belong to any tcp listener: try the one holding connectionId first.
    const l = this.tcp.find((t) => t.bound === bound);
    if (!l) throw new TransportError('tcp listener gone', { destination: dest });
    if (dest.connectionId !== undefined) {
      const owner = this.tcp.find((t) => t.has(dest.connectionId ?? ''));
      if (owner) return owner.send(dest, data);
    }
    return l.send(dest, data);
  }

  /** Open TCP connections, over all listeners. */
  get openTcpConnections(): number {
    return this.tcp.reduce((n, t) => n + t.openConnections, 0);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.udp.map((u) => u.close()), ...this.tcp.map((t) => t.close())]);
  }
}
