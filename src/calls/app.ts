// The calls app: registers srf.invite and executes the plan of plan.ts with createB2BUA.
// Direct dial (A -> X -> B), return call (B -> X -> A) and AXN are one flow; the plan says whom.
// Uses drachtio-srf's public API only, so it runs on a real drachtio-server as well as ours.
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { BindingService } from '../bindings/model.ts';
import type { CallEventSink, CallOutcome, CallRecord, HangupBy } from '../records/model.ts';
import { maskNumber } from '../observability/mask.ts';
import { serialAttempts } from './failover.ts';
import type { AttemptFailure } from './failover.ts';
import { buildCalleeInviteHeaders, buildCallerResponseHeaders, buildRejectHeaders, REASON_MAX_DURATION, REASON_NETWORK, REASON_NO_ANSWER, REASON_SHUTDOWN } from './headers.ts';
import { numberNeedles } from './numbers.ts';
import { admit, decide } from './plan.ts';
import type { CallPlan, InviteFacts, LookupResult, Reject } from './plan.ts';
import { scrubSdp } from './sdp.ts';
import { isSipError } from './srf-types.ts';
import type { CallsSrf, SrfDialog, SrfIncomingRequest, SrfMessage, SrfOutgoingResponse, SrfReceivedResponse, SrfSentRequest } from './srf-types.ts';
import { TrunkTable } from './trunks.ts';
import { answerOptions } from './options.ts';
import { relayBetweenLegs } from './leg-relay.ts';
import { endModifies, type ModifyState, type OfferRewrite } from './modify-relay.ts';
import type { Trunk } from './trunks.ts';

export type CallMetricOutcome = CallOutcome | 'rejected-untrusted' | 'rejected-invalid';

/** Counters port (implemented by observability/metrics.ts). */
export interface CallsMetrics {
  callFinished(labels: { outcome: CallMetricOutcome; status: number; trunk: string }): void;
}

export interface CallsAppDeps {
  srf: CallsSrf;
  /** getNumber (optional) attributes the record of an unbound call to the tenant owning X. */
  bindings: Pick<BindingService, 'lookup' | 'callStarted' | 'callEnded'> & Partial<Pick<BindingService, 'getNumber'>>;
  events: CallEventSink;
  trunks: readonly Trunk[];
  log: Logger;
  /** Seconds the callee may ring before we CANCEL and answer the caller 480. */
  ringTimeoutSeconds: number;
  /** Calls in progress in this process above which new INVITEs get 503. */
  maxConcurrentCalls: number;
  /** Bound on the binding lookup; past it the INVITE gets 503 (default 800 ms: answer within 1 s). */
  lookupTimeoutMs?: number;
  /** Retry-After on 503 (default 5 s). */
  retryAfterSeconds?: number;
  metrics?: CallsMetrics;
  now?: () => number;
  newId?: () => string;
}

export interface CallsApp {
  /** Calls being set up or connected in this process. */
  activeCalls(): number;
  /** Hangs up every call (BYE both legs, CANCEL pending B legs); resolves when all have ended. */
  close(): Promise<void>;
}


class CallerCancelled extends Error {
  constructor() {
    super('caller cancelled before the next attempt');
    this.name = 'CallerCancelled';
  }
}

interface FailureAnswer {
  status: number;
  outcome: CallOutcome;
  /** Reason header when the failure is ours (the callee's own Reason is not relayed). */
  reason?: string;
}

/** Maps the last attempt's failure to what the caller gets and the record's outcome. */
export function answerForFailure(f: AttemptFailure): FailureAnswer {
  switch (f.kind) {
    case 'caller-cancelled':
      return { status: 487, outcome: 'cancelled' };
    case 'ring-timeout':
      return { status: 480, outcome: 'no-answer', reason: REASON_NO_ANSWER };
    case 'error':
      return { status: 503, outcome: 'failed', reason: REASON_NETWORK };
    case 'sip': {
      const s = f.status;
      if (s === 486 || s === 600) return { status: s, outcome: 'busy' };
      if (s === 480 || s === 408) return { status: s, outcome: 'no-answer' };
      // A redirect or a challenge from the carrier means nothing to the caller.
      if (s < 400 || s === 401 || s === 407) return { status: 502, outcome: 'failed', reason: REASON_NETWORK };
      return { status: s, outcome: 'failed' };
    }
  }
}

function header(req: SrfMessage, name: string): string | undefined {
  const v = req.get(name);
  return v === undefined || v === '' ? undefined : v;
}

function safely(log: Logger, what: string, fn: () => void): void {
  try {
    fn();
  } catch (err) {
    log.warn({ err }, what);
  }
}

export function createCallsApp(deps: CallsAppDeps): CallsApp {
  const table = new TrunkTable(deps.trunks);
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const lookupTimeoutMs = deps.lookupTimeoutMs ?? 800;
  const retryAfterSeconds = deps.retryAfterSeconds ?? 5;
  const live = new Map<string, { hangup: () => void; done: Promise<void> }>();
  let active = 0;

  const emit = (log: Logger, kind: keyof CallEventSink, record: CallRecord): void =>
    safely(log, `call event sink failed: ${kind}`, () => deps.events[kind]({ ...record }));

  const count = (outcome: CallMetricOutcome, status: number, trunk: string): void => {
    if (deps.metrics) safely(deps.log, 'metrics failed', () => deps.metrics?.callFinished({ outcome, status, trunk }));
  };

  async function lookupBounded(caller: string, x: string, log: Logger): Promise<LookupResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'store-error'>((resolve) => {
      timer = setTimeout(() => resolve('store-error'), lookupTimeoutMs);
    });
    const lookup = deps.bindings.lookup(caller, x).catch((err: unknown) => {
      log.error({ err }, 'binding lookup failed');
      return 'store-error' as const;
    });
    try {
      const r = await Promise.race([lookup, timeout]);
      if (r === 'store-error') log.warn({ timeoutMs: lookupTimeoutMs }, 'binding lookup unavailable');
      return r;
    } finally {
      clearTimeout(timer);
    }
  }

  function sendReject(res: SrfOutgoingResponse, r: Reject, log: Logger): void {
    if (res.finalResponseSent) return;
    safely(log, 'sending rejection failed', () => res.send(r.status, { headers: buildRejectHeaders(r.reason, r.retryAfter, r.accept) }));
  }

  function handleInvite(req: SrfIncomingRequest, res: SrfOutgoingResponse): void {
    const invitedAt = now();
    // Call-IDs often embed the caller's number: only ever logged masked.
    let log = deps.log.child({ callId: maskNumber(req.get('Call-ID') ?? '') });
    let cancelled = false;
    req.on('cancel', () => {
      cancelled = true;
    });

    const facts: InviteFacts = {
      sourceAddress: req.source_address,
      requestUri: req.uri,
      hasBody: typeof req.body === 'string' && req.body.length > 0,
    };
    const from = header(req, 'From');
    const to = header(req, 'To');
    const pai = header(req, 'P-Asserted-Identity');
    const contentType = header(req, 'Content-Type');
    if (from !== undefined) facts.from = from;
    if (to !== undefined) facts.to = to;
    if (pai !== undefined) facts.pai = pai;
    if (contentType !== undefined) facts.contentType = contentType;

    const admitted = admit(facts, table);
    if (admitted.kind === 'reject') {
      sendReject(res, admitted, log);
      const untrusted = admitted.cause === 'untrusted-source';
      log[untrusted ? 'warn' : 'info'](
        { status: admitted.status, reason: admitted.reason, source: req.source_address },
        `call rejected: ${admitted.cause}`,
      );
      count(untrusted ? 'rejected-untrusted' : 'rejected-invalid', admitted.status, 'none');
      return;
    }

    const record: CallRecord = { id: newId(), kind: 'direct', x: admitted.x, caller: admitted.caller, invitedAt };
    log = log.child({ x: admitted.x, caller: maskNumber(admitted.caller) });

    // The record of a call that never reached a callee still belongs to the binding found (or,
    // without one, to the tenant owning X), so the tenant sees it; looked up off the call path.
    const attribute = (lookup: LookupResult, finish: () => void): void => {
      if (lookup !== null && lookup !== 'store-error') {
        record.bindingId = lookup.binding.id;
        record.tenant = lookup.binding.tenant;
      }
      if (lookup !== null || !deps.bindings.getNumber) {
        finish();
        return;
      }
      deps.bindings
        .getNumber(admitted.x)
        .then((n) => {
          if (n) record.tenant = n.tenant;
        })
        .catch(() => undefined)
        .finally(finish);
    };

    void lookupBounded(admitted.caller, admitted.x, log).then((lookup) => {
      if (cancelled) {
        // The caller gave up while we looked up: nothing was started.
        if (!res.finalResponseSent) safely(log, 'sending 487 failed', () => res.send(487));
        attribute(lookup, () => finishRejected(record, 'cancelled', 487, log, admitted.trunk.name));
        return;
      }
      const decision = decide(admitted, lookup, {
        now: now(),
        activeCalls: active,
        maxConcurrentCalls: deps.maxConcurrentCalls,
        retryAfterSeconds,
      });
      if (decision.kind === 'reject') {
        sendReject(res, decision, log);
        log.info({ status: decision.status, reason: decision.reason }, `call rejected: ${decision.cause}`);
        attribute(lookup, () => finishRejected(record, decision.outcome ?? 'failed', decision.status, log, admitted.trunk.name));
        return;
      }
      connect(req, res, decision, record, log.child({ bindingId: decision.binding.id }), () => cancelled);
    });
  }

  function finishRejected(record: CallRecord, outcome: CallOutcome, status: number, log: Logger, trunk: string): void {
    record.endedAt = now();
    record.outcome = outcome;
    record.finalStatus = status;
    if (outcome === 'cancelled') record.hangupBy = 'caller';
    emit(log, 'started', record);
    emit(log, 'ended', record);
    count(outcome, status, trunk);
  }

  function connect(
    req: SrfIncomingRequest,
    res: SrfOutgoingResponse,
    plan: CallPlan,
    record: CallRecord,
    log: Logger,
    isCancelled: () => boolean,
  ): void {
    active++;
    const key = record.id;
    const bindingId = plan.binding.id;
    const started = deps.bindings.callStarted(bindingId).catch((err: unknown) => log.warn({ err }, 'callStarted failed'));
    Object.assign(record, {
      tenant: plan.binding.tenant,
      bindingId,
      callee: plan.target,
      direction: plan.direction,
      ...(plan.binding.outId !== undefined ? { outId: plan.binding.outId } : {}),
    });
    emit(log, 'started', record);
    // One info line per call (its end, below) keeps logging cheap at hundreds of calls per second.
    log.debug({ callee: maskNumber(plan.target), direction: plan.direction, gateways: plan.targetUris.length }, 'call connecting');

    const cc = plan.trunk.countryCode;
    const callerDigits = numberNeedles(plan.caller, cc);
    const calleeDigits = numberNeedles(plan.target, cc);
    const hasBody = typeof req.body === 'string' && req.body.length > 0;

    let earlyMedia = false;
    let ringTimedOut = false;
    // The current attempt's callee sent a 2xx (we are answering the caller or have answered).
    let calleeAnswered = false;
    let ringTimer: NodeJS.Timeout | undefined;
    let pending: SrfSentRequest | undefined;
    let shuttingDown = false;
    let resolveDone: () => void = () => undefined;
    const done = new Promise<void>((r) => {
      resolveDone = r;
    });
    let hangupConnected: (() => void) | undefined;
    live.set(key, {
      hangup: () => {
        shuttingDown = true;
        if (hangupConnected) hangupConnected();
        else if (pending) safely(log, 'cancel failed', () => pending?.cancel());
      },
      done,
    });

    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(ringTimer);
      active--;
      live.delete(key);
      emit(log, 'ended', record);
      count(record.outcome ?? 'failed', record.finalStatus ?? 0, plan.trunk.name);
      void started
        .then(() => deps.bindings.callEnded(bindingId))
        .catch((err: unknown) => log.warn({ err }, 'callEnded failed'))
        .finally(resolveDone);
    };

    const relayProvisional = (prov: SrfReceivedResponse): void => {
      if (prov.status <= 100 || res.finalResponseSent) return;
      if (record.ringingAt === undefined) {
        record.ringingAt = now();
        emit(log, 'ringing', record);
      }
      const body = prov.body ? scrubSdp(prov.body, { forbidden: calleeDigits }) : undefined;
      if (body) earlyMedia = true;
      const headers = buildCallerResponseHeaders(prov.headers, { x: plan.x, hasBody: body !== undefined }, calleeDigits);
      safely(log, 'relaying provisional failed', () => res.send(prov.status, body !== undefined ? { headers, body } : { headers }));
    };

    const attempt = (uri: string, index: number): Promise<{ uas: SrfDialog; uac: SrfDialog }> => {
      if (isCancelled() || shuttingDown) return Promise.reject(new CallerCancelled());
      ringTimedOut = false;
      calleeAnswered = false;
      log.debug({ attempt: index }, 'calling gateway');
      return deps.srf.createB2BUA(
        req,
        res,
        uri,
        {
          headers: buildCalleeInviteHeaders(req.headers, { x: plan.x, targetUri: uri, hasBody }, callerDigits),
          responseHeaders: (calleeRes) =>
            buildCallerResponseHeaders(calleeRes.headers, { x: plan.x, hasBody: !!calleeRes.body }, calleeDigits),
          localSdpB: hasBody
            ? (scrubSdp(req.body, { forbidden: callerDigits }) ?? '')
            : (sdp: string) => scrubSdp(sdp, { forbidden: callerDigits }) ?? '',
          localSdpA: (sdp: string, calleeRes: SrfReceivedResponse) => {
            // Called for the callee's 2xx just before we answer the caller (early and late offer).
            if (calleeRes.status >= 200 && calleeRes.status < 300) calleeAnswered = true;
            return scrubSdp(sdp, { forbidden: calleeDigits }) ?? '';
          },
          proxyRequestHeaders: [],
          proxyResponseHeaders: [],
          // Failures and provisionals are relayed by us, with our headers (failover decides when).
          passFailure: false,
          passProvisionalResponses: false,
          callingNumber: plan.x,
          callingName: '',
          calledNumber: plan.target,
        },
        {
          cbRequest: (err, sent) => {
            if (err) return;
            pending = sent;
            if (isCancelled() || shuttingDown) {
              safely(log, 'cancel failed', () => sent.cancel());
              return;
            }
            clearTimeout(ringTimer);
            ringTimer = setTimeout(() => {
              ringTimedOut = true;
              log.info({ ringTimeoutSeconds: deps.ringTimeoutSeconds }, 'ring timeout: cancelling callee');
              safely(log, 'cancel failed', () => sent.cancel());
            }, deps.ringTimeoutSeconds * 1000);
          },
          cbProvisional: relayProvisional,
          cbFinalizedUac: () => {
            calleeAnswered = true;
          },
        },
      );
    };

    const classify = (err: unknown): AttemptFailure => {
      clearTimeout(ringTimer);
      if (err instanceof CallerCancelled || isCancelled()) return { kind: 'caller-cancelled' };
      // The callee answered and our 2xx to the caller could not be sent: the caller's INVITE
      // transaction was gone, i.e. its CANCEL crossed the answer and the stack already sent 487
      // (RFC 3261 §9.2; drachtio-srf drops a CANCEL arriving after it sent a final response).
      // createB2BUA has BYE'd the callee; for the record the caller cancelled.
      if (!isSipError(err) && calleeAnswered && res.finalResponseSent) {
        log.info('caller cancelled as the callee answered: callee released');
        return { kind: 'caller-cancelled' };
      }
      if (ringTimedOut || shuttingDown) return { kind: 'ring-timeout' };
      if (isSipError(err)) return { kind: 'sip', status: err.status };
      log.warn({ err }, 'b-leg failed without a SIP answer');
      return { kind: 'error', error: err };
    };

    void serialAttempts(plan.targetUris, attempt, classify, () => earlyMedia).then((result) => {
      clearTimeout(ringTimer);
      pending = undefined;
      if (!result.ok) {
        const answer = answerForFailure(result.failure);
        if (!res.finalResponseSent) {
          const headers = answer.reason !== undefined ? buildRejectHeaders(answer.reason) : {};
          safely(log, 'sending failure failed', () => res.send(answer.status, { headers }));
        }
        record.endedAt = now();
        record.outcome = answer.outcome;
        record.finalStatus = answer.status;
        if (answer.outcome === 'cancelled') record.hangupBy = 'caller';
        log.info({ callee: maskNumber(plan.target), direction: plan.direction, status: answer.status, outcome: answer.outcome, attempts: result.attempt + 1 }, 'call not connected');
        finish();
        return;
      }
      bridge(result.value.uas, result.value.uac);
    });

    const bridge = (uas: SrfDialog, uac: SrfDialog): void => {
      const answeredAt = now();
      record.answeredAt = answeredAt;
      record.finalStatus = 200;
      emit(log, 'answered', record);
      log.debug('call answered');

      let maxTimer: NodeJS.Timeout | undefined;
      const modifies: ModifyState = {};
      const end = (by: HangupBy): void => {
        if (finished) return;
        clearTimeout(maxTimer);
        endModifies(modifies, log);
        record.endedAt = now();
        record.durationSeconds = Math.round((record.endedAt - answeredAt) / 1000);
        record.outcome = 'answered';
        record.hangupBy = by;
        log.info({ callee: maskNumber(plan.target), direction: plan.direction, hangupBy: by, durationSeconds: record.durationSeconds }, 'call ended');
        finish();
      };
      const release = (dialog: SrfDialog, reason?: string): void => {
        void dialog.destroy(reason !== undefined ? { headers: { Reason: reason } } : undefined).catch((err: unknown) => {
          log.debug({ err }, 'BYE failed');
        });
      };

      uas.on('destroy', () => {
        end('caller');
        release(uac);
      });
      uac.on('destroy', () => {
        end('callee');
        release(uas);
      });
      // Offers scrubbed in transit either way (hold/resume, codec change), DTMF INFO, no REFER.
      relayBetweenLegs(
        modifies,
        { dialog: uas, digits: callerDigits, rewrite: scrubbing(callerDigits, calleeDigits) },
        { dialog: uac, digits: calleeDigits, rewrite: scrubbing(calleeDigits, callerDigits) },
        log,
      );

      const hangupBoth = (by: HangupBy, reason: string): void => {
        end(by);
        release(uas, reason);
        release(uac, reason);
      };
      hangupConnected = () => hangupBoth('system', REASON_SHUTDOWN);
      if (shuttingDown) {
        hangupConnected();
        return;
      }
      if (plan.maxCallSeconds !== undefined) {
        const seconds = plan.maxCallSeconds;
        maxTimer = setTimeout(() => {
          log.info({ maxCallSeconds: seconds }, 'maximum call duration reached');
          hangupBoth('system', REASON_MAX_DURATION);
        }, seconds * 1000);
      }
    };
  }

  let closing = false;
  deps.srf.invite(handleInvite);
  deps.srf.options((req, res) =>
    safely(deps.log, 'answering OPTIONS failed', () => answerOptions(req, res, { trunks: table, closing: () => closing, retryAfterSeconds, log: deps.log })),
  );

  return {
    activeCalls: () => active,
    async close() {
      closing = true;
      const calls = [...live.values()];
      for (const c of calls) c.hangup();
      await Promise.all(calls.map((c) => c.done));
    },
  };
}

/** Offer and answer of a relayed UPDATE, scrubbed of the numbers that must not cross. */
function scrubbing(forbiddenTowards: readonly string[], forbiddenBack: readonly string[]): OfferRewrite {
  return {
    offer: (sdp) => scrubSdp(sdp, { forbidden: forbiddenTowards }) ?? '',
    answer: (sdp) => scrubSdp(sdp, { forbidden: forbiddenBack }),
  };
}
