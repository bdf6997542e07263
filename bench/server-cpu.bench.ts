// CPU per B2BUA call of the SIP server process (brief H13): sipp UAC -> `src/server/cli.ts` (own
// process) -> bench/apps/b2bua-app.ts (createB2BUA) -> sipp UAS, at a FIXED rate. The server's
// and the app's user+system CPU are read from /proc/<pid>/stat before and after the measured run
// (after a short warm-up, so JIT compilation is mostly out of the numbers) and divided by the
// completed calls. Env (bench only): PN_BENCH_SERVER_NODE_FLAGS adds node flags to the server
// process (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"); PN_BENCH_RATE / PN_BENCH_SECONDS override
// the rate and duration.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { BenchFn } from './types.ts';
import { loadRun, startNode, stop, writeCsv } from './load.ts';
import { startSippUas, type SippUasHandle } from '../test/harness/sipp.ts';
import { getFreePort, getFreeUdpTcpPort } from '../test/harness/ports.ts';

const SECRET = 'bench';
const BENCH = 'server cpu';

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every Linux we run on). */
const CLK_TCK = 100;

/** User and system CPU of a process so far, in ms (utime, stime of /proc/<pid>/stat). */
export function cpuMs(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after it are counted from the ')'.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(rest[11]) * 1000) / CLK_TCK, sys: (Number(rest[12]) * 1000) / CLK_TCK };
}

export const run: BenchFn = async ({ quick }) => {
  const rate = Number(process.env.PN_BENCH_RATE ?? 200);
  const seconds = Number(process.env.PN_BENCH_SECONDS ?? (quick ? 5 : 10));
  const nodeFlags = (process.env.PN_BENCH_SERVER_NODE_FLAGS ?? '').split(' ').filter((f) => f !== '');
  const sipPort = await getFreeUdpTcpPort();
  const adminPort = await getFreePort();
  const calleePort = await getFreeUdpTcpPort();
  const children: ChildProcess[] = [];
  let uas: SippUasHandle | undefined;
  try {
    const server = await startNode('src/server/cli.ts', ['--contact', `sip:127.0.0.1:${sipPort};transport=udp`, '--address', '127.0.0.1', '--port', String(adminPort), '--secret', SECRET, '--loglevel', 'info', '--no-cdrs'], /"msg":"ready"/, 20_000, nodeFlags);
    children.push(server);
    const app = await startNode('bench/apps/b2bua-app.ts', [String(adminPort), SECRET, `sip:callee@127.0.0.1:${calleePort}`], /ready/);
    children.push(app);
    uas = await startSippUas({ scenario: 'uas', localPort: calleePort, calls: 10_000_000, timeoutMs: 3_600_000, extraArgs: ['-max_socket', '10000'] });
    const csv = writeCsv(['+8613900000001;+8617000000001;']);
    const remote = `127.0.0.1:${sipPort}`;
    // Warm-up: JIT and first-call allocations stay out of the measured run.
    await loadRun({ remote, rate, seconds: 2, holdMs: 200, csv });
    const serverPid = server.pid as number;
    const appPid = app.pid as number;
    const s0 = cpuMs(serverPid);
    const a0 = cpuMs(appPid);
    // Calls held 200 ms, so every BYE lands inside the window and the CPU read after covers whole calls.
    const r = await loadRun({ remote, rate, seconds, holdMs: 200, csv });
    const s1 = cpuMs(serverPid);
    const a1 = cpuMs(appPid);
    const calls = Math.max(1, r.successful);
    const perCall = (before: number, after: number): number => (after - before) / calls;
    const note = `${rate} calls/s for ${seconds} s, ${r.successful}/${r.calls} ok, ${r.failed} failed`;
    return [
      { bench: BENCH, metric: 'server CPU per call', value: perCall(s0.user + s0.sys, s1.user + s1.sys), unit: 'ms', note },
      { bench: BENCH, metric: 'server CPU per call, user / sys', value: `${perCall(s0.user, s1.user).toFixed(2)} / ${perCall(s0.sys, s1.sys).toFixed(2)}`, unit: 'ms' },
      { bench: BENCH, metric: 'app CPU per call', value: perCall(a0.user + a0.sys, a1.user + a1.sys), unit: 'ms', note: 'one b2bua-app process' },
      { bench: BENCH, metric: `INVITE->200 @${rate}/s p50`, value: r.p50, unit: 'ms' },
      { bench: BENCH, metric: `INVITE->200 @${rate}/s p99`, value: r.p99, unit: 'ms' },
    ];
  } finally {
    await uas?.stop();
    for (const c of children.reverse()) await stop(c);
  }
};
