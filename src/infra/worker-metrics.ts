// /metrics across B2BUA worker processes: the main process asks each live worker for its metrics
// over the IPC channel (one request per scrape, a short deadline per worker so a hung worker
// cannot hang /metrics), then merges them with its own registry (src/observability/metrics-merge.ts).
import type { ChildProcess } from 'node:child_process';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { mergeMetrics, renderMetrics, snapshotRegistry, type MetricFamily, type WorkerMetrics } from '../observability/metrics-merge.ts';

const REQUEST = 'pn:metrics-request';
const RESPONSE = 'pn:metrics-response';

interface MetricsRequest {
  type: typeof REQUEST;
  id: number;
}

interface MetricsResponse {
  type: typeof RESPONSE;
  id: number;
  app: MetricFamily[];
  process: MetricFamily[];
}

function isRequest(m: unknown): m is MetricsRequest {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === REQUEST && typeof (m as { id?: unknown }).id === 'number';
}

function isResponse(m: unknown): m is MetricsResponse {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === RESPONSE && typeof (m as { id?: unknown }).id === 'number';
}

/** The worker's end of the IPC channel (`process` in a forked child). */
export interface IpcPort {
  on(event: 'message', listener: (message: unknown) => void): unknown;
  send?(message: unknown): boolean;
}

/**
 * In a worker: answer the main process's metrics requests with this process's app registry and,
 * if given, its process-metrics registry (reported per worker, never summed).
 */
export function answerMetricsRequests(port: IpcPort, registries: { app: Registry; process?: Registry }, log: Logger): void {
  port.on('message', (message) => {
    if (!isRequest(message)) return;
    void (async () => {
      try {
        const [app, proc] = await Promise.all([snapshotRegistry(registries.app), registries.process ? snapshotRegistry(registries.process) : Promise.resolve([])]);
        const response: MetricsResponse = { type: RESPONSE, id: message.id, app, process: proc };
        port.send?.(response);
      } catch (err) {
        // No answer: the main process counts the miss when its deadline passes.
        log.warn({ err }, 'metrics request failed');
      }
    })();
  });
}

/**
 * The main process's end of one worker's IPC channel for metrics: one listener per child whatever
 * the number of concurrent scrapes; requests are matched to answers by id.
 */
export class WorkerMetricsChannel {
  private readonly pending = new Map<number, (result: WorkerMetrics | null) => void>();
  private nextId = 1;

  constructor(
    private readonly child: ChildProcess,
    private readonly worker: number,
  ) {
    child.on('message', (m: unknown) => {
      if (isResponse(m)) this.pending.get(m.id)?.({ worker: this.worker, app: m.app, process: m.process });
    });
    child.once('exit', () => {
      for (const done of [...this.pending.values()]) done(null);
    });
  }

  /** This worker's metrics, or null when it does not answer within `timeoutMs` (hung, exiting, channel closed). */
  request(timeoutMs: number): Promise<WorkerMetrics | null> {
    if (!this.child.connected) return Promise.resolve(null);
    const id = this.nextId++;
    return new Promise((resolve) => {
      const finish = (result: WorkerMetrics | null): void => {
        clearTimeout(timer);
        this.pending.delete(id);
        resolve(result);
      };
      const timer = setTimeout(() => finish(null), timeoutMs);
      this.pending.set(id, finish);
      const request: MetricsRequest = { type: REQUEST, id };
      this.child.send(request, (err) => {
        if (err) finish(null);
      });
    });
  }
}

/** What the metrics source needs of the worker supervisor (AppWorkers implements it). */
export interface WorkerMetricsPort {
  collectMetrics(timeoutMs: number): Promise<{ reports: WorkerMetrics[]; missed: number[] }>;
}

function missCounter(registry: Registry): Counter<'worker'> {
  const name = 'pn_worker_metrics_misses_total';
  return (
    (registry.getSingleMetric(name) as Counter<'worker'> | undefined) ??
    new Counter({ name, help: 'Scrapes of /metrics served without a B2BUA worker that did not answer in time', labelNames: ['worker'] as const, registers: [registry] })
  );
}

/**
 * The main process's /metrics text: its own registry merged with every live worker's metrics.
 * Workers that miss the deadline are left out of that scrape, logged and counted.
 */
export function workerMetricsSource(opts: { registry: Registry; workers: WorkerMetricsPort; timeoutMs: number; log: Logger }): () => Promise<string> {
  const misses = missCounter(opts.registry);
  const reportedConflicts = new Set<string>();
  return async () => {
    const { reports, missed } = await opts.workers.collectMetrics(opts.timeoutMs);
    for (const worker of missed) {
      misses.inc({ worker: String(worker) });
      opts.log.warn({ worker, timeoutMs: opts.timeoutMs }, 'b2bua worker did not answer the metrics request in time');
    }
    // The main registry is read after the workers so this scrape already counts its misses.
    const { families, conflicts } = mergeMetrics(await snapshotRegistry(opts.registry), reports);
    for (const c of conflicts) {
      if (reportedConflicts.has(c.name)) continue;
      reportedConflicts.add(c.name);
      opts.log.error({ metric: c.name, worker: c.worker }, 'worker metric has another type than the same name in the main process: left out');
    }
    return renderMetrics(families);
  };
}
