// The part of drachtio-srf's public API the calls app uses, typed precisely (the package's own
// typings are loose and use `any`). One cast at the boundary: asCallsSrf(new Srf()).
import SrfModule from 'drachtio-srf';
import type DrachtioSrf from 'drachtio-srf';

export type SipHeaders = Record<string, string>;

/** A SIP message as drachtio-srf exposes it (request or response). */
export interface SrfMessage {
  readonly headers: SipHeaders;
  readonly body?: string;
  get(name: string): string | undefined;
  has(name: string): boolean;
}

/** An incoming request from the network (the A-leg INVITE). */
export interface SrfIncomingRequest extends SrfMessage {
  readonly method: string;
  readonly uri: string;
  readonly source_address: string;
  readonly source_port: number;
  readonly protocol: string;
  on(event: 'cancel', listener: (cancel: SrfMessage) => void): unknown;
}

/** A request we sent (the B-leg INVITE), as handed to createB2BUA's cbRequest. */
export interface SrfSentRequest extends SrfMessage {
  cancel(opts?: { headers?: SipHeaders }): void;
}

/** A response received from the network (18x/final from the callee). */
export interface SrfReceivedResponse extends SrfMessage {
  readonly status: number;
  readonly reason?: string;
}

/** The response object of an incoming request: what we send back. */
export interface SrfOutgoingResponse {
  readonly finalResponseSent: boolean;
  send(status: number, opts?: { headers?: SipHeaders; body?: string }): void;
}

export interface SrfDialog {
  readonly local: { sdp?: string | undefined };
  readonly remote: { sdp?: string | undefined };
  on(event: 'destroy', listener: (msg: SrfMessage, reason?: string) => void): unknown;
  on(event: 'modify' | 'refer' | 'info' | 'update', listener: (req: SrfMessage, res: SrfOutgoingResponse) => void): unknown;
  destroy(opts?: { headers?: SipHeaders }): Promise<unknown>;
  modify(sdp: string): Promise<string>;
  /** A request within the dialog (e.g. INFO); resolves with the final response, whatever its status. */
  request(opts: { method: string; headers?: SipHeaders; body?: string }): Promise<SrfReceivedResponse>;
}

/** createB2BUA options we always set explicitly (srf.js defaults copy the caller's identity). */
export interface B2buaOptions {
  headers: SipHeaders;
  responseHeaders: (calleeResponse: SrfReceivedResponse, current: SipHeaders) => SipHeaders;
  localSdpA: (sdp: string, res: SrfReceivedResponse) => string | Promise<string>;
  localSdpB: string | ((sdp: string) => string | Promise<string>);
  proxyRequestHeaders: string[];
  proxyResponseHeaders: string[];
  passFailure: boolean;
  passProvisionalResponses: boolean;
  callingNumber: string;
  callingName: string;
  calledNumber: string;
}

export interface B2buaProgress {
  cbRequest?: (err: unknown, req: SrfSentRequest) => void;
  cbProvisional?: (res: SrfReceivedResponse) => void;
  cbFinalizedUac?: (uac: SrfDialog) => void;
}

export interface CallsSrf {
  invite(handler: (req: SrfIncomingRequest, res: SrfOutgoingResponse) => void): void;
  options(handler: (req: SrfIncomingRequest, res: SrfOutgoingResponse) => void): void;
  createB2BUA(
    req: SrfIncomingRequest,
    res: SrfOutgoingResponse,
    uri: string,
    opts: B2buaOptions,
    progress: B2buaProgress,
  ): Promise<{ uas: SrfDialog; uac: SrfDialog }>;
}

/** The SIP failure class of drachtio-srf: a non-2xx final response (status + reason). */
export interface SipErrorLike extends Error {
  status: number;
  reason?: string;
}
type SipErrorClass = new (status: number, reason?: string) => SipErrorLike;

export const SipError: SipErrorClass = (SrfModule as unknown as { SipError: SipErrorClass }).SipError;

export function isSipError(err: unknown): err is SipErrorLike {
  return err instanceof SipError;
}

/** The one cast at the boundary between drachtio-srf's loose typings and ours. */
export function asCallsSrf(srf: DrachtioSrf): CallsSrf {
  return srf as unknown as CallsSrf;
}
