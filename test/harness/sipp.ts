// Runs sipp (Debian package sip-tester) as a child process for tests: each run gets a temp dir
// for its trace files, the final statistics are read from the -trace_stat CSV, and the process
// is killed at a deadline. runSipp() drives a scenario to the end; startSippUas() starts a peer
// that answers until stopped.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getFreeUdpTcpPort } from './ports.ts';

export const SIPP_BIN = '/usr/bin/sipp';

export interface SippOptions {
  /** A path to a scenario XML file, or a built-in scenario name ('uac', 'uas', ...). */
  scenario: string;
  /** host:port of the peer ('127.0.0.1:5060'); optional for a UAS. */
  remote?: string;
  /** sipp's own port (-p); a free one is picked when absent. */
  localPort?: number;
  /** -t: 'u1' UDP one socket (default), 't1' TCP one connection. */
  transport?: 'u1' | 't1';
  /** -m: stop after this many calls (default 1). */
  calls?: number;
  /** -r: calls per second. */
  rate?: number;
  /** -inf: CSV injection file. */
  injectionFile?: string;
  extraArgs?: string[];
  /** Kill sipp after this long (default 60 s); the result then has timedOut = true. */
  timeoutMs?: number;
  /** Also write the -trace_msg message log into `logs` (verbose). */
  traceMessages?: boolean;
  /** Read extra files sipp wrote in its working folder (e.g. -trace_rtt CSVs) before it is removed. */
  collect?: (dir: string) => Promise<void>;
}

export interface SippStats {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  failedMaxUdpRetrans: number;
  failedUnexpectedMessage: number;
  failedTimeoutOnRecv: number;
  /** Every cumulative column of the stat file, by name without the "(C)" suffix. */
  raw: Record<string, string>;
}

export interface SippResult {
  /** sipp's exit code: 0 all calls succeeded, 1 some failed, 97/99 other ends, -1/-2 fatal. */
  exitCode: number;
  timedOut: boolean;
  stats: SippStats;
  stdout: string;
  stderr: string;
  /** Contents of the error trace (and message trace if asked), for failure messages. */
  logs: string;
}

export interface SippUasHandle {
  port: number;
  transport: 'u1' | 't1';
  /** Resolves when sipp exits on its own (after `calls` calls) or is stopped. */
  done: Promise<SippResult>;
  /** Ask sipp to quit (SIGUSR1, as if 'q' was pressed), kill it if it lingers, and return its result. */
  stop(): Promise<SippResult>;
}

const num = (raw: Record<string, string>, k: string): number => Number(raw[k] ?? '0') || 0;

function parseStats(csv: string): SippStats {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  const raw: Record<string, string> = {};
  header.forEach((h, i) => {
    if (h.endsWith('(C)')) raw[h.slice(0, -3)] = (last[i] ?? '').trim();
  });
  return {
    created: num(raw, 'OutgoingCall') + num(raw, 'IncomingCall'),
    successful: num(raw, 'SuccessfulCall'),
    failed: num(raw, 'FailedCall'),
    retransmissions: num(raw, 'Retransmissions'),
    failedMaxUdpRetrans: num(raw, 'FailedMaxUDPRetrans'),
    failedUnexpectedMessage: num(raw, 'FailedUnexpectedMessage'),
    failedTimeoutOnRecv: num(raw, 'FailedTimeoutOnRecv'),
    raw,
  };
}

async function readIfExists(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return '';
  }
}

interface Spawned {
  child: ChildProcess;
  done: Promise<SippResult>;
}

function spawnSipp(opts: SippOptions, localPort: number, dir: string): Spawned {
  const args: string[] = [];
  const builtin = !opts.scenario.endsWith('.xml') && !opts.scenario.includes('/');
  args.push(builtin ? '-sn' : '-sf', builtin ? opts.scenario : resolve(opts.scenario));
  if (opts.remote) args.push(opts.remote);
  args.push('-i', '127.0.0.1', '-p', String(localPort), '-t', opts.transport ?? 'u1');
  args.push('-m', String(opts.calls ?? 1));
  if (opts.rate !== undefined) args.push('-r', String(opts.rate));
  if (opts.injectionFile) args.push('-inf', resolve(opts.injectionFile));
  args.push('-nostdin', '-trace_err', '-error_file', join(dir, 'errors.log'), '-trace_stat', '-stf', join(dir, 'stats.csv'), '-fd', '1');
  if (opts.traceMessages) args.push('-trace_msg', '-message_file', join(dir, 'messages.log'));
  args.push(...(opts.extraArgs ?? []));

  const child = spawn(SIPP_BIN, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  // The screen is redrawn constantly: keep only the tail.
  child.stdout?.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-20_000)));
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-20_000)));
  let timedOut = false;
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, timeoutMs);
  const done = new Promise<SippResult>((resolveDone) => {
    const finish = async (code: number | null): Promise<void> => {
      clearTimeout(killer);
      const stats = parseStats(await readIfExists(join(dir, 'stats.csv')));
      const logs = (await readIfExists(join(dir, 'errors.log'))) + (await readIfExists(join(dir, 'messages.log')));
      let extra = '';
      // sipp writes <scenario>_<pid>_errors.log and the like in its cwd when it cannot open ours.
      for (const f of await readdir(dir).catch(() => [] as string[])) if (f.endsWith('_errors.log')) extra += await readIfExists(join(dir, f));
      if (opts.collect) await opts.collect(dir).catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
      resolveDone({ exitCode: code === null ? -1 : code > 127 ? code - 256 : code, timedOut, stats, stdout, stderr, logs: logs + extra });
    };
    child.once('error', (err) => {
      stderr += String(err);
      void finish(-1);
    });
    child.once('exit', (code) => void finish(code));
  });
  return { child, done };
}

/** Run a sipp scenario to its end (or the deadline). */
export async function runSipp(opts: SippOptions): Promise<SippResult> {
  const localPort = opts.localPort ?? (await getFreeUdpTcpPort());
  const dir = await mkdtemp(join(tmpdir(), 'sipp-'));
  return spawnSipp(opts, localPort, dir).done;
}

function portBusy(port: number, transport: 'u1' | 't1'): Promise<boolean> {
  return new Promise((resolveBusy) => {
    if (transport === 'u1') {
      const s = createSocket('udp4');
      s.once('error', () => resolveBusy(true));
      s.bind(port, '127.0.0.1', () => s.close(() => resolveBusy(false)));
    } else {
      const srv = createServer();
      srv.once('error', () => resolveBusy(true));
      srv.listen(port, '127.0.0.1', () => srv.close(() => resolveBusy(false)));
    }
  });
}

/** Start a sipp UAS (default the built-in 'uas') and wait until it listens. */
export async function startSippUas(opts: Partial<SippOptions> = {}): Promise<SippUasHandle> {
  const transport = opts.transport ?? 'u1';
  const port = opts.localPort ?? (await getFreeUdpTcpPort());
  const dir = await mkdtemp(join(tmpdir(), 'sipp-uas-'));
  const { child, done } = spawnSipp({ scenario: 'uas', timeoutMs: 120_000, ...opts, transport, localPort: port }, port, dir);
  let exited = false;
  void done.then(() => (exited = true));
  const deadline = Date.now() + 15_000;
  // sipp holds its port once it is ready: poll for that instead of sleeping.
  while (!(await portBusy(port, transport))) {
    if (exited) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sipp uas did not bind port ${port}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  return {
    port,
    transport,
    done,
    async stop(): Promise<SippResult> {
      if (!exited) {
        child.kill('SIGUSR1');
        const t = setTimeout(() => child.kill('SIGKILL'), 5000);
        const r = await done;
        clearTimeout(t);
        return r;
      }
      return done;
    },
  };
}
