// Writes a SipMessage as bytes (RFC 3261 §7): start line, headers in stored order with stored
// names, CRLF line ends, empty line, body. Content-Length is always made true to the body.

import type { SipMessage } from './types.ts';
import { canonicalHeaderName } from './headers.ts';

/** A header value must never carry a line break: that would inject headers (CWE-113). */
function safeValue(v: string): string {
  return v.includes('\n') || v.includes('\r') ? v.replace(/[\r\n]+[ \t]*/g, ' ') : v;
}

export function serializeMessage(msg: SipMessage): Buffer {
  let head =
    msg.kind === 'request' ? `${msg.method} ${msg.uri} ${msg.version}\r\n` : `${msg.version} ${msg.status} ${safeValue(msg.reason)}\r\n`;
  let wroteLength = false;
  for (const h of msg.headers) {
    const n = h.name.length;
    if ((n === 1 || n === 14) && canonicalHeaderName(h.name) === 'content-length') {
      // Keep the first Content-Length in place (and its spelling), drop any duplicate.
      if (wroteLength) continue;
      wroteLength = true;
      head += `${h.name}: ${msg.body.length}\r\n`;
      continue;
    }
    head += `${h.name}: ${safeValue(h.value)}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  const headLen = Buffer.byteLength(head, 'utf8');
  // Not from Node's 8 KB buffer pool: transactions keep these bytes for retransmission (up to 32 s),
  // and one kept pool slice pins its whole slab (~8 KB per transaction, measured under load).
  const out = Buffer.allocUnsafeSlow(headLen + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLen);
  return out;
}
