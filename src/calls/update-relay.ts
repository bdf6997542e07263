// Mid-call UPDATE (RFC 3311) between the two legs. An UPDATE with an offer (codec or address change,
// hold by UPDATE) must reach the other party, or the two sides stop agreeing on the media; its
// answer comes back the same way. Offer and answer are rewritten in transit like a re-INVITE's
// (scrubbed of the parties' numbers; the callback flow also restamps the origin line). An UPDATE
// without a body (a session refresh) is answered here. The call's offer state is shared with the
// re-INVITE relay, so colliding offers are refused as RFC 3311 §5.2 says.
import type { Logger } from 'pino';
import { beginOffer, type ModifyState, type OfferRewrite } from './modify-relay.ts';
import { SDP_HEADERS } from './sdp.ts';
import { isSipError } from './srf-types.ts';
import type { SrfDialog, SrfMessage, SrfOutgoingResponse } from './srf-types.ts';

export function relayUpdate(state: ModifyState, from: SrfDialog, to: SrfDialog, req: SrfMessage, res: SrfOutgoingResponse, rewrite: OfferRewrite, log: Logger): void {
  if (!req.body) {
    res.send(200);
    return;
  }
  const done = beginOffer(state, from, res, log);
  if (done === null) return;
  const offer = rewrite.offer(req.body);
  to.request({ method: 'UPDATE', headers: SDP_HEADERS, body: offer }).then(
    (r) => {
      done();
      if (res.finalResponseSent) return;
      if (r.status >= 300) {
        log.info({ status: r.status }, 'UPDATE refused by the other leg');
        res.send(r.status);
        return;
      }
      const answer = r.body ? rewrite.answer(r.body) : undefined;
      // What each leg was last given and gave: a later re-INVITE without offer answers with it.
      to.local.sdp = offer;
      if (r.body) to.remote.sdp = r.body;
      from.remote.sdp = req.body;
      if (answer !== undefined) from.local.sdp = answer;
      res.send(200, answer !== undefined ? { headers: SDP_HEADERS, body: answer } : {});
    },
    (err: unknown) => {
      done();
      if (res.finalResponseSent) return;
      log.info({ status: isSipError(err) ? err.status : undefined }, 'UPDATE not delivered to the other leg');
      res.send(isSipError(err) ? err.status : 500);
    },
  );
}
