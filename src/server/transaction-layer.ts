// The RFC 3261 §17 transaction layer with a real clock: runs the pure machines of
// src/sip/transaction on the transports, keeps the transaction tables and one timer heap, and
// implements the receive path (§18.2.1 Via stamping, §17.2.3 matching, stateless error replies).
import type { Logger } from 'pino';
import { parseMessage } from '../sip/message/parse.ts';
import { serializeMessage } from '../sip/message/serialize.ts';
import { identityOf } from '../sip/message/identity.ts';
import { canonicalHeaderName, getHeader, getHeaders, splitHeaderList } from '../sip/message/headers.ts';
import { parseVia, formatVia, topVia } from '../sip/message/via.ts';
import { parseCSeq } from '../sip/message/cseq.ts';
import { EMPTY_BODY, type Header, type SipMessage, type SipRequest, type SipResponse, type Via } from '../sip/message/types.ts';
import { reasonPhrase } from '../sip/status.ts';
import { checkRequestSanity, checkResponseSanity, rejectionForParseFailure, type SanityFailure, type SanityOptions } from '../sip/sanity.ts';
import { ictReduce, ictStart, type IctMachine } from '../sip/transaction/ict.ts';
import { nictReduce, nictStart, type NictMachine } from '../sip/transaction/nict.ts';
import { istReduce, istStart, type IstMachine } from '../sip/transaction/ist.ts';
import { nistReduce, nistStart, type NistMachine } from '../sip/transaction/nist.ts';
import { clientKeyOf, serverKeyOf, toTagOf } from '../sip/transaction/keys.ts';
import { TimerQueue, type TimerEntry } from '../sip/transaction/timer-queue.ts';
import type { TimerSettings } from '../sip/transaction/timers.ts';
import type { TimerName, TxAction, TxInput } from '../sip/transaction/types.ts';
import type { TransportSet } from './transport/transport-set.ts';
import type { Destination, MessageSource } from './transport/types.ts';
import { randomToken } from './tokens.ts';

export type { TimerSettings } from '../sip/transaction/timers.ts';

export interface ServerTransaction {
  readonly key: string;
  /** The request; after the final response only its identityOf() (no body, identifying headers). */
  readonly request: SipRequest;
  readonly source: MessageSource;
  readonly isInvite: boolean;
  readonly state: string;
  /** Last response sent, if any; a final one only as its identityOf(). */
  readonly lastResponse: SipResponse | undefined;
  /** Send a response through the machine (retransmissions, absorption handled here). The response is
   *  sent where §18.2.2 says: same TCP connection, else Via received/rport/sent-by. Headers are sent
   *  as given (the caller builds Via/From/To/...). `wire` is serializeMessage(res) when the caller
   *  already has it (it also hands those bytes to an app), so the message is serialised once. */
  respond(res: SipResponse, wire?: Buffer): void;
  /** Called once when the transaction terminates (timer, transport error). */
  onTerminated(cb: () => void): void;
}

export interface ClientTransactionHandler {
  /** Every provisional, the final, and (INVITE, RFC 6026 Accepted state) every further 2xx incl. retransmissions and forks.
   *  Synthetic 408 on timer B/F and 503 on a transport error are delivered here with source undefined. */
  onResponse(res: SipResponse, source: MessageSource | undefined): void;
}

export interface ClientTransaction {
  readonly key: string;
  /** The request; after a final response only its identityOf(). */
  readonly request: SipRequest;
  readonly destination: Destination;
  readonly state: string;
}

export interface TransactionLayerOptions {
  transports: TransportSet;
  timers: TimerSettings;
  log: Logger;
  maxMessageSize: number;
  /** A request that matched no server transaction. A new server transaction was created for it
   *  (the INVITE one has already sent "100 Trying"), except for ACK (tx undefined: ACK for a 2xx, or stray).
   *  For CANCEL, `cancels` is the INVITE server transaction it matches (§9.2), if any: the TU
   *  answers the CANCEL (200/481) and the INVITE (487) itself. */
  onRequest(req: SipRequest, source: MessageSource, tx: ServerTransaction | undefined, cancels: ServerTransaction | undefined): void;
  /** A response that matched no client transaction (e.g. a 2xx after the ICT ended). */
  onStrayResponse(res: SipResponse, source: MessageSource): void;
  /** Is this top-Via sent-by one we insert? A response whose top Via is not ours is silently
   *  discarded (RFC 3261 §18.1.2). Unset: every response is accepted (tests of the layer alone). */
  isOwnSentBy?: (host: string, port: number | undefined) => boolean;
  /** Which Require option tags and body types the receive path accepts (RFC 3261 §8.2.2.3, §8.2.3). */
  sanity?: SanityOptions;
  /** Monotonic clock in ms (default performance.now); injectable for tests. */
  now?: () => number;
}

export interface TransactionLayerStats {
  received: number;
  requests: number;
  responses: number;
  malformedDropped: number;
  badRequestAnswered: number;
  oversize: number;
  keepAlives: number;
  retransmissionsAbsorbed: number;
  acksAbsorbed: number;
  retransmissionsSent: number;
  strayResponses: number;
  /** Responses discarded because their top Via was not ours (§18.1.2). */
  foreignViaDropped: number;
  timeouts: number;
  transportErrors: number;
  internalErrors: number;
  serverTransactions: number;
  clientTransactions: number;
}

/** A request handed to sendRequest cannot start a transaction (no Via branch or CSeq, or a duplicate key). */
export class TransactionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransactionError';
  }
}

type TimerMap = Map<TimerName, TimerEntry<ServerTx | ClientTx, TimerName>>;

// The transaction records are classes rather than object literals: a literal with a getter and
// methods is rebuilt (and its shape re-derived) for every transaction, several per call.

// Once the final response is sent (server) or received (client), a transaction only absorbs
// retransmissions and may build an ACK or a local error: its request and last response shrink to
// identityOf() (no body, identifying headers only) and a client drops the request bytes.

class ServerTx implements ServerTransaction {
  lastResponse: SipResponse | undefined = undefined;
  lastBuf: Buffer | undefined = undefined;
  readonly timers: TimerMap = new Map();
  readonly terminated: (() => void)[] = [];
  done = false;

  constructor(
    private readonly layer: TransactionLayer,
    readonly key: string,
    public request: SipRequest,
    readonly source: MessageSource,
    readonly isInvite: boolean,
    public machine: IstMachine | NistMachine,
    readonly dest: Destination,
    /** RFC 2543 fallback key: an ACK must also carry our To tag. */
    readonly rfc2543: boolean,
  ) {}

  get state(): string {
    return this.machine.state;
  }

  respond(res: SipResponse, wire?: Buffer): void {
    this.layer.respondOn(this, res, wire);
  }

  onTerminated(cb: () => void): void {
    if (this.done) cb();
    else this.terminated.push(cb);
  }
}

class ClientTx implements ClientTransaction {
  ackBuf: Buffer | undefined = undefined;
  ackDest: Destination | undefined = undefined;
  readonly timers: TimerMap = new Map();
  sends = 0;
  done = false;
  /** A final response arrived: request and bytes were reduced (see above). */
  finished = false;

  constructor(
    readonly key: string,
    public request: SipRequest,
    readonly destination: Destination,
    readonly isInvite: boolean,
    public machine: IctMachine | NictMachine,
    public buf: Buffer,
    readonly handler: ClientTransactionHandler,
  ) {}

  get state(): string {
    return this.machine.state;
  }
}

const REQUEST_COPY_HEADERS = ['from', 'to', 'call-id', 'cseq'] as const;

/** RFC 3326 Reason header text for a stateless error reply. */
function reasonHeader(status: number, text: string): string {
  return `SIP;cause=${status};text="${text.replace(/["\\\r\n]/g, ' ').slice(0, 200)}"`;
}

/**
 * A response built from a request (RFC 3261 §8.2.6): Via lines, From, To (tag added when missing
 * and status > 100: `toTag`, else a random one), Call-ID, CSeq, Timestamp for 100 (§8.2.6.1); no body.
 */
export function buildResponse(req: SipRequest, status: number, reason = reasonPhrase(status), extra: Header[] = [], toTag?: string): SipResponse {
  const headers: Header[] = [];
  for (const v of getHeaders(req, 'via')) headers.push({ name: 'Via', value: v });
  for (const name of REQUEST_COPY_HEADERS) {
    let value = getHeader(req, name);
    if (value === undefined) continue;
    if (name === 'to' && status > 100 && !/;\s*tag\s*=/i.test(value)) value = `${value};tag=${toTag ?? randomToken()}`;
    headers.push({ name: name === 'call-id' ? 'Call-ID' : name === 'cseq' ? 'CSeq' : name === 'from' ? 'From' : 'To', value });
  }
  if (status === 100) {
    const ts = getHeader(req, 'timestamp');
    if (ts !== undefined) headers.push({ name: 'Timestamp', value: ts });
  }
  headers.push(...extra);
  headers.push({ name: 'Content-Length', value: '0' });
  return { kind: 'response', version: 'SIP/2.0', status, reason, headers, body: Buffer.alloc(0) };
}

/** The ACK for a non-2xx final response (RFC 3261 §17.1.1.3). */
function buildAck(req: SipRequest, res: SipResponse): SipRequest {
  const headers: Header[] = [];
  const via = getHeader(req, 'via');
  // Exactly one Via, equal to the top Via of the request.
  if (via !== undefined) headers.push({ name: 'Via', value: splitHeaderList(via)[0] ?? via });
  for (const r of getHeaders(req, 'route')) headers.push({ name: 'Route', value: r });
  const from = getHeader(req, 'from');
  if (from !== undefined) headers.push({ name: 'From', value: from });
  const to = getHeader(res, 'to') ?? getHeader(req, 'to');
  if (to !== undefined) headers.push({ name: 'To', value: to });
  const cid = getHeader(req, 'call-id');
  if (cid !== undefined) headers.push({ name: 'Call-ID', value: cid });
  const cs = getHeader(req, 'cseq');
  const seq = cs === undefined ? 1 : parseCSeq(cs).seq;
  headers.push({ name: 'CSeq', value: `${seq} ACK` });
  headers.push({ name: 'Max-Forwards', value: '70' });
  headers.push({ name: 'Content-Length', value: '0' });
  return { kind: 'request', method: 'ACK', uri: req.uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}

function safeTopVia(msg: SipMessage): Via | undefined {
  try {
    return topVia(msg);
  } catch {
    return undefined;
  }
}

export class TransactionLayer {
  readonly stats: TransactionLayerStats = {
    received: 0,
    requests: 0,
    responses: 0,
    malformedDropped: 0,
    badRequestAnswered: 0,
    oversize: 0,
    keepAlives: 0,
    retransmissionsAbsorbed: 0,
    acksAbsorbed: 0,
    retransmissionsSent: 0,
    strayResponses: 0,
    foreignViaDropped: 0,
    timeouts: 0,
    transportErrors: 0,
    internalErrors: 0,
    serverTransactions: 0,
    clientTransactions: 0,
  };

  private readonly servers = new Map<string, ServerTx>();
  private readonly clients = new Map<string, ClientTx>();
  private readonly queue = new TimerQueue<ServerTx | ClientTx, TimerName>();
  private hostTimer: NodeJS.Timeout | undefined;
  private hostTimerAt = Infinity;
  private closed = false;
  private readonly now: () => number;
  private readonly log: Logger;

  constructor(private readonly opts: TransactionLayerOptions) {
    this.log = opts.log;
    this.now = opts.now ?? (() => performance.now());
    opts.transports.onMessage((data, source) => this.onData(data, source));
  }

  // ------------------------------------------------------------------ public API

  /** The caller supplies the complete request, top Via with a fresh z9hG4bK branch included.
   *  ICT sends the ACK for non-2xx itself (§17.1.1.3). `wire`: serializeMessage(req), if already made. */
  sendRequest(req: SipRequest, dest: Destination, handler: ClientTransactionHandler, wire?: Buffer): ClientTransaction {
    if (req.method === 'ACK') throw new TransactionError('ACK is sent without a transaction (sendStateless)');
    const key = clientKeyOf(req);
    if (key === undefined) throw new TransactionError('request needs a top Via branch and a CSeq');
    if (this.clients.has(key)) throw new TransactionError(`a client transaction with key ${key} exists`);
    const isInvite = req.method === 'INVITE';
    const ctx = { ...this.opts.timers, reliable: dest.protocol === 'tcp' };
    const start = isInvite ? ictStart(ctx) : nictStart(ctx);
    const tx = new ClientTx(key, req, dest, isInvite, start.state, wire ?? serializeMessage(req), handler);
    this.clients.set(key, tx);
    this.stats.clientTransactions = this.clients.size;
    this.execClient(tx, start.actions, undefined, undefined);
    return tx;
  }

  /** Send without a transaction (ACK for 2xx, stateless responses). `wire`: serializeMessage(msg), if already made. */
  sendStateless(msg: SipMessage, dest: Destination, wire?: Buffer): Promise<void> {
    return this.opts.transports.send(dest, wire ?? serializeMessage(msg));
  }

  /** Where a response to this request goes per §18.2.2 (for stateless replies). */
  responseDestination(req: SipRequest, source: MessageSource): Destination {
    const via = safeTopVia(req);
    if (source.protocol === 'tcp') {
      // Same connection if still open, else a connection to received (or sent-by host) and sent-by port.
      return {
        protocol: 'tcp',
        address: via?.received ?? via?.host ?? source.remote.address,
        port: via?.port ?? (via ? 5060 : source.remote.port),
        ...(source.connectionId !== undefined ? { connectionId: source.connectionId } : {}),
      };
    }
    if (!via) return { protocol: 'udp', address: source.remote.address, port: source.remote.port };
    // RFC 3581 §4: rport with a value; a bare rport means the source port.
    const port = typeof via.rport === 'number' ? via.rport : via.rport === null ? source.remote.port : (via.port ?? 5060);
    return { protocol: 'udp', address: via.received ?? via.host, port };
  }

  /** Stop every timer and forget every transaction. The transports belong to the caller. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.hostTimer) clearTimeout(this.hostTimer);
    this.hostTimer = undefined;
    this.queue.clear();
    for (const tx of this.servers.values()) tx.done = true;
    for (const tx of this.clients.values()) tx.done = true;
    this.servers.clear();
    this.clients.clear();
    this.opts.transports.onMessage(() => undefined);
  }

  // ------------------------------------------------------------------ receive path

  private onData(data: Buffer, source: MessageSource): void {
    if (this.closed) return;
    this.stats.received++;
    try {
      this.receive(data, source);
    } catch (err) {
      // Nothing may escape the receive loop.
      this.stats.internalErrors++;
      this.log.error({ err, remote: source.remote }, 'receive path failed on a message');
    }
  }

  private receive(data: Buffer, source: MessageSource): void {
    let crlf = 0;
    while (crlf < data.length && (data[crlf] === 0x0d || data[crlf] === 0x0a)) crlf++;
    if (crlf === data.length) {
      // A CRLF keep-alive datagram (RFC 5626 §3.5.1 style).
      this.stats.keepAlives++;
      return;
    }
    if (data.length > this.opts.maxMessageSize) {
      this.stats.oversize++;
      const r = parseMessage(data);
      const req = r.ok ? (r.message.kind === 'request' ? r.message : undefined) : r.partial;
      if (req && req.method !== 'ACK') this.replyStateless(req, source, 413, 'message too large');
      return;
    }
    const r = parseMessage(data);
    if (!r.ok) {
      // A malformed request that names its transaction gets 400 (505 for a bad version); else drop.
      const rejection = r.partial && r.partial.method !== 'ACK' ? rejectionForParseFailure(r.error, r.partial) : null;
      if (r.partial && rejection) {
        this.replyRejection(r.partial, source, rejection);
        this.stats.badRequestAnswered++;
      } else {
        this.stats.malformedDropped++;
      }
      return;
    }
    const msg = r.message;
    if (msg.kind === 'response') this.onResponseMessage(msg, source);
    else this.onRequestMessage(msg, source);
  }

  private replyRejection(req: SipRequest, source: MessageSource, f: SanityFailure): void {
    const extra: Header[] = [{ name: 'Reason', value: reasonHeader(f.status, f.detail ?? f.reason) }];
    if (f.unsupported) extra.push({ name: 'Unsupported', value: f.unsupported.join(', ') });
    if (f.accept) extra.push({ name: 'Accept', value: f.accept.join(', ') });
    const res = buildResponse(req, f.status, f.reason, extra);
    this.sendQuietly(this.responseDestination(req, source), serializeMessage(res));
  }

  private replyStateless(req: SipRequest, source: MessageSource, status: number, text: string): void {
    const res = buildResponse(req, status, reasonPhrase(status), [{ name: 'Reason', value: reasonHeader(status, text) }]);
    this.sendQuietly(this.responseDestination(req, source), serializeMessage(res));
  }

  private sendQuietly(dest: Destination, buf: Buffer): void {
    this.opts.transports.send(dest, buf).catch((err: unknown) => {
      this.stats.transportErrors++;
      this.log.debug({ err, dest }, 'stateless send failed');
    });
  }

  /** §18.2.1 + RFC 3581: received= when sent-by differs from the source, rport= always. */
  private stampVia(req: SipRequest, source: MessageSource): void {
    const idx = req.headers.findIndex((h) => canonicalHeaderName(h.name) === 'via');
    const h = req.headers[idx];
    if (!h) return;
    const items = splitHeaderList(h.value);
    const first = items[0];
    if (first === undefined) return;
    const via = parseVia(first);
    if (via.host !== source.remote.address) via.received = source.remote.address;
    via.rport = source.remote.port;
    items[0] = formatVia(via);
    req.headers[idx] = { name: h.name, value: items.join(', ') };
  }

  private onRequestMessage(req: SipRequest, source: MessageSource): void {
    this.stats.requests++;
    const insane = checkRequestSanity(req, this.opts.sanity);
    if (insane) {
      if (req.method === 'ACK') {
        this.stats.malformedDropped++;
        return;
      }
      this.replyRejection(req, source, insane);
      this.stats.badRequestAnswered++;
      return;
    }
    const sk = serverKeyOf(req);
    if (!sk) {
      this.stats.malformedDropped++;
      return;
    }
    this.stampVia(req, source);

    if (req.method === 'ACK') {
      const tx = this.servers.get(sk.key);
      const matches = tx !== undefined && tx.isInvite && (!tx.rfc2543 || (tx.lastResponse !== undefined && toTagOf(req) === toTagOf(tx.lastResponse)));
      if (!tx || !matches) {
        // ACK for a 2xx (its own transaction, §17.1.1.3) or a stray: the TU decides.
        this.deliverRequest(req, source, undefined, undefined);
        return;
      }
      const before = tx.machine.state;
      this.runServer(tx, { type: 'ack' }, undefined, req, source);
      if (before !== 'accepted') this.stats.acksAbsorbed++;
      return;
    }

    const existing = this.servers.get(sk.key);
    if (existing) {
      // A retransmission: the transaction absorbs it (and may resend its last response).
      this.stats.retransmissionsAbsorbed++;
      this.runServer(existing, { type: 'request' }, undefined, undefined, undefined);
      return;
    }

    const tx = this.createServer(req, source, sk.key, sk.rfc2543);
    let cancels: ServerTransaction | undefined;
    if (req.method === 'CANCEL') {
      // RFC 3261 §9.2: the INVITE transaction the CANCEL matches, by the same identifiers.
      const ik = serverKeyOf(req, 'INVITE');
      const inv = ik ? this.servers.get(ik.key) : undefined;
      if (inv?.isInvite && (!inv.rfc2543 || toTagOf(req) === toTagOf(inv.request))) cancels = inv;
    }
    this.deliverRequest(req, source, tx, cancels);
  }

  private deliverRequest(req: SipRequest, source: MessageSource, tx: ServerTransaction | undefined, cancels: ServerTransaction | undefined): void {
    try {
      this.opts.onRequest(req, source, tx, cancels);
    } catch (err) {
      this.stats.internalErrors++;
      this.log.error({ err, method: req.method }, 'transaction user threw on a request');
    }
  }

  private onResponseMessage(res: SipResponse, source: MessageSource): void {
    this.stats.responses++;
    // Responses are never answered: one that cannot be matched safely is dropped and counted.
    if (checkResponseSanity(res)) {
      this.stats.malformedDropped++;
      return;
    }
    const key = clientKeyOf(res);
    if (key === undefined) {
      this.stats.malformedDropped++;
      return;
    }
    const via = this.opts.isOwnSentBy ? topVia(res) : undefined;
    if (via && !this.opts.isOwnSentBy?.(via.host.replace(/^\[(.*)\]$/, '$1'), via.port)) {
      this.stats.foreignViaDropped++;
      this.log.debug({ status: res.status, via: `${via.host}:${via.port ?? 5060}` }, 'response with a top Via not ours discarded (RFC 3261 §18.1.2)');
      return;
    }
    const tx = this.clients.get(key);
    if (!tx) {
      this.stats.strayResponses++;
      try {
        this.opts.onStrayResponse(res, source);
      } catch (err) {
        this.stats.internalErrors++;
        this.log.error({ err }, 'transaction user threw on a stray response');
      }
      return;
    }
    this.runClient(tx, { type: 'response', status: res.status }, res, source);
  }

  // ------------------------------------------------------------------ server transactions

  private createServer(req: SipRequest, source: MessageSource, key: string, rfc2543: boolean): ServerTx {
    const isInvite = req.method === 'INVITE';
    const ctx = { ...this.opts.timers, reliable: source.protocol === 'tcp' };
    const start = isInvite ? istStart(ctx) : nistStart(ctx);
    const tx = new ServerTx(this, key, req, source, isInvite, start.state, this.responseDestination(req, source), rfc2543);
    this.servers.set(key, tx);
    this.stats.serverTransactions = this.servers.size;
    this.execServer(tx, start.actions, undefined, undefined, undefined);
    return tx;
  }

  /** @internal ServerTx.respond */
  respondOn(tx: ServerTx, res: SipResponse, wire: Buffer | undefined): void {
    if (tx.done) {
      this.log.debug({ key: tx.key, status: res.status }, 'response on a terminated server transaction dropped');
      return;
    }
    this.runServer(tx, { type: 'tu-response', status: res.status }, res, undefined, undefined, wire);
  }

  private runServer(tx: ServerTx, input: TxInput, res: SipResponse | undefined, ack: SipRequest | undefined, ackSource: MessageSource | undefined, wire?: Buffer): void {
    if (tx.done) return;
    const r = tx.isInvite ? istReduce(tx.machine as IstMachine, input) : nistReduce(tx.machine as NistMachine, input);
    tx.machine = r.state;
    this.execServer(tx, r.actions, res, ack, ackSource, wire);
  }

  private execServer(tx: ServerTx, actions: TxAction[], res: SipResponse | undefined, ack: SipRequest | undefined, ackSource: MessageSource | undefined, wire?: Buffer): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send-trying':
          this.serverSend(tx, buildResponse(tx.request, 100));
          break;
        case 'send-response':
          if (res) this.serverSend(tx, res, wire);
          break;
        case 'resend-response':
          if (tx.lastBuf) {
            this.stats.retransmissionsSent++;
            this.serverTransmit(tx, tx.lastBuf);
          }
          break;
        case 'pass-to-tu':
          if (ack && ackSource) this.deliverRequest(ack, ackSource, undefined, undefined);
          break;
        case 'transport-error':
          this.log.debug({ key: tx.key }, 'server transaction: transport error');
          break;
        case 'ack-timeout':
          this.log.debug({ key: tx.key }, 'server transaction: no ACK for the final response (timer H)');
          break;
        case 'start-timer':
          this.startTimer(tx, a.timer, a.ms);
          break;
        case 'stop-timer':
          this.stopTimer(tx.timers, a.timer);
          break;
        case 'terminate':
          this.terminateServer(tx);
          break;
        default:
          break;
      }
    }
  }

  private serverSend(tx: ServerTx, res: SipResponse, wire?: Buffer): void {
    const buf = wire ?? serializeMessage(res);
    tx.lastBuf = buf;
    if (res.status >= 200) {
      tx.lastResponse = identityOf(res);
      tx.request = identityOf(tx.request);
    } else {
      tx.lastResponse = res;
    }
    this.serverTransmit(tx, buf);
  }

  private serverTransmit(tx: ServerTx, buf: Buffer): void {
    this.opts.transports.send(tx.dest, buf).catch((err: unknown) => {
      this.stats.transportErrors++;
      this.log.debug({ err, key: tx.key }, 'response send failed');
      this.runServer(tx, { type: 'transport-error' }, undefined, undefined, undefined);
    });
  }

  private terminateServer(tx: ServerTx): void {
    if (tx.done) return;
    tx.done = true;
    for (const t of tx.timers.values()) this.queue.cancel(t);
    tx.timers.clear();
    if (this.servers.get(tx.key) === tx) this.servers.delete(tx.key);
    this.stats.serverTransactions = this.servers.size;
    for (const cb of tx.terminated.splice(0)) {
      try {
        cb();
      } catch (err) {
        this.stats.internalErrors++;
        this.log.error({ err }, 'onTerminated callback threw');
      }
    }
  }

  // ------------------------------------------------------------------ client transactions

  private runClient(tx: ClientTx, input: TxInput, res: SipResponse | undefined, source: MessageSource | undefined): void {
    if (tx.done) return;
    const r = tx.isInvite ? ictReduce(tx.machine as IctMachine, input) : nictReduce(tx.machine as NictMachine, input);
    tx.machine = r.state;
    this.execClient(tx, r.actions, res, source);
    if (!tx.finished && input.type === 'response' && input.status >= 200) {
      tx.finished = true;
      tx.request = identityOf(tx.request);
      tx.buf = EMPTY_BODY;
    }
  }

  private execClient(tx: ClientTx, actions: TxAction[], res: SipResponse | undefined, source: MessageSource | undefined): void {
    for (const a of actions) {
      switch (a.type) {
        case 'send-request':
          if (tx.sends++ > 0) this.stats.retransmissionsSent++;
          this.clientTransmit(tx, tx.buf, tx.destination);
          break;
        case 'send-ack':
          if (res && !tx.ackBuf) {
            tx.ackBuf = serializeMessage(buildAck(tx.request, res));
            // Over TCP the ACK follows the response's connection (§17.1.1.3: same transport).
            tx.ackDest = source?.connectionId !== undefined ? { ...tx.destination, connectionId: source.connectionId } : tx.destination;
          }
          if (tx.ackBuf && tx.ackDest) this.clientTransmit(tx, tx.ackBuf, tx.ackDest);
          break;
        case 'pass-to-tu':
          if (res) this.deliverResponse(tx, res, source);
          break;
        case 'timeout':
          this.stats.timeouts++;
          this.deliverResponse(tx, buildResponse(tx.request, 408), undefined);
          break;
        case 'transport-error':
          this.deliverResponse(tx, buildResponse(tx.request, 503), undefined);
          break;
        case 'start-timer':
          this.startTimer(tx, a.timer, a.ms);
          break;
        case 'stop-timer':
          this.stopTimer(tx.timers, a.timer);
          break;
        case 'terminate':
          this.terminateClient(tx);
          break;
        default:
          break;
      }
    }
  }

  private clientTransmit(tx: ClientTx, buf: Buffer, dest: Destination): void {
    this.opts.transports.send(dest, buf).catch((err: unknown) => {
      this.stats.transportErrors++;
      this.log.debug({ err, key: tx.key }, 'request send failed');
      this.runClient(tx, { type: 'transport-error' }, undefined, undefined);
    });
  }

  private deliverResponse(tx: ClientTx, res: SipResponse, source: MessageSource | undefined): void {
    try {
      tx.handler.onResponse(res, source);
    } catch (err) {
      this.stats.internalErrors++;
      this.log.error({ err, status: res.status }, 'transaction user threw on a response');
    }
  }

  private terminateClient(tx: ClientTx): void {
    if (tx.done) return;
    tx.done = true;
    for (const t of tx.timers.values()) this.queue.cancel(t);
    tx.timers.clear();
    if (this.clients.get(tx.key) === tx) this.clients.delete(tx.key);
    this.stats.clientTransactions = this.clients.size;
  }

  // ------------------------------------------------------------------ timers

  private startTimer(tx: ServerTx | ClientTx, name: TimerName, ms: number): void {
    if (this.closed) return;
    const old = tx.timers.get(name);
    if (old) this.queue.cancel(old);
    tx.timers.set(name, this.queue.add(this.now() + ms, tx, name));
    this.arm();
  }

  private fire(e: TimerEntry<ServerTx | ClientTx, TimerName>): void {
    const tx = e.owner;
    if (tx.timers.get(e.name) === e) tx.timers.delete(e.name);
    const input: TxInput = { type: 'timer', timer: e.name };
    if (tx instanceof ServerTx) this.runServer(tx, input, undefined, undefined, undefined);
    else this.runClient(tx, input, undefined, undefined);
  }

  private stopTimer(timers: TimerMap, name: TimerName): void {
    const t = timers.get(name);
    if (!t) return;
    this.queue.cancel(t);
    timers.delete(name);
  }

  /** Keep one host timer armed for the earliest deadline. */
  private arm(): void {
    const next = this.queue.nextDeadline();
    if (next === undefined) {
      if (this.hostTimer) clearTimeout(this.hostTimer);
      this.hostTimer = undefined;
      this.hostTimerAt = Infinity;
      return;
    }
    if (this.hostTimer && this.hostTimerAt <= next) return;
    if (this.hostTimer) clearTimeout(this.hostTimer);
    this.hostTimerAt = next;
    this.hostTimer = setTimeout(() => this.tick(), Math.max(0, next - this.now()));
    this.hostTimer.unref();
  }

  private tick(): void {
    this.hostTimer = undefined;
    this.hostTimerAt = Infinity;
    if (this.closed) return;
    for (const e of this.queue.popDue(this.now())) {
      try {
        this.fire(e);
      } catch (err) {
        this.stats.internalErrors++;
        this.log.error({ err }, 'transaction timer failed');
      }
    }
    this.arm();
  }
}
