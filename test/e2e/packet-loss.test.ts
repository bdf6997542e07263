// Calls complete through the whole stack when 10% of the packets are lost: between the caller and
// the platform (sipp -lost drops what it sends and what it receives), between the platform and the
// callee (a seeded lossy UDP relay in front of a sipp UAS), and on both legs at once. Every lost
// request, response or ACK is recovered by RFC 3261 retransmissions: ours (INVITE timer A, BYE
// timer E, 2xx to the caller until its ACK, re-ACK of a retransmitted 2xx) and the peers'.
// (sipp -lost is not used on the callee: a sipp UAS that "loses" an incoming INVITE ignores every
// retransmission of it, an artefact of sipp, not network behaviour; the relay loses real datagrams.)
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack, type Stack } from '../harness/stack.ts';
import { runSipp, startSippUas } from '../harness/sipp.ts';
import { getFreeUdpTcpPort } from '../harness/ports.ts';
import { startLossyRelay, type LossyRelay } from '../harness/lossy-relay.ts';

const UAC = fileURLToPath(new URL('../../bench/fixtures/uac-rtd.xml', import.meta.url));
const UAS = fileURLToPath(new URL('../fixtures/sipp/uas-behind-relay.xml', import.meta.url));
const CALLS = 30;
const SEED = Number(process.env.PN_TEST_SEED ?? 20261126);

let stack: Stack;
let relay: LossyRelay;
let calleePort: number;
let csv: string;

beforeAll(async () => {
  calleePort = await getFreeUdpTcpPort();
  relay = await startLossyRelay({ peerPort: calleePort, lossPercent: 0, seed: SEED });
  stack = await startStack({ gateways: [`sip:127.0.0.1:${relay.port}`] });
  expect((await stack.api('POST', '/v1/numbers', { numbers: ['+8617000007777'], areaCode: '170' })).status).toBe(201);
  const bind = await stack.api<{ x: string; id: string }>('POST', '/v1/bindings', { mode: 'AXB', a: '+8613912345671', b: '+8613987654322', ttlSeconds: 600 });
  expect(bind.status).toBe(201);
  csv = join(mkdtempSync(join(tmpdir(), 'csv-')), 'loss.csv');
  writeFileSync(csv, `SEQUENTIAL\n+8613912345671;${bind.body.x};\n`);
});
afterAll(async () => {
  await stack?.stop();
  await relay?.close();
});
beforeEach(() => relay.setLossPercent(0));

async function placeCalls(opts: { callerLoss: boolean; calleeLoss: boolean }): Promise<void> {
  if (opts.calleeLoss) relay.setLossPercent(10);
  const lostBefore = relay.stats.toPeer.lost + relay.stats.toPlatform.lost;
  const uas = await startSippUas({ scenario: UAS, localPort: calleePort, calls: CALLS, timeoutMs: 150_000, extraArgs: ['-key', 'relay_port', String(relay.port)] });
  const uac = await runSipp({
    scenario: UAC,
    remote: `127.0.0.1:${stack.sipPort}`,
    injectionFile: csv,
    calls: CALLS,
    rate: 5,
    timeoutMs: 150_000,
    extraArgs: [...(opts.callerLoss ? ['-lost', '10'] : []), '-d', '500'],
  });
  expect(uac.stats.successful, uac.logs).toBe(CALLS);
  if (opts.callerLoss) expect(uac.stats.retransmissions).toBeGreaterThan(0);
  // The callee exits by itself after its last call: in-flight retransmissions (e.g. of our BYE) finish first.
  const callee = await uas.done;
  expect(callee.stats.successful, callee.logs).toBe(CALLS);
  if (opts.calleeLoss) {
    // The relay really lost packets both ways, so both sides' retransmissions were needed.
    expect(relay.stats.toPeer.lost + relay.stats.toPlatform.lost - lostBefore).toBeGreaterThanOrEqual(5);
    expect(relay.stats.toPeer.lost).toBeGreaterThan(0);
    expect(relay.stats.toPlatform.lost).toBeGreaterThan(0);
  }
}

it(`completes ${CALLS} masked calls with 10% packet loss between the caller and the platform`, async () => {
  await placeCalls({ callerLoss: true, calleeLoss: false });
});

it(`completes ${CALLS} masked calls with 10% packet loss between the platform and the callee (seed ${SEED})`, async () => {
  await placeCalls({ callerLoss: false, calleeLoss: true });
});

it(`completes ${CALLS} masked calls with 10% packet loss on both legs at once (seed ${SEED})`, async () => {
  await placeCalls({ callerLoss: true, calleeLoss: true });
});
