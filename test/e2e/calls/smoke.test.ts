import { afterAll, beforeAll, expect, it } from 'vitest';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../../harness/stack.ts';
import { runSipp, startSippUas, type SippUasHandle } from '../../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../../harness/ports.ts';

let stack: Stack;
let calleePort: number;
beforeAll(async () => {
  calleePort = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${calleePort}`] });
});
afterAll(async () => stack?.stop());

it('direct dial through the whole stack', async () => {
  const add = await stack.api('POST', '/v1/numbers', { numbers: ['+8617000001234'], areaCode: '170' });
  expect(add.status, JSON.stringify(add.body)).toBeLessThan(300);
  const bind = await stack.api<{ x: string; id: string }>('POST', '/v1/bindings', { mode: 'AXB', a: '+8613912345671', b: '+8613987654322', ttlSeconds: 600 });
  expect(bind.status, JSON.stringify(bind.body)).toBe(201);
  const dir = mkdtempSync(join(tmpdir(), 'csv-'));
  const csv = join(dir, 'direct.csv');
  writeFileSync(csv, `SEQUENTIAL\n+8613912345671;${bind.body.x};\n`);
  const uas: SippUasHandle = await startSippUas({ scenario: 'sipp-scenarios/uas-direct-callerbye.xml', localPort: calleePort, calls: 1 });
  const r = await runSipp({ scenario: 'sipp-scenarios/uac-direct-callerbye.xml', remote: stack.sipAddress, injectionFile: csv, calls: 1, timeoutMs: 30000 });
  const u = await uas.done;
  expect(r.exitCode, r.logs).toBe(0);
  expect(u.exitCode, u.logs).toBe(0);
});
