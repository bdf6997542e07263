// Prometheus metrics the API can see, registered once per registry (get-or-create, so the call
// flows and the sweeper wiring can take the same counters with apiMetrics(registry)).
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BindingService } from '../bindings/model.ts';

export interface ApiMetrics {
  bindingsCreated: Counter<'tenant' | 'mode'>;
  /** Incremented by the records pipeline on the store's onReleased (any cause: API, expiry, after-call timer). */
  bindingsReleased: Counter<'tenant'>;
  allocationFailures: Counter<'tenant' | 'code'>;
  /** Incremented by the call flows: one per call attempt, by outcome (CallOutcome). */
  calls: Counter<'kind' | 'outcome'>;
  requestDuration: Histogram<'method' | 'route' | 'status'>;
  poolNumbers: Gauge<'tenant' | 'group'>;
  poolLiveBindings: Gauge<'tenant' | 'group'>;
  poolUtilization: Gauge<'tenant' | 'group'>;
}

const pools = new WeakMap<Registry, BindingService>();

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function apiMetrics(registry: Registry): ApiMetrics {
  const registers = [registry];
  const bindingsCreated = getOrCreate(registry, 'pn_bindings_created_total', () => new Counter({ name: 'pn_bindings_created_total', help: 'Bindings created through the API', labelNames: ['tenant', 'mode'] as const, registers }));
  const bindingsReleased = getOrCreate(registry, 'pn_bindings_released_total', () => new Counter({ name: 'pn_bindings_released_total', help: 'Bindings released', labelNames: ['tenant'] as const, registers }));
  const allocationFailures = getOrCreate(registry, 'pn_allocation_failures_total', () => new Counter({ name: 'pn_allocation_failures_total', help: 'Binding requests refused by the allocator, by error code', labelNames: ['tenant', 'code'] as const, registers }));
  const calls = getOrCreate(registry, 'pn_calls_total', () => new Counter({ name: 'pn_calls_total', help: 'Call attempts by kind and outcome', labelNames: ['kind', 'outcome'] as const, registers }));
  const requestDuration = getOrCreate(registry, 'pn_api_request_duration_seconds', () => new Histogram({ name: 'pn_api_request_duration_seconds', help: 'API request latency', labelNames: ['method', 'route', 'status'] as const, buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers }));

  // Pool gauges are computed at scrape time from the bindings engine (one poolStats call per scrape).
  let snapshot: Promise<Array<{ tenant: string; group: string; numbers: number; active: number; live: number }>> | null = null;
  const stats = (): Promise<Array<{ tenant: string; group: string; numbers: number; active: number; live: number }>> => {
    if (snapshot) return snapshot;
    const source = pools.get(registry);
    if (!source) return Promise.resolve([]);
    snapshot = source
      .poolStats()
      .then((rows) => {
        const byGroup = new Map<string, { tenant: string; group: string; numbers: number; active: number; live: number }>();
        for (const r of rows) {
          const k = `${r.tenant}\u0000${r.group}`;
          const acc = byGroup.get(k) ?? { tenant: r.tenant, group: r.group, numbers: 0, active: 0, live: 0 };
          acc.numbers += r.numbers;
          acc.active += r.activeNumbers;
          acc.live += r.liveBindings;
          byGroup.set(k, acc);
        }
        return [...byGroup.values()];
      })
      .catch(() => [])
      .finally(() => setTimeout(() => (snapshot = null), 0).unref());
    return snapshot;
  };
  const poolGauge = (name: string, help: string, pick: (r: { numbers: number; active: number; live: number }) => number): Gauge<'tenant' | 'group'> =>
    getOrCreate(registry, name, () =>
      new Gauge({
        name,
        help,
        labelNames: ['tenant', 'group'] as const,
        registers,
        async collect() {
          this.reset();
          for (const r of await stats()) this.set({ tenant: r.tenant, group: r.group }, pick(r));
        },
      }),
    );
  const poolNumbers = poolGauge('pn_pool_numbers', 'Privacy numbers in the pool', (r) => r.numbers);
  const poolLiveBindings = poolGauge('pn_pool_live_bindings', 'Live bindings', (r) => r.live);
  const poolUtilization = poolGauge('pn_pool_utilization', 'Live bindings per active privacy number', (r) => utilization(r.live, r.active));

  return { bindingsCreated, bindingsReleased, allocationFailures, calls, requestDuration, poolNumbers, poolLiveBindings, poolUtilization };
}

/** The bindings engine whose pool the gauges report. */
export function setPoolSource(registry: Registry, bindings: BindingService): void {
  pools.set(registry, bindings);
}

/** Live bindings per active number (AXB shares one X between pairs, so it can exceed 1). */
export function utilization(liveBindings: number, activeNumbers: number): number {
  return activeNumbers === 0 ? 0 : Math.round((liveBindings / activeNumbers) * 1000) / 1000;
}
