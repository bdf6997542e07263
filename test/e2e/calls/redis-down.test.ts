// Redis unreachable: an INVITE for X is answered 503 with Retry-After within a second (never left
// hanging), and calls are looked up again once Redis is back. The stack's own redis-server is
// killed mid-test, so this file has a stack of its own.
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { A, B, bind, startCallsEnv, type CallsEnv } from './call-fixture.ts';

let env: CallsEnv;
beforeAll(async () => {
  env = await startCallsEnv();
});
afterAll(async () => env?.stop());

interface FinalResponse {
  status: number;
  headers: Map<string, string>;
  elapsedMs: number;
}

function parseResponse(text: string): { status: number; headers: Map<string, string> } | null {
  const m = /^SIP\/2\.0 (\d{3}) /.exec(text);
  if (!m) return null;
  const headers = new Map<string, string>();
  for (const line of text.split('\r\n\r\n')[0]!.split('\r\n').slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim().toLowerCase(), line.slice(i + 1).trim());
  }
  return { status: Number(m[1]), headers };
}

/** Sends one INVITE over UDP and resolves with the first final response (ACKed, RFC 3261 §17.1.1.3). */
async function invite(target: { host: string; port: number }, caller: string, x: string, deadlineMs = 10_000): Promise<FinalResponse> {
  const sock: Socket = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const branch = `z9hG4bK${randomBytes(6).toString('hex')}`;
  const callId = randomBytes(8).toString('hex');
  const tag = randomBytes(4).toString('hex');
  const via = `SIP/2.0/UDP 127.0.0.1:${port};branch=${branch}`;
  const from = `<sip:${caller}@127.0.0.1:${port}>;tag=${tag}`;
  const ruri = `sip:${x}@${target.host}:${target.port}`;
  const msg = [
    `INVITE ${ruri} SIP/2.0`,
    `Via: ${via}`,
    `From: ${from}`,
    `To: <${ruri}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 INVITE',
    `Contact: <sip:${caller}@127.0.0.1:${port}>`,
    'Max-Forwards: 70',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const sentAt = Date.now();
  try {
    return await new Promise<FinalResponse>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no final response to the INVITE within ${deadlineMs} ms`)), deadlineMs);
      sock.on('message', (buf) => {
        const res = parseResponse(buf.toString('utf8'));
        if (res === null || res.status < 200) return;
        clearTimeout(timer);
        const ack = [`ACK ${ruri} SIP/2.0`, `Via: ${via}`, `From: ${from}`, `To: ${res.headers.get('to') ?? `<${ruri}>`}`, `Call-ID: ${callId}`, 'CSeq: 1 ACK', 'Max-Forwards: 70', 'Content-Length: 0', '', ''].join('\r\n');
        sock.send(ack, target.port, target.host, () => resolve({ ...res, elapsedMs: Date.now() - sentAt }));
      });
      sock.send(msg, target.port, target.host);
    });
  } finally {
    sock.close();
  }
}

it('Redis unreachable: the INVITE gets 503 with Retry-After within a second; once Redis is back, lookups resume', async () => {
  const binding = await bind(env, { mode: 'AXB', a: A, b: B });
  const sip = { host: '127.0.0.1', port: env.stack.sipPort };

  // Connection errors are expected from here on; the product's client handles them (retries).
  env.stack.redis.on('error', () => undefined);
  await env.stack.redisServer.kill('SIGKILL');
  const res = await invite(sip, A, binding.x);
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toMatch(/^\d+/);
  expect(Number(/^\d+/.exec(res.headers.get('retry-after') ?? '')?.[0])).toBeGreaterThan(0);
  expect(res.elapsedMs).toBeLessThan(1000);

  // The server comes back empty (no persistence in the test stack): the binding is gone, so the
  // same call is now answered from a real lookup (unbound) rather than 503. Poll: the client
  // reconnects in the background.
  await env.stack.redisServer.restart();
  const deadline = Date.now() + 15_000;
  let after = await invite(sip, A, binding.x);
  while (after.status === 503 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    after = await invite(sip, A, binding.x);
  }
  expect(after.status).toBe(404);
});
