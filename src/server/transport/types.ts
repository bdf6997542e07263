// Transport-layer vocabulary (RFC 3261 §18): where a message came from and where one goes.

export type TransportProtocol = 'udp' | 'tcp';

export interface Endpoint {
  address: string;
  port: number;
}

/** A listener to open; port 0 lets the OS pick (the same port for a udp+tcp pair on one host). */
export interface ListenerSpec {
  protocol: TransportProtocol;
  host: string;
  port: number;
}

/** A listener as actually bound. */
export interface BoundListener {
  protocol: TransportProtocol;
  host: string;
  port: number;
}

export interface MessageSource {
  protocol: TransportProtocol;
  remote: Endpoint;
  local: Endpoint;
  /** TCP only: the connection the message arrived on; responses go back on it (§18.2.2). */
  connectionId?: string;
}

export interface Destination {
  protocol: TransportProtocol;
  address: string;
  port: number;
  /** TCP only: send on this connection if it is still open. */
  connectionId?: string;
}

export interface TransportOptions {
  /** Largest SIP message accepted on a stream; a TCP connection exceeding it is closed. */
  maxMessageSize: number;
  /** TCP connections with no traffic for this long are closed. */
  tcpIdleTimeoutMs: number;
  /** Outgoing TCP connects give up after this long (default 5000 ms). */
  tcpConnectTimeoutMs?: number;
  /** UDP socket buffer size asked of the kernel (default 4 MiB; the kernel may cap it). */
  udpBufferBytes?: number;
}

export type MessageCallback = (data: Buffer, source: MessageSource) => void;

/** A message could not be sent (no listener, connect failure, socket error). */
export class TransportError extends Error {
  readonly destination: Destination | undefined;

  constructor(message: string, options: { destination?: Destination; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TransportError';
    this.destination = options.destination;
  }
}

/** Counters kept by the transports. */
export interface TransportStats {
  udpDatagrams: number;
  tcpMessages: number;
  tcpConnectionsAccepted: number;
  tcpConnectionsOpened: number;
  tcpClosedOversize: number;
  tcpClosedInvalid: number;
  tcpClosedIdle: number;
  keepAlivePings: number;
  receiveCallbackErrors: number;
}

/** '::ffff:1.2.3.4' -> '1.2.3.4' so one peer has one spelling. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

export const isIpv6 = (address: string): boolean => address.includes(':');
