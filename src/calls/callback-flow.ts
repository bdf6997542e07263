// The SIP side of one callback (click-to-call), RFC 3725 third-party call control on drachtio-srf's
// public API (createUAC with noAck, Dialog#modify). Offer/answer (RFC 3264) on each leg:
//
//   us -> A  INVITE (no SDP)                      A's 200 carries offer OA
//   us -> A  ACK with a held answer to OA         a=inactive, c=0.0.0.0: A stops retransmitting
//                                                 its 200 at once, so B may ring for the whole
//                                                 ring timeout (not only A's 64*T1 ACK window)
//   us -> B  INVITE (no SDP)                      B's 200 carries offer OB
//   us -> A  re-INVITE with OB (scrubbed)         a new offer in A's session; A's 200 = answer AA
//   us -> A  ACK                                  (srf sends it: Dialog#modify)
//   us -> B  ACK with AA (scrubbed)               the answer to B's offer (RFC 3261 §13.2.1)
//
// This is RFC 3725 §4.1 flow I made safe by the held answer (the §5 "recommended" idea of not
// keeping a 200 un-ACKed), with the late offer on B so that every SDP we send is a correct offer
// or answer and no SDP of ours is invented for B. OA is never sent to B: B's media comes from the
// re-INVITE exchange. Both legs show X (From and P-Asserted-Identity), built from scratch; every
// SDP crossing legs is scrubbed and gets the receiving leg's own o= line (RFC 3264 §8).
import type { Logger } from 'pino';
import type { CallbackEnd, Leg } from './callback-state.ts';
import { connectedEnd, hangupBeforeConnect, legFailureEnd, mediaFailedEnd, stoppedBeforeConnect } from './callback-state.ts';
import { heldAnswer, newSessionId, OriginSequence } from './callback-sdp.ts';
import { isUnackedAnswer } from './callback-srf.ts';
import type { CallbackSrf, UnackedAnswer } from './callback-srf.ts';
import { serialAttempts } from './failover.ts';
import type { AttemptFailure, SerialResult } from './failover.ts';
import { buildCalleeInviteHeaders, REASON_MAX_DURATION, REASON_NETWORK, REASON_NO_ANSWER, REASON_SHUTDOWN } from './headers.ts';
import { numberNeedles } from './numbers.ts';
import { scrubSdp } from './sdp.ts';
import { isSipError } from './srf-types.ts';
import type { SrfDialog, SrfSentRequest } from './srf-types.ts';
import { relayBetweenLegs } from './leg-relay.ts';
import { endModifies, type ModifyState, type OfferRewrite } from './modify-relay.ts';

/** Whom to call, through which gateways (Request-URIs in failover order), showing X. */
export interface CallbackPlan {
  id: string;
  x: string;
  a: string;
  b: string;
  aUris: readonly string[];
  bUris: readonly string[];
  /** Country code of the trunk, for the national form of the numbers in leak checks. */
  countryCode?: string;
  maxCallSeconds?: number;
}

export type FlowEvent =
  | { type: 'calling-a' }
  | { type: 'ringing'; leg: Leg }
  | { type: 'a-answered' }
  | { type: 'calling-b' }
  | { type: 'connected' }
  | { type: 'ended'; end: CallbackEnd };

export interface CallbackFlowDeps {
  srf: CallbackSrf;
  log: Logger;
  /** Seconds each leg may ring before we CANCEL it. */
  ringTimeoutSeconds: number;
  newSessionId?: () => string;
}

export interface CallbackFlow {
  /** Cancel through the API: CANCEL a ringing leg, BYE answered ones. */
  cancel(): void;
  /** The service is stopping: same as cancel, with a shutdown reason. */
  shutdown(): void;
  /** Resolves once the flow has ended (every leg released or never answered). */
  readonly done: Promise<CallbackEnd>;
}

// RFC 3326 Reason values of the BYEs and CANCELs we generate.
const REASONS: Record<string, string> = {
  'b-busy': 'Q.850;cause=17;text="user busy"',
  'b-no-answer': REASON_NO_ANSWER,
  'b-rejected': 'Q.850;cause=21;text="call rejected"',
  'b-unreachable': REASON_NETWORK,
  'media-failed': 'Q.850;cause=65;text="bearer capability not implemented"',
  cancelled: 'Q.850;cause=16;text="normal call clearing"',
  'max-duration': REASON_MAX_DURATION,
  shutdown: REASON_SHUTDOWN,
};

class Stopped extends Error {
  constructor() {
    super('callback stopped before the next attempt');
    this.name = 'Stopped';
  }
}


export function runCallbackFlow(deps: CallbackFlowDeps, plan: CallbackPlan, report: (e: FlowEvent) => void): CallbackFlow {
  const { log } = deps;
  const makeId = deps.newSessionId ?? newSessionId;
  const aDigits = numberNeedles(plan.a, plan.countryCode);
  const bDigits = numberNeedles(plan.b, plan.countryCode);
  // Our session as each leg sees it (RFC 3264 §8).
  const originA = new OriginSequence(makeId());
  const originB = new OriginSequence(makeId());

  let stopping: 'api' | 'shutdown' | null = null;
  let aGone = false;
  let connected = false;
  let ended = false;
  let pending: SrfSentRequest | undefined;
  let dialogA: SrfDialog | undefined;
  let ringTimer: NodeJS.Timeout | undefined;
  let maxTimer: NodeJS.Timeout | undefined;
  let hangupConnected: ((by: 'api' | 'shutdown') => void) | undefined;
  const rang = { a: false, b: false };
  let resolveDone: (e: CallbackEnd) => void = () => undefined;
  const done = new Promise<CallbackEnd>((r) => {
    resolveDone = r;
  });

  const safeReport = (e: FlowEvent): void => {
    try {
      report(e);
    } catch (err) {
      log.warn({ err }, 'callback progress report failed');
    }
  };

  const end = (e: CallbackEnd): void => {
    if (ended) return;
    ended = true;
    clearTimeout(ringTimer);
    clearTimeout(maxTimer);
    log.info({ status: e.finalStatus, reason: e.reason, outcome: e.outcome }, 'callback ended');
    safeReport({ type: 'ended', end: e });
    resolveDone(e);
  };

  const bye = (d: SrfDialog | undefined, reason?: string): void => {
    if (!d) return;
    void d.destroy(reason !== undefined ? { headers: { Reason: reason } } : undefined).catch((err: unknown) => log.debug({ err }, 'BYE failed'));
  };

  const abandon = (answer: UnackedAnswer): void => {
    void answer.destroy().catch((err: unknown) => log.debug({ err }, 'releasing an answered leg failed'));
  };

  const cancelPending = (): void => {
    const p = pending;
    if (p) {
      try {
        p.cancel();
      } catch (err) {
        log.debug({ err }, 'CANCEL failed');
      }
    }
  };

  /** Why the flow stops before connecting, when it was told to stop or A hung up. */
  const stopEnd = (): CallbackEnd => (aGone ? hangupBeforeConnect('a') : stoppedBeforeConnect(stopping ?? 'api'));
  const halted = (): boolean => stopping !== null || aGone;

  function dial(leg: Leg, uris: readonly string[], forbidden: readonly string[]): Promise<SerialResult<UnackedAnswer | SrfDialog>> {
    let ringTimedOut = false;
    const attempt = (uri: string, index: number): Promise<UnackedAnswer | SrfDialog> => {
      if (halted()) return Promise.reject(new Stopped());
      ringTimedOut = false;
      log.debug({ leg, attempt: index }, 'calling gateway');
      return deps.srf.createUAC(
        uri,
        { headers: buildCalleeInviteHeaders({}, { x: plan.x, targetUri: uri, hasBody: false }, forbidden), noAck: true },
        {
          cbRequest: (err, sent) => {
            if (err) return;
            pending = sent;
            if (halted()) {
              cancelPending();
              return;
            }
            clearTimeout(ringTimer);
            ringTimer = setTimeout(() => {
              ringTimedOut = true;
              log.info({ leg, ringTimeoutSeconds: deps.ringTimeoutSeconds }, 'ring timeout: cancelling');
              cancelPending();
            }, deps.ringTimeoutSeconds * 1000);
          },
          cbProvisional: (res) => {
            if (res.status > 100 && !rang[leg]) {
              rang[leg] = true;
              safeReport({ type: 'ringing', leg });
            }
          },
        },
      );
    };
    const classify = (err: unknown): AttemptFailure => {
      clearTimeout(ringTimer);
      pending = undefined;
      if (err instanceof Stopped || halted()) return { kind: 'caller-cancelled' };
      if (ringTimedOut) return { kind: 'ring-timeout' };
      if (isSipError(err)) return { kind: 'sip', status: err.status };
      log.warn({ err, leg }, 'leg failed without a SIP answer');
      return { kind: 'error', error: err };
    };
    return serialAttempts(uris, attempt, classify, () => false).finally(() => {
      clearTimeout(ringTimer);
      pending = undefined;
    });
  }

  /** A 200 without an offer to our offerless INVITE breaks RFC 3264 §5: nothing to bridge. */
  const noOffer = (leg: Leg): CallbackEnd => legFailureEnd(leg, { kind: 'sip', status: 488 });

  async function run(): Promise<void> {
    safeReport({ type: 'calling-a' });
    const ra = await dial('a', plan.aUris, bDigits);
    if (!ra.ok) {
      end(ra.failure.kind === 'caller-cancelled' ? stopEnd() : legFailureEnd('a', ra.failure));
      return;
    }
    const answerA = ra.value;
    if (!isUnackedAnswer(answerA)) {
      bye(answerA);
      end(noOffer('a'));
      return;
    }
    const held = heldAnswer(answerA.sdp, originA.next());
    if (held === null || stopping !== null) {
      abandon(answerA);
      end(held === null ? noOffer('a') : stopEnd());
      return;
    }
    let a: SrfDialog;
    try {
      a = await answerA.ack(held);
    } catch (err) {
      log.warn({ err }, 'A answered without a usable dialog');
      end(legFailureEnd('a', { kind: 'error', error: err }));
      return;
    }
    dialogA = a;
    a.on('destroy', () => {
      if (connected) return;
      // A hung up while B was being called: CANCEL B (RFC 3261 §9.1).
      aGone = true;
      log.info('A hung up before B answered');
      cancelPending();
    });
    safeReport({ type: 'a-answered' });
    if (halted()) {
      if (!aGone) bye(a, REASONS[stopping ?? 'cancelled']);
      end(stopEnd());
      return;
    }

    safeReport({ type: 'calling-b' });
    const rb = await dial('b', plan.bUris, aDigits);
    if (!rb.ok) {
      if (halted()) {
        if (!aGone) bye(a, REASONS[stopping ?? 'cancelled']);
        end(stopEnd());
        return;
      }
      const e = legFailureEnd('b', rb.failure);
      bye(a, REASONS[e.reason]);
      end(e);
      return;
    }
    const answerB = rb.value;
    if (!isUnackedAnswer(answerB)) {
      bye(answerB);
      const e = noOffer('b');
      bye(a, REASONS[e.reason]);
      end(e);
      return;
    }
    if (halted()) {
      abandon(answerB);
      if (!aGone) bye(a, REASONS[stopping ?? 'cancelled']);
      end(stopEnd());
      return;
    }

    // The re-INVITE carries B's offer to A; A's answer goes to B in B's ACK.
    const offerToA = originA.stamp(scrubSdp(answerB.sdp, { forbidden: bDigits }) ?? '');
    let answerFromA: string;
    try {
      answerFromA = await a.modify(offerToA);
    } catch (err) {
      abandon(answerB);
      if (aGone) {
        end(hangupBeforeConnect('a'));
        return;
      }
      const status = isSipError(err) ? err.status : 500;
      log.info({ status }, 'A refused the offer of B');
      const e = halted() ? stopEnd() : mediaFailedEnd(status);
      bye(a, REASONS[e.reason]);
      end(e);
      return;
    }
    if (!answerFromA) {
      abandon(answerB);
      bye(a, REASONS['media-failed']);
      end(mediaFailedEnd(488));
      return;
    }
    let b: SrfDialog;
    try {
      b = await answerB.ack(originB.stamp(scrubSdp(answerFromA, { forbidden: aDigits }) ?? ''));
    } catch (err) {
      log.warn({ err }, 'B answered without a usable dialog');
      const e = legFailureEnd('b', { kind: 'error', error: err });
      bye(a, REASONS[e.reason]);
      end(e);
      return;
    }
    if (halted()) {
      bye(b, REASONS[stopping ?? 'cancelled']);
      if (!aGone) bye(a, REASONS[stopping ?? 'cancelled']);
      end(stopEnd());
      return;
    }
    bridge(a, b);
  }

  function bridge(a: SrfDialog, b: SrfDialog): void {
    connected = true;
    log.info('callback connected');
    safeReport({ type: 'connected' });
    const modifies: ModifyState = {};
    // An offer still waiting for the other leg is answered 487 when the call ends (RFC 3261 §15.1.2).
    const endConnected = (e: CallbackEnd): void => {
      endModifies(modifies, log);
      end(e);
    };
    a.on('destroy', () => {
      endConnected(connectedEnd('a'));
      bye(b);
    });
    b.on('destroy', () => {
      endConnected(connectedEnd('b'));
      bye(a);
    });
    // Offers either way (hold/resume): scrubbed, and stamped with the receiving leg's origin;
    // DTMF INFO; no REFER.
    relayBetweenLegs(
      modifies,
      { dialog: a, digits: aDigits, rewrite: restamping(originB, originA, aDigits, bDigits) },
      { dialog: b, digits: bDigits, rewrite: restamping(originA, originB, bDigits, aDigits) },
      log,
    );
    const hangupBoth = (by: 'api' | 'shutdown' | 'max-duration'): void => {
      if (ended) return;
      const e = connectedEnd(by);
      endConnected(e);
      bye(a, REASONS[e.reason]);
      bye(b, REASONS[e.reason]);
    };
    hangupConnected = hangupBoth;
    if (plan.maxCallSeconds !== undefined) {
      const seconds = plan.maxCallSeconds;
      maxTimer = setTimeout(() => {
        log.info({ maxCallSeconds: seconds }, 'maximum call duration reached');
        hangupBoth('max-duration');
      }, seconds * 1000);
    }
  }

  const stop = (why: 'api' | 'shutdown'): void => {
    if (ended) return;
    if (connected) {
      hangupConnected?.(why);
      return;
    }
    stopping ??= why;
    cancelPending();
  };

  void run().catch((err: unknown) => {
    log.error({ err }, 'callback flow failed');
    bye(dialogA, REASONS.shutdown);
    end(legFailureEnd(dialogA ? 'b' : 'a', { kind: 'error', error: err }));
  });

  return {
    cancel: () => stop('api'),
    shutdown: () => stop('shutdown'),
    done,
  };
}

/** Offer and answer of a relayed UPDATE: scrubbed, and stamped with the origin line each leg knows from us. */
function restamping(toOther: OriginSequence, back: OriginSequence, forbiddenTowards: readonly string[], forbiddenBack: readonly string[]): OfferRewrite {
  return {
    offer: (sdp) => toOther.stamp(scrubSdp(sdp, { forbidden: forbiddenTowards }) ?? ''),
    answer: (sdp) => back.stamp(scrubSdp(sdp, { forbidden: forbiddenBack }) ?? ''),
  };
}
