// Binding ids carry their privacy number, so get(id) goes straight to X's slot in one round trip.
import { randomBytesFromPool } from '../infra/random-pool.ts';

const ID_RE = /^([1-9]\d{7,14})-([0-9a-f]{16})$/;

/** `bytes` random bytes as lowercase hex. */
export function randomHex(bytes: number): string {
  const { bytes: pool, at } = randomBytesFromPool(bytes);
  return pool.toString('hex', at, at + bytes);
}

export function newBindingId(x: string): string {
  return `${x.charCodeAt(0) === 43 ? x.slice(1) : x}-${randomHex(8)}`;
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
