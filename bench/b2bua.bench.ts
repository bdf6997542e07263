// B2BUA calls per second on our SIP server (issue 4): sipp UAC -> our server + a createB2BUA app
// (separate processes) -> sipp UAS, calls held 1 s then BYE. Reports the highest rate that
// completes with zero failed calls and the caller-side INVITE->200 time at 300 calls/s.
import type { ChildProcess } from 'node:child_process';
import type { BenchFn, BenchRow } from './types.ts';
import { maxRateRows, startNode, stop, writeCsv } from './load.ts';
import { startSippUas, type SippUasHandle } from '../test/harness/sipp.ts';
import { getFreePort, getFreeUdpTcpPort } from '../test/harness/ports.ts';

const SECRET = 'bench';

export const run: BenchFn = async ({ quick }) => {
  const rows: BenchRow[] = [];
  for (const apps of quick ? [1] : [1, 2]) rows.push(...(await measure(apps, quick)));
  return rows;
};

async function measure(appCount: number, quick: boolean): Promise<BenchRow[]> {
  const sipPort = await getFreeUdpTcpPort();
  const adminPort = await getFreePort();
  const calleePort = await getFreeUdpTcpPort();
  const children: ChildProcess[] = [];
  let uas: SippUasHandle | undefined;
  const label = `b2bua (${appCount} app process${appCount > 1 ? 'es' : ''})`;
  try {
    children.push(await startNode('src/server/cli.ts', ['--contact', `sip:127.0.0.1:${sipPort};transport=udp`, '--address', '127.0.0.1', '--port', String(adminPort), '--secret', SECRET, '--loglevel', 'info', '--no-cdrs'], /"msg":"ready"/));
    for (let i = 0; i < appCount; i++) children.push(await startNode('bench/apps/b2bua-app.ts', [String(adminPort), SECRET, `sip:callee@127.0.0.1:${calleePort}`], /ready/));
    uas = await startSippUas({ scenario: 'uas', localPort: calleePort, calls: 10_000_000, timeoutMs: 3_600_000, extraArgs: ['-max_socket', '10000'] });
    const csv = writeCsv(['+8613900000001;+8617000000001;']);
    const remote = `127.0.0.1:${sipPort}`;
    return await maxRateRows(label, { remote, csv, quick });
  } finally {
    await uas?.stop();
    for (const c of children.reverse()) await stop(c);
  }
}
