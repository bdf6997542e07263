// Merging the metrics of several processes into one Prometheus exposition (pure, apart from the
// registry read in snapshotRegistry): the main process serves /metrics for the B2BUA worker
// processes too, so an operator sees the same names and totals whatever calls.appProcesses is.
import { AggregatorRegistry, type Aggregator, type PrometheusContentType, type Registry } from 'prom-client';

export type MetricKind = 'counter' | 'gauge' | 'histogram' | 'summary';

/** One sample: `metricName` is set for histogram/summary parts (`_bucket`, `_sum`, `_count`). */
export interface MetricSample {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

/** One metric family as registry.getMetricsAsJSON() gives it, without functions (it crosses IPC). */
export interface MetricFamily {
  name: string;
  help: string;
  type: MetricKind;
  /** How families of the same name from several processes combine; prom-client's default is 'sum'. */
  aggregator?: Aggregator;
  values: MetricSample[];
}

/** What one worker process reports: app metrics (combined with the main process's) and its process metrics. */
export interface WorkerMetrics {
  worker: number;
  app: MetricFamily[];
  process: MetricFamily[];
}

export interface MergedMetrics {
  /** One family per name. */
  families: MetricFamily[];
  /** Worker families left out because the name has another type in an earlier process. */
  conflicts: Array<{ name: string; worker: number }>;
}

/** Label that tells the workers' process metrics (CPU, heap, event-loop lag) apart. */
export const WORKER_LABEL = 'worker';

/** A registry's metrics as plain data (prom-client's typings say enum where the runtime gives strings). */
export async function snapshotRegistry(registry: Registry): Promise<MetricFamily[]> {
  const json = (await registry.getMetricsAsJSON()) as unknown as MetricFamily[];
  return json.map((m) => ({
    name: m.name,
    help: m.help,
    type: m.type,
    ...(m.aggregator !== undefined ? { aggregator: m.aggregator } : {}),
    values: m.values.map((v) => ({ value: v.value, labels: { ...v.labels }, ...(v.metricName !== undefined ? { metricName: v.metricName } : {}) })),
  }));
}

function sampleKey(s: MetricSample): string {
  const labels = Object.keys(s.labels)
    .sort()
    .map((k) => `${k}\u0001${String(s.labels[k])}`)
    .join('\u0002');
  return `${s.metricName ?? ''}\u0000${labels}`;
}

const combine: Record<Exclude<Aggregator, 'omit'>, (values: number[]) => number> = {
  sum: (v) => v.reduce((a, b) => a + b, 0),
  first: (v) => v[0] ?? 0,
  min: (v) => Math.min(...v),
  max: (v) => Math.max(...v),
  average: (v) => v.reduce((a, b) => a + b, 0) / v.length,
};

/** Samples of several families of one name, combined per (metricName, labels) in first-seen order. */
function aggregateSamples(families: MetricFamily[], aggregator: Exclude<Aggregator, 'omit'>): MetricSample[] {
  const groups = new Map<string, { first: MetricSample; values: number[] }>();
  for (const f of families) {
    for (const s of f.values) {
      const key = sampleKey(s);
      const g = groups.get(key);
      if (g) g.values.push(s.value);
      else groups.set(key, { first: s, values: [s.value] });
    }
  }
  return [...groups.values()].map(({ first, values }) => ({
    value: combine[aggregator](values),
    labels: { ...first.labels },
    ...(first.metricName !== undefined ? { metricName: first.metricName } : {}),
  }));
}

/**
 * The main process's families merged with the workers'. App families of one name are combined by
 * their aggregator (counters and histograms: summed per label set; 'omit' keeps the main
 * process's samples only). Workers' process families get a `worker` label and are added beside the
 * main process's samples, never summed. A worker family whose type differs from the one already
 * seen under that name is left out and reported in `conflicts`.
 */
export function mergeMetrics(main: MetricFamily[], workers: WorkerMetrics[]): MergedMetrics {
  const conflicts: MergedMetrics['conflicts'] = [];
  const order: string[] = [];
  const byName = new Map<string, { head: MetricFamily; parts: MetricFamily[]; fromMain: boolean }>();
  const add = (family: MetricFamily, fromMain: boolean, worker: number): void => {
    const entry = byName.get(family.name);
    if (!entry) {
      order.push(family.name);
      byName.set(family.name, { head: family, parts: [family], fromMain });
    } else if (entry.head.type !== family.type) {
      conflicts.push({ name: family.name, worker });
    } else {
      entry.parts.push(family);
    }
  };
  for (const f of main) add(f, true, -1);
  for (const w of workers) for (const f of w.app) add(f, false, w.worker);

  const merged = new Map<string, MetricFamily>();
  for (const name of order) {
    const { head, parts, fromMain } = byName.get(name)!;
    const aggregator = head.aggregator ?? 'sum';
    const values =
      aggregator === 'omit'
        ? fromMain
          ? head.values.map((s) => ({ ...s, labels: { ...s.labels } }))
          : []
        : aggregateSamples(parts, aggregator);
    merged.set(name, { name, help: head.help, type: head.type, ...(head.aggregator !== undefined ? { aggregator: head.aggregator } : {}), values });
  }

  for (const w of workers) {
    for (const f of w.process) {
      const labelled = f.values.map((s) => ({ ...s, labels: { ...s.labels, [WORKER_LABEL]: String(w.worker) } }));
      const existing = merged.get(f.name);
      if (!existing) {
        order.push(f.name);
        merged.set(f.name, { name: f.name, help: f.help, type: f.type, ...(f.aggregator !== undefined ? { aggregator: f.aggregator } : {}), values: labelled });
      } else if (existing.type !== f.type) {
        conflicts.push({ name: f.name, worker: w.worker });
      } else {
        existing.values.push(...labelled);
      }
    }
  }
  return { families: order.map((name) => merged.get(name)!), conflicts };
}

/** Prometheus text exposition of merged families (prom-client renders, so escaping is its own). */
export async function renderMetrics(families: MetricFamily[]): Promise<string> {
  // Every sample is unique per (metricName, labels) here, so 'sum' leaves the values as they are;
  // it also keeps prom-client from dropping a family whose aggregator is 'omit'.
  const registry = AggregatorRegistry.aggregate<PrometheusContentType>([families.map((f) => ({ ...f, aggregator: 'sum' }))]);
  return registry.metrics();
}
