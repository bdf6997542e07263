// What a transaction that has its final response still needs of a message: the start line and the
// headers that identify it (RFC 3261 §17.1.3, §17.2.3: matching retransmissions, ACK and CANCEL;
// §17.1.1.3: building an ACK or a local 408/503). Transactions wait up to 64*T1 after the final
// response; keeping the whole parsed message that long (every header, the body) was most of the
// SIP server's heap under load, and major GCs over it stalled calls.
import { canonicalHeaderName } from './headers.ts';
import { EMPTY_BODY, type Header, type SipMessage } from './types.ts';

const KEPT = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'route']);

/**
 * The same text in a string of its own. A header value is a V8 slice of the whole message text
 * (13 characters or more), and a slice keeps its parent alive: a kept To value would keep the
 * entire message, body included. Concatenating then slicing flattens into a new string.
 */
export function detachedString(s: string): string {
  return s.length < 13 ? s : (' ' + s).slice(1);
}

/** A copy of `msg` with its start line, top Via, From, To, Call-ID, CSeq and Route headers, and no body, sharing no string with it. */
export function identityOf<T extends SipMessage>(msg: T): T {
  const headers: Header[] = [];
  let sawVia = false;
  for (const h of msg.headers) {
    const name = canonicalHeaderName(h.name);
    if (!KEPT.has(name)) continue;
    if (name === 'via') {
      if (sawVia) continue;
      sawVia = true;
    }
    headers.push({ name: detachedString(h.name), value: detachedString(h.value) });
  }
  const start = msg.kind === 'request' ? { uri: detachedString(msg.uri) } : { reason: detachedString(msg.reason) };
  return { ...msg, ...start, headers, body: EMPTY_BODY };
}
