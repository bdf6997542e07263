// Pure rules of the proxy core (RFC 3261 §16): best response choice, Via popping, where a
// response goes next, and srf's proxy timeout strings.
import type { SipMessage, SipResponse } from '../sip/message/types.ts';
import { canonicalHeaderName, splitHeaderList } from '../sip/message/headers.ts';
import { parseVia } from '../sip/message/via.ts';
import type { Destination } from './transport/types.ts';

/** 4xx responses a proxy SHOULD prefer, since the client can act on them (RFC 3261 §16.7 step 6). */
const PREFERRED_4XX = new Set([401, 407, 415, 420, 484]);

/**
 * RFC 3261 §16.7 step 6: a 6xx if there is one; else the lowest class, preferring within 4xx
 * 401/407/415/420/484; the earliest response wins a tie. Undefined when there is none (→ 408).
 */
export function bestResponse(finals: readonly SipResponse[]): SipResponse | undefined {
  const sixxx = finals.find((r) => r.status >= 600);
  if (sixxx) return sixxx;
  let best: SipResponse | undefined;
  for (const r of finals) {
    if (r.status < 300) continue;
    if (!best) {
      best = r;
      continue;
    }
    const cls = Math.floor(r.status / 100);
    const bestCls = Math.floor(best.status / 100);
    if (cls < bestCls) best = r;
    else if (cls === 4 && bestCls === 4 && PREFERRED_4XX.has(r.status) && !PREFERRED_4XX.has(best.status)) best = r;
  }
  return best;
}

/** srf's `provisionalTimeout`/`finalTimeout`: '2s', '1500ms', a bare number of ms, or '' (none). */
export function parseProxyTimeout(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s)?\s*$/i.exec(text);
  if (!m) return undefined;
  const n = Number(m[1]);
  const ms = m[2]?.toLowerCase() === 's' ? n * 1000 : n;
  return ms > 0 ? Math.round(ms) : undefined;
}

/** Remove the top Via value (first item of the first Via line), keeping the rest in order. */
export function popTopVia(msg: SipMessage): void {
  const idx = msg.headers.findIndex((h) => canonicalHeaderName(h.name) === 'via');
  const h = msg.headers[idx];
  if (!h) return;
  const items = splitHeaderList(h.value);
  if (items.length > 1) msg.headers[idx] = { name: h.name, value: items.slice(1).join(', ') };
  else msg.headers.splice(idx, 1);
}

/** Where a response goes for this Via (RFC 3261 §18.2.2, RFC 3581): received/rport over sent-by. */
export function viaDestination(viaValue: string): Destination | undefined {
  try {
    const via = parseVia(viaValue);
    const t = via.transport.toLowerCase();
    if (t !== 'udp' && t !== 'tcp') return undefined;
    const port = typeof via.rport === 'number' ? via.rport : (via.port ?? 5060);
    return { protocol: t, address: via.received ?? via.host, port };
  } catch {
    return undefined;
  }
}
