// Reliable provisional responses on the UAS side (RFC 3262 §3; drachtio-protocol.md §3.4): RSeq
// and Require: 100rel added, retransmitted from T1 doubling (uncapped, as nta does) until the
// PRACK; no PRACK within 64*T1 → the caller decides (503). The server answers the PRACK itself.
import { randomInt } from 'node:crypto';
import type { SipRequest, SipResponse } from '../sip/message/types.ts';
import { getHeader, getHeaderList, setHeader } from '../sip/message/headers.ts';
import { callId, cseq, toTag } from '../sip/message/accessors.ts';
import type { TimerSettings } from '../sip/transaction/timers.ts';
import type { ServerTransaction } from './transaction-layer.ts';

export type Reliability = 'reliable' | 'unreliable' | 'unsupported';

const has100rel = (values: readonly string[]): boolean => values.some((v) => v.toLowerCase() === '100rel');

/**
 * RFC 3262 §3: a 1xx goes reliably when the INVITE requires 100rel (even if the app did not ask), or
 * when the app asks (Require: 100rel) and the INVITE supports it; asking without support is refused.
 */
export function reliabilityOf(invite: SipRequest, appResponse: SipResponse): Reliability {
  const inviteRequires = has100rel(getHeaderList(invite, 'require'));
  if (inviteRequires) return 'reliable';
  if (!has100rel(getHeaderList(appResponse, 'require'))) return 'unreliable';
  return has100rel(getHeaderList(invite, 'supported')) ? 'reliable' : 'unsupported';
}

interface Pending {
  rseq: number;
  retransmit?: NodeJS.Timeout;
  giveUp: NodeJS.Timeout;
}

interface Entry {
  tx: ServerTransaction;
  key: string;
  inviteCSeq: number;
  nextRseq: number;
  current?: Pending;
  /** RFC 3262 §3: no second reliable 1xx before the first is PRACKed: later ones wait here. */
  queue: SipResponse[];
  onTimeout: () => void;
}

export class ReliableProvisionals {
  private readonly byTx = new Map<ServerTransaction, Entry>();
  private readonly byDialog = new Map<string, Entry>();

  constructor(private readonly timers: TimerSettings) {}

  /** Send `res` (a 101-199 to `invite`, To-tag included) reliably on `tx`. `onTimeout` runs when no PRACK came in 64*T1. */
  send(tx: ServerTransaction, invite: SipRequest, res: SipResponse, onTimeout: () => void): void {
    let entry = this.byTx.get(tx);
    if (!entry) {
      const key = `${callId(invite) ?? ''}\n${toTag(res) ?? ''}`;
      // RFC 3262 §3: the first RSeq is random, between 1 and 2**31 - 1.
      entry = { tx, key, inviteCSeq: cseq(invite).seq, nextRseq: randomInt(1, 2 ** 31 - 1), queue: [], onTimeout };
      this.byTx.set(tx, entry);
      this.byDialog.set(key, entry);
      const e = entry;
      tx.onTerminated(() => this.finished(e.tx));
    }
    const require = getHeader(res, 'require');
    if (require === undefined) setHeader(res, 'Require', '100rel');
    else if (!has100rel(getHeaderList(res, 'require'))) setHeader(res, 'Require', `${require}, 100rel`);
    if (entry.current) entry.queue.push(res);
    else this.transmit(entry, res);
  }

  private transmit(entry: Entry, res: SipResponse): void {
    const rseq = entry.nextRseq++;
    setHeader(res, 'RSeq', String(rseq));
    entry.tx.respond(res);
    const { t1 } = this.timers;
    const pending: Pending = {
      rseq,
      giveUp: setTimeout(() => {
        if (entry.current !== pending) return;
        clearTimeout(pending.retransmit);
        this.finished(entry.tx);
        entry.onTimeout();
      }, 64 * t1),
    };
    pending.giveUp.unref();
    // Timer P1 (nta): from T1, doubling, not capped at T2 (drachtio-traces.md fx1), on every transport
    // since the response travels end to end.
    let interval = t1;
    const again = (): void => {
      pending.retransmit = setTimeout(() => {
        if (entry.current !== pending) return;
        entry.tx.respond(res);
        interval *= 2;
        again();
      }, interval);
      pending.retransmit.unref();
    };
    again();
    entry.current = pending;
  }

  /**
   * A PRACK (RFC 3262 §4): true when it acknowledges the outstanding reliable 1xx of its early
   * dialog, false when the dialog is known but the RAck does not match, undefined for no such dialog.
   */
  onPrack(prack: SipRequest): boolean | undefined {
    const entry = this.byDialog.get(`${callId(prack) ?? ''}\n${toTag(prack) ?? ''}`);
    if (!entry) return undefined;
    const rack = /^\s*(\d+)\s+(\d+)\s+(\S+)\s*$/.exec(getHeader(prack, 'rack') ?? '');
    if (!rack) return false;
    const [rseq, seq, method] = [Number(rack[1]), Number(rack[2]), (rack[3] as string).toUpperCase()];
    if (method !== 'INVITE' || seq !== entry.inviteCSeq) return false;
    if (!entry.current || entry.current.rseq !== rseq) return rseq < entry.nextRseq; // a retransmitted PRACK is still answered 200
    clearTimeout(entry.current.retransmit);
    clearTimeout(entry.current.giveUp);
    entry.current = undefined;
    const next = entry.queue.shift();
    if (next) this.transmit(entry, next);
    return true;
  }

  /** The INVITE got its final response (or ended): stop every retransmission. */
  finished(tx: ServerTransaction): void {
    const entry = this.byTx.get(tx);
    if (!entry) return;
    if (entry.current) {
      clearTimeout(entry.current.retransmit);
      clearTimeout(entry.current.giveUp);
      entry.current = undefined;
    }
    entry.queue = [];
    this.byTx.delete(tx);
    // The early dialog key stays answerable for late PRACK retransmissions until the transaction ends.
    if (tx.state === 'terminated' && this.byDialog.get(entry.key) === entry) this.byDialog.delete(entry.key);
    else tx.onTerminated(() => {
      if (this.byDialog.get(entry.key) === entry) this.byDialog.delete(entry.key);
    });
  }
}
