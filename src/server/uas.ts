// Requests from the network handed to apps, and the apps' responses completed and sent
// (drachtio-protocol.md §3, §5.3; drachtio-traces.md flows 2, 5, 6, 7, 8).
import type { Header, SipRequest, SipResponse } from '../sip/message/types.ts';
import { getHeader, getHeaders } from '../sip/message/headers.ts';
import { cseq, fromTag, toTag } from '../sip/message/accessors.ts';
import { uriOfNameAddr } from '../sip/message/name-addr.ts';
import { reasonPhrase } from '../sip/status.ts';
import { buildResponse, type ServerTransaction } from './transaction-layer.ts';
import type { Destination, MessageSource } from './transport/types.ts';
import type { AppSession } from './wire/app-session.ts';
import { wireTime } from './wire/codec.ts';
import { AppMessageError, appResponse, findHeader, sniffContentType, splitAppMessage, substituteLocalhost } from './app-message.ts';
import { dialogIdOf, type Dialog } from './dialogs.ts';
import { emitCdr, networkMeta, wireBytes, wireText, type CoreContext, type WireBytes, cid } from './core-context.ts';
import { newTransactionId, randomToken } from './tokens.ts';
import { uriDestination } from './destinations.ts';
import { ReliableProvisionals, reliabilityOf } from './reliable-provisionals.ts';
import type { InviteAdmission } from './overload-monitor.ts';

/** A request from the network that an app owns until it sends a final response. */
interface IncomingRequest {
  transactionId: string;
  tx: ServerTransaction;
  req: SipRequest;
  source: MessageSource;
  app: AppSession;
  /** The dialog an in-dialog request belongs to (absent once the dialog is gone, e.g. after BYE). */
  dialog?: Dialog;
  /** A BYE: the id of the dialog it ended. */
  endedDialogId?: string;
  /** True for an INVITE/SUBSCRIBE outside any dialog (it may create one). */
  dialogCreating: boolean;
  toTag?: string;
  provisionalSent: boolean;
  finalSent: boolean;
  /** A new INVITE the app has not answered at all yet (counted in unansweredInvites). */
  awaitingApp?: boolean;
  noAnswerTimer?: NodeJS.Timeout;
}

/** Methods that, arriving with a To-tag we do not know, are offered to apps as new requests (§5.5). */
const NEW_EVEN_WITH_TO_TAG = new Set(['INFO', 'OPTIONS', 'MESSAGE', 'NOTIFY', 'SUBSCRIBE', 'PUBLISH', 'REGISTER']);
const KNOWN_METHODS = new Set(['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'INFO', 'PRACK', 'UPDATE', 'MESSAGE', 'SUBSCRIBE', 'NOTIFY', 'REFER', 'PUBLISH']);

export class UasCore {
  private readonly incoming = new Map<string, IncomingRequest>();
  private readonly byTx = new WeakMap<ServerTransaction, IncomingRequest>();
  /** RFC 3262 reliable 1xx to incoming INVITEs; their PRACKs are answered here, not by the app. */
  private readonly reliable: ReliableProvisionals;
  private unanswered = 0;

  constructor(
    private readonly ctx: CoreContext,
    /** Server-originated BYE on a dialog (ACK timeout), implemented by the UAC half. */
    private readonly sendServerBye: (dialog: Dialog, reasonText: string) => void,
    /** Overload control: asked before a new INVITE is handed to an app. */
    private readonly admission?: InviteAdmission,
  ) {
    this.reliable = new ReliableProvisionals(ctx.timers);
  }

  get pendingCount(): number {
    return this.incoming.size;
  }

  /** New INVITEs handed to apps that have had no response at all from the app yet (an overload signal). */
  get unansweredInvites(): number {
    return this.unanswered;
  }

  // ---------------------------------------------------------------- network -> app

  onRequest(req: SipRequest, source: MessageSource, tx: ServerTransaction | undefined, cancels: ServerTransaction | undefined): void {
    if (req.method === 'ACK') {
      this.onAck(req, source);
      return;
    }
    if (!tx) return;
    if (req.method === 'PRACK') {
      const acked = this.reliable.onPrack(req);
      if (acked !== undefined) {
        this.respondLocally(tx, req, acked ? 200 : 481);
        return;
      }
    }
    if (req.method === 'CANCEL') {
      this.onCancel(req, tx, cancels);
      return;
    }
    const tag = toTag(req);
    if (tag !== undefined) {
      const dialog = this.ctx.dialogs.match(cid(req), tag);
      if (dialog) {
        this.onInDialog(req, source, tx, dialog);
        return;
      }
      if (!NEW_EVEN_WITH_TO_TAG.has(req.method)) {
        const res = this.respondLocally(tx, req, KNOWN_METHODS.has(req.method) ? 481 : 501);
        if (req.method === 'INVITE') {
          // A stray re-INVITE: attempt, then stop call-rejected with our 481 (traces f07).
          emitCdr(this.ctx, 'attempt', 'network', undefined, wireText(req).text);
          emitCdr(this.ctx, 'stop', 'application', 'call-rejected', wireText(res).text);
        }
        return;
      }
      if (!this.ctx.router.has(req.method.toLowerCase())) {
        // drachtio offers these to an app as new requests; with no app to take one, the app cannot
        // see a difference and RFC 3261 §12.2.2 asks for 481 rather than 503.
        this.respondLocally(tx, req, 481);
        return;
      }
    }
    if (!KNOWN_METHODS.has(req.method)) {
      this.respondLocally(tx, req, 501);
      return;
    }
    if (req.method === 'BYE' || req.method === 'UPDATE' || req.method === 'PRACK') {
      this.respondLocally(tx, req, 481);
      return;
    }
    this.onNewRequest(req, source, tx);
  }

  private onNewRequest(req: SipRequest, source: MessageSource, tx: ServerTransaction): void {
    const { text, bytes } = wireText(req);
    const isInvite = req.method === 'INVITE';
    if (isInvite) emitCdr(this.ctx, 'attempt', 'network', undefined, text);
    // RFC 3261 §21.5.4: while overloaded, a new call is refused here and never reaches an app.
    const retryAfter = isInvite ? this.admission?.refuseNewInvite() : undefined;
    const app = retryAfter === undefined ? this.ctx.router.select(req.method) : undefined;
    if (!app) {
      let res: SipResponse;
      if (retryAfter !== undefined) {
        this.ctx.log.debug({ callId: cid(req) }, 'overloaded: new INVITE refused with 503');
        // §20.33 Retry-After; RFC 3326 Reason.
        res = this.respondLocally(tx, req, 503, 'SIP;cause=503;text="overloaded"', undefined, [{ name: 'Retry-After', value: String(retryAfter) }]);
      } else {
        this.ctx.log.warn({ method: req.method, callId: cid(req) }, 'no app routed for this method: 503');
        res = this.respondLocally(tx, req, 503);
      }
      if (isInvite) emitCdr(this.ctx, 'stop', 'application', 'call-rejected', wireText(res).text);
      return;
    }
    const rec: IncomingRequest = {
      transactionId: newTransactionId(),
      tx,
      req,
      source,
      app,
      dialogCreating: isInvite || req.method === 'SUBSCRIBE',
      provisionalSent: false,
      finalSent: false,
    };
    if (isInvite) {
      rec.awaitingApp = true;
      this.unanswered++;
    }
    this.track(rec);
    this.answerIfAppSilent(rec, true);
    app.send(['sip', 'network', ...networkMeta(bytes, source), rec.transactionId, '', source.local.address, String(source.local.port), ''], text);
  }

  private onInDialog(req: SipRequest, source: MessageSource, tx: ServerTransaction, dialog: Dialog): void {
    const seq = cseq(req).seq;
    if (req.method === 'INVITE' || req.method === 'UPDATE') {
      // RFC 3261 §12.2.2 target refresh (the C++ server skips it, §10 #8).
      const contact = getHeader(req, 'contact');
      if (contact) {
        const target = uriOfNameAddr(contact);
        if (target === undefined) {
          this.respondLocally(tx, req, 400, 'SIP;cause=400;text="bad Contact"');
          return;
        }
        dialog.remoteTarget = target;
      }
    }
    if (seq > dialog.remoteCSeq) dialog.remoteCSeq = seq;
    const { text, bytes } = wireText(req);
    if (req.method === 'BYE') {
      // drachtio removes the dialog on receipt of a BYE (§5.3).
      this.ctx.dialogs.remove(dialog);
      emitCdr(this.ctx, 'stop', 'network', 'normal-release', text);
    }
    if (!dialog.owner.isOpen) {
      this.respondLocally(tx, req, 481);
      return;
    }
    const rec: IncomingRequest = {
      transactionId: newTransactionId(),
      tx,
      req,
      source,
      app: dialog.owner,
      dialogCreating: false,
      toTag: dialog.localTag,
      provisionalSent: false,
      finalSent: false,
    };
    if (req.method !== 'BYE') rec.dialog = dialog;
    else rec.endedDialogId = dialog.id;
    this.track(rec);
    this.answerIfAppSilent(rec, false);
    dialog.owner.send(['sip', 'network', ...networkMeta(bytes, source), rec.transactionId, dialog.id, ''], text);
  }

  private onAck(req: SipRequest, source: MessageSource): void {
    const tag = toTag(req);
    if (tag === undefined) return;
    const dialog = this.ctx.dialogs.match(cid(req), tag);
    const pending = dialog?.pending2xx;
    if (!dialog || !pending || pending.cseq !== cseq(req).seq) return; // stray or retransmitted ACK: dropped
    pending.stop();
    dialog.pending2xx = undefined;
    if (!dialog.owner.isOpen) return;
    const txnId = dialog.inviteTransactionId !== undefined && pending.cseq === dialog.inviteCSeq ? dialog.inviteTransactionId : newTransactionId();
    const { text, bytes } = wireText(req);
    const meta = networkMeta(bytes, source);
    meta[1] = ''; // drachtio leaves the protocol token empty on delivered ACKs (traces Part 3)
    dialog.owner.send(['sip', 'network', ...meta, txnId, dialog.id, ''], text);
  }

  private onCancel(req: SipRequest, cancelTx: ServerTransaction, inviteTx: ServerTransaction | undefined): void {
    const rec = inviteTx ? this.byTx.get(inviteTx) : undefined;
    if (!rec || rec.finalSent || this.incoming.get(rec.transactionId) !== rec) {
      // RFC 3261 §9.2: nothing to cancel (or already answered: the CANCEL has no effect; drachtio answers 481).
      this.respondLocally(cancelTx, req, 481);
      return;
    }
    this.respondLocally(cancelTx, req, 200, undefined, rec.toTag);
    const res487 = this.localResponse(rec.req, 487, undefined, rec.toTag ?? randomToken());
    this.reliable.finished(rec.tx);
    rec.tx.respond(res487);
    rec.finalSent = true;
    this.untrack(rec);
    const dialogId = rec.provisionalSent ? dialogIdOf(cid(rec.req), fromTag(rec.req) ?? '') : '';
    const { text, bytes } = wireText(req);
    if (rec.app.isOpen) rec.app.send(['sip', 'network', ...networkMeta(bytes, rec.source), rec.transactionId, dialogId, ''], text);
    if (rec.provisionalSent) emitCdr(this.ctx, 'stop', 'network', 'call-canceled', wireText(rec.req).text);
  }

  // ---------------------------------------------------------------- app -> network

  /** `sip|<transactionId>|` with a response from the app. */
  onAppResponse(app: AppSession, msgId: string, transactionId: string, sip: string): void {
    let appRes: SipResponse;
    try {
      appRes = appResponse(splitAppMessage(sip));
    } catch (err) {
      app.respond(msgId, ['NOK', err instanceof AppMessageError ? err.message : 'invalid response']);
      return;
    }
    const rec = this.incoming.get(transactionId);
    if (!rec) {
      const method = findHeader(appRes.headers, 'CSeq')?.split(/\s+/)[1]?.toUpperCase();
      app.respond(msgId, ['NOK', method === 'CANCEL' ? '200 OK to incoming CANCEL is automatically generated by the stack' : 'Response not sent due to unknown transaction']);
      return;
    }
    this.answeredByApp(rec);
    if (rec.finalSent) {
      app.respond(msgId, ['NOK', 'Response not sent: a final response was already sent']);
      return;
    }
    const status = appRes.status;
    const reliability = rec.req.method === 'INVITE' && rec.dialogCreating && status > 100 && status < 200 ? reliabilityOf(rec.req, appRes) : 'unreliable';
    if (reliability === 'unsupported') {
      app.respond(msgId, ['NOK', 'Remote endpoint does not support 100rel']);
      return;
    }
    const listener = this.ctx.addresses.listenerFor(rec.source.protocol, rec.source.local);
    const hostport = this.ctx.addresses.hostport(listener);
    const res = this.completeResponse(rec, appRes, hostport, this.ctx.addresses.contactUri(listener));
    const isInvite = rec.req.method === 'INVITE';
    const dialogId = rec.dialogCreating
      ? dialogIdOf(cid(rec.req), fromTag(rec.req) ?? '')
      : rec.dialog && this.ctx.dialogs.get(rec.dialog.id) === rec.dialog
        ? rec.dialog.id
        : '';

    if (status >= 200) {
      rec.finalSent = true;
      this.untrack(rec);
    } else if (status > 100) {
      rec.provisionalSent = true;
    }
    let wire: WireBytes;
    if (reliability === 'reliable') {
      // A reliable 1xx creates the early dialog: it carries our Contact (RFC 3262 §3, RFC 3261 §12.1.1).
      if (getHeader(res, 'contact') === undefined) res.headers.splice(res.headers.length - 1, 0, { name: 'Contact', value: `<${this.ctx.addresses.contactUri(listener)}>` });
      this.reliable.send(rec.tx, rec.req, res, () => this.onReliableTimeout(rec));
      wire = wireBytes(res);
    } else {
      if (isInvite && status >= 200) this.reliable.finished(rec.tx);
      // Serialised once: the same bytes go to the network and into the app's frame.
      wire = wireBytes(res);
      rec.tx.respond(res, wire.buf);
    }
    const { buf: text, bytes } = wire;
    const proto = isInvite ? rec.source.protocol : '';
    app.respond(msgId, ['OK', 'application', String(bytes), proto, rec.source.remote.address, String(rec.source.remote.port), wireTime(), transactionId, dialogId, '', 'Msg sent:', ''], text);

    if (isInvite && status >= 200 && status < 300) {
      if (rec.dialogCreating) {
        const dialog = this.createUasDialog(rec, res, dialogId);
        emitCdr(this.ctx, 'start', 'application', 'uas', text);
        this.start2xxRetransmission(dialog, rec, res);
      } else if (rec.dialog) {
        this.start2xxRetransmission(rec.dialog, rec, res);
      }
    } else if (isInvite && status >= 300 && rec.dialogCreating) {
      emitCdr(this.ctx, 'stop', 'application', 'call-rejected', text);
    }
  }

  /** Fill in what the app leaves to the server (drachtio-protocol.md §3.3). */
  private completeResponse(rec: IncomingRequest, appRes: SipResponse, hostport: string, contactUri: string): SipResponse {
    const req = rec.req;
    const status = appRes.status;
    const headers: Header[] = [];
    const vias = getHeaders(req, 'via');
    for (const v of status === 100 ? vias.slice(0, 1) : vias) headers.push({ name: 'Via', value: v });
    const appHeaders = appRes.headers;
    headers.push({ name: 'From', value: substituteLocalhost(findHeader(appHeaders, 'From') ?? getHeader(req, 'from') ?? '', hostport) });
    let to = substituteLocalhost(findHeader(appHeaders, 'To') ?? getHeader(req, 'to') ?? '', hostport);
    if (status > 100) {
      const given = /;\s*tag=([^;\s>]+)/i.exec(to)?.[1];
      if (given) rec.toTag ??= given;
      else {
        rec.toTag ??= randomToken();
        to = `${to};tag=${rec.toTag}`;
      }
    }
    headers.push({ name: 'To', value: to });
    headers.push({ name: 'Call-ID', value: findHeader(appHeaders, 'Call-ID') ?? cid(req) });
    headers.push({ name: 'CSeq', value: findHeader(appHeaders, 'CSeq') ?? getHeader(req, 'cseq') ?? '' });
    if (rec.dialogCreating && status > 100 && status < 300) {
      for (const rr of getHeaders(req, 'record-route')) headers.push({ name: 'Record-Route', value: rr });
    }
    const appContact = findHeader(appHeaders, 'Contact');
    if (appContact !== undefined) headers.push({ name: 'Contact', value: substituteLocalhost(appContact, hostport) });
    else if ((rec.dialogCreating && status >= 200 && status < 300) || (!rec.dialogCreating && rec.dialog && req.method === 'INVITE')) {
      headers.push({ name: 'Contact', value: `<${contactUri}>` });
    }
    let contentType = findHeader(appHeaders, 'Content-Type');
    if (contentType === undefined && appRes.body.length > 0) contentType = sniffContentType(appRes.body);
    if (contentType !== undefined) headers.push({ name: 'Content-Type', value: contentType });
    const skip = new Set(['From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Content-Type']);
    for (const h of appRes.headers) {
      if (skip.has(h.name)) continue;
      headers.push({ name: h.name, value: h.name === 'P-Asserted-Identity' ? substituteLocalhost(h.value, hostport) : h.value });
    }
    headers.push({ name: 'Content-Length', value: String(appRes.body.length) });
    return { kind: 'response', version: 'SIP/2.0', status, reason: appRes.reason || reasonPhrase(status), headers, body: appRes.body };
  }

  private createUasDialog(rec: IncomingRequest, res: SipResponse, dialogId: string): Dialog {
    const req = rec.req;
    const contact = getHeader(req, 'contact');
    const remoteTarget = contact ? uriOfNameAddr(contact) ?? req.uri : req.uri;
    const routeSet = getHeaders(req, 'record-route');
    const destination: Destination =
      routeSet.length > 0
        ? uriDestination(uriOfNameAddr(routeSet[0] as string) ?? remoteTarget, rec.source.protocol)
        : // No Record-Route: answer where the INVITE came from (NAT-safe; same connection on TCP).
          { protocol: rec.source.protocol, address: rec.source.remote.address, port: rec.source.remote.port, ...(rec.source.connectionId ? { connectionId: rec.source.connectionId } : {}) };
    const dialog: Dialog = {
      id: dialogId,
      role: 'uas',
      callId: cid(req),
      localTag: rec.toTag ?? '',
      remoteTag: fromTag(req) ?? '',
      localParty: getHeader(res, 'to') ?? '',
      remoteParty: getHeader(req, 'from') ?? '',
      remoteTarget,
      routeSet,
      localCSeq: 1,
      remoteCSeq: cseq(req).seq,
      localContact: getHeader(res, 'contact') ?? '',
      destination,
      owner: rec.app,
      inviteTransactionId: rec.transactionId,
      inviteCSeq: cseq(req).seq,
    };
    const existing = this.ctx.dialogs.get(dialogId);
    if (existing) this.ctx.dialogs.remove(existing);
    this.ctx.dialogs.add(dialog);
    return dialog;
  }

  /** RFC 3261 §13.3.1.4: the UAS core resends its 2xx until the ACK; no ACK in 64*T1 ends the dialog. */
  private start2xxRetransmission(dialog: Dialog, rec: IncomingRequest, res: SipResponse): void {
    dialog.pending2xx?.stop();
    const pending = new Pending2xx(cseq(rec.req).seq, rec.tx, res, this.ctx.timers, rec.source.protocol === 'udp', () => {
      if (dialog.pending2xx !== pending) return;
      pending.stop();
      dialog.pending2xx = undefined;
      this.ctx.log.warn({ callId: dialog.callId }, 'no ACK for our 2xx: ending the dialog with BYE');
      this.sendServerBye(dialog, 'ACK timeout');
    });
    dialog.pending2xx = pending;
  }

  /**
   * The peer's BYE on `dialogId`, if it still waits for `app`'s answer, answered 200 here (the app
   * has sent its own BYE on that dialog). True when there was one.
   */
  answerPendingBye(dialogId: string, app: AppSession): boolean {
    for (const rec of this.incoming.values()) {
      if (rec.endedDialogId === dialogId && rec.app === app && !rec.finalSent) {
        this.finishLocally(rec, 200);
        return true;
      }
    }
    return false;
  }

  /** The app proxies a request it has not answered (drachtio-protocol.md §6.2): hand it over to the proxy core. */
  takeForProxy(transactionId: string): { tx: ServerTransaction; req: SipRequest; source: MessageSource } | undefined {
    const rec = this.incoming.get(transactionId);
    if (!rec || rec.provisionalSent || rec.finalSent || rec.dialog) return undefined;
    rec.finalSent = true; // the app may no longer answer it
    this.untrack(rec);
    return { tx: rec.tx, req: rec.req, source: rec.source };
  }

  /** RFC 3262 §3: no PRACK for a reliable 1xx within 64*T1: the INVITE is rejected with 503. */
  private onReliableTimeout(rec: IncomingRequest): void {
    if (rec.finalSent || this.incoming.get(rec.transactionId) !== rec) return;
    this.ctx.log.warn({ callId: cid(rec.req) }, 'no PRACK for a reliable provisional response: 503');
    const res = this.finishLocally(rec, 503, 'SIP;cause=503;text="Reliable Response Time-Out"');
    emitCdr(this.ctx, 'stop', 'application', 'call-rejected', wireText(res).text);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * drachtio forgets a request its app never answers after 64 s; we answer it 500 instead (§10 #6).
   * A new request counts as answered by any response (a ringing INVITE may wait for its caller);
   * an in-dialog one only by a final response. 128*T1 (64 s at the default T1) leaves a B2BUA the
   * time to learn of its own outgoing INVITE's timeout (64*T1) and answer with that.
   */
  private answerIfAppSilent(rec: IncomingRequest, provisionalIsAnswer: boolean): void {
    rec.noAnswerTimer = setTimeout(() => {
      if (rec.finalSent || (provisionalIsAnswer && rec.provisionalSent) || this.incoming.get(rec.transactionId) !== rec) return;
      this.ctx.log.warn({ callId: cid(rec.req), method: rec.req.method, app: rec.app.name }, 'app did not answer a request in time: 500');
      this.finishLocally(rec, 500, 'SIP;cause=500;text="application did not respond"');
    }, 128 * this.ctx.timers.t1);
    rec.noAnswerTimer.unref?.();
  }

  private track(rec: IncomingRequest): void {
    this.incoming.set(rec.transactionId, rec);
    this.byTx.set(rec.tx, rec);
    // The transaction outlives the answered request by up to 64*T1 (absorbing retransmissions):
    // this callback holds only the id and the transaction, so the record (request, dialog, app)
    // is collectable as soon as it is untracked.
    const { transactionId, tx } = rec;
    tx.onTerminated(() => {
      const r = this.incoming.get(transactionId);
      if (r !== undefined && r.tx === tx) this.untrack(r);
    });
  }

  private answeredByApp(rec: IncomingRequest): void {
    if (!rec.awaitingApp) return;
    rec.awaitingApp = false;
    this.unanswered--;
  }

  private untrack(rec: IncomingRequest): void {
    this.answeredByApp(rec);
    if (rec.noAnswerTimer) clearTimeout(rec.noAnswerTimer);
    rec.noAnswerTimer = undefined;
    this.byTx.delete(rec.tx);
    if (this.incoming.get(rec.transactionId) === rec) this.incoming.delete(rec.transactionId);
  }

  private finishLocally(rec: IncomingRequest, status: number, reason?: string): SipResponse {
    rec.finalSent = true;
    this.reliable.finished(rec.tx);
    this.untrack(rec);
    const res = this.localResponse(rec.req, status, reason, rec.toTag ?? randomToken());
    rec.tx.respond(res);
    return res;
  }

  /** A response the server generates itself, with an optional Reason header (RFC 3326). */
  private localResponse(req: SipRequest, status: number, reason?: string, tag?: string, extra: Header[] = []): SipResponse {
    return buildResponse(req, status, reasonPhrase(status), reason ? [...extra, { name: 'Reason', value: reason }] : extra, tag);
  }

  private respondLocally(tx: ServerTransaction, req: SipRequest, status: number, reason?: string, tag?: string, extra?: Header[]): SipResponse {
    const res = this.localResponse(req, status, reason, tag, extra);
    tx.respond(res);
    return res;
  }

  /** An app went away: answer what it still owed (drachtio leaves them hanging, §2.6). */
  onAppGone(app: AppSession): void {
    for (const rec of [...this.incoming.values()]) {
      if (rec.app === app && !rec.finalSent) this.finishLocally(rec, rec.req.method === 'BYE' ? 200 : 500, 'SIP;cause=500;text="application disconnected"');
    }
  }
}

/**
 * RFC 3261 §13.3.1.4: our 2xx to an INVITE, resent at T1, 2*T1, ... capped at T2 (unreliable
 * transports only) until the ACK; `onGiveUp` runs when no ACK came in 64*T1. A class so that no
 * closures are made per call.
 */
class Pending2xx {
  private retransmit: NodeJS.Timeout | undefined;
  private readonly giveUp: NodeJS.Timeout;
  private interval: number;

  constructor(
    readonly cseq: number,
    private readonly tx: ServerTransaction,
    private readonly res: SipResponse,
    private readonly timers: { t1: number; t2: number },
    unreliable: boolean,
    onGiveUp: () => void,
  ) {
    this.interval = timers.t1;
    if (unreliable) this.schedule();
    this.giveUp = setTimeout(onGiveUp, 64 * timers.t1);
  }

  private schedule(): void {
    this.retransmit = setTimeout(() => this.resend(), this.interval);
  }

  private resend(): void {
    this.tx.respond(this.res);
    this.interval = Math.min(this.interval * 2, this.timers.t2);
    this.schedule();
  }

  stop(): void {
    clearTimeout(this.retransmit);
    clearTimeout(this.giveUp);
  }
}
