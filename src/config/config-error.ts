// The one error a bad configuration raises. main.ts prints its message and exits with code 2.
import { AppError } from '../errors.ts';

export class ConfigError extends AppError {
  /** The config key at fault, as written in the README reference (e.g. `http.listen`, `trunks[0].gateways[1]`). */
  readonly key: string;
  /** What a valid value looks like (e.g. `host:port, e.g. 127.0.0.1:8080`). */
  readonly expected: string;
  /** Where the bad value came from: an environment variable, a file path, or the command line. */
  readonly source: string;

  constructor(opts: { key: string; expected: string; source: string; got?: unknown; cause?: unknown }) {
    const got = opts.got === undefined ? '' : `, got ${describe(opts.got)}`;
    super('PN_ERR_CONFIG_INVALID', {
      message: `invalid configuration: ${opts.key} (from ${opts.source}): expected ${opts.expected}${got}`,
      field: opts.key,
      cause: opts.cause,
    });
    this.name = 'ConfigError';
    this.key = opts.key;
    this.expected = opts.expected;
    this.source = opts.source;
  }
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
