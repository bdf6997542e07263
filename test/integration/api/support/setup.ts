// Builds the API on a real redis-server for a test file; one Redis db per file, flushed per test.
import { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { Registry } from 'prom-client';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { buildApi, type ApiDeps } from '../../../../src/api/app.ts';
import type { BindingService } from '../../../../src/bindings/model.ts';
import { CallRecordStore } from '../../../../src/records/record-store.ts';
import { startRedis, type RedisInstance } from '../../../harness/redis.ts';
import { createBindingStore, type BindingStore } from '../../../../src/bindings/store.ts';

export const KEYS = { t1: 'key-tenant-one-0123456789', t2: 'key-tenant-two-0123456789' } as const;
export const auth = (tenant: keyof typeof KEYS): Record<string, string> => ({ authorization: `Bearer ${KEYS[tenant]}` });

export interface ApiFixture {
  app: FastifyInstance;
  redis: Redis;
  server: RedisInstance;
  bindings: BindingService;
  records: CallRecordStore;
  registry: Registry;
  /** Every log line the app wrote, parsed. */
  logs: Array<Record<string, unknown>>;
  /** A clean slate: empty Redis db. */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function captureLogger(lines: Array<Record<string, unknown>>): Logger {
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim() !== '') lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  return pino({ level: 'debug' }, sink);
}

export async function startApi(overrides: Partial<Omit<ApiDeps, 'options'>> & { options?: Partial<ApiDeps['options']>; server?: RedisInstance } = {}): Promise<ApiFixture> {
  const ownServer = overrides.server === undefined;
  const server = overrides.server ?? (await startRedis());
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  const logs: Array<Record<string, unknown>> = [];
  const log = captureLogger(logs);
  const registry = new Registry();
  const store: BindingStore | undefined = overrides.bindings === undefined ? createBindingStore({ redis, log, coolDownSeconds: 60, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback' }) : undefined;
  const bindings = overrides.bindings ?? (store as BindingStore);
  const records = overrides.records ?? new CallRecordStore({ redis, retentionSeconds: 86_400 });
  const { options, server: _s, ...rest } = overrides;
  const app = await buildApi({
    bindings,
    records,
    log,
    metrics: registry,
    redis,
    readiness: async () => ({ redis: (await redis.ping()) === 'PONG' }),
    ...rest,
    options: {
      apiKeys: [
        { tenant: 't1', key: KEYS.t1 },
        { tenant: 't2', key: KEYS.t2 },
      ],
      defaultCountryCode: '86',
      rateLimitPerMinute: 100_000,
      bodyLimitBytes: 16_384,
      idempotencyTtlSeconds: 3600,
      ...options,
    },
  });
  return {
    app,
    redis,
    server,
    bindings,
    records,
    registry,
    logs,
    async reset() {
      await redis.flushdb();
    },
    async stop() {
      await app.close();
      await store?.close();
      redis.disconnect();
      if (ownServer) await server.stop();
    },
  };
}
