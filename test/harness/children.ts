// Child processes for tests: collects stdout/stderr line by line, waits for a line matching a
// pattern (an event, never a sleep), stops with SIGTERM then SIGKILL, and dumps what it saw when
// a test fails so the failure explains itself.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { onTestFailed } from 'vitest';

export interface ChildOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Label used in dumps; default the command. */
  name?: string;
  /** Lines kept for dump(); default 400. */
  keepLines?: number;
  /** Put the child in its own process group (so stop() can signal all of it). Default false. */
  detached?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

const MAX_SEEN_LINES = 50_000;
const STDIO_DRAIN_MS = 2_000;

interface Waiter {
  pattern: RegExp;
  resolve: (line: string) => void;
}

export class Child {
  readonly proc: ChildProcess;
  readonly name: string;
  readonly exited: Promise<ExitInfo>;
  private readonly kept: string[] = [];
  private readonly keepLines: number;
  private readonly group: boolean;
  private readonly waiters = new Set<Waiter>();
  private exitInfo: ExitInfo | undefined;
  /** Every line seen (stdout and stderr), for waitForLine on lines that came before the call. */
  private readonly seen: string[] = [];

  constructor(command: string, args: readonly string[], opts: ChildOptions = {}) {
    this.name = opts.name ?? [command, ...args].join(' ');
    this.keepLines = opts.keepLines ?? 400;
    this.group = opts.detached ?? false;
    const spawnOpts: SpawnOptions = { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'], detached: opts.detached ?? false };
    this.proc = spawn(command, [...args], spawnOpts);
    this.exited = new Promise((resolve) => {
      this.proc.once('error', (err) => {
        this.record('[spawn]', `spawn error: ${err.message}`);
        this.exitInfo ??= { code: null, signal: null };
        resolve(this.exitInfo);
      });
      // 'close' waits for stdout/stderr to end, which never happens if an orphaned grandchild
      // still holds them: after 'exit', give the pipes STDIO_DRAIN_MS to drain, then settle.
      let drainTimer: NodeJS.Timeout | undefined;
      this.proc.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        drainTimer = setTimeout(() => {
          this.record('[harness]', 'stdio still open after exit (an orphaned grandchild holds it?)');
          resolve({ code, signal });
        }, STDIO_DRAIN_MS);
      });
      this.proc.once('close', (code, signal) => {
        clearTimeout(drainTimer);
        this.exitInfo = { code, signal };
        resolve(this.exitInfo);
      });
    });
    this.collect(this.proc.stdout, 'out');
    this.collect(this.proc.stderr, 'err');
  }

  get pid(): number {
    return this.proc.pid ?? -1;
  }

  /** Exit info once the child is gone; undefined while it runs. */
  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** All lines seen so far (stdout and stderr, in arrival order). */
  lines(): readonly string[] {
    return this.seen;
  }

  /** Resolves with the first line (already seen or future) matching pattern; rejects on timeout or exit. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const already = this.seen.find((line) => pattern.test(line));
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        pattern,
        resolve: (line) => {
          cleanup();
          resolve(line);
        },
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms\n${this.dump()}`));
      }, timeoutMs);
      const onExit = (info: ExitInfo): void => {
        // Lines may still be in flight when 'close' fires: check once more before giving up.
        const late = this.seen.find((line) => pattern.test(line));
        cleanup();
        if (late !== undefined) resolve(late);
        else reject(new Error(`${this.name}: exited (code ${info.code}, signal ${info.signal}) before a line matching ${pattern}\n${this.dump()}`));
      };
      const cleanup = (): void => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      void this.exited.then(onExit);
    });
  }

  /** Waits for exit; rejects after timeoutMs (the child keeps running). */
  async waitForExit(timeoutMs: number): Promise<ExitInfo> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${this.name}: still running after ${timeoutMs} ms\n${this.dump()}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Sends a signal (to the whole group when started detached). */
  signal(signal: NodeJS.Signals): void {
    if (this.exitInfo !== undefined || this.proc.pid === undefined) return;
    try {
      if (this.group) process.kill(-this.proc.pid, signal);
      else this.proc.kill(signal);
    } catch {
      // already gone
    }
  }

  /** SIGTERM (or the given signal), then SIGKILL if it is still running after graceMs. */
  async stop(opts: { signal?: NodeJS.Signals; graceMs?: number } = {}): Promise<ExitInfo> {
    if (this.exitInfo !== undefined) return this.exitInfo;
    this.signal(opts.signal ?? 'SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), opts.graceMs ?? 15_000);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The last collected lines, labelled, for failure messages. */
  dump(): string {
    const status = this.exitInfo === undefined ? 'running' : `exited code=${this.exitInfo.code} signal=${this.exitInfo.signal}`;
    return `----- ${this.name} (pid ${this.pid}, ${status}), last ${this.kept.length} lines -----\n${this.kept.join('\n')}\n-----`;
  }

  /** Prints dump() if the current vitest test fails. Call inside a test. */
  dumpOnFailure(): this {
    onTestFailed(() => {
      console.error(this.dump());
    });
    return this;
  }

  private collect(stream: NodeJS.ReadableStream | null, label: string): void {
    if (stream === null) return;
    let buf = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.record(label, buf.slice(0, nl).replace(/\r$/, ''));
        buf = buf.slice(nl + 1);
      }
    });
    stream.on('end', () => {
      if (buf !== '') this.record(label, buf);
      buf = '';
    });
  }

  private record(label: string, line: string): void {
    this.seen.push(line);
    if (this.seen.length > MAX_SEEN_LINES) this.seen.shift();
    this.kept.push(`[${label}] ${line}`);
    if (this.kept.length > this.keepLines) this.kept.shift();
    for (const waiter of this.waiters) {
      if (waiter.pattern.test(line)) waiter.resolve(line);
    }
  }
}

/** Starts a child process; see Child. */
export function spawnChild(command: string, args: readonly string[], opts: ChildOptions = {}): Child {
  return new Child(command, args, opts);
}
