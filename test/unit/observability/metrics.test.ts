import { Counter } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createMetricsRegistry } from '../../../src/observability/metrics.ts';

describe('createMetricsRegistry', () => {
  it('gives each caller its own registry that parts register counters in', async () => {
    const one = createMetricsRegistry({ defaultLabels: { node: 'n1' } });
    const two = createMetricsRegistry();
    const calls = new Counter({ name: 'pn_calls_total', help: 'calls', labelNames: ['status'], registers: [one] });
    calls.inc({ status: '200' });
    expect(await one.metrics()).toMatch(/pn_calls_total\{status="200",node="n1"\} 1/);
    expect(await two.metrics()).not.toContain('pn_calls_total');
  });

  it('adds process metrics with the pn_ prefix when asked', async () => {
    expect(await createMetricsRegistry({ processMetrics: true }).metrics()).toContain('pn_process_cpu_user_seconds_total');
  });
});
