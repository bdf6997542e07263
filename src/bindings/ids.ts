// Binding ids carry their privacy number, so get(id) goes straight to X's slot in one round trip.
import { randomBytes } from 'node:crypto';

const ID_RE = /^([1-9]\d{7,14})-([0-9a-f]{16})$/;

export function newBindingId(x: string): string {
  return `${x.replace(/^\+/, '')}-${randomBytes(8).toString('hex')}`;
}

/** The privacy number of a binding id, or null when the id is malformed. */
export function xOfBindingId(id: string): string | null {
  const m = ID_RE.exec(id);
  return m ? `+${m[1]}` : null;
}

/** Identity of a binding request for duplicate detection and the sticky choice. */
export function pairKeyOf(tenant: string, mode: string, a: string, b: string | undefined): string {
  return `${tenant}|${mode}|${a}|${b ?? ''}`;
}
