// Serial failover over the outbound gateways: the next gateway is tried on 5xx, 408 or a
// transaction timeout; the failure reaches the caller only after the last attempt. We stop at
// once on 487 (cancelled), after early media reached the caller, or on a non-SIP error.

/** Why one attempt (one B-leg INVITE) did not connect. */
export type AttemptFailure =
  /** A final non-2xx response (or a 408 the stack generated on timeout, RFC 3261 §17.1.1.2). */
  | { kind: 'sip'; status: number }
  /** We cancelled the B leg because nobody answered within the ring timeout. */
  | { kind: 'ring-timeout' }
  /** The caller cancelled (CANCEL, RFC 3261 §9.2). */
  | { kind: 'caller-cancelled' }
  /** Anything that is not a SIP answer (connection to the SIP server lost, bad request). */
  | { kind: 'error'; error: unknown };

export interface AttemptContext {
  /** 0-based index of the attempt that failed. */
  attempt: number;
  attempts: number;
  /** Early media (a provisional response with SDP) has been relayed to the caller. */
  earlyMedia: boolean;
}

/** True when a final status is worth another gateway: server failures and timeouts. */
export function isRetryableStatus(status: number): boolean {
  return (status >= 500 && status <= 599) || status === 408;
}

/** The failover decision for one failed attempt. */
export function shouldTryNext(failure: AttemptFailure, ctx: AttemptContext): boolean {
  if (ctx.attempt + 1 >= ctx.attempts) return false;
  // The caller already hears this gateway's media: switching would change what it hears.
  if (ctx.earlyMedia) return false;
  return failure.kind === 'sip' && isRetryableStatus(failure.status);
}

export type SerialResult<T> =
  | { ok: true; value: T; attempt: number }
  | { ok: false; failure: AttemptFailure; attempt: number };

/**
 * Runs `attempt` for each target in order until one succeeds or `shouldTryNext` says stop.
 * `classify` turns a rejection into an AttemptFailure; `earlyMedia` is read after each failure.
 * Never throws.
 */
export async function serialAttempts<T>(
  targets: readonly string[],
  attempt: (target: string, index: number, isLast: boolean) => Promise<T>,
  classify: (err: unknown, index: number) => AttemptFailure,
  earlyMedia: () => boolean,
): Promise<SerialResult<T>> {
  if (targets.length === 0) return { ok: false, failure: { kind: 'sip', status: 503 }, attempt: -1 };
  for (let i = 0; ; i++) {
    const target = targets[i] as string;
    try {
      const value = await attempt(target, i, i === targets.length - 1);
      return { ok: true, value, attempt: i };
    } catch (err) {
      const failure = classify(err, i);
      if (!shouldTryNext(failure, { attempt: i, attempts: targets.length, earlyMedia: earlyMedia() })) {
        return { ok: false, failure, attempt: i };
      }
    }
  }
}
