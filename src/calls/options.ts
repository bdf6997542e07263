// OPTIONS from carriers and trunks (RFC 3261 §11): their keep-alive pings. A trunk gets 200 with
// what we accept; an address that is not a trunk gets the same 403 an INVITE from it would get
// (it learns nothing); while this process shuts down, 503 with Retry-After so the carrier moves
// new calls elsewhere before we stop answering.
import type { Logger } from 'pino';
import { ERRORS } from '../errors.ts';
import { buildRejectHeaders, REASON_SHUTDOWN } from './headers.ts';
import type { SipHeaders, SrfIncomingRequest, SrfOutgoingResponse } from './srf-types.ts';
import type { TrunkTable } from './trunks.ts';

/** The methods the B2BUA handles in a call, and the only body it takes. */
export const CAPABILITY_HEADERS: SipHeaders = {
  Allow: 'INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE, INFO, PRACK',
  Accept: 'application/sdp',
};

export function answerOptions(
  req: SrfIncomingRequest,
  res: SrfOutgoingResponse,
  ctx: { trunks: TrunkTable; closing: () => boolean; retryAfterSeconds: number; log: Logger },
): void {
  const trunk = ctx.trunks.findTrunk(req.source_address);
  if (!trunk) {
    // Scanners probe with OPTIONS: debug only, or they would flood the log.
    ctx.log.debug({ source: req.source_address }, 'OPTIONS from an untrusted source: 403');
    const spec = ERRORS.PN_ERR_CALL_UNTRUSTED_SOURCE;
    res.send(spec.sipStatus, { headers: buildRejectHeaders(spec.sipReason) });
    return;
  }
  if (ctx.closing()) {
    res.send(503, { headers: buildRejectHeaders(REASON_SHUTDOWN, ctx.retryAfterSeconds) });
    return;
  }
  res.send(200, { headers: CAPABILITY_HEADERS });
}
