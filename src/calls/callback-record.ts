// The call record of a callback and the final state of one whose process died (pure). The running
// process and a sweeping node build the record the same way, so both write the same record (same
// id and invitedAt: the same entry of the record indexes).
import type { CallRecord } from '../records/model.ts';
import { nodeLostEnd } from './callback-state.ts';
import type { CallbackEnd } from './callback-state.ts';
import type { StoredCallback } from './callback-store.ts';

/** The record of a callback as it starts: caller A, callee B, shown X. */
export function callbackRecord(state: StoredCallback, outId?: string): CallRecord {
  return {
    id: state.id,
    kind: 'callback',
    tenant: state.tenant,
    ...(state.bindingId !== undefined ? { bindingId: state.bindingId } : {}),
    x: state.x,
    caller: state.a ?? '',
    ...(state.b !== undefined ? { callee: state.b } : {}),
    direction: 'a-to-b',
    invitedAt: state.createdAt,
    ...(outId !== undefined ? { outId } : {}),
  };
}

/** Writes the end into a record (in place): end time, outcome, final status, who hung up, duration. */
export function endRecord(record: CallRecord, end: CallbackEnd, t: number): void {
  record.endedAt = t;
  record.outcome = end.outcome;
  record.finalStatus = end.finalStatus;
  if (end.hangupBy !== undefined) record.hangupBy = end.hangupBy;
  if (record.answeredAt !== undefined) record.durationSeconds = Math.round((t - record.answeredAt) / 1000);
}

/**
 * A callback whose process died, as the sweeping node finalises it at time `t`: the final state
 * (failed, node-lost) and the final record. The duration runs to `t`, the only end we know of.
 */
export function nodeLost(state: StoredCallback, t: number, outId?: string): { state: StoredCallback; record: CallRecord; end: CallbackEnd } {
  const end = nodeLostEnd();
  const final: StoredCallback = { ...state, status: end.status, reason: end.reason, endedAt: t };
  const record = callbackRecord(state, outId);
  if (state.answeredAt !== undefined) record.answeredAt = state.answeredAt;
  endRecord(record, end, t);
  return { state: final, record, end };
}
