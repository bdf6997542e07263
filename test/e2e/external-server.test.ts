// sip.embeddedServer = false: the product starts no SIP server of its own and runs its B2BUA app
// against an external drachtio server (here a separate instance of ours, standing in for a real
// drachtio-server: the app only speaks the drachtio protocol through drachtio-srf).
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startStack, type Stack } from '../harness/stack.ts';
import { startSipServer, TEST_SECRET, type TestSipServer } from '../harness/sip-stack.ts';
import { runSipp, startSippUas } from '../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../harness/ports.ts';

let external: TestSipServer;
let stack: Stack;
let calleePort: number;

beforeAll(async () => {
  external = await startSipServer();
  calleePort = await getFreeUdpTcpPort();
  stack = await startStack({
    gateways: [`sip:127.0.0.1:${calleePort}`],
    config: { sip: { contacts: ['sip:127.0.0.1:9;transport=udp'], adminPort: external.adminPort, secret: TEST_SECRET, embeddedServer: false } },
  });
});
afterAll(async () => {
  await stack?.stop();
  await external?.stop();
});

it('connects the B2BUA app to the external server and completes a masked direct-dial call', async () => {
  expect(stack.handles.sipServer).toBeUndefined();
  expect((await stack.api('POST', '/v1/numbers', { numbers: ['+8617000004321'], areaCode: '170' })).status).toBe(201);
  const bind = await stack.api<{ x: string }>('POST', '/v1/bindings', { mode: 'AXB', a: '+8613912345671', b: '+8613987654322', ttlSeconds: 600 });
  expect(bind.status).toBe(201);
  const csv = join(mkdtempSync(join(tmpdir(), 'csv-')), 'direct.csv');
  writeFileSync(csv, `SEQUENTIAL\n+8613912345671;${bind.body.x};\n`);
  const uas = await startSippUas({ scenario: 'sipp-scenarios/uas-direct-callerbye.xml', localPort: calleePort, calls: 1 });
  const r = await runSipp({ scenario: 'sipp-scenarios/uac-direct-callerbye.xml', remote: external.sipAddress, injectionFile: csv, calls: 1, timeoutMs: 30_000 });
  expect(r.exitCode, r.logs).toBe(0);
  const u = await uas.done;
  expect(u.exitCode, u.logs).toBe(0);
  const ready = await fetch(`${stack.apiUrl}/readyz`);
  expect(ready.status).toBe(200);
});
