// Re-INVITE relay between the two legs of a connected call (hold/resume, codec change): the offer
// is scrubbed towards the other leg and its answer scrubbed back. One re-INVITE at a time per call
// (RFC 3261 §14.2), and one still pending when the call ends is answered 487 (§15.1.2).
import type { Logger } from 'pino';
import { scrubSdp } from './sdp.ts';
import { isSipError } from './srf-types.ts';
import type { SrfDialog, SrfMessage, SrfOutgoingResponse } from './srf-types.ts';

/** The re-INVITE being relayed in a call, if any: who sent it and our pending answer to it. */
export interface ModifyState {
  pending?: { from: SrfDialog; res: SrfOutgoingResponse };
  ended?: boolean;
}

const SDP_HEADERS = { 'Content-Type': 'application/sdp' };

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

export function relayModify(
  state: ModifyState,
  from: SrfDialog,
  to: SrfDialog,
  req: SrfMessage,
  res: SrfOutgoingResponse,
  forbiddenTowards: readonly string[],
  forbiddenBack: readonly string[],
  log: Logger,
): void {
  if (state.ended) {
    reply(res, 481, {}, log);
    return;
  }
  const pending = state.pending;
  if (pending && pending.from === from) {
    // §14.2: a second INVITE on the dialog before the first was answered.
    reply(res, 500, { headers: { 'Retry-After': String(retryAfterSeconds()) } }, log);
    return;
  }
  if (pending) {
    // §14.2 glare: we have an INVITE of our own outstanding on this dialog (the relayed one).
    reply(res, 491, {}, log);
    return;
  }
  if (!req.body) {
    // A re-INVITE without offer (RFC 3261 §14.1): answer with our current session.
    const body = from.local.sdp;
    reply(res, 200, body ? { headers: SDP_HEADERS, body } : {}, log);
    return;
  }
  const current = { from, res };
  state.pending = current;
  const done = (): void => {
    if (state.pending === current) delete state.pending;
  };
  const offer = scrubSdp(req.body, { forbidden: forbiddenTowards }) ?? '';
  to.modify(offer).then(
    (answer) => {
      done();
      const body = scrubSdp(answer, { forbidden: forbiddenBack });
      reply(res, 200, body ? { headers: SDP_HEADERS, body } : {}, log);
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
