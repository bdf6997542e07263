// The product on a Redis Cluster (redis.clusterNodes): `src/main.ts` with two B2BUA worker
// processes, every one of them a Cluster client, against a local 3-master cluster. The API
// allocates a binding, a masked call goes through, and its record is readable.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawnChild, type Child } from '../harness/children.ts';
import { getFreePort, getFreeUdpTcpPort } from '../harness/ports.ts';
import { startRedisCluster, type RedisClusterInstance } from '../harness/redis.ts';
import { runSipp, startSippUas } from '../harness/sipp.ts';
import { poll } from '../harness/poll.ts';
import { A, B, SCENARIOS, injectionCsv } from './calls/call-fixture.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const KEY = 'cluster-test-key-0001';

let cluster: RedisClusterInstance;
let main: Child;
let dir: string;
let apiUrl: string;
let sipPort: number;
let calleePort: number;

async function api<T>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const res = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as T };
}

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);

async function startMain(): Promise<void> {
  dir = mkdtempSync(join(tmpdir(), 'pn-cluster-'));
  sipPort = await getFreeUdpTcpPort();
  calleePort = await getFreeUdpTcpPort();
  const httpPort = await getFreePort();
  apiUrl = `http://127.0.0.1:${httpPort}`;
  const configFile = join(dir, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      sip: { contacts: [`sip:127.0.0.1:${sipPort};transport=udp`], adminPort: await getFreePort() },
      dataDir: dir,
      http: { listen: `127.0.0.1:${httpPort}` },
      api: { keys: [{ tenant: 'acme', key: KEY }] },
      trunks: [{ name: 'lab', addresses: ['127.0.0.1'], gateways: [`sip:127.0.0.1:${calleePort}`] }],
      calls: { appProcesses: 2 },
      log: { level: 'info' },
    }),
  );
  const nodes = cluster.nodes.map((n) => `redis://${n.host}:${n.port}`).join(',');
  main = spawnChild(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', configFile], {
    cwd: ROOT,
    env: { ...process.env, PN_REDIS_CLUSTER_NODES: nodes, PN_REDIS_URL: '' },
    name: 'main on a cluster',
  }).dumpOnFailure();
  const ready = JSON.parse(await main.waitForLine(/"msg":"ready"/, 90_000)) as { redis: string; redisNodes: string[] };
  expect(ready.redis).toBe('cluster');
  expect(ready.redisNodes).toHaveLength(3);
}

afterAll(async () => {
  await main?.stop({ graceMs: 30_000 });
  await cluster?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('allocates a binding, connects a masked call and records it, all on a 3-master Redis Cluster', async () => {
  await startMain();
  expect((await api('POST', '/v1/numbers', { numbers: ['+8617000005555', '+8617000005556'], areaCode: '170' })).status).toBe(201);
  const bind = await api<{ id: string; x: string }>('POST', '/v1/bindings', { mode: 'AXB', a: A, b: B, ttlSeconds: 600 });
  expect(bind.status, JSON.stringify(bind.body)).toBe(201);

  const uas = await startSippUas({ scenario: join(SCENARIOS, 'uas-direct-callerbye.xml'), localPort: calleePort, calls: 1, timeoutMs: 45_000 });
  const uac = await runSipp({ scenario: join(SCENARIOS, 'uac-direct-callerbye.xml'), remote: `127.0.0.1:${sipPort}`, injectionFile: injectionCsv(A, bind.body.x), calls: 1, timeoutMs: 45_000 });
  expect(uac.stats.successful, uac.logs).toBe(1);
  expect((await uas.done).stats.successful).toBe(1);

  const rec = await poll(
    'the call record',
    async () => (await api<{ items: Array<{ outcome?: string; hangupBy?: string }> }>('GET', `/v1/records?bindingId=${bind.body.id}`)).body.items.find((r) => r.outcome === 'answered'),
    10_000,
    100,
  );
  expect(rec).toMatchObject({ outcome: 'answered', hangupBy: 'caller' });
  expect((await api('GET', `/v1/bindings/${bind.body.id}`)).status).toBe(200);
}, 150_000);
