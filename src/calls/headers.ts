// Headers of each leg, built from scratch: nothing is copied from the other leg unless it is on a
// short allowlist and its value passes a strict syntax check. In a privacy product copying all
// but a denylist leaks numbers (From, PAI, P-Preferred-Identity, Remote-Party-ID, Diversion,
// History-Info, Referred-By, Contact user, User-Agent/Server, Call-ID, X- headers...).
import { containsNumber } from './numbers.ts';

export type SipHeaders = Record<string, string>;

/**
 * Headers copied from one leg to the other, each with the only syntax accepted for its value.
 * Allow (RFC 3261 §20.5) is a list of method tokens: it cannot carry a number.
 */
export const HEADER_ALLOWLIST: ReadonlyArray<{ name: string; value: RegExp }> = [
  { name: 'Allow', value: /^[A-Za-z]+(\s*,\s*[A-Za-z]+)*$/ },
];

/** X as a SIP URI the server completes: `@localhost` is replaced by its own address (drachtio 4.2.1). */
export function privacyUri(x: string): string {
  return `<sip:${x}@localhost>`;
}

function getHeader(headers: SipHeaders, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

/** Allowlisted headers of `incoming` whose values have the expected syntax. */
export function copyAllowlisted(incoming: SipHeaders): SipHeaders {
  const out: SipHeaders = {};
  for (const { name, value } of HEADER_ALLOWLIST) {
    const v = getHeader(incoming, name)?.trim();
    if (v !== undefined && value.test(v)) out[name] = v;
  }
  return out;
}

/** Drops every header whose value contains one of the forbidden numbers (defence in depth). */
export function withoutNumbers(headers: SipHeaders, forbidden: readonly string[]): SipHeaders {
  const out: SipHeaders = {};
  for (const [k, v] of Object.entries(headers)) if (!containsNumber(v, forbidden)) out[k] = v;
  return out;
}

/**
 * The B-leg INVITE: From and P-Asserted-Identity = X without display name (RFC 3325 §9.1),
 * Contact with X as user, To = the target at the gateway. Call-ID, tags, Via and CSeq are the
 * server's own. `forbidden` = digit strings of the caller's real number.
 */
export function buildCalleeInviteHeaders(
  incoming: SipHeaders,
  leg: { x: string; targetUri: string; hasBody: boolean },
  forbidden: readonly string[],
): SipHeaders {
  const own: SipHeaders = {
    From: privacyUri(leg.x),
    To: `<${leg.targetUri}>`,
    'P-Asserted-Identity': privacyUri(leg.x),
    Contact: privacyUri(leg.x),
  };
  if (leg.hasBody) own['Content-Type'] = 'application/sdp';
  return { ...withoutNumbers(copyAllowlisted(incoming), forbidden), ...own };
}

/**
 * Headers of our responses to the caller (18x, 200, failures): the connected identity is X,
 * nothing of the callee's response crosses but the allowlist. `forbidden` = the callee's digits.
 */
export function buildCallerResponseHeaders(
  calleeResponse: SipHeaders | undefined,
  leg: { x: string; hasBody: boolean },
  forbidden: readonly string[],
): SipHeaders {
  const own: SipHeaders = { 'P-Asserted-Identity': privacyUri(leg.x) };
  if (leg.hasBody) own['Content-Type'] = 'application/sdp';
  return { ...withoutNumbers(copyAllowlisted(calleeResponse ?? {}), forbidden), ...own };
}

// RFC 3326 Reason values of the failures, BYEs and CANCELs we generate ourselves.
/** Whatever we end or refuse because this process is shutting down. */
export const REASON_SHUTDOWN = 'Q.850;cause=41;text="service shutting down"';
export const REASON_NO_ANSWER = 'Q.850;cause=19;text="no answer from user"';
export const REASON_NETWORK = 'Q.850;cause=38;text="network out of order"';
export const REASON_MAX_DURATION = 'Q.850;cause=102;text="maximum call duration"';

/**
 * Headers of a rejection we generate: Reason (RFC 3326), for 503 Retry-After (RFC 3261 §21.5.4),
 * for 415 Accept (RFC 3261 §21.4.13: the response MUST list the acceptable types).
 */
export function buildRejectHeaders(reason: string, retryAfter?: number, accept?: string): SipHeaders {
  const h: SipHeaders = { Reason: reason };
  if (retryAfter !== undefined) h['Retry-After'] = String(retryAfter);
  if (accept !== undefined) h['Accept'] = accept;
  return h;
}
