// In-dialog INFO between the two legs of a masked call. DTMF sent as SIP INFO (application/
// dtmf-relay and kin, RFC 6086 legacy usage) must reach the other party, e.g. an IVR behind B.
// Only DTMF bodies cross, only when they carry none of the sender's numbers, with nothing but
// Content-Type (and Info-Package) copied; any other INFO is answered here with 200 and goes no
// further (what drachtio-srf does with an INFO nobody listens to). The sender gets the far end's
// status, so a refused digit is not reported as delivered.
import type { Logger } from 'pino';
import { containsNumber } from './numbers.ts';
import { isSipError } from './srf-types.ts';
import type { SipHeaders, SrfDialog, SrfMessage, SrfOutgoingResponse } from './srf-types.ts';

/** Content types of INFO bodies that carry DTMF and are relayed. */
export const DTMF_INFO_TYPES: ReadonlySet<string> = new Set(['application/dtmf-relay', 'application/dtmf', 'audio/telephone-event']);

/** The headers an INFO towards the other leg carries, or null when it must not cross. */
export function infoToRelay(req: SrfMessage, forbidden: readonly string[]): SipHeaders | null {
  const type = req.get('Content-Type');
  const base = type?.split(';')[0]?.trim().toLowerCase();
  if (type === undefined || base === undefined || !DTMF_INFO_TYPES.has(base)) return null;
  if (!req.body || containsNumber(req.body, forbidden)) return null;
  const headers: SipHeaders = { 'Content-Type': type };
  const pkg = req.get('Info-Package');
  if (pkg !== undefined) headers['Info-Package'] = pkg;
  return headers;
}

export function relayInfo(to: SrfDialog, req: SrfMessage, res: SrfOutgoingResponse, forbidden: readonly string[], log: Logger): void {
  const headers = infoToRelay(req, forbidden);
  if (headers === null) {
    log.debug({ contentType: req.get('Content-Type') }, 'INFO answered here, not relayed');
    res.send(200);
    return;
  }
  to.request({ method: 'INFO', headers, body: req.body ?? '' }).then(
    (r) => res.send(r.status),
    (err: unknown) => {
      log.info({ status: isSipError(err) ? err.status : undefined }, 'INFO not delivered to the other leg');
      res.send(isSipError(err) ? err.status : 500);
    },
  );
}
