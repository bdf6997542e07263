// The part of drachtio-srf's public API the callback flow uses (createUAC with noAck, RFC 3725
// 3pcc), typed precisely. One cast at the boundary: asCallbackSrf(new Srf()).
import type DrachtioSrf from 'drachtio-srf';
import type { SipHeaders, SrfDialog, SrfReceivedResponse, SrfSentRequest } from './srf-types.ts';

/**
 * What createUAC({noAck: true}) without localSdp resolves to when the 200 carries an offer: the
 * ACK is ours to send, with our answer (srf.js createUAC, 3pcc branch).
 */
export interface UnackedAnswer {
  /** The offer in the 200. */
  readonly sdp: string;
  readonly res: SrfReceivedResponse;
  /** Sends the ACK with `answer` and returns the confirmed dialog. */
  ack(answer: string): Promise<SrfDialog>;
  /** Abandons the answered leg: ACK, then BYE. */
  destroy(): Promise<void>;
}

export interface LateOfferUacOptions {
  headers: SipHeaders;
  /** Always true: we send the ACK ourselves (RFC 3725). */
  noAck: true;
}

export interface UacProgress {
  cbRequest?: (err: unknown, req: SrfSentRequest) => void;
  cbProvisional?: (res: SrfReceivedResponse) => void;
}

export interface CallbackSrf {
  /** INVITE without SDP. Resolves to an UnackedAnswer, or to a dialog when the 200 had no body. */
  createUAC(uri: string, opts: LateOfferUacOptions, progress: UacProgress): Promise<UnackedAnswer | SrfDialog>;
}

export function isUnackedAnswer(r: UnackedAnswer | SrfDialog): r is UnackedAnswer {
  return typeof (r as Partial<UnackedAnswer>).ack === 'function' && typeof (r as Partial<UnackedAnswer>).sdp === 'string';
}

/** The one cast at the boundary between drachtio-srf's loose typings and ours. */
export function asCallbackSrf(srf: DrachtioSrf): CallbackSrf {
  return srf as unknown as CallbackSrf;
}
