// A tiny transaction user on top of TransactionLayer for integration tests: answers OPTIONS 200,
// INVITE 180 then 200 (unless the Request-URI user is "ring": then it rings until CANCEL), BYE
// 200, CANCEL 200 + 487 on the INVITE. Like a UAS core (RFC 3261 §13.3.1.4) it retransmits its
// 2xx to INVITE until the ACK arrives.
import type { Logger } from 'pino';
import { pino } from 'pino';
import { TransactionLayer, buildResponse, type ServerTransaction } from '../../../src/server/transaction-layer.ts';
import { TransportSet } from '../../../src/server/transport/transport-set.ts';
import type { ListenerSpec, MessageSource } from '../../../src/server/transport/types.ts';
import { getHeader } from '../../../src/sip/message/headers.ts';
import type { SipRequest, SipResponse } from '../../../src/sip/message/types.ts';
import type { TimerSettings } from '../../../src/sip/transaction/timers.ts';

export interface TestTu {
  layer: TransactionLayer;
  transports: TransportSet;
  port: number;
  /** Requests seen by the TU, by method (ACKs included). */
  seen: Map<string, number>;
  /** 2xx retransmissions the TU sent because no ACK had arrived yet. */
  okRetransmissions: number;
  close(): Promise<void>;
}

export const quietLog: Logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });

function withTag(res: SipResponse, tag: string): SipResponse {
  const to = res.headers.find((h) => h.name === 'To');
  if (to && !/;\s*tag=/i.test(to.value)) to.value += `;tag=${tag}`;
  return res;
}

export async function startTestTu(
  opts: {
    specs?: ListenerSpec[];
    timers?: TimerSettings;
    maxMessageSize?: number;
    onRequest?: (req: SipRequest, tx: ServerTransaction | undefined) => boolean;
    isOwnSentBy?: (host: string, port: number | undefined) => boolean;
  } = {},
): Promise<TestTu> {
  const timers = opts.timers ?? { t1: 500, t2: 4000, t4: 5000 };
  const transports = await TransportSet.listen(
    opts.specs ?? [
      { protocol: 'udp', host: '127.0.0.1', port: 0 },
      { protocol: 'tcp', host: '127.0.0.1', port: 0 },
    ],
    { maxMessageSize: opts.maxMessageSize ?? 65_535, tcpIdleTimeoutMs: 30_000, log: quietLog },
  );
  const seen = new Map<string, number>();
  const pending2xx = new Map<string, NodeJS.Timeout>();
  const invites = new Map<string, { tx: ServerTransaction; tag: string }>();
  let tagSeq = 0;
  const state = { okRetransmissions: 0 };

  const retransmit2xx = (callId: string, tx: ServerTransaction, res: SipResponse, interval: number, total: number): void => {
    const t = setTimeout(() => {
      if (total + interval >= 64 * timers.t1) {
        pending2xx.delete(callId);
        return;
      }
      state.okRetransmissions++;
      tx.respond(res);
      retransmit2xx(callId, tx, res, Math.min(interval * 2, timers.t2), total + interval);
    }, interval);
    pending2xx.set(callId, t);
  };

  const onRequest = (req: SipRequest, _source: MessageSource, tx: ServerTransaction | undefined, cancels: ServerTransaction | undefined): void => {
    seen.set(req.method, (seen.get(req.method) ?? 0) + 1);
    if (opts.onRequest?.(req, tx)) return;
    const callId = getHeader(req, 'call-id') ?? '';
    if (req.method === 'ACK') {
      const t = pending2xx.get(callId);
      if (t) clearTimeout(t);
      pending2xx.delete(callId);
      return;
    }
    if (!tx) return;
    const tag = `tu${++tagSeq}`;
    switch (req.method) {
      case 'INVITE': {
        invites.set(callId, { tx, tag });
        tx.onTerminated(() => invites.delete(callId));
        tx.respond(withTag(buildResponse(req, 180), tag));
        if (!req.uri.startsWith('sip:ring@')) {
          const ok = withTag(buildResponse(req, 200, 'OK', [{ name: 'Contact', value: `<sip:tu@127.0.0.1:${transports.listeners[0]?.port ?? 0}>` }]), tag);
          tx.respond(ok);
          retransmit2xx(callId, tx, ok, timers.t1, 0);
        }
        break;
      }
      case 'CANCEL': {
        if (!cancels) {
          tx.respond(withTag(buildResponse(req, 481), tag));
          break;
        }
        tx.respond(withTag(buildResponse(req, 200), tag));
        const inv = invites.get(callId);
        if (cancels.lastResponse === undefined || cancels.lastResponse.status < 200) {
          cancels.respond(withTag(buildResponse(cancels.request, 487), inv?.tag ?? tag));
        }
        break;
      }
      default:
        tx.respond(withTag(buildResponse(req, 200), tag));
    }
  };

  const layer = new TransactionLayer({ transports, timers, log: quietLog, maxMessageSize: opts.maxMessageSize ?? 65_535, onRequest, onStrayResponse: () => undefined, ...(opts.isOwnSentBy ? { isOwnSentBy: opts.isOwnSentBy } : {}) });
  return {
    layer,
    transports,
    port: transports.listeners[0]?.port ?? 0,
    seen,
    get okRetransmissions() {
      return state.okRetransmissions;
    },
    async close() {
      for (const t of pending2xx.values()) clearTimeout(t);
      await layer.close();
      await transports.close();
    },
  };
}
