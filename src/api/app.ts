// buildApi(deps) → a fastify instance with every route, ready for main to listen (no listen here).
import fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { Cluster, Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { BindingService } from '../bindings/model.ts';
import { AppError } from '../errors.ts';
import type { CallRecordStore } from '../records/record-store.ts';
import { type ApiKey, createAuthenticator } from './auth.ts';
import type { CallbackPort } from './callback-port.ts';
import type { RouteContext } from './context.ts';
import { errorHandler } from './error-handler.ts';
import { createIdempotency } from './idempotency.ts';
import { apiMetrics, setPoolSource } from './metrics.ts';
import { registerBindingRoutes } from './routes/bindings.ts';
import { registerCallRoutes } from './routes/calls.ts';
import { registerHealthRoutes, type MetricsSource } from './routes/health.ts';
import { registerNumberRoutes } from './routes/numbers.ts';
import { registerRecordRoutes } from './routes/records.ts';
import { ErrorBody } from './schemas/common.ts';
import { BindingView } from './schemas/bindings.ts';
import { CallView } from './schemas/calls.ts';
import { NumberView } from './schemas/numbers.ts';
import { RecordView } from './schemas/records.ts';

export interface ApiOptions {
  apiKeys: ApiKey[];
  /** Digits, e.g. "86": national numbers in requests are read in this country. */
  defaultCountryCode: string;
  /** Requests per minute per API key. */
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  idempotencyTtlSeconds: number;
}

export interface ApiDeps {
  bindings: BindingService;
  records: CallRecordStore;
  callbacks?: CallbackPort;
  log: Logger;
  metrics: Registry;
  /** /metrics text when `metrics` alone is not the whole picture (worker processes); default: `metrics`. */
  metricsText?: MetricsSource;
  options: ApiOptions;
  /** For idempotency keys and rate limits. */
  redis: Redis | Cluster;
  /** Named checks for /readyz, e.g. {redis: true, sipServer: true, b2bua: false}. */
  readiness: () => Promise<Record<string, boolean>>;
}

const PUBLIC_V1 = new Set(['/v1/openapi.json']);

export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const { options } = deps;
  const app = fastify({
    loggerInstance: deps.log as FastifyBaseLogger,
    // One line per request is logged below, without the URL (query strings carry real numbers).
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false } },
  });
  const metrics = apiMetrics(deps.metrics);
  setPoolSource(deps.metrics, deps.bindings);
  const authenticate = createAuthenticator(options.apiKeys);
  const idempotency = createIdempotency({ redis: deps.redis, ttlSeconds: options.idempotencyTtlSeconds });

  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((request, reply) => errorHandler(new AppError('PN_ERR_NOT_FOUND', { message: `no route ${request.method} ${request.routeOptions.url ?? 'here'}` }), request, reply));
  app.decorateRequest('tenant', '');
  app.decorateRequest('apiKeyId', '');

  for (const schema of [ErrorBody, BindingView, NumberView, CallView, RecordView]) app.addSchema(schema);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'Privacy-number API', version: '1', description: 'Pool, bindings, callbacks and call records of the privacy-number platform. Numbers are E.164.' },
      components: { securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', description: 'API key of the tenant' } } },
      tags: [{ name: 'bindings' }, { name: 'pool' }, { name: 'calls' }, { name: 'records' }, { name: 'operations' }],
    },
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Auth first (global onRequest), so the rate limit below counts per key, not per address.
  app.addHook('onRequest', async (request) => {
    const url = request.routeOptions.url;
    if (url === undefined || !url.startsWith('/v1/') || PUBLIC_V1.has(url)) return;
    const principal = authenticate(request.headers.authorization);
    request.tenant = principal.tenant;
    request.apiKeyId = principal.keyId;
  });

  await app.register(rateLimit, {
    global: true,
    max: options.rateLimitPerMinute,
    timeWindow: 60_000,
    redis: deps.redis,
    nameSpace: 'pn:rl:',
    skipOnError: true,
    keyGenerator: (request) => (request.apiKeyId !== '' ? `k:${request.apiKeyId}` : `ip:${request.ip}`),
    errorResponseBuilder: (_request, context) => new AppError('PN_ERR_RATE_LIMITED', { retryAfter: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });

  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST' || request.tenant === '') return undefined;
    return idempotency.preHandler(request, reply);
  });
  app.addHook('onSend', async (request, reply, payload) => idempotency.onSend(request, reply, payload));

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unknown';
    const status = reply.statusCode;
    const seconds = reply.elapsedTime / 1000;
    metrics.requestDuration.observe({ method: request.method, route, status: String(status) }, seconds);
    request.log.info({ method: request.method, route, status, ms: Math.round(reply.elapsedTime * 10) / 10, tenant: request.tenant || undefined }, 'api request');
  });

  const ctx: RouteContext = { bindings: deps.bindings, records: deps.records, metrics, defaultCountryCode: options.defaultCountryCode };
  if (deps.callbacks) ctx.callbacks = deps.callbacks;

  registerHealthRoutes(app, { readiness: deps.readiness, metrics: deps.metrics, metricsText: deps.metricsText });
  registerNumberRoutes(app, ctx);
  registerBindingRoutes(app, ctx);
  registerCallRoutes(app, ctx);
  registerRecordRoutes(app, ctx);
  app.get('/v1/openapi.json', { config: { rateLimit: false }, schema: { hide: true } }, async () => app.swagger());

  await app.ready();
  return app;
}
