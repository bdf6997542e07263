// The server's dialog table (RFC 3261 §12; drachtio-protocol.md §5.1). A dialog's id is
// `<Call-ID>;from-tag=<tag of the party that sent the creating request>`, the format srf relies on.
import type { SipRequest } from '../sip/message/types.ts';
import type { AppSession } from './wire/app-session.ts';
import type { Destination } from './transport/types.ts';

export interface Dialog {
  id: string;
  role: 'uas' | 'uac';
  callId: string;
  localTag: string;
  remoteTag: string;
  /** From (uac) / To (uas) header value for our side, tag included. */
  localParty: string;
  /** The other side's header value, tag included. */
  remoteParty: string;
  /** Where requests go: the remote Contact URI (target refresh updates it). */
  remoteTarget: string;
  /** Route header values, in the order to send them. */
  routeSet: string[];
  localCSeq: number;
  remoteCSeq: number;
  /** Our Contact for this dialog (INVITE/SUBSCRIBE/REFER get it when the app gives none). */
  localContact: string;
  /** Transport and next hop for in-dialog requests. */
  destination: Destination;
  owner: AppSession;
  /** UAS: transactionId of the creating INVITE (its ACK is delivered with it). */
  inviteTransactionId?: string;
  /** UAS: CSeq of the creating INVITE. */
  inviteCSeq?: number;
  /** UAS: our 2xx to an INVITE awaiting its ACK (retransmitted on UDP). */
  pending2xx?: { cseq: number; stop: () => void };
  /** UAC: CSeq of the last INVITE we sent on this dialog, its outcome and the ACK we sent for it. */
  lastInvite?: { cseq: number; status?: number; ack?: { request: SipRequest; destination: Destination } };
  /** UAC: the app cancelled the INVITE but a 2xx arrived anyway: ACK then BYE (§4.4). */
  ackBye?: boolean;
  /**
   * UAC: the dialog was created early by a reliable provisional (RFC 3262 §4); `confirmed` once a
   * 2xx arrived. Absent for dialogs created by a 2xx.
   */
  early?: { state: 'early' | 'confirmed'; lastRseq: number };
}

export class DialogTable {
  private readonly byId = new Map<string, Dialog>();
  private readonly byLocalTag = new Map<string, Dialog>();

  add(d: Dialog): void {
    this.byId.set(d.id, d);
    this.byLocalTag.set(`${d.callId}\n${d.localTag}`, d);
  }

  get(id: string): Dialog | undefined {
    return this.byId.get(id);
  }

  /** Match an incoming in-dialog request (its To-tag is our local tag) or response (its From-tag). */
  match(callId: string, localTag: string): Dialog | undefined {
    return this.byLocalTag.get(`${callId}\n${localTag}`);
  }

  remove(d: Dialog): void {
    d.pending2xx?.stop();
    d.pending2xx = undefined;
    if (this.byId.get(d.id) === d) this.byId.delete(d.id);
    const k = `${d.callId}\n${d.localTag}`;
    if (this.byLocalTag.get(k) === d) this.byLocalTag.delete(k);
  }

  ownedBy(owner: AppSession): Dialog[] {
    return [...this.byId.values()].filter((d) => d.owner === owner);
  }

  get size(): number {
    return this.byId.size;
  }
}

export function dialogIdOf(callId: string, creatorFromTag: string): string {
  return `${callId};from-tag=${creatorFromTag}`;
}
