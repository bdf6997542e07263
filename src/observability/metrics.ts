// One prom-client Registry per process; each part registers its own counters in it and the API
// serves it at /metrics. A registry instance (not the global one) keeps tests independent.
import { Registry, collectDefaultMetrics } from 'prom-client';

export type { Registry } from 'prom-client';

export interface MetricsOptions {
  /** Also collect Node process metrics (CPU, memory, event-loop lag), prefixed `pn_`. */
  processMetrics?: boolean;
  /** Labels added to every series, e.g. {node: 'pn-1'}. */
  defaultLabels?: Record<string, string>;
}

/** Metric names share this prefix, e.g. `pn_calls_total`. */
export const METRIC_PREFIX = 'pn_';

export function createMetricsRegistry(opts: MetricsOptions = {}): Registry {
  const registry = new Registry();
  if (opts.defaultLabels !== undefined) registry.setDefaultLabels(opts.defaultLabels);
  if (opts.processMetrics === true) collectDefaultMetrics({ register: registry, prefix: METRIC_PREFIX });
  return registry;
}
