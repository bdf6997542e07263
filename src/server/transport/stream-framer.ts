// Splits a SIP byte stream (TCP) into messages by Content-Length (RFC 3261 §18.3), handling
// segments that split or coalesce messages, and RFC 5626 §4.4.1 keep-alives: a double CRLF
// between messages is a ping (to be answered with a single CRLF pong), a single CRLF a pong.
// Header parsing is the message model's findMessageEnd (folding, compact "l", bare LF line ends).
import { findMessageEnd } from '../../sip/message/parse.ts';

export type FramerEvent =
  | { type: 'message'; data: Buffer }
  | { type: 'ping' }
  /** The stream exceeded the size cap before a message ended: close the connection. */
  | { type: 'oversize' }
  /** The framing is unrecoverable (bad Content-Length): close the connection. */
  | { type: 'invalid'; reason: string };

const CR = 0x0d;
const LF = 0x0a;

export class StreamFramer {
  private buf: Buffer = Buffer.alloc(0);
  /** Once true, the framer ignores further input (the connection is being closed). */
  private dead = false;

  constructor(private readonly maxMessageSize: number) {}

  /** Feed a chunk; returns the events it completes, in order. */
  push(chunk: Buffer): FramerEvent[] {
    if (this.dead) return [];
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const events: FramerEvent[] = [];
    for (;;) {
      const ev = this.next();
      if (!ev) break;
      events.push(ev);
      if (ev.type === 'oversize' || ev.type === 'invalid') {
        this.dead = true;
        this.buf = Buffer.alloc(0);
        break;
      }
    }
    return events;
  }

  /** Bytes held waiting for the rest of a message. */
  get buffered(): number {
    return this.buf.length;
  }

  private next(): FramerEvent | undefined {
    // Keep-alives between messages.
    let i = 0;
    while (i + 1 < this.buf.length && this.buf[i] === CR && this.buf[i + 1] === LF) i += 2;
    if (i > 0) {
      if (i >= 4) {
        this.buf = this.buf.subarray(4);
        return { type: 'ping' };
      }
      // A single CRLF: a pong, unless it is the first half of a ping still in flight.
      if (this.buf.length === 2) return undefined;
      this.buf = this.buf.subarray(2);
    }
    if (this.buf.length === 0) return undefined;
    const found = findMessageEnd(this.buf);
    if (found === 'invalid') return { type: 'invalid', reason: 'bad Content-Length' };
    if (found === null) return this.buf.length > this.maxMessageSize ? { type: 'oversize' } : undefined;
    // RFC 3261 §18.3: Content-Length MUST be present on streams; findMessageEnd counts a missing one as 0.
    const total = found.headerEnd + found.contentLength;
    if (total > this.maxMessageSize) return { type: 'oversize' };
    if (this.buf.length < total) return undefined;
    const data = Buffer.from(this.buf.subarray(0, total));
    this.buf = this.buf.subarray(total);
    if (this.buf.length === 0) this.buf = Buffer.alloc(0);
    return { type: 'message', data };
  }
}
