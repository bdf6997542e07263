// B2BUA app worker processes (calls.appProcesses > 1): each is a drachtio-srf client of the same SIP
// server, which spreads new INVITEs across them, so call handling uses every core. Workers are
// supervised: one that dies unexpectedly is restarted.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { RedisTarget } from './redis-client.ts';
import { WorkerMetricsChannel, type WorkerMetricsPort } from './worker-metrics.ts';
import type { WorkerMetrics } from '../observability/metrics-merge.ts';

const WORKER_SCRIPT = fileURLToPath(new URL('../worker.ts', import.meta.url));
const READY_TIMEOUT_MS = 30_000;
const RESTART_DELAY_MS = 1_000;
const STOP_GRACE_MS = 10_000;

/** What a worker needs beyond the shared config: set in its environment as PN_WORKER (JSON). */
export interface WorkerSettings {
  redis: RedisTarget;
  adminHost: string;
  adminPort: number;
}

export const WORKER_ENV = 'PN_WORKER';

export function workerEnv(settings: WorkerSettings): Record<string, string> {
  return { [WORKER_ENV]: JSON.stringify(settings) };
}

export function parseWorkerEnv(value: string | undefined): WorkerSettings {
  if (value === undefined) throw new Error(`${WORKER_ENV} is not set: src/worker.ts is started by the main process`);
  return JSON.parse(value) as WorkerSettings;
}

interface LiveWorker {
  index: number;
  ready: boolean;
  metrics: WorkerMetricsChannel;
}

export class AppWorkers implements WorkerMetricsPort {
  private readonly children = new Map<ChildProcess, LiveWorker>();
  private stopping = false;

  private constructor(
    private readonly opts: { count: number; argv: string[]; env: Record<string, string>; log: Logger },
  ) {}

  static async start(opts: { count: number; argv: string[]; env: Record<string, string>; log: Logger }): Promise<AppWorkers> {
    const workers = new AppWorkers(opts);
    try {
      await Promise.all(Array.from({ length: opts.count }, (_, i) => workers.spawn(i)));
    } catch (err) {
      await workers.stop();
      throw err;
    }
    opts.log.info({ workers: opts.count }, 'b2bua app workers ready');
    return workers;
  }

  private spawn(index: number): Promise<void> {
    const child = fork(WORKER_SCRIPT, this.opts.argv, {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, ...this.opts.env, PN_WORKER_INDEX: String(index) },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Structured clone over IPC: metric values such as NaN or +Inf survive (JSON would make them null).
      serialization: 'advanced',
    });
    const live: LiveWorker = { index, ready: false, metrics: new WorkerMetricsChannel(child, index) };
    this.children.set(child, live);
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`b2bua worker ${index} not ready within ${READY_TIMEOUT_MS} ms`));
      }, READY_TIMEOUT_MS);
      child.on('message', (m: unknown) => {
        if (!ready && typeof m === 'object' && m !== null && (m as { type?: string }).type === 'ready') {
          ready = true;
          live.ready = true;
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        if (!ready) {
          reject(new Error(`b2bua worker ${index} exited before it was ready (code ${code}, signal ${signal})`));
          return;
        }
        if (this.stopping) return;
        this.opts.log.error({ worker: index, code, signal }, 'b2bua worker died: restarting it');
        setTimeout(() => {
          if (!this.stopping) this.spawn(index).catch((err: unknown) => this.opts.log.error({ worker: index, err }, 'b2bua worker restart failed'));
        }, RESTART_DELAY_MS).unref();
      });
    });
  }

  get size(): number {
    return this.children.size;
  }

  /** Process ids of the running workers, by worker index. */
  get pids(): Array<{ worker: number; pid: number }> {
    return [...this.children].flatMap(([child, w]) => (child.pid === undefined ? [] : [{ worker: w.index, pid: child.pid }]));
  }

  /** Metrics of every ready worker, asked in parallel; `missed` lists those that did not answer within `timeoutMs`. */
  async collectMetrics(timeoutMs: number): Promise<{ reports: WorkerMetrics[]; missed: number[] }> {
    const ready = [...this.children.values()].filter((w) => w.ready);
    const answers = await Promise.all(ready.map(async (w) => ({ worker: w.index, report: await w.metrics.request(timeoutMs) })));
    return {
      reports: answers.flatMap((a) => (a.report ? [a.report] : [])),
      missed: answers.filter((a) => a.report === null).map((a) => a.worker),
    };
  }

  /** SIGTERM every worker (they hang up their calls), SIGKILL after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      [...this.children.keys()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
            child.once('exit', () => {
              clearTimeout(kill);
              resolve();
            });
            child.kill('SIGTERM');
          }),
      ),
    );
  }
}
