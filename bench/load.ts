// Shared pieces of the call benchmarks: child processes, sipp load runs at a fixed rate with
// INVITE->200 response times (sipp -trace_rtt), and the search for the highest zero-failure rate.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runSipp } from '../test/harness/sipp.ts';
import type { BenchRow } from './types.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const UAC_RTD = join(ROOT, 'bench/fixtures/uac-rtd.xml');

/** Start `node <nodeFlags> --import tsx <script> args` and wait for a line matching `ready`. */
export async function startNode(script: string, args: string[], ready: RegExp, timeoutMs = 20_000, nodeFlags: readonly string[] = []): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} not ready in ${timeoutMs} ms: ${out.slice(-2000)}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (ready.test(out)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${out.slice(-2000)}`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return child;
}

export function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface LoadResult {
  rate: number;
  calls: number;
  successful: number;
  failed: number;
  /** INVITE -> 200 at the caller, ms. */
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

/**
 * One sipp load run: `rate` calls/s for `seconds`, calls held `holdMs`. Setup times of calls placed
 * in the first `warmupSeconds` are left out of the percentiles (the ramp until BYEs join the load).
 */
export async function loadRun(opts: { remote: string; rate: number; seconds: number; holdMs: number; csv: string; transport?: 'u1' | 't1'; warmupSeconds?: number }): Promise<LoadResult> {
  const warmupMs = (opts.warmupSeconds ?? 0) * 1000;
  const calls = Math.round(opts.rate * opts.seconds);
  const times: number[] = [];
  const r = await runSipp({
    scenario: UAC_RTD,
    remote: opts.remote,
    transport: opts.transport ?? 'u1',
    calls,
    rate: opts.rate,
    injectionFile: opts.csv,
    timeoutMs: (opts.seconds + 40) * 1000,
    extraArgs: ['-d', String(opts.holdMs), '-l', String(Math.ceil(opts.rate * (opts.holdMs / 1000 + 2)) + 100), '-trace_rtt', '-rtt_freq', '1', '-max_socket', '10000', '-timeout', `${opts.seconds + 30}s`],
    collect: async (dir) => {
      for (const f of readdirSync(dir)) {
        if (!f.endsWith('_rtt.csv')) continue;
        for (const line of readFileSync(join(dir, f), 'utf8').split('\n').slice(1)) {
          // Date_ms (since sipp started); response_time_ms; rtd_no
          const cols = line.split(';');
          const at = Number(cols[0]);
          const v = Number(cols[1]);
          if (cols.length > 2 && cols[1] !== '' && Number.isFinite(v) && at >= warmupMs) times.push(v);
        }
      }
    },
  });
  times.sort((a, b) => a - b);
  return { rate: opts.rate, calls, successful: r.stats.successful, failed: r.stats.failed + Math.max(0, calls - r.stats.successful - r.stats.failed), p50: percentile(times, 50), p99: percentile(times, 99) };
}

export function writeCsv(lines: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pn-csv-'));
  const file = join(dir, 'load.csv');
  writeFileSync(file, `SEQUENTIAL\n${lines.join('\n')}\n`);
  return file;
}

/**
 * Measures INVITE->200 at a steady 300 calls/s, then steps the call rate up (10 s per step, 4 s in
 * quick mode) until a step has a failed call; returns the table rows.
 */
/** Resident memory (kB) of a process and all its descendants (the product's worker processes). */
export function treeRssKb(rootPid: number): number {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Fields after the command name "(...)": state, ppid, ...
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // The process ended while we looked.
    }
  }
  let total = 0;
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop() as number;
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      total += Number(m?.[1] ?? 0);
    } catch {
      continue;
    }
    pending.push(...(children.get(pid) ?? []));
  }
  return total;
}

export async function maxRateRows(label: string, opts: { remote: string; csv: string; quick: boolean; productPid?: number }): Promise<BenchRow[]> {
  // Setup time at a steady 300 calls/s first, on a rested system (the rate search ends by
  // overloading it, and its retransmissions and timers would still be running): the first seconds,
  // until BYEs join the load, are left out.
  const steadySeconds = opts.quick ? 10 : 30;
  const steady = await loadRun({ remote: opts.remote, rate: 300, seconds: steadySeconds, holdMs: 1000, csv: opts.csv, warmupSeconds: 3 });
  const steadyNote = `${steadySeconds} s at 300/s, first 3 s left out${steady.failed > 0 ? `; ${steady.failed} of ${steady.calls} failed` : ''}`;
  // Memory right after the steady run: every call's transactions are still held (64*T1 = 32 s).
  const rssMb = opts.productPid === undefined ? undefined : Math.round(treeRssKb(opts.productPid) / 1024);
  const seconds = opts.quick ? 4 : 10;
  const rates = opts.quick ? [100, 300] : [100, 200, 300, 400, 500, 600, 700, 800, 900];
  let best: LoadResult | undefined;
  let firstFail: LoadResult | undefined;
  for (const rate of rates) {
    const r = await loadRun({ remote: opts.remote, rate, seconds, holdMs: 1000, csv: opts.csv });
    if (r.failed > 0 || r.successful < r.calls) {
      firstFail = r;
      break;
    }
    best = r;
  }
  return [
    { bench: label, metric: 'highest rate with 0 failed calls', value: best?.rate ?? 0, unit: 'calls/s', note: `${seconds} s per step, 1 s hold${firstFail ? `; ${firstFail.rate}/s had ${firstFail.failed} failed of ${firstFail.calls}` : '; highest rate tried'}` },
    { bench: label, metric: 'INVITE->200 at caller @300/s p50', value: steady.p50, unit: 'ms', note: steadyNote },
    { bench: label, metric: 'INVITE->200 at caller @300/s p99', value: steady.p99, unit: 'ms', note: steadyNote },
    ...(rssMb === undefined ? [] : [{ bench: label, metric: 'product memory (RSS, all processes) after the 300/s run', value: rssMb, unit: 'MB', note: 'calls of the last 32 s still held by their transactions' }]),
  ];
}
