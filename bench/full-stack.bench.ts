// Full-stack direct dial (issue 7): sipp callers (A) dial X -> the product started with
// `src/main.ts` (our SIP server, the B2BUA app, bindings in a real redis-server holding a large
// number of bindings) -> sipp callee (B) at the trunk gateway; calls held 1 s, then BYE.
// Reports the highest rate with zero failed calls and the caller-side INVITE->200 time.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchFn, BenchRow } from './types.ts';
import { maxRateRows, startNode, stop, writeCsv } from './load.ts';
import { benchParty, preloadBindings } from './preload.ts';
import { startRedis } from '../test/harness/redis.ts';
import { startSippUas, type SippUasHandle } from '../test/harness/sipp.ts';
import { getFreePort, getFreeUdpTcpPort } from '../test/harness/ports.ts';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { createBindingStore } from '../src/bindings/store.ts';

const TENANT = 'bench';
const GROUP = 'bench';

export const run: BenchFn = async ({ quick }) => {
  const rows: BenchRow[] = [];
  const processes = quick ? [1] : [1, 2];
  for (const appProcesses of processes) rows.push(...(await measure(quick, appProcesses)));
  return rows;
};

async function measure(quick: boolean, appProcesses: number): Promise<BenchRow[]> {
  const redisServer = await startRedis();
  const bindingCount = quick ? 20_000 : 1_000_000;
  const poolSize = 1_000;
  const children: ChildProcess[] = [];
  let uas: SippUasHandle | undefined;
  const label = `full stack (${appProcesses} app process${appProcesses > 1 ? 'es' : ''})`;
  try {
    const redis = new Redis(redisServer.url);
    const store = createBindingStore({ redis, log: pino({ level: 'silent' }), coolDownSeconds: 0, defaultReleaseAfterCallSeconds: 3600, defaultAreaMatch: 'fallback' });
    const numbers = Array.from({ length: poolSize }, (_, i) => benchParty('170', i));
    await store.addNumbers(numbers.map((number) => ({ number, areaCode: '170', tenant: TENANT, group: GROUP })));
    await store.close();
    redis.disconnect();
    const t0 = performance.now();
    const sample = await preloadBindings({ redisUrl: redisServer.url, tenant: TENANT, group: GROUP, numbers, count: bindingCount, sampleEvery: 1 });
    const loadSeconds = (performance.now() - t0) / 1000;
    // Callers dial the X of their own binding: every call is a real lookup hit among all bindings.
    const csv = writeCsv(sample.filter((_, i) => i % Math.max(1, Math.floor(bindingCount / 20_000)) === 0).slice(0, 20_000).map((s) => `${s.a};${s.x};`));

    const sipPort = await getFreeUdpTcpPort();
    const calleePort = await getFreeUdpTcpPort();
    const dir = mkdtempSync(join(tmpdir(), 'pn-bench-'));
    const configFile = join(dir, 'config.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        sip: { contacts: [`sip:127.0.0.1:${sipPort};transport=udp`], adminPort: await getFreePort() },
        redis: { url: redisServer.url },
        dataDir: dir,
        http: { listen: `127.0.0.1:${await getFreePort()}` },
        trunks: [{ name: 'bench', addresses: ['127.0.0.1'], gateways: [`sip:127.0.0.1:${calleePort}`] }],
        calls: { appProcesses },
        log: { level: 'info' },
      }),
    );
    const product = await startNode('src/main.ts', ['--config', configFile], /"msg":"ready"/, 60_000);
    children.push(product);
    uas = await startSippUas({ scenario: 'uas', localPort: calleePort, calls: 10_000_000, timeoutMs: 3_600_000, extraArgs: ['-max_socket', '10000'] });

    const remote = `127.0.0.1:${sipPort}`;
    return [
      { bench: label, metric: 'bindings in Redis', value: bindingCount, unit: 'bindings', note: `preloaded in ${loadSeconds.toFixed(0)} s` },
      ...(await maxRateRows(label, { remote, csv, quick, ...(product.pid !== undefined && { productPid: product.pid }) })),
    ];
  } finally {
    await uas?.stop();
    for (const c of children.reverse()) await stop(c);
    await redisServer.stop();
  }
}
