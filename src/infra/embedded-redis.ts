// Runs redis-server as a child process when no Redis URL is configured: data (AOF on) and a unix
// socket in our own folder and TCP off (`port 0`), so it never clashes with another Redis and a
// second start reuses the bindings. Stopped with SIGTERM (Redis then fsyncs the AOF and exits),
// SIGKILL after a deadline; also signalled if our process exits without stopping it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';

export interface EmbeddedRedisOptions {
  /** Folder for the AOF/RDB files and the unix socket; created if missing. */
  dataDir: string;
  log: Logger;
  /** Executable; default `redis-server` from PATH. */
  command?: string;
  startTimeoutMs?: number;
  stopTimeoutMs?: number;
}

export interface EmbeddedRedis {
  /** Unix socket to connect to (ioredis: `new Redis({ path })`). */
  readonly socketPath: string;
  readonly pid: number;
  /** Settles when the server exits, for whatever reason (main treats an unplanned exit as fatal). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the server (SIGTERM, then SIGKILL after stopTimeoutMs). Safe to call twice. */
  stop(): Promise<void>;
}

/** The redis-server could not be started, or stopped answering. */
export class EmbeddedRedisError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedRedisError';
  }
}

// sockaddr_un.sun_path holds 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107;

/** `<dataDir>/redis.sock`, or a stable per-folder name in the temp dir when that path is too long. */
export function socketPathFor(dataDir: string): string {
  const inside = join(dataDir, 'redis.sock');
  if (Buffer.byteLength(inside) <= MAX_SOCKET_PATH) return inside;
  const tag = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return join(tmpdir(), `pn-redis-${tag}.sock`);
}

/** Sends PING over the socket; resolves with the first reply line, or null if nothing listens. */
export function pingSocket(socketPath: string, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect({ path: socketPath });
    let reply = '';
    const done = (value: string | null): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.once('connect', () => sock.write('PING\r\n'));
    sock.on('data', (chunk: Buffer) => {
      reply += chunk.toString('utf8');
      const end = reply.indexOf('\r\n');
      if (end >= 0) done(reply.slice(0, end));
    });
    sock.once('error', () => done(null));
    sock.once('close', () => done(reply === '' ? null : reply));
  });
}

export async function startEmbeddedRedis(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const { dataDir, log } = opts;
  const startTimeoutMs = opts.startTimeoutMs ?? 20_000;
  const stopTimeoutMs = opts.stopTimeoutMs ?? 10_000;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const socketPath = socketPathFor(dataDir);

  // Two redis-servers on one AOF would corrupt it: refuse if something already answers here.
  if ((await pingSocket(socketPath)) !== null) {
    throw new EmbeddedRedisError(
      `a redis-server already answers on ${socketPath}: another instance uses this data folder, or a previous one was killed; stop it with: redis-cli -s ${socketPath} shutdown`,
    );
  }

  const args = [
    '--port', '0',
    '--unixsocket', socketPath,
    '--unixsocketperm', '700',
    '--dir', dataDir,
    '--appendonly', 'yes',
    '--appendfsync', 'everysec',
    '--daemonize', 'no',
    '--logfile', '',
    '--save', '3600 1 300 100',
  ];
  // detached: its own process group, so a terminal Ctrl-C reaches us first and we stop it in order.
  const child = spawn(opts.command ?? 'redis-server', args, { cwd: dataDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const redisLog = log.child({ component: 'redis-server' });
  pipeLines(child, (line) => redisLog.debug({ line }, 'redis-server output'));

  let exited = false;
  const exitedPromise = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      exited = true;
      resolve({ code, signal });
    });
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));

  // If our process exits without stop() (crash, uncaught error), do not leave Redis behind.
  const onProcessExit = (): void => {
    if (!exited) child.kill('SIGTERM');
  };
  process.on('exit', onProcessExit);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      if (!exited) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          redisLog.warn({ redisPid: child.pid }, 'redis-server did not stop in time; killing it');
          child.kill('SIGKILL');
        }, stopTimeoutMs);
        await exitedPromise;
        clearTimeout(timer);
      }
      process.off('exit', onProcessExit);
      redisLog.info({ redisPid: child.pid }, 'embedded redis-server stopped');
    })();
    return stopping;
  };

  // Ready when it answers PONG (while loading the AOF it answers -LOADING).
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    const outcome = await Promise.race([
      spawnError.then((err) => ({ kind: 'error' as const, err })),
      exitedPromise.then((info) => ({ kind: 'exit' as const, info })),
      pingSocket(socketPath).then((reply) => ({ kind: 'ping' as const, reply })),
    ]);
    if (outcome.kind === 'error') {
      process.off('exit', onProcessExit);
      throw new EmbeddedRedisError(`cannot run ${opts.command ?? 'redis-server'}: ${outcome.err.message} (run: npm start, which installs it)`, { cause: outcome.err });
    }
    if (outcome.kind === 'exit') {
      process.off('exit', onProcessExit);
      throw new EmbeddedRedisError(`redis-server exited during start (code ${outcome.info.code}, signal ${outcome.info.signal}); run with PN_LOG_LEVEL=debug to see its output`);
    }
    if (outcome.reply === '+PONG') break;
    if (Date.now() > deadline) {
      await stop();
      throw new EmbeddedRedisError(`redis-server did not answer on ${socketPath} within ${startTimeoutMs} ms (last reply: ${outcome.reply ?? 'none'})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const pid = child.pid ?? -1;
  redisLog.info({ redisPid: pid, socketPath, dataDir }, 'embedded redis-server ready');
  return { socketPath, pid, exited: exitedPromise, stop };
}

function pipeLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trimEnd();
        buf = buf.slice(nl + 1);
        if (line !== '') onLine(line);
      }
    });
  }
}
