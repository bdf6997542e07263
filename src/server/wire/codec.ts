// The drachtio wire protocol framing and leaders (drachtio-protocol.md §1).
// A frame is `<byte length>#<payload>`; the payload is a leader line of `|`-separated tokens,
// optionally followed by CRLF and a SIP message. Lengths count UTF-8 bytes.

export class WireFramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireFramingError';
  }
}

const HASH = 0x23;
const MAX_LENGTH_DIGITS = 10;

/** Incremental decoder for one connection: feed bytes, get whole payloads. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  constructor(private readonly maxFrameBytes: number) {}

  /** Returns the complete payloads in `chunk` (plus buffered bytes); throws WireFramingError on a bad prefix. */
  push(chunk: Buffer): string[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: string[] = [];
    let pos = 0;
    for (;;) {
      const hash = this.buf.indexOf(HASH, pos);
      if (hash < 0) {
        if (this.buf.length - pos > MAX_LENGTH_DIGITS) throw new WireFramingError('length prefix too long');
        assertDigits(this.buf, pos, this.buf.length);
        break;
      }
      if (hash === pos || hash - pos > MAX_LENGTH_DIGITS) throw new WireFramingError('invalid length prefix');
      assertDigits(this.buf, pos, hash);
      const len = Number(this.buf.toString('latin1', pos, hash));
      if (!Number.isSafeInteger(len) || len <= 0) throw new WireFramingError('invalid length prefix');
      if (len > this.maxFrameBytes) throw new WireFramingError(`frame of ${len} bytes exceeds the limit`);
      const start = hash + 1;
      if (this.buf.length - start < len) break;
      out.push(this.buf.toString('utf8', start, start + len));
      pos = start + len;
    }
    this.buf = pos === 0 ? this.buf : this.buf.subarray(pos);
    return out;
  }
}

function assertDigits(buf: Buffer, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const c = buf[i] as number;
    if (c < 0x30 || c > 0x39) throw new WireFramingError('invalid length prefix');
  }
}

export function encodeFrame(payload: string): Buffer {
  const body = Buffer.from(payload, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length}#`, 'latin1'), body]);
}

/** A payload split into its leader tokens (empty tokens kept) and the SIP text after the first CRLF. */
export interface Payload {
  tokens: string[];
  sip: string;
}

export function splitPayload(payload: string): Payload {
  const crlf = payload.indexOf('\r\n');
  const leader = crlf < 0 ? payload : payload.slice(0, crlf);
  return { tokens: leader.split('|'), sip: crlf < 0 ? '' : payload.slice(crlf + 2) };
}

/** Build a payload from leader tokens and an optional SIP message. Tokens must not contain | or CR/LF. */
export function buildPayload(tokens: readonly string[], sip?: string): string {
  const leader = tokens.map(sanitizeToken).join('|');
  return sip === undefined ? leader : `${leader}\r\n${sip}`;
}

function sanitizeToken(t: string): string {
  return /[|\r\n]/.test(t) ? t.replace(/[|\r\n]/g, ' ') : t;
}

/** drachtio's `time` meta token: UTC time of day, HH:MM:SS.uuuuuu. */
export function wireTime(date: Date = new Date()): string {
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(date.getUTCHours())}:${p(date.getUTCMinutes())}:${p(date.getUTCSeconds())}.${p(date.getUTCMilliseconds() * 1000, 6)}`;
}

// ---- typed commands from the app (drachtio-protocol.md §1.4.1) ----

export type AppCommand =
  | { kind: 'authenticate'; id: string; secret: string; tags: string[] }
  | { kind: 'route'; id: string; verb: string }
  | { kind: 'remove_route'; id: string; verb: string }
  | { kind: 'ping'; id: string }
  | { kind: 'sip'; id: string; transactionId: string; dialogId: string; proxy: string; sip: string }
  | {
      kind: 'proxy';
      id: string;
      transactionId: string;
      remainInDialog: boolean;
      fullResponse: boolean;
      followRedirects: boolean;
      simultaneous: boolean;
      provisionalTimeout: string;
      finalTimeout: string;
      destinations: string[];
      sip: string;
    }
  | { kind: 'unknown'; id: string; type: string };

export function decodeCommand(payload: string): AppCommand {
  const { tokens, sip } = splitPayload(payload);
  const t = (i: number): string => tokens[i] ?? '';
  const id = t(0);
  switch (t(1)) {
    case 'authenticate':
      return { kind: 'authenticate', id, secret: t(2), tags: t(3) === '' ? [] : t(3).split(',') };
    case 'route':
      return { kind: 'route', id, verb: t(2) };
    case 'remove_route':
      return { kind: 'remove_route', id, verb: t(2) };
    case 'ping':
      return { kind: 'ping', id };
    case 'sip':
      return { kind: 'sip', id, transactionId: t(2), dialogId: t(3), proxy: t(4), sip };
    case 'proxy':
      return {
        kind: 'proxy',
        id,
        transactionId: t(2),
        remainInDialog: t(3) === 'remainInDialog',
        fullResponse: t(4) === 'fullResponse',
        followRedirects: t(5) === 'followRedirects',
        simultaneous: t(6) === 'simultaneous',
        provisionalTimeout: t(7),
        finalTimeout: t(8),
        destinations: tokens.slice(9).filter((d) => d !== ''),
        sip,
      };
    default:
      return { kind: 'unknown', id, type: t(1) };
  }
}
