// API throughput: POST /v1/bindings (creates) and GET /v1/bindings?party=&x= (lookups) with
// autocannon against the real API + BindingStore on a local redis-server. The API runs in a child
// process (this file re-run with --serve), so the load generator does not share its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { BenchFn, BenchRow } from './types.ts';

const KEY = 'bench-key-0123456789';
const POOL = 200;

interface AutocannonRequest {
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string;
  setupRequest?: (req: AutocannonRequest) => AutocannonRequest;
}
interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p90: number; p99: number; average: number; max: number };
  non2xx: number;
  errors: number;
  timeouts: number;
  duration: number;
}
type Autocannon = (opts: { url: string; connections: number; duration: number; requests: AutocannonRequest[]; headers?: Record<string, string> }) => Promise<AutocannonResult>;

const require = createRequire(import.meta.url);

/** The --serve child: API on a free port, prints "port <n>", runs until SIGTERM. */
async function serve(redisUrl: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const pino = (await import('pino')).default;
  const { Registry } = await import('prom-client');
  const { buildApi } = await import('../src/api/app.ts');
  const { createBindingStore } = await import('../src/bindings/store.ts');
  const { CallRecordStore } = await import('../src/records/record-store.ts');
  // The same client options as production (infra/redis-client.ts): without auto-pipelining every
  // command is its own socket write, which cost the API process more than the allocation itself.
  const redis = new Redis(redisUrl, { enableAutoPipelining: true });
  const log = pino({ level: 'warn' });
  const bindings = createBindingStore({ redis, log, coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback' });
  const app = await buildApi({
    bindings,
    records: new CallRecordStore({ redis, retentionSeconds: 3600 }),
    log,
    metrics: new Registry(),
    redis,
    readiness: async () => ({ redis: true }),
    options: { apiKeys: [{ tenant: 'bench', key: KEY }], defaultCountryCode: '86', rateLimitPerMinute: 1_000_000_000, bodyLimitBytes: 65_536, idempotencyTtlSeconds: 3600 },
  });
  const numbers = Array.from({ length: POOL }, (_, i) => `+861700000${String(i).padStart(4, '0')}`);
  await bindings.addNumbers(numbers.map((number) => ({ number, areaCode: '10', tenant: 'bench', group: 'default' })));
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  process.stdout.write(`port ${new URL(address).port}\n`);
  process.once('SIGTERM', () => {
    void app.close().then(() => {
      redis.disconnect();
      process.exit(0);
    });
  });
}

function startServer(redisUrl: string): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve', redisUrl], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('API child did not start in 30 s')), 30_000);
    child.once('exit', (code) => reject(new Error(`API child exited ${code}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const m = /^port (\d+)$/.exec(line);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${m[1]}` });
      }
    });
  });
}

function rows(name: string, r: AutocannonResult, note: string): BenchRow[] {
  const bad = r.non2xx + r.errors + r.timeouts;
  return [
    { bench: 'api', metric: `${name} throughput`, value: Math.round(r.requests.total / r.duration), unit: 'req/s', note: `${r.requests.total} requests, ${bad} non-2xx/errors; ${note}` },
    { bench: 'api', metric: `${name} latency p50`, value: r.latency.p50, unit: 'ms' },
    { bench: 'api', metric: `${name} latency p90`, value: r.latency.p90, unit: 'ms' },
    { bench: 'api', metric: `${name} latency p99`, value: r.latency.p99, unit: 'ms' },
  ];
}

export const run: BenchFn = async ({ quick }) => {
  const autocannon = require('autocannon') as Autocannon;
  const { startRedis } = await import('../test/harness/redis.ts');
  const redisServer = await startRedis();
  let child: ChildProcess | undefined;
  try {
    const started = await startServer(redisServer.url);
    child = started.child;
    const { base } = started;
    const headers = { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' };
    const duration = quick ? 3 : 10;
    const connections = 64;

    // Creates: every request a new (a, b) pair, so each one is a real allocation (201).
    let n = 0;
    const party = (i: number, side: 1 | 2): string => `+86139${side}${String(i).padStart(7, '0')}`;
    const create = await autocannon({
      url: base,
      connections,
      duration,
      headers,
      requests: [
        {
          method: 'POST',
          path: '/v1/bindings',
          setupRequest: (req) => {
            const i = n++;
            return { ...req, body: JSON.stringify({ mode: 'AXB', a: party(i, 1), b: party(i, 2), ttlSeconds: 3600 }) };
          },
        },
      ],
    });

    // Lookups: (party, x) of bindings just created.
    const sample: Array<{ a: string; x: string }> = [];
    for (let i = 0; i < Math.min(n, 500); i++) {
      const r = await fetch(`${base}/v1/bindings?party=${encodeURIComponent(party(i, 1))}`, { headers });
      const items = ((await r.json()) as { items?: Array<{ a: string; x: string }> }).items ?? [];
      if (items[0]) sample.push({ a: items[0].a, x: items[0].x });
    }
    if (sample.length === 0) throw new Error('no bindings to look up');
    let k = 0;
    const lookup = await autocannon({
      url: base,
      connections,
      duration,
      headers,
      requests: [
        {
          method: 'GET',
          setupRequest: (req) => {
            const s = sample[k++ % sample.length]!;
            return { ...req, path: `/v1/bindings?party=${encodeURIComponent(s.a)}&x=${encodeURIComponent(s.x)}` };
          },
        },
      ],
    });
    const setup = `${connections} connections, ${duration} s, API in 1 child process, 1 redis-server, ${POOL}-number pool`;
    return [...rows('POST /v1/bindings', create, setup), ...rows('GET /v1/bindings?party=&x=', lookup, setup)];
  } finally {
    if (child && child.exitCode === null) {
      const c = child;
      c.kill('SIGTERM');
      await new Promise((r) => c.once('exit', r));
    }
    await redisServer.stop();
  }
};

if (process.argv[2] === '--serve' && process.argv[3] !== undefined) await serve(process.argv[3]);
