// What the UAS and UAC halves of the drachtio core share: the layers below, our addresses, the
// dialog table, app routing, CDR events and small helpers for the wire meta tokens.
import type { Logger } from 'pino';
import type { SipMessage } from '../sip/message/types.ts';
import { serializeMessage } from '../sip/message/serialize.ts';
import { callId } from '../sip/message/accessors.ts';
import type { TransactionLayer, TimerSettings } from './transaction-layer.ts';
import type { MessageSource } from './transport/types.ts';
import type { LocalAddresses } from './addresses.ts';
import type { DialogTable } from './dialogs.ts';
import type { AppRouter } from './wire/router.ts';
import { wireTime } from './wire/codec.ts';

export interface CoreContext {
  layer: TransactionLayer;
  addresses: LocalAddresses;
  dialogs: DialogTable;
  router: AppRouter;
  log: Logger;
  timers: TimerSettings;
  cdrEnabled: boolean;
}

export interface WireText {
  text: string;
  bytes: number;
}

export function wireText(msg: SipMessage): WireText {
  const buf = serializeMessage(msg);
  return { text: buf.toString('utf8'), bytes: buf.length };
}

/**
 * A message serialised once, for both the network and the app: `buf` goes to the transaction
 * layer (as the pre-serialised form) and into the app frame; `bytes` is the meta length token.
 */
export interface WireBytes {
  buf: Buffer;
  bytes: number;
}

export function wireBytes(msg: SipMessage): WireBytes {
  const buf = serializeMessage(msg);
  return { buf, bytes: buf.length };
}

/** `bytes|proto|address|port|time` for a message from the network (source undefined: generated internally). */
export function networkMeta(bytes: number, source: MessageSource | undefined): string[] {
  if (!source) return ['0', 'udp', '', '0', wireTime()];
  return [String(bytes), source.protocol, source.remote.address, String(source.remote.port), wireTime()];
}

/** Send a cdr:<kind> event to one app that asked for it (round-robin), if CDRs are on. */
export function emitCdr(ctx: CoreContext, kind: 'attempt' | 'start' | 'stop', source: 'network' | 'application', extra: string | undefined, sipText: string | Buffer): void {
  if (!ctx.cdrEnabled) return;
  const app = ctx.router.select(`cdr:${kind}`);
  if (!app) return;
  const tokens = [`cdr:${kind}`, source, wireTime()];
  if (extra !== undefined) tokens.push(extra);
  app.send(tokens, sipText);
}

/** Call-ID of a message the layer below has already sanity-checked (it always has one). */
export function cid(msg: SipMessage): string {
  return callId(msg) ?? '';
}
