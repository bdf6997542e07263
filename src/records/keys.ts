// Redis key builders for call records and the webhook outbox. Nothing else concatenates these keys.
// Hash tags: every record key of one tenant shares the slot `{t:<tenant>}` (so one MULTI can save a
// record and its indexes on Redis Cluster); the webhook outbox lives in the single slot `{wh}`.

/** Tenant names go inside a hash tag, so braces (and anything odd) are percent-encoded. */
function tag(tenant: string): string {
  return `{t:${encodeURIComponent(tenant)}}`;
}

/** The pseudo-tenant that owns records of calls no tenant can be attributed to (unbound calls). */
export const NO_TENANT = '-';

export function recordKey(tenant: string, id: string): string {
  return `pn:rec:${tag(tenant)}:r:${id}`;
}

/** Time index of a tenant's records: members `<invitedAt padded>:<id>`, all score 0, ordered by lex. */
export function recordTimeIndexKey(tenant: string): string {
  return `pn:rec:${tag(tenant)}:t`;
}

/** Time index of one binding's records (same member format). */
export function recordBindingIndexKey(tenant: string, bindingId: string): string {
  return `pn:rec:${tag(tenant)}:b:${bindingId}`;
}

/** Due times of queued webhook events: member event id, score = next attempt (epoch ms). */
export function webhookDueKey(): string {
  return 'pn:wh:{wh}:due';
}

/** Events given up after maxAttempts: member event id, score = when. */
export function webhookDeadKey(): string {
  return 'pn:wh:{wh}:dead';
}

/** The envelope of one queued event (JSON), with its attempt count. */
export function webhookEventKey(id: string): string {
  return `pn:wh:{wh}:ev:${id}`;
}
