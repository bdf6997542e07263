// The states of one callback and how they change (pure). The flow (callback-flow.ts) reports
// events; the service stores the resulting state in Redis for every API node to read.
//
//   queued -> calling-a -> a-answered -> calling-b -> connected -> completed
//        \         \            \             \
//         `---------`------------`-------------`--> failed | cancelled
import type { CallOutcome, HangupBy } from '../records/model.ts';
import type { AttemptFailure } from './failover.ts';

/** Progress of a callback: queued -> calling-a -> a-answered -> calling-b -> connected, then one final status. */
export type CallbackStatus = 'queued' | 'calling-a' | 'a-answered' | 'calling-b' | 'connected' | 'completed' | 'failed' | 'cancelled';

/** Why a callback ended: the `reason` of its final state. */
export type CallbackEndReason =
  | 'a-busy'
  | 'a-no-answer'
  | 'a-rejected'
  | 'a-unreachable'
  | 'b-busy'
  | 'b-no-answer'
  | 'b-rejected'
  | 'b-unreachable'
  | 'media-failed'
  | 'a-hangup'
  | 'b-hangup'
  | 'max-duration'
  | 'cancelled'
  | 'shutdown'
  /** The process running it died (its lease lapsed); another node finalised it. */
  | 'node-lost';

export type Leg = 'a' | 'b';

/** How a callback ended: the final status, the reason, and what the call record says. */
export interface CallbackEnd {
  status: 'completed' | 'failed' | 'cancelled';
  reason: CallbackEndReason;
  outcome: CallOutcome;
  /** SIP status of the failing leg; 200 once connected; 487 when cancelled. */
  finalStatus: number;
  hangupBy?: HangupBy;
}

export const TERMINAL: ReadonlySet<CallbackStatus> = new Set(['completed', 'failed', 'cancelled']);

export function isTerminal(s: CallbackStatus): boolean {
  return TERMINAL.has(s);
}

const ORDER: readonly CallbackStatus[] = ['queued', 'calling-a', 'a-answered', 'calling-b', 'connected'];

/** Progress moves forward only, and nothing leaves a final state. */
export function canMove(from: CallbackStatus, to: CallbackStatus): boolean {
  if (isTerminal(from)) return false;
  if (isTerminal(to)) return true;
  return ORDER.indexOf(to) > ORDER.indexOf(from);
}

/**
 * The end of a callback whose leg `leg` did not answer. A's failure means B is never called;
 * B's failure releases A (the flow sends the BYE). The record's caller is A, the callee B.
 */
export function legFailureEnd(leg: Leg, f: AttemptFailure): CallbackEnd {
  switch (f.kind) {
    case 'caller-cancelled':
      return { status: 'cancelled', reason: 'cancelled', outcome: 'cancelled', finalStatus: 487, hangupBy: 'api' };
    case 'ring-timeout':
      return { status: 'failed', reason: `${leg}-no-answer`, outcome: 'no-answer', finalStatus: 480 };
    case 'error':
      return { status: 'failed', reason: `${leg}-unreachable`, outcome: 'failed', finalStatus: 503 };
    case 'sip': {
      const s = f.status;
      if (s === 486 || s === 600) return { status: 'failed', reason: `${leg}-busy`, outcome: 'busy', finalStatus: s };
      if (s === 480 || s === 408) return { status: 'failed', reason: `${leg}-no-answer`, outcome: 'no-answer', finalStatus: s };
      if (s >= 500 && s <= 599) return { status: 'failed', reason: `${leg}-unreachable`, outcome: 'failed', finalStatus: s };
      return { status: 'failed', reason: `${leg}-rejected`, outcome: 'failed', finalStatus: s };
    }
  }
}

/** A party hung up before the call was connected (A during B's ringing). */
export function hangupBeforeConnect(leg: Leg): CallbackEnd {
  return { status: 'failed', reason: `${leg}-hangup`, outcome: 'cancelled', finalStatus: 487, hangupBy: leg === 'a' ? 'caller' : 'callee' };
}

/** A connected call ended: by a party, the API, the maximum duration or a shutdown. */
export function connectedEnd(by: 'a' | 'b' | 'api' | 'max-duration' | 'shutdown'): CallbackEnd {
  const base = { outcome: 'answered' as const, finalStatus: 200 };
  switch (by) {
    case 'a':
      return { ...base, status: 'completed', reason: 'a-hangup', hangupBy: 'caller' };
    case 'b':
      return { ...base, status: 'completed', reason: 'b-hangup', hangupBy: 'callee' };
    case 'api':
      return { ...base, status: 'cancelled', reason: 'cancelled', hangupBy: 'api' };
    case 'max-duration':
      return { ...base, status: 'completed', reason: 'max-duration', hangupBy: 'system' };
    case 'shutdown':
      return { ...base, status: 'completed', reason: 'shutdown', hangupBy: 'system' };
  }
}

/** Cancelled through the API or stopped by a shutdown before it was connected. */
export function stoppedBeforeConnect(why: 'api' | 'shutdown'): CallbackEnd {
  return why === 'api'
    ? { status: 'cancelled', reason: 'cancelled', outcome: 'cancelled', finalStatus: 487, hangupBy: 'api' }
    : { status: 'failed', reason: 'shutdown', outcome: 'failed', finalStatus: 503, hangupBy: 'system' };
}

/**
 * The process running the callback died (crash, SIGKILL, deploy) and its lease lapsed: what the
 * legs did afterwards is unknown, so the callback failed whatever its progress.
 */
export function nodeLostEnd(): CallbackEnd {
  return { status: 'failed', reason: 'node-lost', outcome: 'failed', finalStatus: 503, hangupBy: 'system' };
}

/** A answered, B answered, but A refused the re-INVITE carrying B's offer (e.g. 488). */
export function mediaFailedEnd(status: number): CallbackEnd {
  return { status: 'failed', reason: 'media-failed', outcome: 'failed', finalStatus: status, hangupBy: 'system' };
}
