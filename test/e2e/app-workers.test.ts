// calls.appProcesses > 1: INVITEs are handled by app worker processes that the SIP server spreads
// calls across; masked calls complete and are recorded, and the main process's /metrics counts them.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { runSipp, startSippUas } from '../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../harness/ports.ts';
import { poll } from '../harness/poll.ts';

let stack: Stack;
let calleePort: number;
/** Direct calls placed (and answered) by the tests of this file so far. */
let placed = 0;

/** Binds A to B, has A call X `calls` times (sipp plays both parties), returns the binding id. */
async function placeCalls(calls: number, a: string, b: string): Promise<string> {
  const bind = await stack.api<{ x: string; id: string }>('POST', '/v1/bindings', { mode: 'AXB', a, b, ttlSeconds: 600 });
  expect(bind.status).toBe(201);
  const csv = join(mkdtempSync(join(tmpdir(), 'csv-')), 'direct.csv');
  writeFileSync(csv, `SEQUENTIAL\n${a};${bind.body.x};\n`);
  const uas = await startSippUas({ scenario: 'sipp-scenarios/uas-direct-callerbye.xml', localPort: calleePort, calls });
  const r = await runSipp({ scenario: 'sipp-scenarios/uac-direct-callerbye.xml', remote: `127.0.0.1:${stack.sipPort}`, injectionFile: csv, calls, rate: 10, timeoutMs: 60_000 });
  expect(r.exitCode, r.logs).toBe(0);
  const u = await uas.done;
  expect(u.exitCode, u.logs).toBe(0);
  placed += calls;
  return bind.body.id;
}

async function scrape(): Promise<string> {
  const res = await fetch(`${stack.apiUrl}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

/** Sample lines of a Prometheus exposition: 'name{labels}' → value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

function directCalls(text: string): { total: number; answered: number } {
  let total = 0;
  let answered = 0;
  for (const [series, value] of samples(text)) {
    if (!series.startsWith('pn_calls_total{') || !series.includes('kind="direct"')) continue;
    total += value;
    if (series.includes('outcome="answered"')) answered += value;
  }
  return { total, answered };
}

beforeAll(async () => {
  calleePort = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${calleePort}`], config: { calls: { appProcesses: 2, ringTimeoutSeconds: 20 } } });
});
afterAll(async () => stack?.stop());

it('runs two app workers and completes masked calls through them', async () => {
  expect(stack.handles.workers?.size).toBe(2);
  expect(stack.handles.calls).toBeUndefined();
  // The main process's srf (callbacks) plus two workers are connected to the SIP server.
  expect(stack.handles.sipServer?.stats().apps).toBe(3);
  expect((await stack.api('POST', '/v1/numbers', { numbers: ['+8617000005555'], areaCode: '170' })).status).toBe(201);
  const bindingId = await placeCalls(4, '+8613912345671', '+8613987654322');
  const records = await stack.api<{ items: Array<{ outcome: string }> }>('GET', `/v1/records?bindingId=${bindingId}`);
  expect(records.body.items.filter((rec) => rec.outcome === 'answered')).toHaveLength(4);
});

it("serves the workers' call counters summed in the main process's /metrics, one family per name", async () => {
  expect((await stack.api('POST', '/v1/numbers', { numbers: ['+8617000006666'], areaCode: '170' })).status).toBe(201);
  await placeCalls(2, '+8613912345673', '+8613987654324');
  // A worker counts a call when its BYE is done: poll until every placed call shows.
  const text = await poll('all placed calls in /metrics', async () => {
    const t = await scrape();
    return directCalls(t).total === placed ? t : undefined;
  }, 30_000, 100);
  expect(directCalls(text)).toEqual({ total: placed, answered: placed });

  const types = text.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2]);
  expect(types.length).toBeGreaterThan(0);
  expect(types.filter((name, i) => types.indexOf(name) !== i)).toEqual([]);
  const series = samples(text);
  // Process metrics of each worker, labelled by worker index.
  expect(series.has('pn_process_cpu_user_seconds_total{worker="0"}')).toBe(true);
  expect(series.has('pn_process_cpu_user_seconds_total{worker="1"}')).toBe(true);
});

it('serves /metrics without a worker that does not answer, and counts the miss', async () => {
  const stopped = stack.handles.workers!.pids.find((w) => w.worker === 0)!;
  process.kill(stopped.pid, 'SIGSTOP');
  let text: string;
  try {
    text = await scrape();
  } finally {
    process.kill(stopped.pid, 'SIGCONT');
  }
  const series = samples(text);
  expect(series.get('pn_worker_metrics_misses_total{worker="0"}')).toBeGreaterThanOrEqual(1);
  expect(series.has('pn_process_cpu_user_seconds_total{worker="0"}')).toBe(false);
  expect(series.has('pn_process_cpu_user_seconds_total{worker="1"}')).toBe(true);
  // Resumed, the worker answers again.
  await poll('worker 0 back in /metrics', async () => (samples(await scrape()).has('pn_process_cpu_user_seconds_total{worker="0"}') ? true : undefined), 30_000, 100);
});
