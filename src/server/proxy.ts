// The `proxy` command (drachtio-protocol.md §6; Srf#proxyRequest): a transaction-stateful proxy
// (RFC 3261 §16) for a request the app received and did not answer, serial or parallel forking,
// optional record-routing, and the in-dialog requests of record-routed dialogs.
import type { Header, SipRequest, SipResponse } from '../sip/message/types.ts';
import { addHeader, getHeader, getHeaderList, removeHeader, setHeader } from '../sip/message/headers.ts';
import { cseq, fromTag, maxForwards, toTag } from '../sip/message/accessors.ts';
import { parseNameAddr, uriOfNameAddr } from '../sip/message/name-addr.ts';
import { parseUri } from '../sip/message/uri.ts';
import { buildResponse, TransactionError, type ClientTransaction, type ServerTransaction } from './transaction-layer.ts';
import type { Destination, MessageSource, TransportProtocol } from './transport/types.ts';
import type { AppSession } from './wire/app-session.ts';
import type { AppCommand } from './wire/codec.ts';
import { splitAppMessage } from './app-message.ts';
import { DestinationError, uriDestination } from './destinations.ts';
import { emitCdr, networkMeta, wireText, cid, type CoreContext } from './core-context.ts';
import { newBranch } from './tokens.ts';
import { bestResponse, parseProxyTimeout, popTopVia, viaDestination } from './proxy-rules.ts';

export type ProxyCommand = Extract<AppCommand, { kind: 'proxy' }>;

/** A pending incoming request handed over by the UAS core. */
export interface ProxiedRequest {
  tx: ServerTransaction;
  req: SipRequest;
  source: MessageSource;
}

/** RFC 3261 §16.6 step 11: timer C, more than 3 minutes. */
const TIMER_C_MS = 185_000;
/** Record-routed dialogs remembered for TCP connection reuse; oldest forgotten first. */
const MAX_PROXIED_DIALOGS = 50_000;
/** Headers of the app's stub that never replace the request's own. */
const STUB_SKIP = new Set(['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Type', 'Contact']);

interface Branch {
  target: string;
  req: SipRequest;
  destination: Destination;
  ct?: ClientTransaction;
  responded: boolean;
  provisional: boolean;
  /** Final status seen (or 0 once abandoned without one). */
  final?: number;
  /** CANCEL wanted before any provisional arrived (RFC 3261 §9.1: held until one does). */
  cancelHeld: boolean;
  cancelSent: boolean;
  firstToTag?: string;
  timers: NodeJS.Timeout[];
}

interface Operation {
  app: AppSession;
  msgId: string;
  up: ProxiedRequest;
  cmd: ProxyCommand;
  targets: string[];
  next: number;
  branches: Branch[];
  finals: SipResponse[];
  extra: Header[];
  maxForwards: number;
  provisionalTimeoutMs?: number;
  /** A final response went upstream (a 2xx, or the best failure). */
  answered: boolean;
  /** `OK|done` sent to the app. */
  reported: boolean;
  cancelled: boolean;
  /** 401/407 (or a 6xx) stop the search (RFC 3261 §16.7 step 5; drachtio forwards the challenge). */
  stopSearch: boolean;
}

/** What we remember of a record-routed dialog: the TCP connections of its two sides. */
interface ProxiedDialog {
  callerTag: string;
  caller?: Destination;
  callee?: Destination;
}

export class ProxyCore {
  private readonly ops = new Map<ServerTransaction, Operation>();
  private readonly dialogs = new Map<string, ProxiedDialog>();

  constructor(
    private readonly ctx: CoreContext,
    private readonly takePending: (transactionId: string) => ProxiedRequest | undefined,
  ) {}

  get activeCount(): number {
    return this.ops.size;
  }

  // ---------------------------------------------------------------- the app's command (§6.2)

  onCommand(app: AppSession, cmd: ProxyCommand): void {
    const up = this.takePending(cmd.transactionId);
    if (!up) {
      app.respond(cmd.id, ['NOK', `Unknown transaction id: ${cmd.transactionId}`]);
      return;
    }
    const mf = maxForwards(up.req) ?? 70;
    if (mf <= 0) {
      up.tx.respond(buildResponse(up.req, 483));
      app.respond(cmd.id, ['NOK', 'Rejected with 483 Too Many Hops']);
      return;
    }
    const targets = cmd.destinations.length > 0 ? [...cmd.destinations] : [up.req.uri];
    for (const t of targets) {
      try {
        this.destinationFor(t);
      } catch (err) {
        if (!(err instanceof DestinationError) && !(err instanceof Error && err.name === 'SipParseError')) throw err;
        up.tx.respond(buildResponse(up.req, 500));
        app.respond(cmd.id, ['NOK', `error proxying request to ${t}`]);
        return;
      }
    }
    const provisionalTimeoutMs = parseProxyTimeout(cmd.provisionalTimeout);
    const op: Operation = {
      app,
      msgId: cmd.id,
      up,
      cmd,
      targets,
      next: 0,
      branches: [],
      finals: [],
      extra: splitAppMessage(cmd.sip).headers.filter((h) => !STUB_SKIP.has(h.name)),
      maxForwards: mf,
      ...(provisionalTimeoutMs !== undefined ? { provisionalTimeoutMs } : {}),
      answered: false,
      reported: false,
      cancelled: false,
      stopSearch: false,
    };
    this.ops.set(up.tx, op);
    up.tx.onTerminated(() => {
      // The upstream transaction is gone (timer L/H, transport error): nothing more to forward.
      if (this.ops.get(up.tx) === op && this.allBranchesDone(op)) this.ops.delete(up.tx);
    });
    this.ctx.log.debug({ callId: cid(up.req), targets: targets.length, simultaneous: cmd.simultaneous }, 'proxying request');
    if (cmd.simultaneous) for (let i = 0; i < targets.length; i++) this.launchNext(op);
    else this.launchNext(op);
    this.checkDone(op);
  }

  /** Start the next target's branch (RFC 3261 §16.6). False when there is none left. */
  private launchNext(op: Operation): boolean {
    while (op.next < op.targets.length) {
      const target = op.targets[op.next++] as string;
      if (this.launch(op, target)) return true;
    }
    return false;
  }

  private launch(op: Operation, target: string): boolean {
    const up = op.up;
    let destination: Destination;
    try {
      destination = this.destinationFor(target);
    } catch {
      return false;
    }
    const req = this.copyRequest(up.req);
    // §16.6 step 2: the Request-URI becomes the target only when the request was addressed to us.
    const ruri = safeUri(up.req.uri);
    if (ruri && ruri.scheme !== 'tel' && this.ctx.addresses.isOwn(ruri.host, ruri.port)) req.uri = target;
    removeHeader(req, 'route'); // pre-loaded routes are dropped, as drachtio does
    setHeader(req, 'Max-Forwards', String(op.maxForwards - 1));
    if (op.cmd.remainInDialog && req.method !== 'REGISTER') this.addRecordRoute(req, up.source.protocol, destination.protocol);
    for (const h of op.extra) setHeader(req, h.name, h.value);
    addHeader(req, 'Via', this.via(destination.protocol), 'first');
    const branch: Branch = { target, req, destination, responded: false, provisional: false, cancelHeld: false, cancelSent: false, timers: [] };
    op.branches.push(branch);
    try {
      branch.ct = this.ctx.layer.sendRequest(req, destination, { onResponse: (res, source) => this.onBranchResponse(op, branch, res, source) });
    } catch (err) {
      if (!(err instanceof TransactionError)) throw err;
      this.ctx.log.warn({ err: err.message, target }, 'proxy branch could not start');
      branch.final = 0;
      return false;
    }
    if (req.method === 'INVITE') emitCdr(this.ctx, 'attempt', 'application', undefined, wireText(req).text);
    if (!op.cmd.simultaneous && op.provisionalTimeoutMs !== undefined) {
      // Serial forking: a target that says nothing within provisionalTimeout is skipped.
      branch.timers.push(
        setTimeout(() => {
          if (branch.responded || branch.final !== undefined || op.answered) return;
          this.abandon(op, branch);
          if (!op.cancelled && !op.stopSearch) this.launchNext(op);
          this.checkDone(op);
        }, op.provisionalTimeoutMs).unref(),
      );
    }
    return true;
  }

  // ---------------------------------------------------------------- responses (§16.7)

  private onBranchResponse(op: Operation, b: Branch, res: SipResponse, source: MessageSource | undefined): void {
    b.responded = true;
    const status = res.status;
    if (status === 100) return; // §16.7 step 3: never forwarded (our own 100 went upstream already)
    const isInvite = op.up.req.method === 'INVITE';
    if (status < 200) {
      b.provisional = true;
      if (b.cancelHeld) this.sendCancel(op, b); // abandoned or cancelled before any 1xx (RFC 3261 §9.1)
      if (b.final !== undefined) return;
      if (isInvite) this.restartTimerC(op, b);
      if (!op.answered) this.forwardUpstream(op, res);
      return;
    }
    if (status < 300) {
      const tag = toTag(res);
      const repeat = b.final !== undefined && b.final >= 200 && b.final < 300;
      if (b.final === undefined || b.final === 0) b.final = status;
      b.firstToTag ??= tag;
      this.clearTimers(b);
      // §16.7 step 5 / RFC 6026: every 2xx to an INVITE goes upstream, retransmissions and other forks included.
      this.forwardUpstream(op, res);
      if (repeat && tag === b.firstToTag) return;
      if (!op.answered) {
        op.answered = true;
        this.report(op, res, source);
        this.reportDone(op);
        if (isInvite) {
          emitCdr(this.ctx, 'start', 'network', 'proxy-uac', wireText(res).text);
          emitCdr(this.ctx, 'start', 'application', 'proxy-uas', wireText(res).text);
          if (op.cmd.remainInDialog) this.rememberDialog(op, b, source);
          // §16.7 step 10: the first 2xx cancels every other pending branch.
          for (const other of op.branches) if (other !== b && other.final === undefined) this.cancelBranch(op, other);
        }
      }
      this.checkDone(op);
      return;
    }
    const abandoned = b.final === 0;
    if (b.final !== undefined && !abandoned) return;
    b.final = status;
    this.clearTimers(b);
    if (!op.answered) {
      this.report(op, res, source);
      op.finals.push(res);
      if (status === 401 || status === 407 || status >= 600) op.stopSearch = true;
      // An abandoned branch's late answer counts for the best response but starts nothing new.
      if (!abandoned && !op.cancelled && !op.stopSearch) {
        if (status < 400 && op.cmd.followRedirects) this.addRedirectTargets(op, res);
        if (!op.cmd.simultaneous) this.launchNext(op);
        else if (status < 400 && op.cmd.followRedirects) while (this.launchNext(op));
      }
    }
    this.checkDone(op);
  }

  /** When every branch has ended (and no target is left), the best failure goes upstream (§16.7 step 6). */
  private checkDone(op: Operation): void {
    if (!this.allBranchesDone(op)) return;
    const canLaunchMore = !op.cancelled && !op.stopSearch && !op.answered && op.next < op.targets.length;
    if (canLaunchMore) return;
    if (!op.answered) {
      op.answered = true;
      const best = bestResponse(op.finals);
      let upstream: SipResponse;
      if (best) {
        upstream = this.upstreamCopy(best);
        // §16.7 step 6: a 503 from downstream becomes 500 upstream.
        if (upstream.status === 503) upstream = { ...upstream, status: 500, reason: 'Server Internal Error' };
      } else {
        upstream = buildResponse(op.up.req, op.cancelled ? 487 : 408);
      }
      op.up.tx.respond(upstream);
      if (op.up.req.method === 'INVITE') emitCdr(this.ctx, 'stop', 'application', op.cancelled ? 'call-canceled' : 'call-rejected', wireText(upstream).text);
      this.reportDone(op);
    }
    this.ops.delete(op.up.tx);
  }

  private allBranchesDone(op: Operation): boolean {
    return op.branches.every((b) => b.final !== undefined);
  }

  private report(op: Operation, res: SipResponse, source: MessageSource | undefined): void {
    if (op.reported || !op.cmd.fullResponse) return;
    const { text, bytes } = wireText(res);
    op.app.respond(op.msgId, ['OK', 'network', ...networkMeta(bytes, source), '', '', 'continue'], text);
  }

  private reportDone(op: Operation): void {
    if (op.reported) return;
    op.reported = true;
    op.app.respond(op.msgId, ['OK', 'done']);
  }

  private forwardUpstream(op: Operation, res: SipResponse): void {
    op.up.tx.respond(this.upstreamCopy(res));
  }

  /** §16.7 step 3: the response without our Via. */
  private upstreamCopy(res: SipResponse): SipResponse {
    const copy: SipResponse = { ...res, headers: res.headers.map((h) => ({ ...h })) };
    popTopVia(copy);
    return copy;
  }

  private addRedirectTargets(op: Operation, res: SipResponse): void {
    for (const c of getHeaderList(res, 'contact')) {
      const uri = uriOfNameAddr(c);
      if (uri && !op.targets.includes(uri)) op.targets.push(uri);
    }
  }

  // ---------------------------------------------------------------- CANCEL (§16.10)

  private onUpstreamCancel(op: Operation, cancel: SipRequest, cancelTx: ServerTransaction): void {
    cancelTx.respond(buildResponse(cancel, 200));
    if (op.answered) return;
    op.cancelled = true;
    for (const b of op.branches) if (b.final === undefined) this.cancelBranch(op, b);
    this.checkDone(op);
  }

  /** CANCEL a pending branch; one without any provisional is abandoned (its CANCEL waits for a 1xx). */
  private cancelBranch(op: Operation, b: Branch): void {
    if (b.provisional) this.sendCancel(op, b);
    else this.abandon(op, b);
  }

  private abandon(op: Operation, b: Branch): void {
    b.cancelHeld = op.up.req.method === 'INVITE';
    b.final = 0;
    this.clearTimers(b);
  }

  private sendCancel(op: Operation, b: Branch): void {
    if (b.cancelSent || op.up.req.method !== 'INVITE') return;
    b.cancelSent = true;
    b.cancelHeld = false;
    const inv = b.req;
    const headers: Header[] = [
      { name: 'Via', value: getHeaderList(inv, 'via')[0] ?? '' },
      { name: 'Max-Forwards', value: '70' },
      { name: 'From', value: getHeader(inv, 'from') ?? '' },
      { name: 'To', value: getHeader(inv, 'to') ?? '' },
      { name: 'Call-ID', value: cid(inv) },
      { name: 'CSeq', value: `${cseq(inv).seq} CANCEL` },
      { name: 'Content-Length', value: '0' },
    ];
    const cancel: SipRequest = { kind: 'request', method: 'CANCEL', uri: inv.uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
    try {
      this.ctx.layer.sendRequest(cancel, b.destination, { onResponse: () => undefined });
    } catch (err) {
      if (!(err instanceof TransactionError)) throw err;
    }
    // A branch that never answers its CANCEL with a final response is given up after 64*T1.
    this.clearTimers(b);
    b.timers.push(
      setTimeout(() => {
        if (b.final !== undefined) return;
        b.final = 0;
        this.checkDone(op);
      }, 64 * this.ctx.timers.t1).unref(),
    );
  }

  private restartTimerC(op: Operation, b: Branch): void {
    this.clearTimers(b);
    const t = setTimeout(() => {
      if (b.final === undefined) {
        this.ctx.log.info({ callId: cid(b.req), target: b.target }, 'proxy branch timer C fired: cancelling');
        this.sendCancel(op, b);
      }
    }, TIMER_C_MS);
    t.unref();
    b.timers.push(t);
  }

  private clearTimers(b: Branch): void {
    for (const t of b.timers.splice(0)) clearTimeout(t);
  }

  // ---------------------------------------------------------------- requests from the network

  /** Requests the proxy owns: CANCELs of proxied INVITEs and in-dialog requests routed through us. */
  onRequest(req: SipRequest, source: MessageSource, tx: ServerTransaction | undefined, cancels: ServerTransaction | undefined): boolean {
    if (req.method === 'CANCEL') {
      const op = cancels ? this.ops.get(cancels) : undefined;
      if (!op || !tx) return false;
      this.onUpstreamCancel(op, req, tx);
      return true;
    }
    const tag = toTag(req);
    if (tag === undefined) return false;
    const routes = getHeaderList(req, 'route');
    if (routes.length === 0 || !this.isOwnRoute(routes[0] as string)) return false;
    if (this.ctx.dialogs.match(cid(req), tag)) return false; // one of our own UA dialogs
    this.forwardInDialog(req, source, tx, routes);
    return true;
  }

  /** A request of a record-routed dialog: our Route entries removed, forwarded to the next hop (§16.4, §16.6). */
  private forwardInDialog(req: SipRequest, source: MessageSource, tx: ServerTransaction | undefined, routes: string[]): void {
    let protocol: TransportProtocol = source.protocol;
    let i = 0;
    while (i < routes.length && this.isOwnRoute(routes[i] as string)) {
      protocol = routeProtocol(routes[i] as string) ?? protocol;
      i++;
    }
    const rest = routes.slice(i);
    const fwd = this.copyRequest(req);
    removeHeader(fwd, 'route');
    for (const r of rest) addHeader(fwd, 'Route', r);
    const mf = maxForwards(req) ?? 70;
    setHeader(fwd, 'Max-Forwards', String(Math.max(0, mf - 1)));
    let destination: Destination;
    try {
      destination = uriDestination(rest.length > 0 ? (uriOfNameAddr(rest[0] as string) ?? req.uri) : req.uri, protocol);
    } catch (err) {
      if (!(err instanceof DestinationError) && !(err instanceof Error && err.name === 'SipParseError')) throw err;
      tx?.respond(buildResponse(req, 502));
      return;
    }
    destination = this.withConnection(req, destination);
    addHeader(fwd, 'Via', this.via(destination.protocol), 'first');
    if (req.method === 'BYE') emitCdr(this.ctx, 'stop', 'network', 'normal-release', wireText(req).text);
    if (!tx) {
      // ACK for a 2xx: its own end-to-end transaction, forwarded statelessly (§16.11).
      void this.ctx.layer.sendStateless(fwd, destination).catch((err: unknown) => {
        this.ctx.log.debug({ err: err instanceof Error ? err.message : String(err) }, 'proxied ACK not sent');
      });
      return;
    }
    const callId = cid(req);
    try {
      this.ctx.layer.sendRequest(fwd, destination, {
        onResponse: (res) => {
          if (res.status === 100) return;
          const copy = this.upstreamCopy(res);
          tx.respond(copy);
          if (req.method === 'BYE' && res.status >= 200) this.dialogs.delete(callId);
        },
      });
    } catch (err) {
      if (!(err instanceof TransactionError)) throw err;
      tx.respond(buildResponse(req, 500));
    }
  }

  /** A response no client transaction wants: one we forwarded statelessly earlier goes on to the next Via (§16.11). */
  onStrayResponse(res: SipResponse): boolean {
    const vias = getHeaderList(res, 'via');
    if (vias.length < 2 || !this.isOwnVia(vias[0] as string)) return false;
    const copy = this.upstreamCopy(res);
    const dest = viaDestination(vias[1] as string);
    if (!dest) return true;
    void this.ctx.layer.sendStateless(copy, this.withConnection(res, dest)).catch(() => undefined);
    return true;
  }

  // ---------------------------------------------------------------- helpers

  private destinationFor(target: string): Destination {
    const hasUdp = this.ctx.addresses.listeners.some((l) => l.protocol === 'udp');
    const dest = uriDestination(target, hasUdp ? 'udp' : 'tcp');
    if (!this.ctx.addresses.listeners.some((l) => l.protocol === dest.protocol)) throw new DestinationError('requested protocol/transport not available');
    return dest;
  }

  private copyRequest(req: SipRequest): SipRequest {
    return { ...req, headers: req.headers.map((h) => ({ ...h })) };
  }

  /** `Record-Route: <sip:host:port;lr>`; two of them when the request changes transport (RFC 5658 double record-routing). */
  private addRecordRoute(req: SipRequest, inbound: TransportProtocol, outbound: TransportProtocol): void {
    if (inbound !== outbound) addHeader(req, 'Record-Route', this.recordRouteValue(inbound), 'first');
    addHeader(req, 'Record-Route', this.recordRouteValue(outbound), 'first');
  }

  private recordRouteValue(protocol: TransportProtocol): string {
    const l = this.ctx.addresses.listenerFor(protocol);
    const transport = protocol === 'udp' ? '' : `;transport=${protocol}`;
    return `<sip:${this.ctx.addresses.hostport(l)}${transport};lr>`;
  }

  private via(protocol: TransportProtocol): string {
    const l = this.ctx.addresses.listenerFor(protocol);
    const rport = protocol === 'udp' ? ';rport' : '';
    return `SIP/2.0/${protocol.toUpperCase()} ${this.ctx.addresses.hostport(l)}${rport};branch=${newBranch()}`;
  }

  private isOwnRoute(value: string): boolean {
    try {
      const uri = parseNameAddr(value).uri;
      return uri.scheme !== 'tel' && this.ctx.addresses.isOwn(uri.host, uri.port);
    } catch {
      return false;
    }
  }

  private isOwnVia(value: string): boolean {
    const m = /^SIP\s*\/\s*2\.0\s*\/\s*\w+\s+(\[[^\]]+\]|[^\s;:]+)(?::(\d+))?/i.exec(value);
    if (!m) return false;
    return this.ctx.addresses.isOwn((m[1] as string).replace(/^\[|\]$/g, ''), m[2] === undefined ? undefined : Number(m[2]));
  }

  private rememberDialog(op: Operation, b: Branch, source: MessageSource | undefined): void {
    const up = op.up.source;
    const d: ProxiedDialog = { callerTag: fromTag(op.up.req) ?? '' };
    if (up.connectionId !== undefined) d.caller = { protocol: up.protocol, address: up.remote.address, port: up.remote.port, connectionId: up.connectionId };
    if (source?.connectionId !== undefined) d.callee = { ...b.destination, connectionId: source.connectionId };
    if (this.dialogs.size >= MAX_PROXIED_DIALOGS) {
      const oldest = this.dialogs.keys().next().value;
      if (oldest !== undefined) this.dialogs.delete(oldest);
    }
    this.dialogs.set(cid(op.up.req), d);
  }

  /** Over TCP, reuse the connection of the side the message is going to. */
  private withConnection(msg: SipRequest | SipResponse, dest: Destination): Destination {
    if (dest.protocol !== 'tcp') return dest;
    const d = this.dialogs.get(cid(msg));
    if (!d) return dest;
    const fromCaller = fromTag(msg) === d.callerTag;
    // A request from the caller goes to the callee; a response to the caller's request goes back to the caller.
    const side = msg.kind === 'request' ? (fromCaller ? d.callee : d.caller) : fromCaller ? d.caller : d.callee;
    return side?.connectionId !== undefined ? { ...dest, connectionId: side.connectionId } : dest;
  }
}

function safeUri(text: string): ReturnType<typeof parseUri> | undefined {
  try {
    return parseUri(text);
  } catch {
    return undefined;
  }
}

function routeProtocol(value: string): TransportProtocol | undefined {
  try {
    const t = parseNameAddr(value).uri.params.get('transport')?.toLowerCase();
    return t === 'tcp' ? 'tcp' : t === 'udp' || t === undefined ? 'udp' : undefined;
  } catch {
    return undefined;
  }
}
