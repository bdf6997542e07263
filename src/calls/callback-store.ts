// Callback state on Redis, readable by every API node: one JSON value per callback (with a TTL),
// the set of a tenant's callbacks in progress (the per-tenant limit, scored by lease deadline), a
// global lease index the sweep of every node reads, and a pub/sub channel that carries API cancels
// to the process running the flow. Keys of one tenant share the hash tag `{cb:<tenant>}`, so the
// scripts that write a state and free its slot (lua/callback-*.lua) run on Redis Cluster too; the
// lease index has its own slot and is derived data (an entry without a callback is dropped).
import type { Cluster, Redis } from 'ioredis';
import { isTerminal } from './callback-state.ts';
import type { CallbackStatus } from './callback-state.ts';
import { createCallbackScripts } from './callback-scripts.ts';
import type { SaveReply } from './callback-scripts.ts';

export type { CallbackStatus, SaveReply };

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

/** A tenant's callbacks in progress: member id, score = lease deadline (epoch ms). Lapsed members do not count. */
export function callbackActiveKey(tenant: string): string {
  return `pn:cb:${tag(tenant)}:active`;
}

/** Every node's callbacks in progress, for the sweep: member leaseMember(tenant, id), score = lease deadline (ms). */
export const CALLBACK_LEASES_KEY = 'pn:cb:{cb-leases}:leases';

export function leaseMember(tenant: string, id: string): string {
  return JSON.stringify([tenant, id]);
}

export function parseLeaseMember(m: string): { tenant: string; id: string } | null {
  try {
    const v = JSON.parse(m) as unknown;
    if (Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'string') return { tenant: v[0], id: v[1] };
  } catch {
    // Not one of ours.
  }
  return null;
}

/** Cancels for callbacks run by another process: message JSON {tenant, id}. */
export const CALLBACK_CANCEL_CHANNEL = 'pn:cb:cancel';

export interface CallbackStoreOptions {
  redis: Redis | Cluster;
  /** How long a state stays readable after its last change (also the TTL of a tenant's active set). */
  stateTtlSeconds: number;
  /** A callback whose lease was not renewed for this long is lost: its slot is free and a sweep finalises it. */
  leaseMs: number;
  now?: () => number;
}

/** A callback a sweep took over: the state read and the final state written. */
export interface ClaimedCallback {
  read: StoredCallback;
  final: StoredCallback;
}

export interface CallbackStore {
  /** Takes one of the tenant's `limit` slots for `id` (with a lease); false when all are taken. */
  admit(tenant: string, id: string, limit: number): Promise<boolean>;
  /** Renews the leases of callbacks still running here; resolves to those whose lease is gone (finalised elsewhere). */
  renew(running: ReadonlyArray<{ tenant: string; id: string }>): Promise<Array<{ tenant: string; id: string }>>;
  /**
   * Writes a state unless the callback already ended ('ended'); a progress state also needs the
   * lease ('lost' otherwise). A final state frees the slot.
   */
  save(state: StoredCallback, final: boolean): Promise<SaveReply>;
  /** Frees a slot without writing a state (start failed before the state was saved). */
  release(tenant: string, id: string): Promise<void>;
  get(tenant: string, id: string): Promise<StoredCallback | null>;
  /**
   * Finalises up to `max` callbacks whose lease lapsed with the state `finalise` makes of each.
   * Each is claimed by exactly one sweep, even with several nodes sweeping; returns this sweep's.
   */
  sweep(finalise: (state: StoredCallback, now: number) => StoredCallback, max: number): Promise<ClaimedCallback[]>;
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

function execResults(res: Array<[Error | null, unknown]> | null): unknown[] {
  if (res === null) throw new Error('transaction aborted');
  return res.map(([err, v]) => {
    if (err) throw err;
    return v;
  });
}

export function createCallbackStore(opts: CallbackStoreOptions): CallbackStore {
  const { redis } = opts;
  const now = opts.now ?? Date.now;
  const { leaseMs } = opts;
  const keyTtlMs = opts.stateTtlSeconds * 1000;
  const scripts = createCallbackScripts(redis);
  const keysOf = (tenant: string, id: string): { state: string; active: string } => ({ state: callbackStateKey(tenant, id), active: callbackActiveKey(tenant) });

  return {
    async admit(tenant, id, limit) {
      const key = callbackActiveKey(tenant);
      const t = now();
      const deadline = t + leaseMs;
      const member = leaseMember(tenant, id);
      // The index first: if this process dies right after admitting, the sweep still finds it.
      await redis.zadd(CALLBACK_LEASES_KEY, deadline, member);
      // Add, then count the unlapsed, in one transaction: never more than `limit` admitted (two
      // racing at the limit may both back off, which errs on the safe side).
      const res = execResults(await redis.multi().zadd(key, deadline, id).zcount(key, `(${t}`, '+inf').pexpire(key, keyTtlMs).exec());
      if (Number(res[1]) <= limit) return true;
      await redis.zrem(key, id);
      await redis.zrem(CALLBACK_LEASES_KEY, member);
      return false;
    },

    async renew(running) {
      const deadline = now() + leaseMs;
      const byTenant = new Map<string, string[]>();
      for (const r of running) byTenant.set(r.tenant, [...(byTenant.get(r.tenant) ?? []), r.id]);
      const lost: Array<{ tenant: string; id: string }> = [];
      // One script per tenant (its own slot), then the index (another slot).
      await Promise.all(
        [...byTenant].map(async ([tenant, ids]) => {
          const gone = new Set(await scripts.renew(callbackActiveKey(tenant), deadline, keyTtlMs, ids));
          const kept: Array<string | number> = [];
          for (const id of ids) {
            if (gone.has(id)) lost.push({ tenant, id });
            else kept.push(deadline, leaseMember(tenant, id));
          }
          if (kept.length > 0) await redis.zadd(CALLBACK_LEASES_KEY, ...kept);
        }),
      );
      return lost;
    },

    async save(state, final) {
      const reply = await scripts.save(keysOf(state.tenant, state.id), state.id, JSON.stringify(state), opts.stateTtlSeconds, final);
      if (final && reply !== 'lost') await redis.zrem(CALLBACK_LEASES_KEY, leaseMember(state.tenant, state.id));
      return reply;
    },

    async release(tenant, id) {
      await redis.zrem(callbackActiveKey(tenant), id);
      await redis.zrem(CALLBACK_LEASES_KEY, leaseMember(tenant, id));
    },

    async get(tenant, id) {
      return parseState(await redis.get(callbackStateKey(tenant, id)));
    },

    async sweep(finalise, max) {
      const t = now();
      const due = await redis.zrangebyscore(CALLBACK_LEASES_KEY, '-inf', t, 'LIMIT', 0, max);
      const claimed: ClaimedCallback[] = [];
      for (const m of due) {
        const c = parseLeaseMember(m);
        if (c === null) {
          await redis.zrem(CALLBACK_LEASES_KEY, m);
          continue;
        }
        const keys = keysOf(c.tenant, c.id);
        const json = await redis.get(keys.state);
        const state = parseState(json);
        // Already ended (or never saved): only the slot and the index entry are left to free.
        const final = state !== null && !isTerminal(state.status) ? finalise(state, t) : null;
        const reply = await scripts.claim(keys, c.id, t, json ?? '', final === null ? '' : JSON.stringify(final), opts.stateTtlSeconds);
        // 'alive': the lease was renewed meanwhile; 'changed': the state moved on. Both: next sweep.
        if (reply === 'claimed' || reply === 'dropped') await redis.zrem(CALLBACK_LEASES_KEY, m);
        if (reply === 'claimed' && state !== null && final !== null) claimed.push({ read: state, final });
      }
      return claimed;
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
