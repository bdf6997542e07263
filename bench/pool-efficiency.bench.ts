// Pool efficiency: how many privacy numbers a ride-hailing workload needs with our allocator.
// 1,000 drivers with Zipf popularity, up to 30 concurrent customers each, AXB bindings arriving
// (Poisson) and expiring over simulated time. The allocator is the store's own candidate logic
// (allocator.ts: sticky, first-fit from the busier party's offset), and each claim applies the
// same rules as lua/bind.lua on an exact in-memory state, so every candidate the store would try
// is judged as the script would. Full mode replays the workload once against real Redis too.
import { Redis } from 'ioredis';
import pino from 'pino';
import { buildSnapshot, candidateOrder, seedParty } from '../src/bindings/allocator.ts';
import { createBindingStore } from '../src/bindings/store.ts';
import { AppError } from '../src/errors.ts';
import { startRedis } from '../test/harness/redis.ts';
import type { BenchFn, BenchRow } from './types.ts';
import { prng } from '../test/harness/prng.ts';

const BENCH = 'pool-efficiency';
const DRIVERS = 1_000;
const DRIVER_CAP = 30;
const CUSTOMERS = 200_000;

interface Workload {
  /** Arrivals in time order: [t (ms), driver, customer, duration (ms)]. */
  events: Array<[number, number, number, number]>;
}


function makeWorkload(minutes: number, perMinute: number, meanMinutes: number, seed: number): Workload {
  const rnd = prng(seed);
  // Zipf (s = 1) over drivers.
  const weights = Array.from({ length: DRIVERS }, (_, k) => 1 / (k + 1));
  const total = weights.reduce((p, q) => p + q, 0);
  const cdf: number[] = [];
  let acc = 0;
  for (const w of weights) cdf.push((acc += w / total));
  const pick = (): number => {
    const u = rnd();
    let lo = 0;
    let hi = DRIVERS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((cdf[mid] as number) < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const events: Workload['events'] = [];
  let t = 0;
  const end = minutes * 60_000;
  while (t < end) {
    t += (-Math.log(1 - rnd()) / perMinute) * 60_000;
    const duration = Math.max(60_000, -Math.log(1 - rnd()) * meanMinutes * 60_000);
    events.push([Math.round(t), pick(), Math.floor(rnd() * CUSTOMERS), Math.round(duration)]);
  }
  return { events };
}

const driverNumber = (d: number): string => `+86139${String(d).padStart(8, '0')}`;
const customerNumber = (c: number): string => `+86138${String(c).padStart(8, '0')}`;
const poolNumbers = (n: number): string[] => Array.from({ length: n }, (_, i) => `+861000${String(i).padStart(7, '0')}`);

interface SimResult {
  attempts: number;
  failures: number;
  /** Largest live bindings of any party (the lower bound without cool-down). */
  maxLive: number;
  /** Largest live + cooling-down X's of any party (the lower bound with cool-down). */
  maxBlocked: number;
  /** Largest number of live bindings at once (one number per binding would need this many). */
  maxTotal: number;
}

/** The workload against the allocator's logic and the bind script's rules, in memory. */
function simulate(w: Workload, poolSize: number, coolMs: number): SimResult {
  const pool = buildSnapshot(poolNumbers(poolSize).map((number) => ({ number, areaCode: '10', active: true })));
  // party -> X -> {until, peer}: live (until = Infinity while bound) or cooling down.
  const used = new Map<string, Map<string, { until: number; peer: string }>>();
  const sticky = new Map<string, string>();
  const driverLive = new Int32Array(DRIVERS);
  const live = new Map<string, number>();
  // Expiry heap: [time, a, b, x, driver].
  const heap: Array<[number, string, string, string, number]> = [];
  const push = (e: [number, string, string, string, number]): void => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0; ) {
      const p = (i - 1) >> 1;
      if ((heap[p] as typeof e)[0] <= e[0]) break;
      [heap[p], heap[i]] = [heap[i] as typeof e, heap[p] as typeof e];
      i = p;
    }
  };
  const pop = (): [number, string, string, string, number] => {
    const top = heap[0] as [number, string, string, string, number];
    const last = heap.pop() as typeof top;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && (heap[l] as typeof top)[0] < (heap[m] as typeof top)[0]) m = l;
        if (r < heap.length && (heap[r] as typeof top)[0] < (heap[m] as typeof top)[0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i] as typeof top, heap[m] as typeof top];
        i = m;
      }
    }
    return top;
  };
  const partyMap = (p: string): Map<string, { until: number; peer: string }> => {
    let m = used.get(p);
    if (!m) used.set(p, (m = new Map()));
    return m;
  };
  // lua/bind.lua for AXB: the party holds X live, or cools down on X towards someone else.
  const blockedFor = (p: string, x: string, peer: string, now: number): boolean => {
    const e = used.get(p)?.get(x);
    return e !== undefined && e.until > now && !(e.until !== Infinity && e.peer === peer);
  };
  const usedCount = (p: string, now: number): number => {
    const m = used.get(p);
    if (!m) return 0;
    let n = 0;
    for (const [x, e] of m) {
      if (e.until > now) n++;
      else m.delete(x);
    }
    return n;
  };
  const res: SimResult = { attempts: 0, failures: 0, maxLive: 0, maxBlocked: 0, maxTotal: 0 };
  let total = 0;
  for (const [t, d, c, duration] of w.events) {
    while (heap.length > 0 && (heap[0] as [number, string, string, string, number])[0] <= t) {
      const [at, a, b, x, drv] = pop();
      for (const [p, peer] of [[a, b], [b, a]] as const) {
        if (coolMs > 0) partyMap(p).set(x, { until: at + coolMs, peer });
        else partyMap(p).delete(x);
        live.set(p, (live.get(p) ?? 1) - 1);
      }
      driverLive[drv] = (driverLive[drv] ?? 1) - 1;
      total--;
    }
    if ((driverLive[d] ?? 0) >= DRIVER_CAP) continue; // the driver takes no more customers now
    const a = driverNumber(d);
    const b = customerNumber(c);
    res.attempts++;
    const ua = usedCount(a, t);
    const ub = usedCount(b, t);
    const order = candidateOrder({
      pool,
      tiers: [undefined],
      isBlocked: (x) => blockedFor(a, x, b, t) || blockedFor(b, x, a, t),
      seed: seedParty(a, b, ua, ub),
      sticky: sticky.get(`${a}|${b}`),
    });
    let chosen: string | undefined;
    for (const x of order) {
      if (!blockedFor(a, x, b, t) && !blockedFor(b, x, a, t)) {
        chosen = x;
        break;
      }
    }
    if (chosen === undefined) {
      res.failures++;
      continue;
    }
    partyMap(a).set(chosen, { until: Infinity, peer: b });
    partyMap(b).set(chosen, { until: Infinity, peer: a });
    sticky.set(`${a}|${b}`, chosen);
    push([t + duration, a, b, chosen, d]);
    driverLive[d] = (driverLive[d] ?? 0) + 1;
    for (const p of [a, b]) {
      const n = (live.get(p) ?? 0) + 1;
      live.set(p, n);
      if (n > res.maxLive) res.maxLive = n;
    }
    res.maxBlocked = Math.max(res.maxBlocked, usedCount(a, t), usedCount(b, t));
    total++;
    if (total > res.maxTotal) res.maxTotal = total;
  }
  return res;
}

/** Smallest pool size with success rate >= target (binary search; success grows with the pool). */
function needed(w: Workload, coolMs: number, target: number, lo: number, hi: number): number {
  const ok = (n: number): boolean => {
    const r = simulate(w, n, coolMs);
    return r.attempts === 0 || 1 - r.failures / r.attempts >= target;
  };
  while (!ok(hi)) hi *= 2;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ok(mid)) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The same workload through the real BindingStore on a real redis-server (simulated clock). */
async function replayOnRedis(w: Workload, poolSize: number, coolMs: number): Promise<{ attempts: number; failures: number }> {
  const server = await startRedis();
  const redis = new Redis(server.url, { enableAutoPipelining: true });
  let clock = 0;
  try {
    const store = createBindingStore({ redis, log: pino({ level: 'silent' }), coolDownSeconds: coolMs / 1000, defaultReleaseAfterCallSeconds: 0, defaultAreaMatch: 'fallback', now: () => clock });
    await store.addNumbers(poolNumbers(poolSize).map((number) => ({ number, areaCode: '10', tenant: 't', group: 'g' })));
    const driverLive: number[][] = Array.from({ length: DRIVERS }, () => []);
    let attempts = 0;
    let failures = 0;
    for (const [t, d, c, duration] of w.events) {
      clock = t;
      const mine = (driverLive[d] as number[]).filter((end) => end > t);
      driverLive[d] = mine;
      if (mine.length >= DRIVER_CAP) continue;
      attempts++;
      try {
        await store.bind({ tenant: 't', group: 'g', mode: 'AXB', a: driverNumber(d), b: customerNumber(c), ttlSeconds: duration / 1000 });
        mine.push(t + duration);
      } catch (err) {
        if (!(err instanceof AppError) || err.code !== 'PN_ERR_POOL_EXHAUSTED') throw err;
        failures++;
      }
    }
    return { attempts, failures };
  } finally {
    redis.disconnect();
    await server.stop();
  }
}

export const run: BenchFn = async ({ quick }) => {
  const rows: BenchRow[] = [];
  const minutes = quick ? 90 : 480;
  const w = makeWorkload(minutes, 200, 20, 42);
  const scenarios: Array<{ name: string; coolMs: number }> = [
    { name: 'no cool-down', coolMs: 0 },
    { name: 'cool-down 10 min', coolMs: 600_000 },
  ];
  for (const sc of scenarios) {
    const big = simulate(w, 4_000, sc.coolMs);
    const bound = sc.coolMs > 0 ? big.maxBlocked : big.maxLive;
    const p999 = needed(w, sc.coolMs, 0.999, bound, bound * 2);
    const p100 = needed(w, sc.coolMs, 1, p999, p999 * 2);
    const tag = `${sc.name}, ${w.events.length.toLocaleString('en-US')} requests over ${minutes} min`;
    rows.push({ bench: BENCH, metric: `[${sc.name}] lower bound (max X's one party needs at once)`, value: bound, unit: 'numbers', note: sc.coolMs > 0 ? `live + cooling; live only: ${big.maxLive}` : 'max concurrent bindings of one party' });
    rows.push({ bench: BENCH, metric: `[${sc.name}] pool for 99.9% success`, value: p999, unit: 'numbers', note: `${(p999 / bound).toFixed(3)}x lower bound` });
    rows.push({ bench: BENCH, metric: `[${sc.name}] pool for 100% success`, value: p100, unit: 'numbers', note: `${(p100 / bound).toFixed(3)}x lower bound` });
    rows.push({ bench: BENCH, metric: `[${sc.name}] one number per binding`, value: big.maxTotal, unit: 'numbers', note: `${(big.maxTotal / p999).toFixed(1)}x the 99.9% pool; ${tag}` });
    if (!quick) {
      // The store itself, end to end, on the pool size the simulation found.
      const real = await replayOnRedis(makeWorkload(60, 200, 20, 7), p999, sc.coolMs);
      rows.push({ bench: BENCH, metric: `[${sc.name}] real store on redis at the 99.9% pool`, value: Number((100 * (1 - real.failures / Math.max(1, real.attempts))).toFixed(2)), unit: '% success', note: `${real.attempts.toLocaleString('en-US')} binds, 60 min` });
    }
  }
  return rows;
};
