// Probes and metrics: /healthz (process alive), /readyz (dependencies), /metrics (Prometheus).
import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';

const tags = ['operations'];

/**
 * Prometheus text (0.0.4) for /metrics when the registry alone is not the whole picture (e.g. merged
 * with the B2BUA worker processes' metrics, wired in compose.ts).
 */
export type MetricsSource = () => Promise<string>;

export function registerHealthRoutes(app: FastifyInstance, deps: { readiness: () => Promise<Record<string, boolean>>; metrics: Registry; metricsText?: MetricsSource | undefined }): void {
  app.get(
    '/healthz',
    { config: { rateLimit: false }, schema: { tags, summary: 'The process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );

  const Ready = Type.Object({ ready: Type.Boolean(), checks: Type.Record(Type.String(), Type.Boolean()) });
  app.get(
    '/readyz',
    { config: { rateLimit: false }, schema: { tags, summary: 'Redis reachable, SIP server up, B2BUA app connected', response: { 200: Ready, 503: Ready } } },
    async (_request, reply) => {
      let checks: Record<string, boolean>;
      try {
        checks = await deps.readiness();
      } catch {
        checks = { readiness: false };
      }
      const ready = Object.values(checks).every(Boolean);
      if (!ready) void reply.code(503).header('retry-after', '1');
      return { ready, checks };
    },
  );

  app.get('/metrics', { config: { rateLimit: false }, schema: { tags, summary: 'Prometheus metrics', hide: true } }, async (_request, reply) => {
    const body = deps.metricsText ? await deps.metricsText() : await deps.metrics.metrics();
    return reply.header('content-type', deps.metrics.contentType).send(body);
  });
}
