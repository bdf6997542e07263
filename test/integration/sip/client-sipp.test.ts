// Client transactions over real sockets: the layer sends INVITE/ACK/BYE to a sipp UAS over UDP
// and TCP, ACKs a non-2xx itself, and turns a silent peer into 408 and a dead one into 503.
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { TransactionLayer, type ClientTransactionHandler } from '../../../src/server/transaction-layer.ts';
import { TransportSet } from '../../../src/server/transport/transport-set.ts';
import type { MessageSource, TransportProtocol } from '../../../src/server/transport/types.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import type { TimerSettings } from '../../../src/sip/transaction/timers.ts';
import { startSippUas, type SippResult } from '../../harness/sipp.ts';
import { until } from './udp-peer.ts';

const log = pino({ level: 'silent' });
const FIX = 'test/fixtures/sipp';

interface Client {
  layer: TransactionLayer;
  transports: TransportSet;
  close(): Promise<void>;
}

let client: Client | undefined;
afterEach(async () => {
  await client?.close();
  client = undefined;
});

async function startClient(timers: TimerSettings = { t1: 500, t2: 4000, t4: 5000 }): Promise<Client> {
  const transports = await TransportSet.listen(
    [
      { protocol: 'udp', host: '127.0.0.1', port: 0 },
      { protocol: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    { maxMessageSize: 65_535, tcpIdleTimeoutMs: 30_000, log },
  );
  const layer = new TransactionLayer({ transports, timers, log, maxMessageSize: 65_535, onRequest: () => undefined, onStrayResponse: () => undefined });
  return {
    layer,
    transports,
    async close() {
      await layer.close();
      await transports.close();
    },
  };
}

let branchSeq = 0;
function makeRequest(method: string, o: { protocol: TransportProtocol; localPort: number; peerPort: number; callId: string; cseq: number; toTag?: string; branch?: string }): SipRequest {
  const transport = o.protocol.toUpperCase();
  const headers = [
    { name: 'Via', value: `SIP/2.0/${transport} 127.0.0.1:${o.localPort};branch=${o.branch ?? `z9hG4bK-test-${++branchSeq}`};rport` },
    { name: 'From', value: '<sip:layer@127.0.0.1>;tag=lay1' },
    { name: 'To', value: `<sip:sipp@127.0.0.1:${o.peerPort}>${o.toTag ? `;tag=${o.toTag}` : ''}` },
    { name: 'Call-ID', value: o.callId },
    { name: 'CSeq', value: `${o.cseq} ${method}` },
    { name: 'Contact', value: `<sip:layer@127.0.0.1:${o.localPort};transport=${o.protocol}>` },
    { name: 'Max-Forwards', value: '70' },
  ];
  return { kind: 'request', method, uri: `sip:sipp@127.0.0.1:${o.peerPort}`, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}

function collector(): ClientTransactionHandler & { got: { res: SipResponse; source: MessageSource | undefined }[] } {
  const got: { res: SipResponse; source: MessageSource | undefined }[] = [];
  return { got, onResponse: (res, source) => got.push({ res, source }) };
}

const toTagOf = (res: SipResponse): string | undefined => /;\s*tag=([^;\s>]+)/.exec(res.headers.find((h) => h.name.toLowerCase() === 'to')?.value ?? '')?.[1];

function explain(r: SippResult): string {
  return `exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n${r.logs.slice(-3000)}`;
}

describe('client transactions against sipp', () => {
  for (const [protocol, transport] of [
    ['udp', 'u1'],
    ['tcp', 't1'],
  ] as const) {
    it(`INVITE gets 180 and 200, ACK and BYE complete the call at a sipp UAS over ${protocol.toUpperCase()}`, async () => {
      client = await startClient();
      const uas = await startSippUas({ scenario: `${FIX}/uas-invite-ok.xml`, transport, calls: 1, timeoutMs: 60_000 });
      const localPort = client.transports.listenerFor({ protocol, address: '127.0.0.1' })?.port ?? 0;
      const dest = { protocol, address: '127.0.0.1', port: uas.port };
      const invite = makeRequest('INVITE', { protocol, localPort, peerPort: uas.port, callId: `c-${protocol}`, cseq: 1 });
      const h = collector();
      const ct = client.layer.sendRequest(invite, dest, h);
      await until(() => h.got.some((g) => g.res.status === 200), '200 OK');
      expect(h.got.map((g) => g.res.status).filter((s) => s !== 100)).toEqual([180, 200]);
      expect(ct.state).toBe('accepted');
      const ok = h.got.find((g) => g.res.status === 200);
      const toTag = ok ? toTagOf(ok.res) : undefined;
      expect(toTag).toBeDefined();
      // ACK for a 2xx is its own transaction: sent statelessly by the TU (§13.2.2.4).
      const ack = makeRequest('ACK', { protocol, localPort, peerPort: uas.port, callId: `c-${protocol}`, cseq: 1, toTag });
      await client.layer.sendStateless(ack, { ...dest, ...(ok?.source?.connectionId ? { connectionId: ok.source.connectionId } : {}) });
      const bye = makeRequest('BYE', { protocol, localPort, peerPort: uas.port, callId: `c-${protocol}`, cseq: 2, toTag });
      const hb = collector();
      client.layer.sendRequest(bye, dest, hb);
      await until(() => hb.got.some((g) => g.res.status === 200), '200 for BYE');
      const r = await uas.done;
      expect(r.exitCode, explain(r)).toBe(0);
      expect(r.stats.successful).toBe(1);
    });
  }

  it('ICT: MUST send the ACK for a non-2xx final itself (§17.1.1.3); sipp requires it', async () => {
    client = await startClient();
    const uas = await startSippUas({ scenario: `${FIX}/uas-invite-busy.xml`, calls: 1, timeoutMs: 60_000 });
    const localPort = client.transports.listeners[0]?.port ?? 0;
    const h = collector();
    client.layer.sendRequest(makeRequest('INVITE', { protocol: 'udp', localPort, peerPort: uas.port, callId: 'busy', cseq: 1 }), { protocol: 'udp', address: '127.0.0.1', port: uas.port }, h);
    await until(() => h.got.some((g) => g.res.status === 486), '486');
    const r = await uas.done;
    expect(r.exitCode, explain(r)).toBe(0);
    expect(h.got.filter((g) => g.res.status === 486)).toHaveLength(1);
  });

  it('NICT: a silent peer gets retransmissions, then the TU gets a synthetic 408 when timer F fires (§17.1.2.2, §8.1.3.1)', async () => {
    client = await startClient({ t1: 20, t2: 80, t4: 100 });
    const silent = createSocket('udp4');
    let hits = 0;
    silent.on('message', () => hits++);
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = silent.address().port;
    const h = collector();
    const started = Date.now();
    client.layer.sendRequest(makeRequest('OPTIONS', { protocol: 'udp', localPort: client.transports.listeners[0]?.port ?? 0, peerPort: port, callId: 'silent', cseq: 1 }), { protocol: 'udp', address: '127.0.0.1', port }, h);
    await until(() => h.got.length > 0, '408', 15_000);
    expect(h.got[0]?.res.status).toBe(408);
    expect(h.got[0]?.source).toBeUndefined();
    expect(Date.now() - started).toBeGreaterThanOrEqual(64 * 20 - 5);
    // E: 20, 40, 80, then every 80 ms up to 1280 ms: well over 5 sends.
    expect(hits).toBeGreaterThan(5);
    expect(client.layer.stats.timeouts).toBe(1);
    silent.close();
  });

  it('ICT: timer B gives a synthetic 408 for an unanswered INVITE', async () => {
    client = await startClient({ t1: 20, t2: 80, t4: 100 });
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', () => r()));
    const port = silent.address().port;
    const h = collector();
    client.layer.sendRequest(makeRequest('INVITE', { protocol: 'udp', localPort: client.transports.listeners[0]?.port ?? 0, peerPort: port, callId: 'silent-inv', cseq: 1 }), { protocol: 'udp', address: '127.0.0.1', port }, h);
    await until(() => h.got.length > 0, '408', 15_000);
    expect(h.got.map((g) => g.res.status)).toEqual([408]);
    silent.close();
  });

  it('a transport failure (TCP connect refused) gives the TU a synthetic 503 (§8.1.3.1)', async () => {
    client = await startClient();
    const probe = await TransportSet.listen([{ protocol: 'tcp', host: '127.0.0.1', port: 0 }], { maxMessageSize: 1000, tcpIdleTimeoutMs: 1000, log });
    const dead = probe.listeners[0]?.port ?? 0;
    await probe.close();
    const h = collector();
    client.layer.sendRequest(makeRequest('OPTIONS', { protocol: 'tcp', localPort: 1, peerPort: dead, callId: 'dead', cseq: 1 }), { protocol: 'tcp', address: '127.0.0.1', port: dead }, h);
    await until(() => h.got.length > 0, '503');
    expect(h.got.map((g) => g.res.status)).toEqual([503]);
  });
});
