// `npm run sip-server -- <drachtio-server flags>`: the SIP server alone, for drachtio apps of the
// operator's own. An unmodified srf app connects with the given secret, sees the advertised
// (external) address, and answers a call placed by sipp.
import { afterEach, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import Srf from 'drachtio-srf';
import { spawnChild, type Child } from '../harness/children.ts';
import { getFreePort, getFreeUdpTcpPort } from '../harness/ports.ts';
import { runSipp } from '../harness/sipp.ts';
import { TEST_SDP } from '../harness/sip-stack.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
let server: Child | undefined;
let srf: Srf | undefined;

afterEach(async () => {
  srf?.disconnect();
  srf = undefined;
  await server?.stop();
  server = undefined;
});

it('starts with --contact/--address/--port/--secret/--external-ip and serves an srf app', async () => {
  const sipPort = await getFreeUdpTcpPort();
  const adminPort = await getFreePort();
  server = spawnChild('npm', ['run', 'sip-server', '--', '--contact', `sip:127.0.0.1:${sipPort};transport=udp,tcp`, '--address', '127.0.0.1', '--port', String(adminPort), '--secret', 'cli-secret', '--external-ip', '192.0.2.55', '--loglevel', 'info', '--stdout'], { cwd: ROOT, name: 'sip-server', detached: true }).dumpOnFailure();
  await server.waitForLine(/"msg":"ready"/, 30_000);

  const app = new Srf();
  srf = app;
  const hostports = await new Promise<string>((resolve, reject) => {
    app.on('connect', (err: Error | null, hp: string) => (err ? reject(err) : resolve(hp)));
    void app.connect({ host: '127.0.0.1', port: adminPort, secret: 'cli-secret' });
  });
  // drachtio-server lists the advertised (external) address, tcp before udp.
  expect(hostports).toBe(`tcp/192.0.2.55:${sipPort},udp/192.0.2.55:${sipPort}`);
  app.invite((req, res) => void app.createUAS(req, res, { localSdp: TEST_SDP }));
  const call = await runSipp({ scenario: 'uac', remote: `127.0.0.1:${sipPort}`, calls: 1 });
  expect(call.exitCode, call.logs).toBe(0);
});

it('exits with code 2 and names the flag on a bad value', async () => {
  server = spawnChild('npm', ['run', 'sip-server', '--', '--port', 'not-a-port'], { cwd: ROOT, name: 'sip-server', detached: true });
  const exit = await server.waitForExit(30_000);
  expect(exit.code).toBe(2);
  expect(server.lines().join('\n')).toContain('--port');
});
