// Real redis-server processes for tests: one standalone server, or a local 3-master cluster.
// Free ports picked at run time, 127.0.0.1 only, own temp dirs, readiness polled with a deadline.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { getFreePort } from './ports.ts';
import { until } from './poll.ts';

const execFileP = promisify(execFile);
const HOST = '127.0.0.1';
const REDIS_SERVER = '/usr/bin/redis-server';
const REDIS_CLI = '/usr/bin/redis-cli';

export interface RedisInstance {
  url: string;
  port: number;
  dir: string;
  /** Graceful stop (SHUTDOWN NOSAVE via SIGTERM) and removal of a temp dir we created. */
  stop(): Promise<void>;
  /** Kill the process (SIGKILL by default) and wait for its exit; the dir stays for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Start again on the same port and dir (e.g. after kill(), to test the append-only file). */
  restart(): Promise<void>;
}

export interface RedisClusterInstance {
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
  /** Kills every node at once (SIGKILL by default); dirs and nodes.conf stay for restart(). */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts every node again on its ports and dir and waits for cluster_state:ok. */
  restart(): Promise<void>;
}

/** Sends one inline command over a raw socket and returns the first reply line (or null on error). */
function rawCommand(port: number, command: string, timeoutMs = 1000): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect({ host: HOST, port });
    let buf = '';
    const done = (v: string | null): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(v);
    };
    const timer = setTimeout(() => done(null), timeoutMs);
    sock.once('error', () => done(null));
    sock.on('data', (d) => {
      buf += d.toString('utf8');
      // Bulk replies ($len\r\n...\r\n) need the body; simple replies end at the first CRLF.
      if (buf.startsWith('$')) {
        const nl = buf.indexOf('\r\n');
        const len = Number(buf.slice(1, nl));
        if (len < 0) done('');
        else if (buf.length >= nl + 2 + len) done(buf.slice(nl + 2, nl + 2 + len));
      } else if (buf.includes('\r\n')) {
        done(buf.slice(0, buf.indexOf('\r\n')));
      }
    });
    sock.once('connect', () => sock.write(command + '\r\n'));
  });
}

function pollUntil(what: string, deadlineMs: number, check: () => Promise<boolean>): Promise<void> {
  return until(what, check, deadlineMs, 25);
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

function spawnServer(args: string[], dir: string): ChildProcess {
  const child = spawn(REDIS_SERVER, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-4000);
  });
  child.once('exit', (code) => {
    if (code !== 0 && code !== null && stderr) process.stderr.write(`redis-server exited ${code}: ${stderr}\n`);
  });
  return child;
}

async function startServer(port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', HOST, '--dir', dir, '--daemonize', 'no', '--logfile', '', '--loglevel', 'warning', ...extra];
  const child = spawnServer(args, dir);
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  await pollUntil(`redis-server PING on ${port}`, 15_000, async () => {
    if (exited) throw new Error(`redis-server on port ${port} exited during start`);
    // While loading the AOF the server answers -LOADING; wait for +PONG.
    return (await rawCommand(port, 'PING')) === '+PONG';
  });
  return child;
}

// appendfsync always: an acknowledged write is on disk, so SIGKILL loses nothing acknowledged.
function persistenceArgs(appendOnly: boolean | undefined): string[] {
  return appendOnly ? ['--appendonly', 'yes', '--appendfsync', 'always', '--save', ''] : ['--appendonly', 'no', '--save', ''];
}

/** Starts a standalone redis-server on a free port with its own temp dir. */
export async function startRedis(opts: { appendOnly?: boolean; dir?: string } = {}): Promise<RedisInstance> {
  const ownDir = opts.dir === undefined;
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'pn-redis-')));
  const port = await getFreePort();
  const persistence = persistenceArgs(opts.appendOnly);
  let child = await startServer(port, dir, persistence);
  return {
    url: `redis://${HOST}:${port}`,
    port,
    dir,
    async stop() {
      child.kill('SIGTERM');
      await waitExit(child);
      if (ownDir) await rm(dir, { recursive: true, force: true });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      child.kill(signal);
      await waitExit(child);
    },
    async restart() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        await waitExit(child);
      }
      child = await startServer(port, dir, persistence);
    },
  };
}

function clusterStateOk(nodes: Array<{ port: number }>): Promise<void> {
  return pollUntil('cluster_state:ok', 30_000, async () => {
    for (const n of nodes) {
      const info = await rawCommand(n.port, 'CLUSTER INFO');
      if (info === null || !info.includes('cluster_state:ok')) return false;
    }
    return true;
  });
}

/** Starts 3 cluster-enabled masters (no replicas) and waits for cluster_state:ok on each. */
export async function startRedisCluster(opts: { appendOnly?: boolean } = {}): Promise<RedisClusterInstance> {
  const dir = await mkdtemp(join(tmpdir(), 'pn-redis-cluster-'));
  let children: ChildProcess[] = [];
  const nodes: Array<{ host: string; port: number }> = [];
  const nodeArgs: Array<{ port: number; dir: string; args: string[] }> = [];
  const used = new Set<number>();
  const freshPort = async (): Promise<number> => {
    for (;;) {
      const p = await getFreePort();
      if (!used.has(p)) {
        used.add(p);
        return p;
      }
    }
  };
  try {
    for (let i = 0; i < 3; i++) {
      const port = await freshPort();
      // Redis 7: the bus port is configurable, so we need not rely on port+10000 being free.
      const busPort = await freshPort();
      const nodeDir = join(dir, `node-${i}`);
      await mkdir(nodeDir);
      // nodes.conf in the node's dir keeps its id and slots across a restart.
      const args = ['--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '5000', ...persistenceArgs(opts.appendOnly)];
      nodeArgs.push({ port, dir: nodeDir, args });
      children.push(await startServer(port, nodeDir, args));
      nodes.push({ host: HOST, port });
    }
    await execFileP(REDIS_CLI, ['--cluster', 'create', ...nodes.map((n) => `${n.host}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], { timeout: 30_000 });
    await clusterStateOk(nodes);
  } catch (err) {
    for (const c of children) c.kill('SIGKILL');
    await Promise.all(children.map(waitExit));
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    nodes,
    async stop() {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map(waitExit));
      await rm(dir, { recursive: true, force: true });
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      for (const c of children) c.kill(signal);
      await Promise.all(children.map(waitExit));
    },
    async restart() {
      for (const c of children) c.kill('SIGTERM');
      await Promise.all(children.map(waitExit));
      children = await Promise.all(nodeArgs.map((n) => startServer(n.port, n.dir, n.args)));
      await clusterStateOk(nodes);
    },
  };
}
