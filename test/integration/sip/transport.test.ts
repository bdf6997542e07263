// Transports over real loopback sockets: UDP and TCP listeners on one port, TCP framing of split
// and coalesced segments, keep-alive pings, the size cap, idle close and connection reuse.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import pino from 'pino';
import { StreamFramer } from '../../../src/server/transport/stream-framer.ts';
import { TransportSet } from '../../../src/server/transport/transport-set.ts';
import { TransportError, type MessageSource } from '../../../src/server/transport/types.ts';
import { until as untilDeadline } from '../../harness/poll.ts';

const log = pino({ level: 'silent' });

function sipMessage(callId: string, body = ''): string {
  return (
    `OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5099;branch=z9hG4bK${callId}\r\n` +
    `From: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: ${callId}\r\nCSeq: 1 OPTIONS\r\n` +
    `Max-Forwards: 70\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

function until(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  return untilDeadline(what, cond, ms, 5);
}

function connectTo(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => resolve(s));
    s.once('error', reject);
  });
}

describe('StreamFramer (RFC 3261 §18.3, RFC 5626 §4.4.1)', () => {
  it('frames a message split into single bytes', () => {
    const f = new StreamFramer(10_000);
    const msg = Buffer.from(sipMessage('a', 'hello'));
    const out = [];
    for (let i = 0; i < msg.length; i++) out.push(...f.push(msg.subarray(i, i + 1)));
    expect(out).toHaveLength(1);
    expect(out[0]?.type === 'message' && out[0].data.toString()).toBe(msg.toString());
  });

  it('frames three coalesced messages in one chunk, with keep-alives between them', () => {
    const f = new StreamFramer(10_000);
    const evs = f.push(Buffer.from(sipMessage('a', 'x') + '\r\n\r\n' + sipMessage('b') + '\r\n' + sipMessage('c', 'yz')));
    expect(evs.map((e) => e.type)).toEqual(['message', 'ping', 'message', 'message']);
    expect(f.buffered).toBe(0);
  });

  it('uses the compact form "l" of Content-Length', () => {
    const f = new StreamFramer(10_000);
    const evs = f.push(Buffer.from('MESSAGE sip:x SIP/2.0\r\nl: 3\r\n\r\nabcMESSAGE'));
    expect(evs).toHaveLength(1);
    expect(f.buffered).toBe(7);
  });

  it('waits for the second CRLF of a ping split across segments', () => {
    const f = new StreamFramer(100);
    expect(f.push(Buffer.from('\r\n'))).toEqual([]);
    expect(f.push(Buffer.from('\r\n'))).toEqual([{ type: 'ping' }]);
  });

  it('reports oversize when headers never end within the cap, and when Content-Length exceeds it', () => {
    expect(new StreamFramer(50).push(Buffer.alloc(60, 'a'))).toEqual([{ type: 'oversize' }]);
    expect(new StreamFramer(100).push(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 500\r\n\r\n'))).toEqual([{ type: 'oversize' }]);
  });

  it('reports invalid on a non-numeric or conflicting Content-Length, then ignores input', () => {
    const f = new StreamFramer(1000);
    expect(f.push(Buffer.from('MESSAGE sip:x SIP/2.0\r\nContent-Length: 1x\r\n\r\n'))[0]?.type).toBe('invalid');
    expect(f.push(Buffer.from(sipMessage('z')))).toEqual([]);
    expect(new StreamFramer(1000).push(Buffer.from('M s SIP/2.0\r\nl: 1\r\nContent-Length: 2\r\n\r\nab'))[0]?.type).toBe('invalid');
  });
});

describe('TransportSet over loopback', () => {
  let set: TransportSet | undefined;
  afterEach(async () => {
    await set?.close();
    set = undefined;
  });

  it('udp and tcp specs with port 0 on one host share one port, and both receive', async () => {
    set = await TransportSet.listen(
      [
        { protocol: 'udp', host: '127.0.0.1', port: 0 },
        { protocol: 'tcp', host: '127.0.0.1', port: 0 },
      ],
      { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log },
    );
    const [a, b] = set.listeners;
    expect(a?.port).toBeGreaterThan(0);
    expect(a?.port).toBe(b?.port);
    const got: MessageSource[] = [];
    set.onMessage((_d, src) => got.push(src));
    const port = a?.port ?? 0;
    const u = createSocket('udp4');
    u.send(Buffer.from(sipMessage('u')), port, '127.0.0.1');
    const t = await connectTo(port);
    t.write(sipMessage('t'));
    await until(() => got.length === 2, 'two messages');
    expect(got.map((g) => g.protocol).sort()).toEqual(['tcp', 'udp']);
    expect(got.find((g) => g.protocol === 'tcp')?.connectionId).toMatch(/^tcp-/);
    u.close();
    t.destroy();
  });

  it('several listeners at once; listenerFor picks by protocol', async () => {
    set = await TransportSet.listen(
      [
        { protocol: 'udp', host: '127.0.0.1', port: 0 },
        { protocol: 'udp', host: '127.0.0.2', port: 0 },
        { protocol: 'tcp', host: '127.0.0.1', port: 0 },
      ],
      { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log },
    );
    expect(set.listeners).toHaveLength(3);
    expect(set.listenerFor({ protocol: 'tcp', address: '127.0.0.1' })?.protocol).toBe('tcp');
    expect(set.listenerFor({ protocol: 'udp', address: '127.0.0.2' })?.host).toBe('127.0.0.2');
  });

  it('TCP: split and coalesced writes from a raw socket arrive as whole messages; a ping gets a pong', async () => {
    set = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log });
    const got: string[] = [];
    set.onMessage((d) => got.push(d.toString()));
    const s = await connectTo(set.listeners[0]?.port ?? 0);
    const received: Buffer[] = [];
    s.on('data', (c: Buffer) => received.push(c));
    const one = sipMessage('one', 'body-1');
    s.write(one.slice(0, 10));
    await new Promise((r) => setImmediate(r));
    s.write(one.slice(10, 100));
    s.write(one.slice(100) + sipMessage('two') + '\r\n\r\n' + sipMessage('three', 'x'.repeat(3000)));
    await until(() => got.length === 3, 'three messages');
    expect(got[0]).toBe(one);
    expect(got[2]?.endsWith('x'.repeat(3000))).toBe(true);
    await until(() => Buffer.concat(received).toString() === '\r\n', 'pong');
    expect(set.stats.keepAlivePings).toBe(1);
    s.destroy();
  });

  it('TCP: a message over the size cap closes the connection', async () => {
    set = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 1000, tcpIdleTimeoutMs: 30_000, log });
    const s = await connectTo(set.listeners[0]?.port ?? 0);
    let closed = false;
    s.on('close', () => (closed = true));
    s.on('error', () => undefined);
    s.write(sipMessage('big', 'b'.repeat(2000)));
    await until(() => closed, 'connection closed');
    expect(set.stats.tcpClosedOversize).toBe(1);
  });

  it('TCP: an idle connection is closed after tcpIdleTimeoutMs', async () => {
    set = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 1000, tcpIdleTimeoutMs: 200, log });
    const s = await connectTo(set.listeners[0]?.port ?? 0);
    let closed = false;
    s.on('close', () => (closed = true));
    await until(() => closed, 'idle close');
    expect(set.stats.tcpClosedIdle).toBe(1);
  });

  it('TCP: send reuses the connection a message came on, else connects, and reuses that connection', async () => {
    const a = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log });
    set = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log });
    const atA: MessageSource[] = [];
    const atB: MessageSource[] = [];
    a.onMessage((_d, s) => atA.push(s));
    set.onMessage((_d, s) => atB.push(s));
    const portA = a.listeners[0]?.port ?? 0;
    await set.send({ protocol: 'tcp', address: '127.0.0.1', port: portA }, Buffer.from(sipMessage('r1')));
    await set.send({ protocol: 'tcp', address: '127.0.0.1', port: portA }, Buffer.from(sipMessage('r2')));
    await until(() => atA.length === 2, 'two requests at A');
    expect(set.stats.tcpConnectionsOpened).toBe(1);
    expect(atA[0]?.connectionId).toBe(atA[1]?.connectionId);
    // A answers on the connection the request came on.
    const src = atA[0];
    if (!src) throw new Error('no source');
    await a.send({ protocol: 'tcp', address: src.remote.address, port: 1, connectionId: src.connectionId }, Buffer.from(sipMessage('resp')));
    await until(() => atB.length === 1, 'answer at B');
    expect(a.stats.tcpConnectionsOpened).toBe(0);
    await a.close();
  });

  it('send rejects with TransportError when nothing listens or no listener fits', async () => {
    set = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 1000, tcpIdleTimeoutMs: 30_000, log });
    const probe = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 1000, tcpIdleTimeoutMs: 30_000, log });
    const deadPort = probe.listeners[0]?.port ?? 0;
    await probe.close();
    await expect(set.send({ protocol: 'tcp', address: '127.0.0.1', port: deadPort }, Buffer.from('x'))).rejects.toBeInstanceOf(TransportError);
    await expect(set.send({ protocol: 'udp', address: '127.0.0.1', port: 9 }, Buffer.from('x'))).rejects.toBeInstanceOf(TransportError);
  });

  it('a receive callback that throws does not stop the listener', async () => {
    set = await TransportSet.listen([{ protocol: 'udp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 1000, tcpIdleTimeoutMs: 30_000, log });
    let n = 0;
    set.onMessage(() => {
      n++;
      throw new Error('boom');
    });
    const u = createSocket('udp4');
    const port = set.listeners[0]?.port ?? 0;
    u.send('one', port, '127.0.0.1');
    await until(() => n === 1, 'first');
    u.send('two', port, '127.0.0.1');
    await until(() => n === 2, 'second');
    expect(set.stats.receiveCallbackErrors).toBe(2);
    u.close();
  });
});
