// Bindings engine throughput and lookup latency against a local redis-server (started here).
// quick: 1,000-number pool, 100k bindings for the latency row; full: 10,000 numbers, 1M bindings.
import { Redis } from 'ioredis';
import pino from 'pino';
import { createBindingStore } from '../src/bindings/store.ts';
import { preloadBindings } from './preload.ts';
import { startRedis } from '../test/harness/redis.ts';
import type { BenchFn, BenchRow } from './types.ts';

const BENCH = 'bindings';
const T = 'bench';
const G = 'g';

function party(prefix: string, i: number): string {
  return `+86${prefix}${String(i).padStart(8, '0')}`;
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? 0;
}

/** Runs `op` from `concurrency` loops for `ms`; returns completed ops per second. */
async function rate(ms: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let n = 0;
  const end = performance.now() + ms;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) await op(n++);
    }),
  );
  return (n / (performance.now() - start)) * 1000;
}

export const run: BenchFn = async ({ quick }) => {
  const rows: BenchRow[] = [];
  const poolSize = quick ? 1_000 : 10_000;
  const loaded = quick ? 100_000 : 1_000_000;
  const seconds = quick ? 2 : 8;
  const server = await startRedis();
  const redis = new Redis(server.url, { enableAutoPipelining: true });
  const log = pino({ level: 'silent' });
  try {
    const store = createBindingStore({ redis, log, coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 60, defaultAreaMatch: 'fallback' });
    const numbers = Array.from({ length: poolSize }, (_, i) => party('10', i));
    await store.addNumbers(numbers.map((number, i) => ({ number, areaCode: String(10 + (i % 10)), tenant: T, group: G })));

    // Allocations: fresh random pairs, each bind a full allocation (prepare, claim, indexes).
    // CPU per allocation of this process and of redis-server (INFO cpu), since throughput alone
    // depends on whatever else the machine runs.
    const ids: Array<{ id: string; a: string; x: string }> = [];
    const redisCpu = async (): Promise<number> => {
      const info = await redis.info('cpu');
      const num = (k: string): number => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
      return (num('used_cpu_user') + num('used_cpu_sys')) * 1e6;
    };
    const cpu0 = process.cpuUsage();
    const redis0 = await redisCpu();
    const allocs = await rate(seconds * 1000, 32, async (i) => {
      const a = party('139', i);
      const b = party('138', (i * 7919) % 5_000_000);
      const r = await store.bind({ tenant: T, group: G, mode: 'AXB', a, b, ttlSeconds: 3600 });
      ids.push({ id: r.binding.id, a, x: r.binding.x });
    });
    const nodeUs = process.cpuUsage(cpu0);
    const redisUs = (await redisCpu()) - redis0;
    rows.push({ bench: BENCH, metric: 'allocations/s (AXB bind, 32 concurrent)', value: Math.round(allocs), unit: 'ops/s', note: `pool ${poolSize}` });
    rows.push({ bench: BENCH, metric: 'allocation CPU, this process', value: Math.round((nodeUs.user + nodeUs.system) / ids.length), unit: 'µs/op' });
    rows.push({ bench: BENCH, metric: 'allocation CPU, redis-server', value: Math.round(redisUs / ids.length), unit: 'µs/op' });

    const lookups = await rate(seconds * 1000, 64, async (i) => {
      const rec = ids[i % ids.length] as { a: string; x: string };
      await store.lookup(rec.a, rec.x);
    });
    rows.push({ bench: BENCH, metric: 'lookups/s (64 concurrent)', value: Math.round(lookups), unit: 'ops/s', note: `${ids.length} bindings` });

    const toRelease = ids.splice(0, Math.min(ids.length, 20_000));
    const released = toRelease.length;
    const r0 = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        for (let rec = toRelease.pop(); rec; rec = toRelease.pop()) await store.unbind(rec.id);
      }),
    );
    rows.push({ bench: BENCH, metric: 'releases/s (unbind, 32 concurrent)', value: Math.round((released / (performance.now() - r0)) * 1000), unit: 'ops/s' });

    // Large binding count: claims loaded straight through the bind script, pipelined.
    await redis.flushall();
    await store.addNumbers(numbers.map((number, i) => ({ number, areaCode: String(10 + (i % 10)), tenant: T, group: G })));
    const t0 = performance.now();
    const probe = await preloadBindings({ redisUrl: server.url, tenant: T, group: G, numbers, count: loaded, sampleEvery: 997 });
    const loadMs = performance.now() - t0;
    rows.push({ bench: BENCH, metric: `load ${loaded.toLocaleString('en-US')} bindings (pipelined claims)`, value: Math.round((loaded / loadMs) * 1000), unit: 'claims/s' });

    const lat: number[] = [];
    for (let k = 0; k < 3_000; k++) {
      const rec = probe[k % probe.length] as { a: string; x: string };
      const s = performance.now();
      const hit = await store.lookup(rec.a, rec.x);
      lat.push((performance.now() - s) * 1000);
      if (!hit) throw new Error('lookup missed a loaded binding');
    }
    lat.sort((p, q) => p - q);
    const note = `${loaded.toLocaleString('en-US')} bindings, one at a time`;
    rows.push({ bench: BENCH, metric: 'lookup latency p50', value: Math.round(pct(lat, 50)), unit: 'µs', note });
    rows.push({ bench: BENCH, metric: 'lookup latency p99', value: Math.round(pct(lat, 99)), unit: 'µs', note });
    const bigLookups = await rate(seconds * 1000, 64, async (i) => {
      const rec = probe[i % probe.length] as { a: string; x: string };
      await store.lookup(rec.a, rec.x);
    });
    rows.push({ bench: BENCH, metric: 'lookups/s at large count (64 concurrent)', value: Math.round(bigLookups), unit: 'ops/s', note: `${loaded.toLocaleString('en-US')} bindings` });
  } finally {
    redis.disconnect();
    await server.stop();
  }
  return rows;
};
