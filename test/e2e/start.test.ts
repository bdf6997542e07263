// `npm start` end to end: it comes up on an embedded redis-server, stops cleanly on SIGTERM with
// no process left behind, and a second start reuses the data. A bad config value exits with 2.
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { spawnChild, type Child } from '../harness/children.ts';
import { getFreePort, getFreeUdpTcpPort } from '../harness/ports.ts';
import { startRedis } from '../harness/redis.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /"msg":"ready"/;
const READY_TIMEOUT_MS = 90_000;

const children: Child[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) await child.stop();
  for (const dir of dirs.splice(0)) {
    // After a failure, processes this test started may be left (the very bug under test): end them.
    for (const leftover of processesUsing(dir)) {
      try {
        process.kill(leftover.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pn-start-'));
  dirs.push(dir);
  return dir;
}

/** Processes (other than this one) whose working directory or command line points into dir. */
function processesUsing(dir: string): Array<{ pid: number; cmdline: string }> {
  const found: Array<{ pid: number; cmdline: string }> = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      let cwd = '';
      try {
        cwd = readlinkSync(`/proc/${entry}/cwd`);
      } catch {
        // not ours to read, or gone
      }
      if (cmdline.includes(dir) || cwd.startsWith(dir)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

async function serviceEnv(dataDir: string): Promise<NodeJS.ProcessEnv> {
  // The drachtio admin port has no env override: a config file gives it a free one.
  const configFile = join(dataDir, '..', `${basename(dataDir)}-config.json`);
  writeFileSync(configFile, JSON.stringify({ sip: { adminPort: await getFreePort() } }));
  return {
    ...process.env,
    PN_DATA_DIR: dataDir,
    PN_HTTP_LISTEN: `127.0.0.1:${await getFreePort()}`,
    PN_SIP_CONTACT: `sip:127.0.0.1:${await getFreeUdpTcpPort()};transport=udp,tcp`,
    PN_REDIS_URL: '',
    PN_CONFIG: configFile,
    PN_LOG_LEVEL: 'info',
  };
}

function npmStart(env: NodeJS.ProcessEnv): Child {
  const child = spawnChild('npm', ['start'], { cwd: ROOT, env, name: 'npm start' }).dumpOnFailure();
  children.push(child);
  return child;
}

async function readyInfo(child: Child): Promise<{ redis: string; redisSocket: string; pid: number }> {
  const line = await child.waitForLine(READY, READY_TIMEOUT_MS);
  return JSON.parse(line) as { redis: string; redisSocket: string; pid: number };
}

describe('npm start', () => {
  it('starts on an embedded Redis, stops on SIGTERM with exit 0 and no child left, and reuses the data on the next start', async () => {
    const dataDir = tempDir();
    const env = await serviceEnv(dataDir);
    const token = randomUUID();

    const first = npmStart(env);
    const info = await readyInfo(first);
    expect(info.redis).toBe('embedded');
    expect(info.redisSocket.startsWith(dataDir)).toBe(true);
    // The check below can find what it looks for: the embedded redis-server is visible now.
    expect(processesUsing(dataDir).some((p) => p.cmdline.startsWith('redis-server'))).toBe(true);

    const client = new Redis({ path: info.redisSocket, lazyConnect: true });
    await client.connect();
    await client.set('pn:test:start-token', token);
    await client.quit();

    // A second instance on the same data folder must refuse rather than share the AOF.
    const intruder = npmStart(await serviceEnv(dataDir));
    const intruderExit = await intruder.waitForExit(READY_TIMEOUT_MS);
    expect(intruderExit.code).toBe(1);
    expect(intruder.lines().join('\n')).toMatch(/already answers/);

    const firstExit = await first.stop({ graceMs: 30_000 });
    expect(firstExit).toEqual({ code: 0, signal: null });
    expect(first.lines().some((l) => l.includes('"msg":"stopped"'))).toBe(true);
    expect(processesUsing(dataDir)).toEqual([]);

    const second = npmStart(await serviceEnv(dataDir));
    const info2 = await readyInfo(second);
    const client2 = new Redis({ path: info2.redisSocket, lazyConnect: true });
    await client2.connect();
    expect(await client2.get('pn:test:start-token')).toBe(token);
    await client2.quit();

    expect(await second.stop({ graceMs: 30_000 })).toEqual({ code: 0, signal: null });
    expect(processesUsing(dataDir)).toEqual([]);
  });
});

describe('npm start with PN_REDIS_URL', () => {
  it('connects to that Redis, starts no redis-server of its own, and stops with exit 0', async () => {
    const external = await startRedis();
    try {
      const dataDir = tempDir();
      const child = npmStart({ ...(await serviceEnv(dataDir)), PN_REDIS_URL: external.url });
      const info = await readyInfo(child);
      expect(info.redis).toBe('external');
      expect(processesUsing(dataDir)).toEqual([]);
      expect(await child.stop({ graceMs: 30_000 })).toEqual({ code: 0, signal: null });
    } finally {
      await external.stop();
    }
  });
});

describe('bad configuration', () => {
  const main = (env: NodeJS.ProcessEnv, args: string[] = []): Child => {
    const child = spawnChild(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], { cwd: ROOT, env, name: 'main' }).dumpOnFailure();
    children.push(child);
    return child;
  };

  it('a bad environment value exits with code 2 and names the key and the variable', async () => {
    const env = { ...(await serviceEnv(tempDir())), PN_HTTP_LISTEN: 'localhost-without-port' };
    const child = main(env);
    expect(await child.waitForExit(60_000)).toEqual({ code: 2, signal: null });
    const stderr = child.lines().join('\n');
    expect(stderr).toContain('http.listen');
    expect(stderr).toContain('PN_HTTP_LISTEN');
    expect(stderr).toContain('host:port');
  });

  it('a bad value in a --config file exits with code 2 and names the key and the file', async () => {
    const dir = tempDir();
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ calls: { ringTimeoutSeconds: 'soon' } }));
    const child = main(await serviceEnv(dir), ['--config', file]);
    expect(await child.waitForExit(60_000)).toEqual({ code: 2, signal: null });
    const stderr = child.lines().join('\n');
    expect(stderr).toContain('calls.ringTimeoutSeconds');
    expect(stderr).toContain(file);
    expect(processesUsing(dir)).toEqual([]);
  });
});
