// The receive path of the transaction layer over a raw UDP socket: stateless error replies with
// a Reason (400, 483, 505, 413), drops of what cannot be answered, Via stamping (§18.2.1, RFC
// 3581), retransmission absorption (§17.2.2), 100 Trying (§17.2.1), timer G retransmissions, and
// the RFC 2543 ACK match (§17.2.3).
import { afterEach, describe, expect, it } from 'vitest';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import { getHeader } from '../../../src/sip/message/headers.ts';
import { buildResponse, type ServerTransaction } from '../../../src/server/transaction-layer.ts';
import { startTestTu, type TestTu } from './test-tu.ts';
import { headerOf, request, statusOf, udpPeer, until, type UdpPeer } from './udp-peer.ts';

let tu: TestTu | undefined;
let peer: UdpPeer | undefined;
afterEach(async () => {
  await tu?.close();
  await peer?.close();
  tu = undefined;
  peer = undefined;
});

const udpOnly = [{ protocol: 'udp' as const, host: '127.0.0.1', port: 0 }];

describe('receive path', () => {
  it('a request with a malformed header gets a stateless 400 with a Reason and is not passed up', async () => {
    tu = await startTestTu({ specs: udpOnly });
    peer = await udpPeer();
    await peer.send(request('OPTIONS', { port: peer.port, maxForwards: 'abc' }), tu.port);
    const res = await peer.waitFor((m) => statusOf(m) === 400, '400');
    expect(headerOf(res, 'Reason')).toMatch(/^SIP;cause=400;text=".+"/);
    expect(tu.seen.size).toBe(0);
    expect(tu.layer.stats.badRequestAnswered).toBe(1);
  });

  it('Max-Forwards 0 gets 483 (RFC 3261 §16.3)', async () => {
    tu = await startTestTu({ specs: udpOnly });
    peer = await udpPeer();
    await peer.send(request('INFO', { port: peer.port, maxForwards: '0' }), tu.port);
    await peer.waitFor((m) => statusOf(m) === 483, '483');
  });

  it('a SIP version other than 2.0 gets 505 when the request can be answered', async () => {
    tu = await startTestTu({ specs: udpOnly });
    peer = await udpPeer();
    await peer.send(request('OPTIONS', { port: peer.port }).replace('SIP/2.0\r\n', 'SIP/7.0\r\n'), tu.port);
    await peer.waitFor((m) => statusOf(m) === 505, '505');
  });

  it('a datagram over maxMessageSize gets 413 and is counted', async () => {
    tu = await startTestTu({ specs: udpOnly, maxMessageSize: 1500 });
    peer = await udpPeer();
    await peer.send(request('MESSAGE', { port: peer.port, body: 'x'.repeat(3000), extra: ['Content-Type: text/plain'] }), tu.port);
    await peer.waitFor((m) => statusOf(m) === 413, '413');
    expect(tu.layer.stats.oversize).toBe(1);
    expect(tu.seen.size).toBe(0);
  });

  it('garbage is dropped and counted, keep-alives are ignored, and the server still answers', async () => {
    tu = await startTestTu({ specs: udpOnly });
    peer = await udpPeer();
    await peer.send('hello world', tu.port);
    await peer.send('\r\n\r\n', tu.port);
    await peer.send('SIP/2.0 200 OK\r\nbroken\r\n\r\n', tu.port);
    await peer.send(request('OPTIONS', { port: peer.port }), tu.port);
    await peer.waitFor((m) => statusOf(m) === 200, '200');
    expect(tu.layer.stats.malformedDropped).toBe(2);
    expect(tu.layer.stats.keepAlives).toBe(1);
    expect(peer.received).toHaveLength(1);
  });

  it('MUST stamp received when sent-by differs from the source, and rport always; the reply goes to the source port (§18.2.1, RFC 3581)', async () => {
    let seenVia = '';
    tu = await startTestTu({
      specs: udpOnly,
      onRequest: (req) => {
        seenVia = getHeader(req, 'via') ?? '';
        return false;
      },
    });
    peer = await udpPeer();
    // A NATed client: its Via names a private address and a port nothing listens on.
    await peer.send(request('OPTIONS', { port: peer.port, via: 'SIP/2.0/UDP 10.9.9.9:5999;branch=z9hG4bKnat1;rport' }), tu.port);
    const res = await peer.waitFor((m) => statusOf(m) === 200, '200 at the source port');
    expect(seenVia).toBe(`SIP/2.0/UDP 10.9.9.9:5999;branch=z9hG4bKnat1;rport=${peer.port};received=127.0.0.1`);
    expect(headerOf(res, 'Via')).toContain(`rport=${peer.port}`);
  });

  it('does not add received when sent-by equals the source address', async () => {
    let seenVia = '';
    tu = await startTestTu({ specs: udpOnly, onRequest: (req) => ((seenVia = getHeader(req, 'via') ?? ''), false) });
    peer = await udpPeer();
    await peer.send(request('OPTIONS', { port: peer.port, branch: 'z9hG4bKsame' }), tu.port);
    await peer.waitFor((m) => statusOf(m) === 200, '200');
    expect(seenVia).toBe(`SIP/2.0/UDP 127.0.0.1:${peer.port};branch=z9hG4bKsame;rport=${peer.port}`);
  });

  it('NIST: a retransmitted request is absorbed and answered with the same final response (§17.2.2)', async () => {
    tu = await startTestTu({ specs: udpOnly });
    peer = await udpPeer();
    const msg = request('OPTIONS', { port: peer.port, branch: 'z9hG4bKretx' });
    await peer.send(msg, tu.port);
    await peer.waitFor((m) => statusOf(m) === 200, 'first 200');
    await peer.send(msg, tu.port);
    await until(() => peer !== undefined && peer.received.length === 2, 'second 200');
    expect(peer.received[1]).toBe(peer.received[0]);
    expect(tu.seen.get('OPTIONS')).toBe(1);
    expect(tu.layer.stats.retransmissionsAbsorbed).toBe(1);
  });

  it('IST: MUST send 100 Trying at once, before the TU answers (§17.2.1)', async () => {
    const txs: ServerTransaction[] = [];
    tu = await startTestTu({ specs: udpOnly, onRequest: (_r, tx) => (tx && txs.push(tx), true) });
    peer = await udpPeer();
    await peer.send(request('INVITE', { port: peer.port, extra: ['Timestamp: 54'] }), tu.port);
    const trying = await peer.waitFor((m) => statusOf(m) === 100, '100 Trying');
    expect(headerOf(trying, 'Timestamp')).toBe('54');
    expect(headerOf(trying, 'To')).not.toMatch(/tag=/);
    expect(txs[0]?.state).toBe('proceeding');
  });

  it('IST: MUST retransmit a non-2xx final on UDP (timer G) until the ACK, and absorb the ACK (§17.2.1)', async () => {
    const txs: ServerTransaction[] = [];
    const answer = (req: SipRequest, tx: ServerTransaction | undefined): boolean => {
      if (req.method === 'INVITE' && tx) {
        txs.push(tx);
        tx.respond(buildResponse(req, 486));
      }
      return true;
    };
    tu = await startTestTu({ specs: udpOnly, timers: { t1: 40, t2: 4000, t4: 5000 }, onRequest: answer });
    peer = await udpPeer();
    const sdp = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';
    await peer.send(request('INVITE', { port: peer.port, branch: 'z9hG4bKbusy', callId: 'busy-1', body: sdp, extra: ['Content-Type: application/sdp', 'Contact: <sip:peer@127.0.0.1>'] }), tu.port);
    await until(() => (peer?.received.filter((m) => statusOf(m) === 486).length ?? 0) >= 3, 'three copies of 486');
    // Finished, it waits for the ACK holding only what identifies the request and its response
    // (the body and the other headers are released; the 486 is resent from its bytes).
    const tx = txs[0] as ServerTransaction;
    expect(tx.request.body.length).toBe(0);
    expect(tx.request.headers.map((h) => h.name)).toEqual(['Via', 'From', 'To', 'Call-ID', 'CSeq']);
    expect(tx.lastResponse?.status).toBe(486);
    expect(getHeader(tx.lastResponse as SipResponse, 'content-length')).toBeUndefined();
    const res = peer.received.find((m) => statusOf(m) === 486) ?? '';
    const to = headerOf(res, 'To') ?? '';
    await peer.send(request('ACK', { port: peer.port, branch: 'z9hG4bKbusy', callId: 'busy-1', to }), tu.port);
    await until(() => txs[0]?.state === 'confirmed', 'Confirmed');
    // The ACK for a non-2xx belongs to the transaction: never passed up.
    expect(tu.seen.get('ACK')).toBeUndefined();
    expect(tu.layer.stats.acksAbsorbed).toBe(1);
  });

  it('RFC 2543 fallback: an ACK without the magic cookie matches by R-URI, tags, Call-ID, CSeq and Via, and MUST carry our To tag (§17.2.3)', async () => {
    const txs: ServerTransaction[] = [];
    const answer = (req: SipRequest, tx: ServerTransaction | undefined): boolean => {
      if (req.method === 'INVITE' && tx) {
        txs.push(tx);
        tx.respond(buildResponse(req, 603));
      }
      return false;
    };
    tu = await startTestTu({ specs: udpOnly, onRequest: answer });
    peer = await udpPeer();
    const via = `SIP/2.0/UDP 127.0.0.1:${peer.port};branch=old2543`;
    await peer.send(request('INVITE', { port: peer.port, via, callId: 'old-1' }), tu.port);
    const res = await peer.waitFor((m) => statusOf(m) === 603, '603');
    // An ACK with some other To tag does not match: it goes to the TU as a stray.
    await peer.send(request('ACK', { port: peer.port, via, callId: 'old-1', to: '<sip:svc@127.0.0.1>;tag=nottheirs' }), tu.port);
    await until(() => tu?.seen.get('ACK') === 1, 'stray ACK passed up');
    await peer.send(request('ACK', { port: peer.port, via, callId: 'old-1', to: headerOf(res, 'To') ?? '' }), tu.port);
    await until(() => txs[0]?.state === 'confirmed', 'Confirmed');
    expect(tu.seen.get('ACK')).toBe(1);
  });

  it('a response whose top Via sent-by is not ours is silently discarded; the right one completes the transaction (§18.1.2)', async () => {
    let own = 0;
    tu = await startTestTu({ specs: udpOnly, isOwnSentBy: (host, port) => host === '127.0.0.1' && port === own });
    own = tu.port;
    peer = await udpPeer();
    const branch = 'z9hG4bK-own-via-1';
    const got: number[] = [];
    const req: SipRequest = {
      kind: 'request',
      method: 'OPTIONS',
      uri: `sip:peer@127.0.0.1:${peer.port}`,
      version: 'SIP/2.0',
      headers: [
        { name: 'Via', value: `SIP/2.0/UDP 127.0.0.1:${tu.port};branch=${branch}` },
        { name: 'From', value: '<sip:tu@127.0.0.1>;tag=f1' },
        { name: 'To', value: `<sip:peer@127.0.0.1:${peer.port}>` },
        { name: 'Call-ID', value: 'via-check-1' },
        { name: 'CSeq', value: '1 OPTIONS' },
        { name: 'Max-Forwards', value: '70' },
      ],
      body: Buffer.alloc(0),
    };
    tu.layer.sendRequest(req, { protocol: 'udp', address: '127.0.0.1', port: peer.port }, { onResponse: (res) => got.push(res.status) });
    const sent = await peer.waitFor((m) => m.startsWith('OPTIONS '), 'OPTIONS');
    const answer = (via: string): string =>
      [`SIP/2.0 200 OK`, `Via: ${via}`, 'From: <sip:tu@127.0.0.1>;tag=f1', `To: <sip:peer@127.0.0.1:${peer?.port}>;tag=p1`, 'Call-ID: via-check-1', 'CSeq: 1 OPTIONS', 'Content-Length: 0', '', ''].join('\r\n');
    // Same branch, someone else's sent-by: not a response to anything we sent.
    await peer.send(answer(`SIP/2.0/UDP 10.9.9.9:5099;branch=${branch}`), tu.port);
    await until(() => tu?.layer.stats.foreignViaDropped === 1, 'foreign Via dropped');
    expect(got).toEqual([]);
    await peer.send(answer(headerOf(sent, 'Via') ?? ''), tu.port);
    await until(() => got.includes(200), '200 delivered');
    expect(tu.layer.stats.foreignViaDropped).toBe(1);
  });
});
