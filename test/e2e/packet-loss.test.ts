// Calls complete through the whole stack when 10% of the packets between the caller and the
// platform are lost (sipp -lost drops what it sends and what it receives): every lost request,
// response or ACK on that leg is recovered by RFC 3261 retransmissions, ours and sipp's.
// (The callee runs without loss: a sipp UAS with -lost that "loses" an incoming INVITE then ignores
// every retransmission of it, which traces show we do send per timer A, and a lost 200 to BYE ends
// sipp's call so it cannot answer our retransmitted BYE: sipp artefacts, not network behaviour.)
import { afterAll, beforeAll, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type Stack } from '../harness/stack.ts';
import { runSipp, startSippUas } from '../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../harness/ports.ts';

const UAC = fileURLToPath(new URL('../../bench/fixtures/uac-rtd.xml', import.meta.url));
const CALLS = 30;

let stack: Stack;
let calleePort: number;

beforeAll(async () => {
  calleePort = await getFreeUdpTcpPort();
  stack = await startStack({ gateways: [`sip:127.0.0.1:${calleePort}`] });
});
afterAll(async () => stack?.stop());

it(`completes ${CALLS} masked calls with 10% packet loss between the caller and the platform`, async () => {
  expect((await stack.api('POST', '/v1/numbers', { numbers: ['+8617000007777'], areaCode: '170' })).status).toBe(201);
  const bind = await stack.api<{ x: string; id: string }>('POST', '/v1/bindings', { mode: 'AXB', a: '+8613912345671', b: '+8613987654322', ttlSeconds: 600 });
  expect(bind.status).toBe(201);
  const csv = join(mkdtempSync(join(tmpdir(), 'csv-')), 'loss.csv');
  writeFileSync(csv, `SEQUENTIAL\n+8613912345671;${bind.body.x};\n`);
  const uas = await startSippUas({ scenario: 'uas', localPort: calleePort, calls: CALLS, timeoutMs: 150_000 });
  const uac = await runSipp({ scenario: UAC, remote: `127.0.0.1:${stack.sipPort}`, injectionFile: csv, calls: CALLS, rate: 5, timeoutMs: 150_000, extraArgs: ['-lost', '10', '-d', '500'] });
  expect(uac.stats.successful, uac.logs).toBe(CALLS);
  expect(uac.stats.retransmissions).toBeGreaterThan(0);
  // The callee exits by itself after its last call: in-flight retransmissions (e.g. of our BYE) finish first.
  const callee = await uas.done;
  expect(callee.stats.successful, callee.logs).toBe(CALLS);
});
