// The whole product started in-process for end-to-end tests: a real redis-server, the bindings
// engine, records/webhooks, our SIP server, the B2BUA app connected over the drachtio protocol,
// and the HTTP API, all on free loopback ports. Far ends are sipp processes.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { loadConfig } from '../../src/config/load.ts';
import type { Config } from '../../src/config/schema.ts';
import { buildServices, type Handles, type Service } from '../../src/compose.ts';
import { startRedis, type RedisInstance } from './redis.ts';
import { getFreePort, getFreeUdpTcpPort } from './ports.ts';

export const TENANT = 'acme';
export const API_KEY = 'acme-test-key-0001';

export interface Stack {
  config: Config;
  handles: Handles;
  redis: Redis;
  redisServer: RedisInstance;
  /** host:port of our SIP listener (udp and tcp). */
  sipAddress: string;
  sipPort: number;
  /** http://host:port of the API. */
  apiUrl: string;
  /** Call the API as the test tenant. */
  api<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export interface StackOptions {
  /** Gateway URIs of the one trunk ("default"), e.g. the sipp callee. */
  gateways: string[];
  /** Extra config merged over the test defaults (same shape as config/default.json). */
  config?: Record<string, unknown>;
  logLevel?: string;
}

export async function startStack(opts: StackOptions): Promise<Stack> {
  const redisServer = await startRedis();
  const sipPort = await getFreeUdpTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'pn-stack-'));
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      sip: { contacts: [`sip:127.0.0.1:${sipPort};transport=udp,tcp`], adminPort: await getFreePort(), secret: 'stack-secret' },
      redis: { url: redisServer.url },
      dataDir: dir,
      http: { listen: `127.0.0.1:${await getFreePort()}` },
      api: { keys: [{ tenant: TENANT, key: API_KEY }], rateLimitPerMinute: 100000 },
      trunks: [{ name: 'default', addresses: ['127.0.0.1'], gateways: opts.gateways }],
      bindings: { coolDownSeconds: 60, defaultReleaseAfterCallSeconds: 30 },
      calls: { ringTimeoutSeconds: 20 },
      // App worker processes read this file too: keep their logs as quiet as the test's.
      log: { level: opts.logLevel ?? process.env['TEST_LOG_LEVEL'] ?? 'silent' },
      ...(opts.config ?? {}),
    }),
  );
  const config = loadConfig({ argv: ['--config', configFile], env: {}, cwd: dir });
  const log = pino({ level: opts.logLevel ?? process.env['TEST_LOG_LEVEL'] ?? 'silent' });
  const redis = new Redis(redisServer.url, { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true });
  const handles: Handles = {};
  const started: Service[] = [];
  try {
    for (const s of buildServices({ config, log, metrics: new Registry(), redis, redisTarget: { url: redisServer.url }, argv: ['--config', configFile] }, handles)) {
      await s.start();
      started.push(s);
    }
  } catch (err) {
    for (const s of started.reverse()) await s.stop().catch(() => undefined);
    redis.disconnect();
    await redisServer.stop();
    throw err;
  }
  const apiUrl = `http://${handles.httpAddress ?? config.http.listen}`;
  return {
    config,
    handles,
    redis,
    redisServer,
    sipAddress: `127.0.0.1:${sipPort}`,
    sipPort,
    apiUrl,
    async api<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await res.text();
      return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
    },
    async stop() {
      for (const s of started.reverse()) await s.stop().catch(() => undefined);
      redis.disconnect();
      await redisServer.stop();
    },
  };
}
