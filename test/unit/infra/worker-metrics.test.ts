import { EventEmitter } from 'node:events';
import { Counter } from 'prom-client';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../../src/observability/metrics.ts';
import { snapshotRegistry, type WorkerMetrics } from '../../../src/observability/metrics-merge.ts';
import { answerMetricsRequests, workerMetricsSource, type WorkerMetricsPort } from '../../../src/infra/worker-metrics.ts';

const silent = pino({ level: 'silent' });

describe('answerMetricsRequests (worker side)', () => {
  it('answers a metrics request with the app and process registries, matched by id; ignores other messages', async () => {
    const app = createMetricsRegistry();
    new Counter({ name: 'pn_calls_total', help: 'calls', labelNames: ['kind'] as const, registers: [app] }).inc({ kind: 'direct' }, 2);
    const proc = createMetricsRegistry({ processMetrics: true });
    const sent: unknown[] = [];
    const port = Object.assign(new EventEmitter(), { send: (m: unknown) => sent.push(m) > 0 });
    answerMetricsRequests(port, { app, process: proc }, silent);

    port.emit('message', { type: 'ready' });
    port.emit('message', { type: 'pn:metrics-request', id: 7 });
    await expect.poll(() => sent.length).toBe(1);
    const answer = sent[0] as { type: string; id: number; app: WorkerMetrics['app']; process: WorkerMetrics['process'] };
    expect(answer.type).toBe('pn:metrics-response');
    expect(answer.id).toBe(7);
    expect(answer.app).toEqual([{ name: 'pn_calls_total', help: 'calls', type: 'counter', aggregator: 'sum', values: [{ value: 2, labels: { kind: 'direct' } }] }]);
    expect(answer.process.map((f) => f.name)).toContain('pn_process_cpu_user_seconds_total');
  });
});

describe('workerMetricsSource (main side)', () => {
  it('serves the main registry merged with the workers that answered and counts the ones that missed', async () => {
    const main = createMetricsRegistry();
    new Counter({ name: 'pn_calls_total', help: 'calls', labelNames: ['kind'] as const, registers: [main] }).inc({ kind: 'callback' });
    const w = createMetricsRegistry();
    new Counter({ name: 'pn_calls_total', help: 'calls', labelNames: ['kind'] as const, registers: [w] }).inc({ kind: 'callback' }, 4);
    const report: WorkerMetrics = { worker: 0, app: await snapshotRegistry(w), process: [] };
    const asked: number[] = [];
    const workers: WorkerMetricsPort = {
      async collectMetrics(timeoutMs) {
        asked.push(timeoutMs);
        return { reports: [report], missed: [1] };
      },
    };
    const source = workerMetricsSource({ registry: main, workers, timeoutMs: 250, log: silent });

    const first = await source();
    expect(asked).toEqual([250]);
    expect(first).toContain('pn_calls_total{kind="callback"} 5');
    expect(first).toContain('pn_worker_metrics_misses_total{worker="1"} 1');
    expect(await source()).toContain('pn_worker_metrics_misses_total{worker="1"} 2');
    // The main registry itself is unchanged: the workers' samples live only in the merged text.
    expect(await main.metrics()).toContain('pn_calls_total{kind="callback"} 1');
  });
});
