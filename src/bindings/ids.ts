// Binding ids carry their privacy number, so get(id) goes straight to X's slot in one round trip.
import { randomFillSync } from 'node:crypto';

const ID_RE = /^([1-9]\d{7,14})-([0-9a-f]{16})$/;

// Random bytes drawn from the CSPRNG 4 KiB at a time: one call per 512 ids instead of one each
// (a synchronous randomBytes() per binding was ~3% of the allocation CPU).
const POOL = Buffer.alloc(4096);
let poolOffset = POOL.length;

/** `bytes` random bytes as lowercase hex (bytes <= 64). */
export function randomHex(bytes: number): string {
  if (poolOffset + bytes > POOL.length) {
    randomFillSync(POOL);
    poolOffset = 0;
  }
  const hex = POOL.toString('hex', poolOffset, poolOffset + bytes);
  poolOffset += bytes;
  return hex;
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
