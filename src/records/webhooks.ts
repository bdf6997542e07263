// Webhooks to the tenants' servers: a Redis outbox (so a restart loses nothing that was queued),
// delivered in the background with bounded concurrency, signed (signature.ts), retried with
// exponential backoff on network errors and non-2xx answers up to maxAttempts. At least once:
// receivers dedupe by the event id.
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import { defineScript, readLua, type ScriptCall } from '../infra/redis-scripts.ts';
import { webhookDeadKey, webhookDueKey, webhookEventKey } from './keys.ts';
import { signWebhook } from './signature.ts';

export type WebhookEventType = 'call.started' | 'call.ringing' | 'call.answered' | 'call.ended' | 'binding.released';

export interface WebhookEndpoint {
  url: string;
  secret: string;
}

/** The JSON body POSTed to the tenant. */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** ISO 8601. */
  createdAt: string;
  data: Record<string, unknown>;
}

export interface WebhookDispatcherOptions {
  redis: Redis | Cluster;
  log: Logger;
  /** Per-tenant endpoints; a tenant without one gets no webhooks. */
  endpoints: Array<{ tenant: string; url: string; secret: string }>;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to maxDelayMs. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** Deliveries in flight at once (per process). */
  concurrency?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** How often the outbox is polled when nothing was enqueued locally. */
  pollIntervalMs?: number;
  /** How long a claimed event stays invisible to other workers; must exceed timeoutMs. */
  leaseMs?: number;
  /** How long an event (delivered or dead) is kept for inspection. */
  eventTtlSeconds?: number;
  now?: () => number;
}

interface Envelope {
  tenant: string;
  type: WebhookEventType;
  attempts: number;
  /** The exact body, kept as text so every attempt signs and sends the same bytes. */
  body: string;
}

const CLAIM_LUA = readLua(import.meta.url, 'claim-due');

export class WebhookDispatcher {
  readonly #redis: Redis | Cluster;
  /** lua/claim-due.lua: (due key; now, lease ms, max) -> the ids claimed. */
  readonly #claimDue: ScriptCall;
  readonly #log: Logger;
  readonly #endpoints: Map<string, WebhookEndpoint>;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #concurrency: number;
  readonly #timeoutMs: number;
  readonly #pollIntervalMs: number;
  readonly #leaseMs: number;
  readonly #eventTtlSeconds: number;
  readonly #now: () => number;
  readonly #inflight = new Set<Promise<void>>();
  #running = false;
  #ticking = false;
  #again = false;
  #pollTimer: NodeJS.Timeout | undefined;
  #wakeTimers = new Set<NodeJS.Timeout>();

  constructor(opts: WebhookDispatcherOptions) {
    this.#redis = opts.redis;
    this.#log = opts.log;
    this.#endpoints = new Map(opts.endpoints.map((e) => [e.tenant, { url: e.url, secret: e.secret }]));
    this.#maxAttempts = opts.maxAttempts ?? 8;
    this.#baseDelayMs = opts.baseDelayMs ?? 1000;
    this.#maxDelayMs = opts.maxDelayMs ?? 10 * 60_000;
    this.#concurrency = opts.concurrency ?? 16;
    this.#timeoutMs = opts.timeoutMs ?? 5000;
    this.#pollIntervalMs = opts.pollIntervalMs ?? 1000;
    this.#leaseMs = Math.max(opts.leaseMs ?? 30_000, this.#timeoutMs + 1000);
    this.#eventTtlSeconds = opts.eventTtlSeconds ?? 7 * 86_400;
    this.#now = opts.now ?? Date.now;
    this.#claimDue = defineScript(this.#redis, 'pnWebhookClaimDue', 1, CLAIM_LUA);
  }

  hasEndpoint(tenant: string | undefined): boolean {
    return tenant !== undefined && this.#endpoints.has(tenant);
  }

  /** Fire-and-forget: queues the event in the outbox; never throws, never blocks the caller. */
  /** Whether events of this tenant go anywhere (it has a webhook endpoint): spares building payloads nobody receives. */
  wants(tenant: string | undefined): boolean {
    return tenant !== undefined && this.#endpoints.has(tenant);
  }

  enqueue(tenant: string | undefined, type: WebhookEventType, data: Record<string, unknown>): void {
    this.enqueueAsync(tenant, type, data).catch((err: unknown) => {
      this.#log.error({ err, tenant, type }, 'webhook event lost: outbox unreachable');
    });
  }

  /** Queues the event; resolves with its id once it is in the outbox (null: tenant has no webhook). */
  async enqueueAsync(tenant: string | undefined, type: WebhookEventType, data: Record<string, unknown>): Promise<string | null> {
    if (tenant === undefined || !this.#endpoints.has(tenant)) return null;
    const event: WebhookEvent = { id: randomUUID(), type, createdAt: new Date(this.#now()).toISOString(), data };
    const envelope: Envelope = { tenant, type, attempts: 0, body: JSON.stringify(event) };
    const tx = this.#redis.multi();
    tx.set(webhookEventKey(event.id), JSON.stringify(envelope), 'EX', this.#eventTtlSeconds);
    tx.zadd(webhookDueKey(), this.#now(), event.id);
    await execOrThrow(tx);
    this.#kick();
    return event.id;
  }

  /** Starts background delivery (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#kick();
  }

  /** Stops claiming new events and waits for deliveries in flight. Unfinished events stay queued. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    for (const t of this.#wakeTimers) clearTimeout(t);
    this.#wakeTimers.clear();
    await Promise.allSettled([...this.#inflight]);
  }

  /** Events queued or being retried, and events given up. */
  async depth(): Promise<{ queued: number; dead: number }> {
    const [queued, dead] = await Promise.all([this.#redis.zcard(webhookDueKey()), this.#redis.zcard(webhookDeadKey())]);
    return { queued, dead };
  }

  #kick(): void {
    if (!this.#running) return;
    if (this.#ticking) {
      this.#again = true;
      return;
    }
    this.#ticking = true;
    void this.#tick().finally(() => {
      this.#ticking = false;
      if (this.#again) {
        this.#again = false;
        this.#kick();
      }
    });
  }

  #wakeAt(delayMs: number): void {
    const t = setTimeout(() => {
      this.#wakeTimers.delete(t);
      this.#kick();
    }, Math.max(0, delayMs));
    t.unref();
    this.#wakeTimers.add(t);
  }

  async #tick(): Promise<void> {
    if (this.#pollTimer) clearTimeout(this.#pollTimer);
    try {
      const room = this.#concurrency - this.#inflight.size;
      if (room > 0) {
        const ids = (await this.#claimDue(webhookDueKey(), this.#now(), this.#leaseMs, room)) as string[];
        for (const id of ids) this.#track(this.#deliver(id));
        // A full batch means more may be due: look again as soon as this tick ends.
        if (ids.length === room) this.#again = true;
      }
    } catch (err) {
      this.#log.warn({ err }, 'webhook outbox poll failed');
    }
    if (this.#running) {
      this.#pollTimer = setTimeout(() => this.#kick(), this.#pollIntervalMs);
      this.#pollTimer.unref();
    }
  }

  #track(p: Promise<void>): void {
    this.#inflight.add(p);
    void p.finally(() => {
      this.#inflight.delete(p);
      this.#kick();
    });
  }

  async #deliver(id: string): Promise<void> {
    try {
      const raw = await this.#redis.get(webhookEventKey(id));
      if (raw === null) {
        await this.#redis.zrem(webhookDueKey(), id);
        return;
      }
      const env = JSON.parse(raw) as Envelope;
      const endpoint = this.#endpoints.get(env.tenant);
      if (!endpoint) {
        const tx = this.#redis.multi().zrem(webhookDueKey(), id).del(webhookEventKey(id));
        await execOrThrow(tx);
        return;
      }
      env.attempts += 1;
      const outcome = await this.#post(endpoint, id, env);
      if (outcome.ok) {
        await execOrThrow(this.#redis.multi().zrem(webhookDueKey(), id).del(webhookEventKey(id)));
        this.#log.debug({ eventId: id, type: env.type, tenant: env.tenant, attempts: env.attempts }, 'webhook delivered');
        return;
      }
      if (env.attempts >= this.#maxAttempts) {
        const now = this.#now();
        const tx = this.#redis
          .multi()
          .set(webhookEventKey(id), JSON.stringify(env), 'KEEPTTL')
          .zrem(webhookDueKey(), id)
          .zadd(webhookDeadKey(), now, id)
          .zremrangebyscore(webhookDeadKey(), '-inf', now - this.#eventTtlSeconds * 1000);
        await execOrThrow(tx);
        this.#log.warn({ eventId: id, type: env.type, tenant: env.tenant, attempts: env.attempts, status: outcome.status }, 'webhook given up');
        return;
      }
      const delay = this.backoffMs(env.attempts);
      const tx = this.#redis.multi().set(webhookEventKey(id), JSON.stringify(env), 'KEEPTTL').zadd(webhookDueKey(), this.#now() + delay, id);
      await execOrThrow(tx);
      this.#log.info({ eventId: id, type: env.type, tenant: env.tenant, attempts: env.attempts, status: outcome.status, retryInMs: delay }, 'webhook attempt failed');
      this.#wakeAt(delay);
    } catch (err) {
      // Redis trouble: the lease runs out and the event is claimed again (at least once).
      this.#log.warn({ err, eventId: id }, 'webhook delivery bookkeeping failed');
    }
  }

  /** Delay before attempt n+1 after n failed attempts: base * 2^(n-1), capped, with ±20 % jitter. */
  backoffMs(failedAttempts: number): number {
    const raw = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
    return Math.round(raw * (0.8 + 0.4 * Math.random()));
  }

  async #post(endpoint: WebhookEndpoint, id: string, env: Envelope): Promise<{ ok: boolean; status?: number }> {
    const timestamp = Math.floor(this.#now() / 1000);
    try {
      const res = await fetch(endpoint.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-pn-event-id': id,
          'x-pn-event-type': env.type,
          'x-pn-timestamp': String(timestamp),
          'x-pn-signature': signWebhook(endpoint.secret, timestamp, env.body),
          'x-pn-attempt': String(env.attempts),
        },
        body: env.body,
        redirect: 'manual',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      return { ok: res.status >= 200 && res.status < 300, status: res.status };
    } catch {
      return { ok: false };
    }
  }
}

async function execOrThrow(tx: ReturnType<Redis['multi']>): Promise<void> {
  const res = await tx.exec();
  const failed = res?.find(([err]) => err !== null);
  if (failed) throw failed[0];
}

export function createWebhookDispatcher(opts: WebhookDispatcherOptions): WebhookDispatcher {
  return new WebhookDispatcher(opts);
}
