// The public shape of a call record (API responses and webhook data): times as ISO 8601, no tenant.
import type { Binding } from '../bindings/model.ts';
import type { CallRecord } from './model.ts';

export type CallRecordView = Omit<CallRecord, 'tenant' | 'invitedAt' | 'ringingAt' | 'answeredAt' | 'endedAt'> & {
  invitedAt: string;
  ringingAt?: string;
  answeredAt?: string;
  endedAt?: string;
};

const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());

export function recordView(r: CallRecord): CallRecordView {
  const { tenant: _tenant, invitedAt, ringingAt, answeredAt, endedAt, ...rest } = r;
  const view: CallRecordView = { ...rest, invitedAt: new Date(invitedAt).toISOString() };
  const ringing = iso(ringingAt);
  const answered = iso(answeredAt);
  const ended = iso(endedAt);
  if (ringing !== undefined) view.ringingAt = ringing;
  if (answered !== undefined) view.answeredAt = answered;
  if (ended !== undefined) view.endedAt = ended;
  return view;
}

/** Data of the `binding.released` webhook. */
export function releasedBindingView(b: Binding, releasedAt: number): Record<string, unknown> {
  const view: Record<string, unknown> = { bindingId: b.id, mode: b.mode, a: b.a, x: b.x, group: b.group, releasedAt: new Date(releasedAt).toISOString() };
  if (b.b !== undefined) view.b = b.b;
  if (b.outId !== undefined) view.outId = b.outId;
  if (b.metadata !== undefined) view.metadata = b.metadata;
  return view;
}
