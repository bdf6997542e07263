import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../../src/observability/metrics.ts';
import { mergeMetrics, renderMetrics, snapshotRegistry, type MetricFamily, type WorkerMetrics } from '../../../src/observability/metrics-merge.ts';

/** The same metric definitions in every process, as apiMetrics() registers them. */
function appRegistry(): { registry: Registry; calls: Counter<'kind' | 'outcome'>; latency: Histogram<'route'>; inFlight: Gauge; peak: Gauge; startedAt: Gauge } {
  const registry = createMetricsRegistry();
  const registers = [registry];
  return {
    registry,
    calls: new Counter({ name: 'pn_calls_total', help: 'Call attempts', labelNames: ['kind', 'outcome'] as const, registers }),
    latency: new Histogram({ name: 'pn_latency_seconds', help: 'Latency', labelNames: ['route'] as const, buckets: [0.1, 1], registers }),
    inFlight: new Gauge({ name: 'pn_in_flight', help: 'Calls in progress', registers }),
    peak: new Gauge({ name: 'pn_peak', help: 'Highest in any process', aggregator: 'max', registers }),
    startedAt: new Gauge({ name: 'pn_started_at', help: 'Main process only', aggregator: 'omit', registers }),
  };
}

/** Sample lines of the exposition, e.g. {'pn_calls_total{kind="direct",outcome="answered"}': 5}. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function typeLines(text: string): string[] {
  return text.split('\n').filter((l) => l.startsWith('# TYPE '));
}

async function worker(index: number, fill: (r: ReturnType<typeof appRegistry>) => void, withProcess = false): Promise<WorkerMetrics> {
  const r = appRegistry();
  fill(r);
  return { worker: index, app: await snapshotRegistry(r.registry), process: withProcess ? await snapshotRegistry(createMetricsRegistry({ processMetrics: true })) : [] };
}

describe('mergeMetrics', () => {
  it('sums counters and histograms of the same name and labels across processes, one family per name', async () => {
    const main = appRegistry();
    main.calls.inc({ kind: 'callback', outcome: 'answered' });
    main.calls.inc({ kind: 'direct', outcome: 'answered' }, 1);
    main.latency.observe({ route: '/a' }, 0.05);
    const w0 = await worker(0, (r) => {
      r.calls.inc({ kind: 'direct', outcome: 'answered' }, 2);
      r.calls.inc({ kind: 'direct', outcome: 'busy' });
      r.latency.observe({ route: '/a' }, 0.5);
    });
    const w1 = await worker(1, (r) => r.calls.inc({ kind: 'direct', outcome: 'answered' }, 3));

    const { families, conflicts } = mergeMetrics(await snapshotRegistry(main.registry), [w0, w1]);
    expect(conflicts).toEqual([]);
    const text = await renderMetrics(families);
    const s = samples(text);
    expect(s.get('pn_calls_total{kind="direct",outcome="answered"}')).toBe(6);
    expect(s.get('pn_calls_total{kind="direct",outcome="busy"}')).toBe(1);
    expect(s.get('pn_calls_total{kind="callback",outcome="answered"}')).toBe(1);
    expect(s.get('pn_latency_seconds_bucket{le="0.1",route="/a"}')).toBe(1);
    expect(s.get('pn_latency_seconds_bucket{le="1",route="/a"}')).toBe(2);
    expect(s.get('pn_latency_seconds_bucket{le="+Inf",route="/a"}')).toBe(2);
    expect(s.get('pn_latency_seconds_count{route="/a"}')).toBe(2);
    expect(s.get('pn_latency_seconds_sum{route="/a"}')).toBeCloseTo(0.55);
    const types = typeLines(text);
    expect(new Set(types).size).toBe(types.length);
    expect(types).toContain('# TYPE pn_calls_total counter');
    expect(types).toContain('# TYPE pn_latency_seconds histogram');
  });

  it('combines gauges by their declared aggregator: sum by default, max, and omit keeps the main value', async () => {
    const main = appRegistry();
    main.inFlight.set(1);
    main.peak.set(4);
    main.startedAt.set(1000);
    const w0 = await worker(0, (r) => {
      r.inFlight.set(2);
      r.peak.set(9);
      r.startedAt.set(2000);
    });
    const w1 = await worker(1, (r) => {
      r.inFlight.set(3);
      r.peak.set(7);
      r.startedAt.set(3000);
    });
    const s = samples(await renderMetrics(mergeMetrics(await snapshotRegistry(main.registry), [w0, w1]).families));
    expect(s.get('pn_in_flight')).toBe(6);
    expect(s.get('pn_peak')).toBe(9);
    expect(s.get('pn_started_at')).toBe(1000);
  });

  it("labels workers' process metrics by worker and keeps the main process's beside them", async () => {
    const main = await snapshotRegistry(createMetricsRegistry({ processMetrics: true }));
    const text = await renderMetrics(mergeMetrics(main, [await worker(0, () => undefined, true), await worker(1, () => undefined, true)]).families);
    const s = samples(text);
    expect(s.has('pn_process_cpu_user_seconds_total')).toBe(true);
    expect(s.has('pn_process_cpu_user_seconds_total{worker="0"}')).toBe(true);
    expect(s.has('pn_process_cpu_user_seconds_total{worker="1"}')).toBe(true);
    // The start time's 'omit' aggregator must not drop the family from the merged output.
    expect(s.has('pn_process_start_time_seconds')).toBe(true);
    expect(s.has('pn_process_start_time_seconds{worker="1"}')).toBe(true);
    const types = typeLines(text);
    expect(new Set(types).size).toBe(types.length);
  });

  it('leaves out a worker family whose type differs from the main one and reports it', async () => {
    const main = appRegistry();
    main.inFlight.set(5);
    const odd: MetricFamily = { name: 'pn_in_flight', help: 'x', type: 'counter', values: [{ value: 100, labels: {} }] };
    const { families, conflicts } = mergeMetrics(await snapshotRegistry(main.registry), [{ worker: 3, app: [odd], process: [] }]);
    expect(conflicts).toEqual([{ name: 'pn_in_flight', worker: 3 }]);
    const text = await renderMetrics(families);
    expect(samples(text).get('pn_in_flight')).toBe(5);
    expect(typeLines(text)).toContain('# TYPE pn_in_flight gauge');
  });

  it('adds families only the workers have, and leaves its inputs unchanged', async () => {
    const main = await snapshotRegistry(createMetricsRegistry());
    const w0 = await worker(0, (r) => r.calls.inc({ kind: 'direct', outcome: 'answered' }));
    const before = structuredClone(w0);
    const s = samples(await renderMetrics(mergeMetrics(main, [w0]).families));
    expect(s.get('pn_calls_total{kind="direct",outcome="answered"}')).toBe(1);
    expect(w0).toEqual(before);
  });
});
