// Binding JSON as stored in Redis <-> the public Binding type. The stored form carries two
// internal fields: guardUntil (a call in progress holds the binding until then) and releasedAt.
import type { Binding } from './model.ts';

export interface StoredBinding extends Binding {
  guardUntil?: number;
  releasedAt?: number;
}

export function decodeBinding(json: string): StoredBinding {
  return JSON.parse(json) as StoredBinding;
}

export function encodeBinding(b: StoredBinding): string {
  return JSON.stringify(b);
}

/** The public view: exactly the Binding fields, internals dropped. */
export function publicBinding(s: StoredBinding): Binding {
  const b: Binding = {
    id: s.id,
    tenant: s.tenant,
    group: s.group,
    mode: s.mode,
    a: s.a,
    x: s.x,
    createdAt: s.createdAt,
    expiresAt: s.expiresAt,
    releaseAfterCallSeconds: s.releaseAfterCallSeconds,
    callRestriction: s.callRestriction,
    record: s.record,
    activeCalls: s.activeCalls ?? 0,
    unbindPending: s.unbindPending ?? false,
  };
  if (s.b !== undefined) b.b = s.b;
  if (s.maxCallSeconds !== undefined) b.maxCallSeconds = s.maxCallSeconds;
  if (s.outId !== undefined) b.outId = s.outId;
  if (s.metadata !== undefined) b.metadata = s.metadata;
  return b;
}

/** Same rule as releasable_at in lua/lib.lua. */
export function releasableAt(b: StoredBinding): number {
  if ((b.activeCalls ?? 0) > 0 && b.guardUntil !== undefined && b.guardUntil > b.expiresAt) return b.guardUntil;
  return b.expiresAt;
}

/** Parties that a binding registers on X: AXB both, reverse B only, AXN nobody by name. */
export function registeredParties(b: Pick<Binding, 'mode' | 'a' | 'b'>): string[] {
  if (b.mode === 'AXB') return b.b === undefined ? [b.a] : [b.a, b.b];
  if (b.mode === 'reverse') return b.b === undefined ? [] : [b.b];
  return [];
}

/** Parties whose binding list includes this binding (a and b). */
export function indexedParties(b: Pick<Binding, 'a' | 'b'>): string[] {
  return b.b === undefined ? [b.a] : [b.a, b.b];
}
