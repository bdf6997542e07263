// Callback state on Redis, readable by every API node: one JSON value per callback (with a TTL),
// the set of a tenant's callbacks in progress (the per-tenant limit), and a pub/sub channel that
// carries API cancels to the process running the flow. Keys of one tenant share the hash tag
// `{cb:<tenant>}`, so one MULTI writes a final state and frees its slot on Redis Cluster too.
import type { Cluster, Redis } from 'ioredis';
import type { CallbackStatus } from './callback-state.ts';

export type { CallbackStatus };

/** What GET /v1/calls/{id} shows (the API port's CallbackState). */
export interface StoredCallback {
  id: string;
  tenant: string;
  status: CallbackStatus;
  x: string;
  bindingId?: string;
  a?: string;
  b?: string;
  createdAt: number;
  answeredAt?: number;
  endedAt?: number;
  reason?: string;
}

function tag(tenant: string): string {
  return `{cb:${encodeURIComponent(tenant)}}`;
}

/** The state of one callback (JSON). */
export function callbackStateKey(tenant: string, id: string): string {
  return `pn:cb:${tag(tenant)}:c:${id}`;
}

/** A tenant's callbacks in progress: member id, score = lease deadline (epoch ms). */
export function callbackActiveKey(tenant: string): string {
  return `pn:cb:${tag(tenant)}:active`;
}

/** Cancels for callbacks run by another process: message JSON {tenant, id}. */
export const CALLBACK_CANCEL_CHANNEL = 'pn:cb:cancel';

export interface CallbackStoreOptions {
  redis: Redis | Cluster;
  /** How long a state stays readable after its last change. */
  stateTtlSeconds: number;
  /** A slot of the limit is freed after this long without a refresh (a crashed process). */
  leaseSeconds: number;
  now?: () => number;
}

export interface CallbackStore {
  /** Takes one of the tenant's `limit` slots for `id`; false when all are taken. */
  admit(tenant: string, id: string, limit: number): Promise<boolean>;
  /** Extends the leases of callbacks still running here. */
  refresh(running: ReadonlyArray<{ tenant: string; id: string }>): Promise<void>;
  /** Writes a state; a final state also frees the slot. */
  save(state: StoredCallback, final: boolean): Promise<void>;
  /** Frees a slot without writing a state (start failed before the state was saved). */
  release(tenant: string, id: string): Promise<void>;
  get(tenant: string, id: string): Promise<StoredCallback | null>;
  /** Asks the process running `id` to cancel it; resolves to the number of processes listening. */
  publishCancel(tenant: string, id: string): Promise<number>;
  /** Receives cancels published by any node; resolves once subscribed. Returns the unsubscriber. */
  onCancel(handler: (tenant: string, id: string) => void): Promise<() => Promise<void>>;
}

function parseState(json: string | null): StoredCallback | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as StoredCallback;
  } catch {
    return null;
  }
}

export function createCallbackStore(opts: CallbackStoreOptions): CallbackStore {
  const { redis } = opts;
  const now = opts.now ?? Date.now;
  const leaseMs = opts.leaseSeconds * 1000;

  return {
    async admit(tenant, id, limit) {
      const key = callbackActiveKey(tenant);
      const t = now();
      // Add, then count, in one transaction: never more than `limit` admitted (two racing at the
      // limit may both back off, which errs on the safe side).
      const res = await redis.multi().zremrangebyscore(key, '-inf', t).zadd(key, t + leaseMs, id).zcard(key).pexpire(key, leaseMs).exec();
      const count = Number(res?.[2]?.[1] ?? Number.POSITIVE_INFINITY);
      if (count <= limit) return true;
      await redis.zrem(key, id);
      return false;
    },

    async refresh(running) {
      const deadline = now() + leaseMs;
      // One transaction per tenant: each tenant's set lives in its own slot.
      const byTenant = new Map<string, string[]>();
      for (const r of running) byTenant.set(r.tenant, [...(byTenant.get(r.tenant) ?? []), r.id]);
      await Promise.all(
        [...byTenant].map(async ([tenant, ids]) => {
          const key = callbackActiveKey(tenant);
          const m = redis.multi();
          for (const id of ids) m.zadd(key, 'XX', deadline, id);
          await m.pexpire(key, leaseMs).exec();
        }),
      );
    },

    async save(state, final) {
      const m = redis.multi().set(callbackStateKey(state.tenant, state.id), JSON.stringify(state), 'EX', opts.stateTtlSeconds);
      if (final) m.zrem(callbackActiveKey(state.tenant), state.id);
      await m.exec();
    },

    async release(tenant, id) {
      await redis.zrem(callbackActiveKey(tenant), id);
    },

    async get(tenant, id) {
      return parseState(await redis.get(callbackStateKey(tenant, id)));
    },

    async publishCancel(tenant, id) {
      return redis.publish(CALLBACK_CANCEL_CHANNEL, JSON.stringify({ tenant, id }));
    },

    async onCancel(handler) {
      const sub = redis.duplicate();
      sub.on('message', (_channel: string, message: string) => {
        try {
          const m = JSON.parse(message) as { tenant?: unknown; id?: unknown };
          if (typeof m.tenant === 'string' && typeof m.id === 'string') handler(m.tenant, m.id);
        } catch {
          // Not one of ours: ignore.
        }
      });
      await sub.subscribe(CALLBACK_CANCEL_CHANNEL);
      return async () => {
        await sub.unsubscribe(CALLBACK_CANCEL_CHANNEL).catch(() => undefined);
        sub.disconnect();
      };
    },
  };
}
