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

/**
 * The frame of a message to an app: leader tokens (joined by `|`) and, when given, CRLF and the SIP
 * message, already in bytes: the same bytes as `encodeFrame(leader + '\r\n' + sip.toString('utf8'))`,
 * without turning the message into a string and back (the server serialises every message to bytes).
 * Tokens must not contain | or CR/LF (each is replaced by a space).
 */
export function encodeMessageFrame(tokens: readonly string[], sip?: Buffer): Buffer {
  const leader = buildLeader(tokens);
  if (sip === undefined) return encodeFrame(leader);
  const leaderBytes = Buffer.byteLength(leader, 'utf8');
  const head = `${leaderBytes + 2 + sip.length}#${leader}\r\n`;
  const headBytes = head.length - leader.length + leaderBytes;
  const out = Buffer.allocUnsafe(headBytes + sip.length);
  out.write(head, 0, 'utf8');
  sip.copy(out, headBytes);
  return out;
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

/** Leader tokens joined by `|`, each with `|`, CR and LF replaced by a space. */
function buildLeader(tokens: readonly string[]): string {
  let leader = '';
  for (let i = 0; i < tokens.length; i++) leader += i === 0 ? sanitizeToken(tokens[i] as string) : `|${sanitizeToken(tokens[i] as string)}`;
  return leader;
}

const PIPE = 0x7c;
const CR = 0x0d;
const LF = 0x0a;

function sanitizeToken(t: string): string {
  // A scan instead of a regex test: most tokens are short ids and words that need nothing.
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === PIPE || c === CR || c === LF) return t.replace(/[|\r\n]/g, ' ');
  }
  return t;
}

/** Two digits, zero-padded. */
function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/** drachtio's `time` meta token: UTC time of day, HH:MM:SS.uuuuuu. */
export function wireTime(date?: Date): string {
  if (date !== undefined) return formatWireTime(date);
  // Most frames of a busy server fall in the same millisecond as the one before: reuse its text.
  const now = Date.now();
  if (now !== lastWireTimeMs) {
    lastWireTimeMs = now;
    lastWireTime = formatWireTime(new Date(now));
  }
  return lastWireTime;
}

let lastWireTimeMs = NaN;
let lastWireTime = '';

function formatWireTime(date: Date): string {
  const micros = String(date.getUTCMilliseconds() * 1000).padStart(6, '0');
  return `${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}.${micros}`;
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

/** Token i of a leader, '' when absent. */
function tokenAt(tokens: readonly string[], i: number): string {
  return tokens[i] ?? '';
}

export function decodeCommand(payload: string): AppCommand {
  const { tokens, sip } = splitPayload(payload);
  const id = tokenAt(tokens, 0);
  switch (tokenAt(tokens, 1)) {
    case 'authenticate':
      return { kind: 'authenticate', id, secret: tokenAt(tokens, 2), tags: tokenAt(tokens, 3) === '' ? [] : tokenAt(tokens, 3).split(',') };
    case 'route':
      return { kind: 'route', id, verb: tokenAt(tokens, 2) };
    case 'remove_route':
      return { kind: 'remove_route', id, verb: tokenAt(tokens, 2) };
    case 'ping':
      return { kind: 'ping', id };
    case 'sip':
      return { kind: 'sip', id, transactionId: tokenAt(tokens, 2), dialogId: tokenAt(tokens, 3), proxy: tokenAt(tokens, 4), sip };
    case 'proxy':
      return {
        kind: 'proxy',
        id,
        transactionId: tokenAt(tokens, 2),
        remainInDialog: tokenAt(tokens, 3) === 'remainInDialog',
        fullResponse: tokenAt(tokens, 4) === 'fullResponse',
        followRedirects: tokenAt(tokens, 5) === 'followRedirects',
        simultaneous: tokenAt(tokens, 6) === 'simultaneous',
        provisionalTimeout: tokenAt(tokens, 7),
        finalTimeout: tokenAt(tokens, 8),
        destinations: tokens.slice(9).filter((d) => d !== ''),
        sip,
      };
    default:
      return { kind: 'unknown', id, type: tokenAt(tokens, 1) };
  }
}
