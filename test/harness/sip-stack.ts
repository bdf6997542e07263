// Our drachtio-compatible SIP server started in-process on free loopback ports, and unmodified
// drachtio-srf apps connected to it, for integration tests.
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll } from 'vitest';
import Srf from 'drachtio-srf';
import { pino, type Logger } from 'pino';
import { SipServer } from '../../src/server/sip-server.ts';
import { getFreePort, getFreeUdpTcpPort } from './ports.ts';
import { until } from './poll.ts';

export const TEST_SECRET = 'test-secret';

/** An SDP offer/answer for test apps. */
export const TEST_SDP = ['v=0', 'o=app 1000 1000 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', ''].join('\r\n');

/** Path of a sipp scenario under test/fixtures/<folder>/. */
export function fixtureScenario(folder: 'sipp-srf' | 'sipp-proxy', name: string): string {
  return fileURLToPath(new URL(`../fixtures/${folder}/${name}.xml`, import.meta.url));
}

export interface TestSipServer {
  server: SipServer;
  sipPort: number;
  adminPort: number;
  /** `127.0.0.1:<sipPort>` for sipp. */
  sipAddress: string;
  stop(): Promise<void>;
}

export function testLogger(): Logger {
  return pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
}

export async function startSipServer(opts: { t1?: number; log?: Logger; adminPort?: number; sipPort?: number } = {}): Promise<TestSipServer> {
  const sipPort = opts.sipPort ?? (await getFreeUdpTcpPort());
  const server = await SipServer.start({
    contacts: [`sip:127.0.0.1:${sipPort};transport=udp,tcp`],
    admin: { address: '127.0.0.1', port: opts.adminPort ?? (await getFreePort()), secret: TEST_SECRET },
    timers: { t1: opts.t1 ?? 500, t2: 4000, t4: 5000 },
    maxMessageSize: 65535,
    tcpIdleTimeoutMs: 60_000,
    log: opts.log ?? testLogger(),
  });
  return { server, sipPort, adminPort: server.adminPort, sipAddress: `127.0.0.1:${sipPort}`, stop: () => server.close() };
}

/** Connect an srf app and wait for the authenticate exchange. */
export async function connectSrf(adminPort: number, secret = TEST_SECRET): Promise<Srf> {
  const srf = new Srf();
  await new Promise<void>((resolve, reject) => {
    srf.on('connect', (err: Error | null) => (err ? reject(err) : resolve()));
    srf.on('error', (err: Error) => reject(err));
    void srf.connect({ host: '127.0.0.1', port: adminPort, secret });
  });
  return srf;
}

/**
 * For a describe block: our SIP server, started before its tests and stopped after them, and srf
 * apps connected to it, each disconnected when its test ends.
 */
export function useSipServer(): { readonly server: TestSipServer; app(): Promise<Srf> } {
  let server: TestSipServer | undefined;
  const apps: Srf[] = [];
  beforeAll(async () => {
    server = await startSipServer();
  });
  afterAll(async () => {
    await server?.stop();
  });
  afterEach(() => {
    for (const app of apps.splice(0)) app.disconnect();
  });
  return {
    get server(): TestSipServer {
      if (!server) throw new Error('useSipServer: the server starts in beforeAll');
      return server;
    },
    async app(): Promise<Srf> {
      const app = await connectSrf(this.server.adminPort);
      apps.push(app);
      return app;
    },
  };
}

/** Poll until `check` returns true or the deadline passes. */
export function waitFor(check: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  return until(what, check, timeoutMs);
}
