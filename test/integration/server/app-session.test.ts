// AppSession writes (drachtio-protocol.md §1): frames written while one event-loop turn handles
// its I/O go out together, in order and intact; a close flushes what is pending before the end.
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { pino } from 'pino';
import { AppSession, type AppSessionHandlers } from '../../../src/server/wire/app-session.ts';
import { FrameDecoder, encodeFrame } from '../../../src/server/wire/codec.ts';

const handlers: AppSessionHandlers = {
  authenticateReply: () => ['udp/127.0.0.1:5060', 'v0.9.10', 'udp/127.0.0.1:5060'],
  checkSecret: (s) => s === 'right',
  onRoute: () => undefined,
  onRemoveRoute: () => undefined,
  onCommand: () => undefined,
  onClose: () => undefined,
};

interface Pair {
  server: Server;
  session: AppSession;
  client: Socket;
  /** Payloads the client has received so far. */
  received: string[];
  ended: Promise<void>;
}

async function pair(): Promise<Pair> {
  let session: AppSession | undefined;
  const server = createServer((socket) => {
    session = new AppSession(socket, handlers, pino({ level: 'silent' }), 1 << 20);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : 0;
  const client = connect(port, '127.0.0.1');
  const received: string[] = [];
  const decoder = new FrameDecoder(1 << 20);
  client.on('data', (d: Buffer) => received.push(...decoder.push(d)));
  const ended = new Promise<void>((resolve) => client.once('end', () => resolve()));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  const deadline = Date.now() + 5000;
  while (!session && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  if (!session) throw new Error('no session');
  return { server, session, client, received, ended };
}

async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('AppSession frame writes', () => {
  let p: Pair | undefined;
  afterEach(async () => {
    p?.client.destroy();
    await new Promise<void>((resolve) => (p ? p.server.close(() => resolve()) : resolve()));
    p = undefined;
  });

  it('frames written in one turn and in later turns all arrive, in order, with their SIP text intact', async () => {
    p = await pair();
    const sip = 'INVITE sip:b@example.org SIP/2.0\r\nTo: "Zoë" <sip:b@example.org>\r\nContent-Length: 0\r\n\r\n';
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(p.session.send(['sip', 'network', String(i)], i % 2 === 0 ? sip : Buffer.from(sip, 'utf8')));
    setImmediate(() => ids.push(p!.session.send(['sip', 'network', '5'])));
    await until(() => p!.received.length === 6, 'six frames');
    p.received.forEach((payload, i) => {
      expect(payload.startsWith(`${ids[i]}|sip|network|${i}`)).toBe(true);
      if (i < 5) expect(payload.endsWith(`\r\n${sip}`)).toBe(true);
    });
  });

  it('a failed login: the NO reply is flushed before the connection ends', async () => {
    p = await pair();
    p.client.write(encodeFrame('m1|authenticate|wrong|'));
    await p.ended;
    expect(p.received).toHaveLength(1);
    expect(p.received[0]).toMatch(/^[0-9a-f-]{36}\|response\|m1\|NO\|incorrect secret$/);
  });
});
