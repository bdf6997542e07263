// The callback service (click-to-call): implements the API's CallbackPort. It resolves the binding,
// enforces the per-tenant limit, runs the SIP flow (callback-flow.ts) in this process and keeps the
// state in Redis (callback-store.ts) so any API node can read it; cancels from other nodes arrive
// over pub/sub. Call records, webhooks and the release timer work as for direct dial.
//
// A process that dies (crash, SIGKILL, deploy) must not leave its callbacks in progress for ever:
// each running callback holds a lease in Redis that this process renews every few seconds, and
// every node sweeps for lapsed leases and finalises those callbacks once (failed, node-lost), with
// the final record, webhook and release timer the normal end would have produced.
import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Binding, BindingService } from '../bindings/model.ts';
import { AppError } from '../errors.ts';
import { maskNumber } from '../observability/mask.ts';
import type { CallEventSink, CallRecord } from '../records/model.ts';
import { runCallbackFlow } from './callback-flow.ts';
import type { CallbackFlow, CallbackPlan, FlowEvent } from './callback-flow.ts';
import type { CallbackSrf } from './callback-srf.ts';
import { callbackRecord, endRecord, nodeLost } from './callback-record.ts';
import { canMove, isTerminal } from './callback-state.ts';
import type { CallbackStatus } from './callback-state.ts';
import { createCallbackStore } from './callback-store.ts';
import type { CallbackStore, ClaimedCallback, SaveReply, StoredCallback } from './callback-store.ts';
import { targetUri } from './plan.ts';
import type { Trunk } from './trunks.ts';

export interface CallbackServiceDeps {
  srf: CallbackSrf;
  redis: Redis | Cluster;
  bindings: Pick<BindingService, 'get' | 'getNumber' | 'bind' | 'callStarted' | 'callEnded'>;
  events: CallEventSink;
  /** Callbacks go out through the first trunk that has gateways. */
  trunks: readonly Trunk[];
  log: Logger;
  ringTimeoutSeconds: number;
  /** Callbacks in progress per tenant; beyond it start() fails with PN_ERR_CALLBACK_LIMIT (429). */
  limitPerTenant: number;
  /** TTL of a binding created for {a, b} (default 3600 s; the release timer shortens it after the call). */
  bindingTtlSeconds?: number;
  /** Group of the binding created for {a, b} without x (default "default"). */
  defaultGroup?: string;
  /** How long a callback's state stays readable (default one day). */
  stateTtlSeconds?: number;
  /** Lease timing; the defaults (LEASE_*) need no tuning, tests shorten them. */
  lease?: LeaseTiming;
  /** Retry-After of a 429 (default 5 s). */
  retryAfterSeconds?: number;
  /** Counts ended callbacks by record outcome (e.g. the API's calls counter with kind "callback"). */
  metrics?: { callbackFinished(labels: { outcome: string }): void };
  now?: () => number;
  newId?: () => string;
}

/** Same shape as CallbackRequest of the API port. */
export interface StartCallback {
  tenant: string;
  bindingId?: string;
  a?: string;
  b?: string;
  x?: string;
}

export interface CallbackService {
  start(req: StartCallback): Promise<{ id: string; status: CallbackStatus; x: string }>;
  get(tenant: string, id: string): Promise<StoredCallback | null>;
  /** True when a callback in progress was cancelled; false when it had already ended or is unknown. */
  cancel(tenant: string, id: string): Promise<boolean>;
  /** Callbacks whose flow runs in this process. */
  activeCallbacks(): number;
  /** Hangs up every callback of this process and waits for their final states to be written. */
  close(): Promise<void>;
}

export interface LeaseTiming {
  /** A callback whose lease was not renewed for this long is lost (ms). */
  ttlMs?: number;
  /** How often this process renews the leases of its callbacks (ms). */
  renewMs?: number;
  /** How often this process sweeps for lapsed leases of any node (ms). */
  sweepMs?: number;
}

interface Running {
  tenant: string;
  flow: CallbackFlow;
  state: StoredCallback;
  /** The lease is gone (finalised elsewhere): hang up, write nothing more. */
  lose(why: SaveReply): void;
}

const DEFAULT_GROUP = 'default';
// Renewed every 5 s, lost after 30 s without renewal: six renewals missed, longer than a Redis
// failover or a long GC pause, so a live process is not taken for dead; a dead one's callbacks
// are final within about 35 s (lease plus one sweep).
const LEASE_TTL_MS = 30_000;
const LEASE_RENEW_MS = 5_000;
const LEASE_SWEEP_MS = 5_000;
/** Lapsed callbacks one sweep takes on; the rest wait for the next. */
const SWEEP_BATCH = 100;

export async function createCallbackService(deps: CallbackServiceDeps): Promise<CallbackService> {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const lease = { ttlMs: deps.lease?.ttlMs ?? LEASE_TTL_MS, renewMs: deps.lease?.renewMs ?? LEASE_RENEW_MS, sweepMs: deps.lease?.sweepMs ?? LEASE_SWEEP_MS };
  const store: CallbackStore = createCallbackStore({
    redis: deps.redis,
    stateTtlSeconds: deps.stateTtlSeconds ?? 86_400,
    leaseMs: lease.ttlMs,
    now,
  });
  const live = new Map<string, Running>();
  const writes = new Set<Promise<unknown>>();
  const outbound = deps.trunks.find((t) => t.gateways.length > 0);

  const track = (p: Promise<unknown>): void => {
    writes.add(p);
    void p.finally(() => writes.delete(p));
  };

  const unsubscribe = await store.onCancel((tenant, id) => {
    const r = live.get(id);
    if (r && r.tenant === tenant) r.flow.cancel();
  });
  const heartbeat = setInterval(() => {
    const running = [...live.entries()].map(([id, r]) => ({ tenant: r.tenant, id }));
    if (running.length === 0) return;
    store.renew(running).then(
      (lost) => {
        for (const l of lost) live.get(l.id)?.lose('lost');
      },
      (err: unknown) => deps.log.warn({ err }, 'callback lease renewal failed'),
    );
  }, lease.renewMs);
  heartbeat.unref();

  /** The final record, webhook, metrics and release timer of a callback whose process died. */
  async function finaliseLost(c: ClaimedCallback): Promise<void> {
    const s = c.read;
    const log = deps.log.child({ callbackId: s.id, bindingId: s.bindingId, x: s.x, caller: maskNumber(s.a), callee: maskNumber(s.b) });
    log.warn({ status: s.status }, 'callback lost with its process: finalised as failed');
    const binding = s.bindingId !== undefined ? await deps.bindings.get(s.bindingId).catch(() => null) : null;
    const { record, end } = nodeLost(s, c.final.endedAt ?? now(), binding?.outId);
    try {
      deps.events.ended(record);
    } catch (err) {
      log.warn({ err }, 'call event sink failed: ended');
    }
    try {
      deps.metrics?.callbackFinished({ outcome: end.outcome });
    } catch (err) {
      log.warn({ err }, 'metrics failed');
    }
    if (s.bindingId !== undefined) await deps.bindings.callEnded(s.bindingId).catch((err: unknown) => log.warn({ err }, 'callEnded failed'));
  }

  let sweeping = false;
  const sweeper = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    const p = store
      .sweep((state, t) => nodeLost(state, t).state, SWEEP_BATCH)
      .then(async (claimed) => {
        for (const c of claimed) await finaliseLost(c);
      })
      .catch((err: unknown) => deps.log.warn({ err }, 'callback sweep failed'))
      .finally(() => (sweeping = false));
    track(p);
  }, lease.sweepMs);
  sweeper.unref();

  async function resolveBinding(req: StartCallback): Promise<Binding> {
    if (req.bindingId !== undefined) {
      const b = await deps.bindings.get(req.bindingId);
      if (b === null || b.tenant !== req.tenant || b.expiresAt <= now()) throw new AppError('PN_ERR_BINDING_NOT_FOUND');
      if (b.b === undefined) throw new AppError('PN_ERR_VALIDATION', { message: 'the binding has no party B to call', field: 'bindingId' });
      return b;
    }
    if (req.a === undefined || req.b === undefined) throw new AppError('PN_ERR_VALIDATION', { message: 'bindingId or a and b are required', field: 'a' });
    let group = deps.defaultGroup ?? DEFAULT_GROUP;
    if (req.x !== undefined) {
      const n = await deps.bindings.getNumber(req.x);
      if (n === null || n.tenant !== req.tenant) throw new AppError('PN_ERR_X_UNAVAILABLE', { message: 'x is not a number of your pool', field: 'x' });
      group = n.group;
    }
    // AXB: the live binding of the same pair is reused (same X), else X is allocated by the rules.
    const { binding } = await deps.bindings.bind({
      tenant: req.tenant,
      group,
      mode: 'AXB',
      a: req.a,
      b: req.b,
      ttlSeconds: deps.bindingTtlSeconds ?? 3600,
      ...(req.x !== undefined ? { x: req.x } : {}),
    });
    return binding;
  }

  function launch(state: StoredCallback, binding: Binding, trunk: Trunk): void {
    const a = binding.a;
    const b = binding.b as string;
    const log = deps.log.child({ callbackId: state.id, bindingId: binding.id, x: binding.x, caller: maskNumber(a), callee: maskNumber(b) });
    const record: CallRecord = callbackRecord(state, binding.outId);
    let lost = false;
    // Our lease is gone: a sweep finalised this callback (we looked dead). Its final state, record
    // and release timer are written; hang up and write nothing more.
    const lose = (why: SaveReply): void => {
      if (lost || why === 'saved') return;
      lost = true;
      log.warn({ why }, 'callback lease lost: hanging up');
      live.get(state.id)?.flow.shutdown();
    };
    const emit = (kind: keyof CallEventSink): void => {
      try {
        deps.events[kind]({ ...record });
      } catch (err) {
        log.warn({ err }, `call event sink failed: ${kind}`);
      }
    };
    const move = (to: CallbackStatus): void => {
      if (!canMove(state.status, to) || lost) return;
      state.status = to;
      track(store.save({ ...state }, false).then(lose, (err: unknown) => log.warn({ err }, 'callback state not saved')));
    };
    const started = deps.bindings.callStarted(binding.id).catch((err: unknown) => log.warn({ err }, 'callStarted failed'));

    const plan: CallbackPlan = {
      id: state.id,
      x: binding.x,
      a,
      b,
      aUris: trunk.gateways.map((g) => targetUri(g, a)),
      bUris: trunk.gateways.map((g) => targetUri(g, b)),
      ...(trunk.countryCode !== undefined ? { countryCode: trunk.countryCode } : {}),
      ...(binding.maxCallSeconds !== undefined && binding.maxCallSeconds > 0 ? { maxCallSeconds: binding.maxCallSeconds } : {}),
    };

    const onEvent = (e: FlowEvent): void => {
      switch (e.type) {
        case 'calling-a':
          move('calling-a');
          emit('started');
          return;
        case 'ringing':
          // The record's ringing is the callee's (B); A ringing shows as calling-a.
          if (e.leg === 'b' && record.ringingAt === undefined) {
            record.ringingAt = now();
            emit('ringing');
          }
          return;
        case 'a-answered':
        case 'calling-b':
          move(e.type);
          return;
        case 'connected':
          state.answeredAt = record.answeredAt = now();
          record.finalStatus = 200;
          move('connected');
          emit('answered');
          return;
        case 'ended': {
          const t = now();
          const end = e.end;
          state.status = end.status;
          state.reason = end.reason;
          state.endedAt = t;
          endRecord(record, end, t);
          live.delete(state.id);
          if (lost) {
            log.info('callback ended after its lease was lost: the final state written by the sweep stays');
            return;
          }
          const finish = (): Promise<unknown> => {
            emit('ended');
            try {
              deps.metrics?.callbackFinished({ outcome: end.outcome });
            } catch (err) {
              log.warn({ err }, 'metrics failed');
            }
            return started.then(() => deps.bindings.callEnded(binding.id)).catch((err: unknown) => log.warn({ err }, 'callEnded failed'));
          };
          // Written unless a sweep finalised it first (then that end, record and release timer stand).
          track(
            store.save({ ...state }, true).then(
              (r) => {
                if (r === 'ended') {
                  log.warn('callback was finalised by a sweep before it ended here');
                  return;
                }
                return finish();
              },
              (err: unknown) => {
                log.warn({ err }, 'callback state not saved');
                return finish();
              },
            ),
          );
          return;
        }
      }
    };

    log.info('callback starting');
    const flow = runCallbackFlow({ srf: deps.srf, log, ringTimeoutSeconds: deps.ringTimeoutSeconds }, plan, onEvent);
    if (!isTerminal(state.status)) live.set(state.id, { tenant: state.tenant, flow, state, lose });
    if (lost) flow.shutdown();
  }

  return {
    async start(req) {
      if (!outbound) throw new AppError('PN_ERR_CONFIG_INVALID', { message: 'no outbound gateway configured for callbacks' });
      const id = newId();
      if (!(await store.admit(req.tenant, id, deps.limitPerTenant))) {
        throw new AppError('PN_ERR_CALLBACK_LIMIT', { retryAfter: deps.retryAfterSeconds ?? 5, details: { limit: deps.limitPerTenant } });
      }
      let binding: Binding;
      let state: StoredCallback;
      try {
        binding = await resolveBinding(req);
        state = { id, tenant: req.tenant, status: 'queued', x: binding.x, bindingId: binding.id, a: binding.a, b: binding.b as string, createdAt: now() };
        await store.save(state, false);
      } catch (err) {
        await store.release(req.tenant, id).catch(() => undefined);
        throw err;
      }
      launch(state, binding, outbound);
      return { id, status: 'queued', x: binding.x };
    },

    async get(tenant, id) {
      const r = live.get(id);
      if (r && r.tenant === tenant) return { ...r.state };
      return store.get(tenant, id);
    },

    async cancel(tenant, id) {
      const r = live.get(id);
      if (r && r.tenant === tenant) {
        if (isTerminal(r.state.status)) return false;
        r.flow.cancel();
        return true;
      }
      const state = await store.get(tenant, id);
      if (state === null || isTerminal(state.status)) return false;
      // Run by another process: it hears this and cancels (a process that died lets its lease lapse).
      await store.publishCancel(tenant, id);
      return true;
    },

    activeCallbacks: () => live.size,

    async close() {
      clearInterval(heartbeat);
      clearInterval(sweeper);
      const flows = [...live.values()].map((r) => r.flow);
      for (const f of flows) f.shutdown();
      await Promise.all(flows.map((f) => f.done));
      await Promise.all([...writes]);
      await unsubscribe();
    },
  };
}
