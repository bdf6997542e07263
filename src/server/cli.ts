// `npm run sip-server -- <flags>`: the SIP server alone, for operators who run their own drachtio
// apps on it. Takes drachtio-server's own flags for the same things, so its docs carry over:
//   --contact <sip uri> (repeatable)  --address <ip> --port <n> (where apps connect; 0.0.0.0:9022)
//   --secret <s>  --loglevel <level>  --external-ip <ip>  --stdout (logs already go to stdout)
//   --t1 <ms> --t2 <ms> --t4 <ms>  --no-cdrs
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { SipServer } from './sip-server.ts';
import { ContactError } from './contacts.ts';

const USAGE = `usage: pn-sip-server [--contact "sip:127.0.0.1:5060;transport=udp,tcp"]... [--address 0.0.0.0] [--port 9022]
                     [--secret cymru] [--loglevel info] [--external-ip IP] [--stdout] [--t1 500] [--t2 4000] [--t4 5000] [--no-cdrs]`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

function intFlag(name: string, value: string | undefined, dflt: number): number {
  if (value === undefined) return dflt;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) fail(`--${name} expects a non-negative integer, got "${value}"`);
  return n;
}

let parsed;
try {
  parsed = parseArgs({
    options: {
      contact: { type: 'string', multiple: true },
      address: { type: 'string' },
      port: { type: 'string' },
      secret: { type: 'string' },
      loglevel: { type: 'string' },
      'external-ip': { type: 'string' },
      stdout: { type: 'boolean' },
      t1: { type: 'string' },
      t2: { type: 'string' },
      t4: { type: 'string' },
      'no-cdrs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
} catch (err) {
  fail(err instanceof Error ? err.message : String(err));
}
const v = parsed.values;
if (v.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const level = v.loglevel ?? 'info';
if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(level)) fail(`--loglevel expects fatal|error|warn|info|debug|trace, got "${level}"`);
const log = pino({ level, base: { service: 'pn-sip-server' } });

try {
  const server = await SipServer.start({
    contacts: v.contact ?? ['sip:*:5060;transport=udp,tcp'],
    ...(v['external-ip'] ? { externalIp: v['external-ip'] } : {}),
    admin: { address: v.address ?? '0.0.0.0', port: intFlag('port', v.port, 9022), secret: v.secret ?? 'cymru' },
    timers: { t1: intFlag('t1', v.t1, 500), t2: intFlag('t2', v.t2, 4000), t4: intFlag('t4', v.t4, 5000) },
    maxMessageSize: 65535,
    tcpIdleTimeoutMs: 120_000,
    cdrs: !v['no-cdrs'],
    log,
  });
  const stop = (signal: string): void => {
    log.info({ signal }, 'stopping');
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
  log.info({ adminPort: server.adminPort }, 'ready');
} catch (err) {
  if (err instanceof ContactError) fail(err.message);
  log.fatal({ err: err instanceof Error ? err.message : String(err) }, 'sip server failed to start');
  process.exit(1);
}
