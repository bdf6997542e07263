// Random tokens the server puts on the wire: tags, branches (RFC 3261 §19.3: globally unique,
// cryptographically random), and transaction ids of the drachtio wire protocol.
import { randomUUID } from 'node:crypto';
import { randomBytesFromPool } from '../infra/random-pool.ts';

const TAG_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A random token for tags and branches (drachtio uses 13 alphanumerics). */
export function randomToken(length = 13): string {
  const { bytes, at } = randomBytesFromPool(length);
  let out = '';
  for (let i = 0; i < length; i++) out += TAG_ALPHABET[(bytes[at + i] as number) % TAG_ALPHABET.length];
  return out;
}

export function newBranch(): string {
  return `z9hG4bK${randomToken(13)}`;
}

export function newTransactionId(): string {
  return randomUUID();
}
