// calls.appProcesses > 1: INVITEs are handled by app worker processes that the SIP server spreads
// calls across; masked calls complete and are recorded.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { runSipp, startSippUas } from '../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../harness/ports.ts';

let stack: Stack;
let calleePort: number;

beforeAll(async () => {
  calleePort = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${calleePort}`], config: { calls: { appProcesses: 2, ringTimeoutSeconds: 20 } } });
});
afterAll(async () => stack?.stop());

it('runs two app workers and completes masked calls through them', async () => {
  expect(stack.handles.workers?.size).toBe(2);
  expect(stack.handles.calls).toBeUndefined();
  // The main process's srf (callbacks) plus two workers are connected to the SIP server.
  expect(stack.handles.sipServer?.stats().apps).toBe(3);
  expect((await stack.api('POST', '/v1/numbers', { numbers: ['+8617000005555'], areaCode: '170' })).status).toBe(201);
  const bind = await stack.api<{ x: string; id: string }>('POST', '/v1/bindings', { mode: 'AXB', a: '+8613912345671', b: '+8613987654322', ttlSeconds: 600 });
  expect(bind.status).toBe(201);
  const csv = join(mkdtempSync(join(tmpdir(), 'csv-')), 'direct.csv');
  writeFileSync(csv, `SEQUENTIAL\n+8613912345671;${bind.body.x};\n`);
  const uas = await startSippUas({ scenario: 'sipp-scenarios/uas-direct-callerbye.xml', localPort: calleePort, calls: 4 });
  const r = await runSipp({ scenario: 'sipp-scenarios/uac-direct-callerbye.xml', remote: `127.0.0.1:${stack.sipPort}`, injectionFile: csv, calls: 4, rate: 10, timeoutMs: 60_000 });
  expect(r.exitCode, r.logs).toBe(0);
  const u = await uas.done;
  expect(u.exitCode, u.logs).toBe(0);
  const records = await stack.api<{ items: Array<{ outcome: string }> }>('GET', `/v1/records?bindingId=${bind.body.id}`);
  expect(records.body.items.filter((rec) => rec.outcome === 'answered')).toHaveLength(4);
});
