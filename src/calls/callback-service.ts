// The callback service (click-to-call): implements the API's CallbackPort. It resolves the binding,
// enforces the per-tenant limit, runs the SIP flow (callback-flow.ts) in this process and keeps the
// state in Redis (callback-store.ts) so any API node can read it; cancels from other nodes arrive
// over pub/sub. Call records, webhooks and the release timer work as for direct dial.
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
import { canMove, isTerminal } from './callback-state.ts';
import type { CallbackStatus } from './callback-state.ts';
import { createCallbackStore } from './callback-store.ts';
import type { CallbackStore, StoredCallback } from './callback-store.ts';
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
  /** Lease of a limit slot, refreshed while the flow runs (default 120 s). */
  leaseSeconds?: number;
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

interface Running {
  tenant: string;
  flow: CallbackFlow;
  state: StoredCallback;
}

const DEFAULT_GROUP = 'default';

export async function createCallbackService(deps: CallbackServiceDeps): Promise<CallbackService> {
  const now = deps.now ?? Date.now;
  const newId = deps.newId ?? randomUUID;
  const leaseSeconds = deps.leaseSeconds ?? 120;
  const store: CallbackStore = createCallbackStore({
    redis: deps.redis,
    stateTtlSeconds: deps.stateTtlSeconds ?? 86_400,
    leaseSeconds,
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
    store.refresh(running).catch((err: unknown) => deps.log.warn({ err }, 'callback lease refresh failed'));
  }, (leaseSeconds * 1000) / 3);
  heartbeat.unref();

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
    const record: CallRecord = {
      id: state.id,
      kind: 'callback',
      tenant: binding.tenant,
      bindingId: binding.id,
      x: binding.x,
      caller: a,
      callee: b,
      direction: 'a-to-b',
      invitedAt: now(),
      ...(binding.outId !== undefined ? { outId: binding.outId } : {}),
    };
    const emit = (kind: keyof CallEventSink): void => {
      try {
        deps.events[kind]({ ...record });
      } catch (err) {
        log.warn({ err }, `call event sink failed: ${kind}`);
      }
    };
    const save = (final: boolean): void => {
      track(store.save({ ...state }, final).catch((err: unknown) => log.warn({ err }, 'callback state not saved')));
    };
    const move = (to: CallbackStatus): void => {
      if (!canMove(state.status, to)) return;
      state.status = to;
      save(false);
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
          save(true);
          record.endedAt = t;
          record.outcome = end.outcome;
          record.finalStatus = end.finalStatus;
          if (end.hangupBy !== undefined) record.hangupBy = end.hangupBy;
          if (record.answeredAt !== undefined) record.durationSeconds = Math.round((t - record.answeredAt) / 1000);
          emit('ended');
          try {
            deps.metrics?.callbackFinished({ outcome: end.outcome });
          } catch (err) {
            log.warn({ err }, 'metrics failed');
          }
          live.delete(state.id);
          track(
            started
              .then(() => deps.bindings.callEnded(binding.id))
              .catch((err: unknown) => log.warn({ err }, 'callEnded failed')),
          );
          return;
        }
      }
    };

    log.info('callback starting');
    const flow = runCallbackFlow({ srf: deps.srf, log, ringTimeoutSeconds: deps.ringTimeoutSeconds }, plan, onEvent);
    if (!isTerminal(state.status)) live.set(state.id, { tenant: state.tenant, flow, state });
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
      const flows = [...live.values()].map((r) => r.flow);
      for (const f of flows) f.shutdown();
      await Promise.all(flows.map((f) => f.done));
      await Promise.all([...writes]);
      await unsubscribe();
    },
  };
}
