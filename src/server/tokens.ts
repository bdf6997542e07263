// Random tokens the server puts on the wire: tags, branches (RFC 3261 §19.3: globally unique,
// cryptographically random), and transaction ids of the drachtio wire protocol.
import { randomBytes, randomUUID } from 'node:crypto';

const TAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Random bytes fetched in blocks: one crypto call per block instead of one per token (several
// tokens per call at hundreds of calls per second). Each byte is used once.
const BLOCK = 4096;
let pool = Buffer.alloc(0);
let used = BLOCK;

/** A random token for tags and branches (drachtio uses 13 alphanumerics). */
export function randomToken(length = 13): string {
  if (used + length > pool.length) {
    pool = randomBytes(Math.max(BLOCK, length));
    used = 0;
  }
  let out = '';
  for (let i = 0; i < length; i++) out += TAG_ALPHABET[(pool[used + i] as number) % TAG_ALPHABET.length];
  used += length;
  return out;
}

export function newBranch(): string {
  return `z9hG4bK${randomToken(13)}`;
}

export function newTransactionId(): string {
  return randomUUID();
}
