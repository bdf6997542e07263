// Idempotency-Key on POSTs: the first request with a key runs and its answer is stored in Redis;
// a retry with the same key and body gets that answer again (never a second binding), a retry
// with a different body gets 422. The claim is one SET NX, so concurrent retries cannot both run:
// the loser waits for the winner's answer (bounded), then replays it.
import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';

export interface IdempotencyOptions {
  redis: Redis | Cluster;
  ttlSeconds: number;
  /** How long a claim lives if its request never finishes (process died). */
  pendingTtlSeconds?: number;
  /** How long a concurrent retry waits for the first request's answer. */
  waitMs?: number;
}

interface Pending {
  s: 'p';
  fp: string;
}
interface Done {
  s: 'd';
  fp: string;
  status: number;
  contentType: string;
  body: string;
}
type Entry = Pending | Done;

interface Claim {
  key: string;
  fp: string;
}

const claims = new WeakMap<FastifyRequest, Claim>();

/** JSON with sorted object keys, so {a,b} and {b,a} fingerprint alike. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function sha256(s: string): string {
  return createHash('sha256').update(s, 'utf8').digest('hex');
}

export function idempotencyRedisKey(tenant: string, idempotencyKey: string): string {
  return `pn:idem:{t:${encodeURIComponent(tenant)}}:${sha256(idempotencyKey)}`;
}

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function createIdempotency(opts: IdempotencyOptions): {
  preHandler: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  onSend: (request: FastifyRequest, reply: FastifyReply, payload: unknown) => Promise<unknown>;
} {
  const { redis, ttlSeconds } = opts;
  const pendingTtl = opts.pendingTtlSeconds ?? 60;
  const waitMs = opts.waitMs ?? 10_000;

  const storeError = (err: unknown): AppError => new AppError('PN_ERR_STORE_UNAVAILABLE', { retryAfter: 1, cause: err });

  async function preHandler(request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const header = request.headers[IDEMPOTENCY_HEADER];
    if (header === undefined) return undefined;
    if (typeof header !== 'string' || header.length === 0 || header.length > 255) {
      throw new AppError('PN_ERR_VALIDATION', { message: 'Idempotency-Key must be 1 to 255 characters', field: 'Idempotency-Key' });
    }
    const key = idempotencyRedisKey(request.tenant, header);
    const fp = sha256(`${request.method} ${request.url}\n${canonicalJson(request.body ?? null)}`);
    const pending = JSON.stringify({ s: 'p', fp } satisfies Pending);
    const deadline = Date.now() + waitMs;
    let pause = 10;
    try {
      for (;;) {
        if ((await redis.set(key, pending, 'EX', pendingTtl, 'NX')) === 'OK') {
          claims.set(request, { key, fp });
          return undefined;
        }
        const raw = await redis.get(key);
        if (raw !== null) {
          const entry = JSON.parse(raw) as Entry;
          if (entry.fp !== fp) throw new AppError('PN_ERR_IDEMPOTENCY_MISMATCH', { field: 'Idempotency-Key' });
          if (entry.s === 'd') {
            return reply.code(entry.status).header('content-type', entry.contentType).header(REPLAYED_HEADER, 'true').send(entry.body);
          }
        }
        if (Date.now() >= deadline) {
          throw new AppError('PN_ERR_CONFLICT', { message: 'a request with this Idempotency-Key is still in progress', field: 'Idempotency-Key', retryAfter: 1 });
        }
        // The first request is still running: poll its answer with a growing pause (bounded above).
        await delay(pause);
        pause = Math.min(pause * 2, 200);
      }
    } catch (err) {
      throw err instanceof AppError ? err : storeError(err);
    }
  }

  async function onSend(request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    const status = reply.statusCode;
    try {
      // Server-side failures and rate limiting are not final answers: free the key for a retry.
      if (status >= 500 || status === 429 || typeof payload !== 'string') {
        await redis.del(claim.key);
      } else {
        const contentType = String(reply.getHeader('content-type') ?? 'application/json; charset=utf-8');
        const done: Done = { s: 'd', fp: claim.fp, status, contentType, body: payload };
        await redis.set(claim.key, JSON.stringify(done), 'EX', ttlSeconds);
      }
    } catch (err) {
      request.log.warn({ err }, 'idempotency answer not stored');
    }
    return payload;
  }

  return { preHandler, onSend };
}
