// Re-INVITE relay between the two legs of a connected call (hold/resume, codec change): the offer
// is scrubbed towards the other leg and its answer scrubbed back. One offer (re-INVITE or UPDATE)
// at a time per call (RFC 3261 §14.2, RFC 3311 §5.2), and one still pending when the call ends is
// answered 487 (§15.1.2).
import type { Logger } from 'pino';
import { SDP_HEADERS } from './sdp.ts';
import { isSipError } from './srf-types.ts';
import type { SrfDialog, SrfMessage, SrfOutgoingResponse } from './srf-types.ts';

/** How an offer and its answer are rewritten in transit (scrubbed; the callback flow also restamps the origin). */
export interface OfferRewrite {
  /** The offer as it goes to the other leg. */
  offer(sdp: string): string;
  /** The other leg's answer as it goes back to the sender. */
  answer(sdp: string): string | undefined;
}

/** The offer (re-INVITE or UPDATE) being relayed in a call, if any: who sent it and our pending answer to it. */
export interface ModifyState {
  pending?: { from: SrfDialog; res: SrfOutgoingResponse };
  ended?: boolean;
}

function reply(res: SrfOutgoingResponse, status: number, opts: { headers?: Record<string, string>; body?: string } = {}, log: Logger): void {
  if (res.finalResponseSent) return;
  try {
    res.send(status, opts);
  } catch (err) {
    log.warn({ err }, 'answering re-INVITE failed');
  }
}

/** RFC 3261 §14.2: a random Retry-After between 0 and 10 s for a re-INVITE refused with 500. */
export function retryAfterSeconds(random: () => number = Math.random): number {
  return Math.min(10, Math.floor(random() * 11));
}

/**
 * Admits a new offer from `from` (re-INVITE or UPDATE) when none is outstanding in the call and
 * returns what to call once it is answered; otherwise answers `res` itself and returns null:
 * 481 after the call ended, 500 + Retry-After when this sender's own offer is still unanswered,
 * 491 when the other side's offer is on its way to this sender (RFC 3261 §14.2, RFC 3311 §5.2).
 */
export function beginOffer(state: ModifyState, from: SrfDialog, res: SrfOutgoingResponse, log: Logger): (() => void) | null {
  if (state.ended) {
    reply(res, 481, {}, log);
    return null;
  }
  const pending = state.pending;
  if (pending) {
    if (pending.from === from) reply(res, 500, { headers: { 'Retry-After': String(retryAfterSeconds()) } }, log);
    else reply(res, 491, {}, log);
    return null;
  }
  const current = { from, res };
  state.pending = current;
  return () => {
    if (state.pending === current) delete state.pending;
  };
}

export function relayModify(state: ModifyState, from: SrfDialog, to: SrfDialog, req: SrfMessage, res: SrfOutgoingResponse, rewrite: OfferRewrite, log: Logger): void {
  if (!req.body && !state.ended && !state.pending) {
    // A re-INVITE without offer (RFC 3261 §14.1): answer with our current session.
    const body = from.local.sdp;
    reply(res, 200, body ? { headers: SDP_HEADERS, body } : {}, log);
    return;
  }
  // One offerless while another offer is outstanding collides like any other (§14.2).
  const done = beginOffer(state, from, res, log);
  if (done === null) return;
  to.modify(rewrite.offer(req.body ?? '')).then(
    (answer) => {
      done();
      const body = answer ? rewrite.answer(answer) : undefined;
      // What we last gave this leg: a later re-INVITE without offer is answered with it.
      if (body !== undefined) from.local.sdp = body;
      reply(res, 200, body !== undefined ? { headers: SDP_HEADERS, body } : {}, log);
    },
    (err: unknown) => {
      done();
      log.info({ err: isSipError(err) ? err.status : String(err) }, 're-INVITE refused by the other leg');
      reply(res, isSipError(err) ? err.status : 500, {}, log);
    },
  );
}

/** The call ended: a re-INVITE still waiting for the other leg gets 487 now (RFC 3261 §15.1.2). */
export function endModifies(state: ModifyState, log: Logger): void {
  state.ended = true;
  const pending = state.pending;
  delete state.pending;
  if (pending) reply(pending.res, 487, {}, log);
}
