// The call plan: a pure function from the facts of an INVITE and the binding lookup to either a
// CallPlan (whom to call, through which gateways) or a Reject (status + RFC 3326 Reason).
// Pipeline (Kamailio style): sanity -> source trunk -> normalise -> lookup -> policy -> act.
// The app (app.ts) does the lookup and executes the result; nothing here does I/O.
import { ERRORS } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import type { Binding, CallDirection, CallLookup } from '../bindings/model.ts';
import type { CallOutcome } from '../records/model.ts';
import { calledNumber, callerNumber } from './numbers.ts';
import type { Trunk, TrunkTable } from './trunks.ts';

/** What the app reads off an incoming INVITE (header values as received). */
export interface InviteFacts {
  sourceAddress: string;
  requestUri: string;
  from?: string;
  to?: string;
  pai?: string;
  contentType?: string;
  hasBody: boolean;
}

export type RejectCause =
  | 'sanity'
  | 'untrusted-source'
  | 'bad-number'
  | 'unbound'
  | 'expired'
  | 'restricted'
  | 'store-error'
  | 'call-limit'
  | 'no-gateway';

export interface Reject {
  kind: 'reject';
  cause: RejectCause;
  code: ErrorCode;
  status: number;
  /** Value of the Reason header (RFC 3326). */
  reason: string;
  /** Seconds, sent as Retry-After (RFC 3261 §20.33) on 503. */
  retryAfter?: number;
  /** Body types we accept, sent as Accept on 415 (RFC 3261 §21.4.13). */
  accept?: string;
  /** Outcome for the call record (absent when no record is written: no caller or X known). */
  outcome?: CallOutcome;
}

export interface Admitted {
  kind: 'admitted';
  trunk: Trunk;
  gateways: string[];
  caller: string;
  x: string;
}

export interface CallPlan {
  kind: 'connect';
  binding: Binding;
  trunk: Trunk;
  caller: string;
  x: string;
  target: string;
  direction: CallDirection;
  /** B-leg Request-URIs, one per gateway, in failover order. */
  targetUris: string[];
  maxCallSeconds?: number;
}

export interface CallPolicy {
  now: number;
  /** Calls in progress in this process, not counting this one. */
  activeCalls: number;
  maxConcurrentCalls: number;
  retryAfterSeconds: number;
}

export type LookupResult = CallLookup | null | 'store-error';

function reject(code: ErrorCode, cause: RejectCause, extra: Partial<Reject> = {}): Reject {
  const spec = ERRORS[code];
  return { kind: 'reject', cause, code, status: spec.sipStatus, reason: spec.sipReason, ...extra };
}

// Only SDP may cross to the other leg; any other body (e.g. ISUP in multipart/mixed) carries the
// calling party number and cannot be scrubbed.
function acceptableBody(f: InviteFacts): boolean {
  if (!f.hasBody) return true;
  const type = (f.contentType ?? 'application/sdp').split(';')[0]?.trim().toLowerCase();
  return type === 'application/sdp';
}

/** Sanity, source trunk and number normalisation: everything decided before the lookup. */
export function admit(facts: InviteFacts, trunks: TrunkTable): Admitted | Reject {
  const trunk = trunks.findTrunk(facts.sourceAddress);
  // Untrusted sources learn nothing: same answer whatever they sent, and no lookup.
  if (!trunk) return reject('PN_ERR_CALL_UNTRUSTED_SOURCE', 'untrusted-source');
  if (!acceptableBody(facts)) {
    return reject('PN_ERR_VALIDATION', 'sanity', { status: 415, reason: 'SIP;cause=415;text="only application/sdp accepted"', accept: 'application/sdp' });
  }
  const x = calledNumber({ requestUri: facts.requestUri, to: facts.to }, trunk.countryCode);
  if (!x) return reject('PN_ERR_NUMBER_INVALID', 'bad-number');
  const caller = callerNumber({ pai: facts.pai, from: facts.from }, trunk.countryCode);
  // Anonymous or unparsable caller: no (caller, X) pair to look up, so it is unbound.
  if (!caller) return unbound(trunk, 'unbound');
  return { kind: 'admitted', trunk, gateways: trunks.outboundGateways(trunk), caller, x };
}

function unbound(trunk: Trunk, cause: RejectCause): Reject {
  const spec = ERRORS.PN_ERR_CALL_UNBOUND;
  return reject('PN_ERR_CALL_UNBOUND', cause, {
    status: trunk.unboundStatus ?? spec.sipStatus,
    reason: trunk.unboundReason ?? spec.sipReason,
    outcome: 'rejected-unbound',
  });
}

function restricted(trunk: Trunk): Reject {
  const spec = ERRORS.PN_ERR_CALL_RESTRICTED;
  return reject('PN_ERR_CALL_RESTRICTED', 'restricted', {
    status: trunk.restrictedStatus ?? spec.sipStatus,
    reason: trunk.restrictedReason ?? spec.sipReason,
    outcome: 'rejected-restricted',
  });
}

/** The lookup answer is consistent with the binding's mode and parties (never call a stranger). */
function consistent(caller: string, l: CallLookup): boolean {
  const b = l.binding;
  switch (b.mode) {
    case 'AXB':
      return l.direction === 'a-to-b' ? caller === b.a && l.target === b.b : caller === b.b && l.target === b.a;
    case 'reverse':
      // Only B reaches A through X; A calling X is treated as unbound.
      return l.direction === 'b-to-a' && caller === b.b && l.target === b.a;
    case 'AXN':
      // Anyone reaches A; A calling its own X has nobody to reach.
      return l.target === b.a && caller !== b.a;
  }
}

function allowed(b: Binding, direction: CallDirection): boolean {
  // callRestriction names the direction(s) allowed to call.
  return b.callRestriction === 'both' || b.callRestriction === direction;
}

/** Builds the B-leg Request-URI: the target as user part at the gateway's host, port and params. */
export function targetUri(gateway: string, target: string): string {
  const m = /^(sips?):(.*)$/i.exec(gateway.trim());
  const scheme = m ? (m[1] ?? 'sip').toLowerCase() : 'sip';
  let rest = m ? (m[2] ?? '') : gateway.trim();
  rest = rest.split('?')[0] ?? '';
  const at = rest.lastIndexOf('@');
  if (at >= 0) rest = rest.slice(at + 1);
  return `${scheme}:${target}@${rest}`;
}

/** Lookup and policy: expired, direction restriction, concurrent-call limit; then the plan. */
export function decide(admitted: Admitted, lookup: LookupResult, policy: CallPolicy): CallPlan | Reject {
  const { trunk, caller, x } = admitted;
  if (lookup === 'store-error') {
    return reject('PN_ERR_STORE_UNAVAILABLE', 'store-error', { retryAfter: policy.retryAfterSeconds, outcome: 'failed' });
  }
  if (lookup === null) return unbound(trunk, 'unbound');
  const b = lookup.binding;
  if (b.x !== x) return unbound(trunk, 'unbound');
  if (b.expiresAt <= policy.now) return unbound(trunk, 'expired');
  if (!consistent(caller, lookup)) return unbound(trunk, 'unbound');
  if (!allowed(b, lookup.direction)) return restricted(trunk);
  if (policy.activeCalls >= policy.maxConcurrentCalls) {
    return reject('PN_ERR_CALL_LIMIT', 'call-limit', { retryAfter: policy.retryAfterSeconds, outcome: 'failed' });
  }
  if (admitted.gateways.length === 0) {
    return reject('PN_ERR_CONFIG_INVALID', 'no-gateway', { status: 503, reason: 'SIP;cause=503;text="no gateway configured"', outcome: 'failed' });
  }
  const plan: CallPlan = {
    kind: 'connect',
    binding: b,
    trunk,
    caller,
    x,
    target: lookup.target,
    direction: lookup.direction,
    targetUris: admitted.gateways.map((g) => targetUri(g, lookup.target)),
  };
  if (b.maxCallSeconds !== undefined && b.maxCallSeconds > 0) plan.maxCallSeconds = b.maxCallSeconds;
  return plan;
}
