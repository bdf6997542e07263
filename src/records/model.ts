// Call records and the events that feed them (stored for the tenant, queried by the API, sent as webhooks).
import type { CallDirection } from '../bindings/model.ts';

export type CallOutcome =
  | 'answered'
  | 'busy'
  | 'no-answer'
  | 'cancelled'
  | 'failed'
  | 'rejected-unbound'
  | 'rejected-restricted';

export type CallKind = 'direct' | 'callback';
export type HangupBy = 'caller' | 'callee' | 'system' | 'api';

export interface CallRecord {
  id: string;
  kind: CallKind;
  tenant?: string;
  bindingId?: string;
  outId?: string;
  x: string;
  /** Real numbers, stored for the tenant; masked whenever logged. */
  caller: string;
  callee?: string;
  direction?: CallDirection;
  /** Epoch milliseconds. */
  invitedAt: number;
  ringingAt?: number;
  answeredAt?: number;
  endedAt?: number;
  durationSeconds?: number;
  outcome?: CallOutcome;
  finalStatus?: number;
  hangupBy?: HangupBy;
}

/**
 * The call flows report progress here. Implementations must not block or throw in the call path:
 * storage and webhooks happen in the background (and are retried), so a slow webhook receiver or a
 * Redis hiccup never delays a call.
 */
export interface CallEventSink {
  started(record: CallRecord): void;
  ringing(record: CallRecord): void;
  answered(record: CallRecord): void;
  ended(record: CallRecord): void;
}
