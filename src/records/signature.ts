// Webhook signatures: X-PN-Signature = "sha256=" + hex HMAC-SHA256(secret, "<timestamp>.<body>"),
// X-PN-Timestamp = Unix seconds. Signing the timestamp with the body lets receivers refuse replays.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-pn-signature';
export const TIMESTAMP_HEADER = 'x-pn-timestamp';

export function signWebhook(secret: string, timestamp: number, body: string): string {
  return 'sha256=' + createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

export interface VerifyOptions {
  /** Largest accepted |now - timestamp|, seconds (default 300). */
  toleranceSeconds?: number;
  /** Epoch ms (default Date.now()). */
  now?: number;
}

/** What a tenant's receiver does: recompute the signature and compare in constant time. */
export function verifyWebhook(secret: string, timestampHeader: string | undefined, signatureHeader: string | undefined, body: string, opts: VerifyOptions = {}): boolean {
  if (timestampHeader === undefined || signatureHeader === undefined || !/^\d+$/.test(timestampHeader)) return false;
  const ts = Number(timestampHeader);
  const now = Math.floor((opts.now ?? Date.now()) / 1000);
  if (Math.abs(now - ts) > (opts.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, ts, body), 'utf8');
  const given = Buffer.from(signatureHeader, 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}
