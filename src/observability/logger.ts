// The one pino factory. JSON lines by default (pretty only when asked, e.g. stdout is a TTY);
// known number-bearing fields are masked by a redact censor, so a full real number never reaches
// the log even when a caller forgets maskNumber().
import { hostname } from 'node:os';
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
import { maskNumber } from './mask.ts';

export type { Logger } from 'pino';

/** Field names that carry phone numbers (style.md: caller, callee; bindings: a, b, party, number). */
export const NUMBER_FIELDS = ['caller', 'callee', 'a', 'b', 'party', 'number', 'from', 'to'] as const;

/** Top level and one level down (e.g. `{binding: {a, b}}`), which is where our logs put them. */
export const REDACT_PATHS: string[] = NUMBER_FIELDS.flatMap((f) => [f, `*.${f}`]);

export interface LoggerOptions {
  level: LevelWithSilent;
  /** Human-readable output via pino-pretty (main turns it on when stdout is a terminal). */
  pretty?: boolean;
  /** Where lines go; default stdout. Tests pass a stream and parse the lines back. */
  destination?: DestinationStream | NodeJS.WritableStream;
  /** Extra base fields (e.g. {role: 'sip-server'}). */
  base?: Record<string, unknown>;
}

/** Bytes of log lines held for a stdout reader that lags (16 MiB). */
const MAX_LOG_BUFFER = 16 * 1024 * 1024;

function censor(value: unknown): unknown {
  if (typeof value === 'string') return maskNumber(value);
  if (typeof value === 'number' || typeof value === 'bigint') return maskNumber(String(value));
  if (Array.isArray(value)) return value.map(censor);
  return value;
}

export function createLogger(opts: LoggerOptions): Logger {
  const destination = opts.pretty === true ? pinoPretty({ colorize: true, destination: opts.destination ?? 1, sync: true }) : opts.destination;
  const options = {
    level: opts.level,
    base: { service: 'privacy-number', pid: process.pid, hostname: hostname(), ...opts.base },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor },
  };
  // Default: asynchronous stdout. A synchronous one blocks the event loop for 100 ms on every EAGAIN
  // (sonic-boom's busy wait) whenever the reader of stdout lags, which stalled every call in
  // progress. Order is kept (one queue), pino flushes on exit, and a reader that stops for good
  // costs at most MAX_LOG_BUFFER bytes of memory (lines beyond are dropped, never the process).
  return pino(options, (destination ?? pino.destination({ fd: 1, sync: false, maxLength: MAX_LOG_BUFFER })) as DestinationStream);
}

/** The per-call child logger (jambonz habit): every line of one call carries its callId and bindingId. */
export function callLogger(log: Logger, ids: { callId: string; bindingId?: string | undefined }): Logger {
  return log.child(ids.bindingId === undefined ? { callId: ids.callId } : { callId: ids.callId, bindingId: ids.bindingId });
}
