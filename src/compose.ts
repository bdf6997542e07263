// The product's services built from one validated config: bindings engine, call records and
// webhooks, the SIP server, the B2BUA calls app (a drachtio-srf client of that server) and the
// HTTP API. main.ts runs them; tests start the same set in-process with their own config.
import Srf from 'drachtio-srf';
import type { Cluster, Redis } from 'ioredis';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { Config } from './config/schema.ts';
import { createBindingStore, type BindingStore } from './bindings/store.ts';
import { createCallRecordStore, type CallRecordStore } from './records/record-store.ts';
import { createWebhookDispatcher, type WebhookDispatcher } from './records/webhooks.ts';
import { createCallEventSink, type CallEventPipeline } from './records/pipeline.ts';
import { SipServer } from './server/sip-server.ts';
import { registerOverloadMetrics } from './server/overload-metrics.ts';
import { createCallsApp, type CallsApp } from './calls/app.ts';
import { asCallsSrf } from './calls/srf-types.ts';
import { createCallbackService, type CallbackService } from './calls/callback-service.ts';
import { asCallbackSrf } from './calls/callback-srf.ts';
import type { Trunk } from './calls/trunks.ts';
import { buildApi } from './api/app.ts';
import { apiMetrics, setPoolSource } from './api/metrics.ts';
import type { RedisTarget } from './infra/redis-client.ts';
import { AppWorkers, workerEnv } from './infra/app-workers.ts';
import { workerMetricsSource } from './infra/worker-metrics.ts';

/** A part of the product with a lifetime: started in list order, stopped in reverse. */
export interface Service {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface Runtime {
  config: Config;
  log: Logger;
  metrics: Registry;
  redis: Redis | Cluster;
  /** How app worker processes reach the same Redis (URL or the embedded server's socket). */
  redisTarget?: RedisTarget;
  /** This process's command-line arguments, passed on to app workers (same --config). */
  argv?: string[];
}

/** What the running services expose (filled in as they start): ports for tests and readiness. */
export interface Handles {
  store?: BindingStore;
  records?: CallRecordStore;
  events?: CallEventPipeline;
  webhooks?: WebhookDispatcher;
  sipServer?: SipServer;
  srf?: Srf;
  calls?: CallsApp;
  /** App worker processes, when calls.appProcesses > 1. */
  workers?: AppWorkers;
  /** Callbacks (click-to-call) run by this process; the API's CallbackPort. */
  callbacks?: CallbackService;
  api?: FastifyInstance;
  /** host:port the API listens on. */
  httpAddress?: string;
}

const SWEEP_INTERVAL_MS = 1000;
/** How long /metrics waits for each B2BUA worker's metrics before serving without them. */
const WORKER_METRICS_TIMEOUT_MS = 1000;

export function trunksFromConfig(config: Config): Trunk[] {
  return config.trunks.map((t) => ({
    name: t.name,
    addresses: [...t.addresses],
    gateways: [...t.gateways],
    countryCode: t.countryCode ?? config.bindings.defaultCountryCode,
    unboundStatus: t.unboundStatus,
    unboundReason: t.unboundReason,
    restrictedStatus: t.restrictedStatus,
  }));
}

function splitHostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(listen.slice(i + 1)) };
}

/** Connect an srf app to our SIP server (or a real drachtio-server) and wait for the login. */
export async function connectSrf(opts: { host: string; port: number; secret: string }, log: Logger): Promise<Srf> {
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    const onConnect = (err: Error | null, hostports?: string): void => {
      if (err) reject(err);
      else {
        log.info({ hostports }, 'b2bua app connected to the SIP server');
        resolve();
      }
    };
    srf.once('connect', onConnect);
    srf.once('error', (err: Error) => reject(err));
    void srf.connect({ host: opts.host, port: opts.port, secret: opts.secret });
  });
  srf.on('error', (err: Error) => log.warn({ err: err.message }, 'drachtio connection error'));
  return srf;
}

/**
 * Bindings engine, call records, webhook outbox and the event pipeline on one Redis client.
 * The main process starts the sweeper and webhook delivery; app workers only use them.
 */
export function createDataLayer(rt: Pick<Runtime, 'config' | 'log' | 'redis' | 'metrics'>): {
  webhooks: WebhookDispatcher;
  records: CallRecordStore;
  events: CallEventPipeline;
  store: BindingStore;
} {
  const { config, log, redis } = rt;
  const webhooks = createWebhookDispatcher({
    redis,
    log: log.child({ part: 'webhooks' }),
    endpoints: config.api.webhooks.map((w) => ({ tenant: w.tenant, url: w.url, secret: w.secret })),
    maxAttempts: config.api.webhookMaxAttempts,
  });
  const records = createCallRecordStore({ redis, retentionSeconds: config.bindings.recordRetentionSeconds });
  const events = createCallEventSink({ records, webhooks, log: log.child({ part: 'records' }), counters: apiMetrics(rt.metrics) });
  const store = createBindingStore({
    redis,
    log: log.child({ part: 'bindings' }),
    coolDownSeconds: config.bindings.coolDownSeconds,
    defaultReleaseAfterCallSeconds: config.bindings.defaultReleaseAfterCallSeconds,
    defaultAreaMatch: config.bindings.defaultAreaMatch,
    ...(config.bindings.maxBindingsPerX > 0 ? { maxBindingsPerX: config.bindings.maxBindingsPerX } : {}),
    onReleased: (b) => events.bindingReleased(b),
  });
  return { webhooks, records, events, store };
}

/** The direct-dial B2BUA on an srf connection (it routes INVITE to this process). */
export function startCallsApp(rt: Pick<Runtime, 'config' | 'log' | 'metrics'>, srf: Srf, store: BindingStore, events: CallEventPipeline): CallsApp {
  const { config } = rt;
  const counters = apiMetrics(rt.metrics);
  return createCallsApp({
    srf: asCallsSrf(srf),
    bindings: store,
    events,
    trunks: trunksFromConfig(config),
    log: rt.log.child({ part: 'calls' }),
    ringTimeoutSeconds: config.calls.ringTimeoutSeconds,
    maxConcurrentCalls: config.calls.maxConcurrentCalls,
    metrics: { callFinished: ({ outcome }) => counters.calls.inc({ kind: 'direct', outcome }) },
  });
}

export function buildServices(rt: Runtime, handles: Handles = {}): Service[] {
  const { config, log, metrics, redis } = rt;
  const counters = apiMetrics(metrics);

  const bindings: Service = {
    name: 'bindings',
    async start() {
      const { webhooks, records, events, store } = createDataLayer(rt);
      webhooks.start();
      store.startSweeper(SWEEP_INTERVAL_MS);
      setPoolSource(metrics, store);
      Object.assign(handles, { store, events, webhooks, records });
    },
    async stop() {
      await handles.store?.close();
      await handles.events?.flush();
      await handles.webhooks?.stop();
    },
  };

  // Our own drachtio-compatible server, unless the app is to run against an external drachtio-server.
  const sip: Service = {
    name: 'sip-server',
    async start() {
      handles.sipServer = await SipServer.start({
        contacts: [...config.sip.contacts],
        ...(config.sip.externalIp !== undefined ? { externalIp: config.sip.externalIp } : {}),
        admin: { address: config.sip.adminAddress, port: config.sip.adminPort, secret: config.sip.secret },
        timers: { t1: config.sip.timers.t1Ms, t2: config.sip.timers.t2Ms, t4: config.sip.timers.t4Ms },
        maxMessageSize: config.sip.maxMessageSize,
        tcpIdleTimeoutMs: config.sip.tcpIdleTimeoutMs,
        overload: { ...config.sip.overload },
        log: log.child({ part: 'sip' }),
      });
      registerOverloadMetrics(metrics, () => handles.sipServer?.stats().overload);
    },
    async stop() {
      await handles.sipServer?.close();
    },
  };

  const calls: Service = {
    name: 'b2bua',
    async start() {
      const server = handles.sipServer;
      const store = handles.store;
      const events = handles.events;
      if (!store || !events) throw new Error('b2bua needs the bindings engine');
      const adminHost = config.sip.adminAddress === '0.0.0.0' ? '127.0.0.1' : config.sip.adminAddress;
      const adminPort = server ? server.adminPort : config.sip.adminPort;
      const srf = await connectSrf({ host: adminHost, port: adminPort, secret: config.sip.secret }, log);
      handles.srf = srf;
      if (config.calls.appProcesses > 1) {
        // INVITEs go to worker processes (drachtio spreads them across the apps that route INVITE);
        // this process's srf only places callbacks.
        if (!rt.redisTarget) throw new Error('calls.appProcesses > 1 needs the Redis address for the workers');
        handles.workers = await AppWorkers.start({
          count: config.calls.appProcesses,
          argv: rt.argv ?? [],
          env: workerEnv({ redis: rt.redisTarget, adminHost, adminPort }),
          log: log.child({ part: 'workers' }),
        });
      } else {
        handles.calls = startCallsApp(rt, srf, store, events);
      }
      handles.callbacks = await createCallbackService({
        srf: asCallbackSrf(srf),
        redis,
        bindings: store,
        events,
        trunks: trunksFromConfig(config),
        log: log.child({ part: 'callbacks' }),
        ringTimeoutSeconds: config.calls.ringTimeoutSeconds,
        limitPerTenant: config.calls.callbackLimitPerTenant,
        metrics: { callbackFinished: ({ outcome }) => counters.calls.inc({ kind: 'callback', outcome }) },
      });
    },
    async stop() {
      await handles.callbacks?.close();
      await handles.calls?.close();
      await handles.workers?.stop();
      handles.srf?.disconnect();
    },
  };

  const api: Service = {
    name: 'http-api',
    async start() {
      const store = handles.store;
      const records = handles.records;
      if (!store || !records) throw new Error('the API needs the bindings engine');
      const app = await buildApi({
        bindings: store,
        records,
        ...(handles.callbacks ? { callbacks: handles.callbacks } : {}),
        log: log.child({ part: 'api' }),
        metrics,
        // With worker processes, /metrics shows their counters (calls, records, webhooks) summed with ours.
        ...(handles.workers
          ? { metricsText: workerMetricsSource({ registry: metrics, workers: handles.workers, timeoutMs: WORKER_METRICS_TIMEOUT_MS, log: log.child({ part: 'workers' }) }) }
          : {}),
        redis,
        options: {
          apiKeys: config.api.keys.map((k) => ({ tenant: k.tenant, key: k.key })),
          defaultCountryCode: config.bindings.defaultCountryCode,
          rateLimitPerMinute: config.api.rateLimitPerMinute,
          bodyLimitBytes: config.http.bodyLimitBytes,
          idempotencyTtlSeconds: config.api.idempotencyTtlSeconds,
        },
        readiness: async () => ({
          redis: (await redis.ping().catch(() => '')) === 'PONG',
          sipServer: config.sip.embeddedServer ? handles.sipServer !== undefined : handles.srf !== undefined,
          b2bua: config.sip.embeddedServer ? (handles.sipServer?.hasInviteApp ?? false) : handles.calls !== undefined,
        }),
      });
      const { host, port } = splitHostPort(config.http.listen);
      await app.listen({ host, port });
      const addr = app.server.address();
      handles.api = app;
      handles.httpAddress = typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : config.http.listen;
    },
    async stop() {
      await handles.api?.close();
    },
  };

  return config.sip.embeddedServer ? [bindings, sip, calls, api] : [bindings, calls, api];
}
