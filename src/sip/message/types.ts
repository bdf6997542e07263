// The SIP message model (RFC 3261 §7). Pure data: parse.ts builds it, serialize.ts writes it.
// Header values are kept as text (unfolded, trimmed) so unknown headers and their order survive a
// round trip; typed accessors (headers.ts, via.ts, name-addr.ts, cseq.ts) parse on demand.

/** A zero-length body or byte string, shared (there is nothing in it to change). */
export const EMPTY_BODY: Buffer = Buffer.alloc(0);

export interface Header {
  /** The name as written on the wire (case and compact form preserved). */
  name: string;
  /** The value with folding removed and surrounding whitespace trimmed. */
  value: string;
}

interface MessageBase {
  /** "SIP/2.0" for anything we accept. */
  version: string;
  headers: Header[];
  body: Buffer;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  /** The Request-URI as text; parse with uri.ts when needed. */
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

/** A parsed SIP, SIPS or tel URI (RFC 3261 §19.1, RFC 3966). */
export interface SipUri {
  scheme: 'sip' | 'sips' | 'tel';
  /** User part, still %-escaped as received; for tel: the number. */
  user?: string;
  password?: string;
  /** Host without brackets for IPv6; empty for tel. */
  host: string;
  port?: number;
  /** URI parameters in order; a parameter without value maps to null. Keys lower-cased. */
  params: Map<string, string | null>;
  /** URI headers (after '?'), in order. */
  headers: Map<string, string>;
}

/** name-addr or addr-spec with header parameters (From, To, Contact, Route, PAI, ...). */
export interface NameAddr {
  displayName?: string;
  uri: SipUri;
  /** Header parameters after the URI (tag, expires, ...). Keys lower-cased; flag params map to null. */
  params: Map<string, string | null>;
  /** Raw URI text as it appeared (useful to forward unchanged). */
  rawUri: string;
}

/** One Via header value (RFC 3261 §20.42, RFC 3581). */
export interface Via {
  /** "SIP/2.0" */
  protocol: string;
  /** Upper-case transport: UDP, TCP, TLS, SCTP, WS, WSS. */
  transport: string;
  host: string;
  port?: number;
  /** All parameters in order; keys lower-cased; flag params map to null. */
  params: Map<string, string | null>;
  branch?: string;
  received?: string;
  /** rport: undefined when absent, null when present without value, else the number. */
  rport?: number | null;
}

export interface CSeq {
  seq: number;
  method: string;
}
