// Call records on Redis: one hash per record (fields merged as the call progresses), a per-tenant
// time index and a per-binding time index, all in the tenant's hash-tag slot so one MULTI writes
// them together on Redis Cluster too. Records expire after retentionSeconds; indexes are trimmed
// on every write, so neither grows without bound.
import type { Cluster, Redis } from 'ioredis';
import { AppError } from '../errors.ts';
import type { CallRecord } from './model.ts';
import { NO_TENANT, recordBindingIndexKey, recordKey, recordTimeIndexKey } from './keys.ts';

export interface CallRecordStoreOptions {
  redis: Redis | Cluster;
  retentionSeconds: number;
  now?: () => number;
}

export interface RecordQuery {
  tenant: string;
  bindingId?: string;
  /** Epoch ms, inclusive. */
  since?: number;
  /** Epoch ms, exclusive. */
  until?: number;
  limit: number;
  /** Opaque cursor from a previous page. */
  cursor?: string;
}

export interface RecordPage {
  items: CallRecord[];
  nextCursor?: string;
}

const TS_WIDTH = 15;
const MEMBER = /^\d{15}:.+$/s;

function pad(ms: number): string {
  return String(Math.max(0, Math.floor(ms))).padStart(TS_WIDTH, '0');
}

/** Index member: lexicographic order = time order, then id. */
function member(record: Pick<CallRecord, 'invitedAt' | 'id'>): string {
  return `${pad(record.invitedAt)}:${record.id}`;
}

function encodeCursor(m: string): string {
  return Buffer.from(m, 'utf8').toString('base64url');
}

function decodeCursor(cursor: string): string {
  const m = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!MEMBER.test(m)) throw new AppError('PN_ERR_VALIDATION', { message: 'cursor is not one this API returned', field: 'cursor' });
  return m;
}

function toHash(record: CallRecord): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(record)) {
    if (v !== undefined) args.push(k, JSON.stringify(v));
  }
  return args;
}

function fromHash(h: Record<string, string>): CallRecord | null {
  if (h.id === undefined) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(h)) out[k] = JSON.parse(v) as unknown;
  return out as unknown as CallRecord;
}

function storeError(err: unknown): AppError {
  return new AppError('PN_ERR_STORE_UNAVAILABLE', { retryAfter: 1, cause: err });
}

export class CallRecordStore {
  readonly #redis: Redis | Cluster;
  readonly #retentionMs: number;
  readonly #now: () => number;

  constructor(opts: CallRecordStoreOptions) {
    this.#redis = opts.redis;
    this.#retentionMs = opts.retentionSeconds * 1000;
    this.#now = opts.now ?? Date.now;
  }

  /**
   * Saves a record or merges newer fields into it (each event of a call carries the fields known
   * so far, so merging field by field is order-insensitive for fields that never change).
   */
  /** `index: false` updates the fields of a record already indexed (by its start) with one HSET. */
  async save(record: CallRecord, opts: { index?: boolean } = {}): Promise<void> {
    const tenant = record.tenant ?? NO_TENANT;
    const key = recordKey(tenant, record.id);
    if (opts.index === false) {
      // A progress update of a record its start already wrote (with its TTL, which HSET keeps):
      // one command, no transaction (calls write several of these each).
      try {
        await this.#redis.hset(key, ...toHash(record));
      } catch (err) {
        throw storeError(err);
      }
      return;
    }
    const tx = this.#redis.multi();
    tx.hset(key, ...toHash(record));
    tx.pexpire(key, this.#retentionMs);
    this.#index(tx, tenant, record);
    try {
      const res = await tx.exec();
      const failed = res?.find(([err]) => err !== null);
      if (failed) throw failed[0];
    } catch (err) {
      throw storeError(err);
    }
  }

  #index(tx: ReturnType<(Redis | Cluster)['multi']>, tenant: string, record: CallRecord): void {
    const idx = recordTimeIndexKey(tenant);
    const m = member(record);
    const cutoff = `(${pad(this.#now() - this.#retentionMs)}`;
    tx.zadd(idx, 0, m);
    tx.zremrangebylex(idx, '-', cutoff);
    tx.pexpire(idx, this.#retentionMs);
    if (record.bindingId !== undefined) {
      const bidx = recordBindingIndexKey(tenant, record.bindingId);
      tx.zadd(bidx, 0, m);
      tx.zremrangebylex(bidx, '-', cutoff);
      tx.pexpire(bidx, this.#retentionMs);
    }
  }

  async get(tenant: string, id: string): Promise<CallRecord | null> {
    try {
      return fromHash(await this.#redis.hgetall(recordKey(tenant, id)));
    } catch (err) {
      throw storeError(err);
    }
  }

  /** Oldest first within [since, until); pages of `limit` with an opaque cursor. */
  async list(q: RecordQuery): Promise<RecordPage> {
    const idx = q.bindingId === undefined ? recordTimeIndexKey(q.tenant) : recordBindingIndexKey(q.tenant, q.bindingId);
    const floor = Math.max(q.since ?? 0, this.#now() - this.#retentionMs);
    let min = `[${pad(floor)}`;
    if (q.cursor !== undefined) {
      const after = decodeCursor(q.cursor);
      if (after >= min.slice(1)) min = `(${after}`;
    }
    const max = q.until === undefined ? '+' : `(${pad(q.until)}`;
    try {
      const members = await this.#redis.zrangebylex(idx, min, max, 'LIMIT', 0, q.limit + 1);
      const page = members.slice(0, q.limit);
      const pipe = this.#redis.pipeline();
      for (const m of page) pipe.hgetall(recordKey(q.tenant, m.slice(TS_WIDTH + 1)));
      const res = page.length > 0 ? ((await pipe.exec()) ?? []) : [];
      const items: CallRecord[] = [];
      for (const [err, h] of res) {
        if (err) throw err;
        const rec = fromHash(h as Record<string, string>);
        if (rec) items.push(rec);
      }
      const last = page[page.length - 1];
      return members.length > q.limit && last !== undefined ? { items, nextCursor: encodeCursor(last) } : { items };
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw storeError(err);
    }
  }
}

export function createCallRecordStore(opts: CallRecordStoreOptions): CallRecordStore {
  return new CallRecordStore(opts);
}
