// Domain objects → API bodies (epoch ms → ISO 8601; no tenant field: the caller is the tenant).
import type { Binding, PoolNumber } from '../bindings/model.ts';
import type { CallbackState } from './callback-port.ts';

const iso = (ms: number): string => new Date(ms).toISOString();

export function bindingView(b: Binding): Record<string, unknown> {
  const v: Record<string, unknown> = {
    id: b.id,
    mode: b.mode,
    a: b.a,
    x: b.x,
    group: b.group,
    createdAt: iso(b.createdAt),
    expiresAt: iso(b.expiresAt),
    releaseAfterCallSeconds: b.releaseAfterCallSeconds,
    callRestriction: b.callRestriction,
    record: b.record,
    activeCalls: b.activeCalls,
    unbindPending: b.unbindPending,
  };
  if (b.b !== undefined) v.b = b.b;
  if (b.maxCallSeconds !== undefined) v.maxCallSeconds = b.maxCallSeconds;
  if (b.outId !== undefined) v.outId = b.outId;
  if (b.metadata !== undefined) v.metadata = b.metadata;
  return v;
}

export function numberView(n: PoolNumber): Record<string, unknown> {
  return { number: n.number, group: n.group, areaCode: n.areaCode, status: n.status };
}

export function callView(c: CallbackState): Record<string, unknown> {
  const v: Record<string, unknown> = { id: c.id, status: c.status, x: c.x, createdAt: iso(c.createdAt) };
  if (c.bindingId !== undefined) v.bindingId = c.bindingId;
  if (c.a !== undefined) v.a = c.a;
  if (c.b !== undefined) v.b = c.b;
  if (c.answeredAt !== undefined) v.answeredAt = iso(c.answeredAt);
  if (c.endedAt !== undefined) v.endedAt = iso(c.endedAt);
  if (c.reason !== undefined) v.reason = c.reason;
  return v;
}
