// The one error catalogue: every error the product reports, with its SIP and HTTP mapping.
// Add new codes here (and to the README's error table; a test checks both agree).

export interface ErrorSpec {
  /** One-line, operator-facing description. */
  message: string;
  /** HTTP status for API responses. */
  httpStatus: number;
  /** SIP status for call handling, with the Reason header text (RFC 3326). */
  sipStatus: number;
  sipReason: string;
}

export const ERRORS = {
  PN_ERR_CONFIG_INVALID: { message: 'configuration value is invalid', httpStatus: 500, sipStatus: 500, sipReason: 'SIP;cause=500;text="configuration error"' },
  PN_ERR_VALIDATION: { message: 'request is invalid', httpStatus: 400, sipStatus: 400, sipReason: 'SIP;cause=400;text="bad request"' },
  PN_ERR_NUMBER_INVALID: { message: 'not a valid phone number', httpStatus: 400, sipStatus: 484, sipReason: 'Q.850;cause=28;text="invalid number format"' },
  PN_ERR_AUTH_MISSING: { message: 'missing or malformed API key', httpStatus: 401, sipStatus: 403, sipReason: 'SIP;cause=403;text="unauthorized"' },
  PN_ERR_AUTH_INVALID: { message: 'unknown API key', httpStatus: 401, sipStatus: 403, sipReason: 'SIP;cause=403;text="unauthorized"' },
  PN_ERR_FORBIDDEN: { message: 'resource belongs to another tenant', httpStatus: 403, sipStatus: 403, sipReason: 'SIP;cause=403;text="forbidden"' },
  PN_ERR_NOT_FOUND: { message: 'resource not found', httpStatus: 404, sipStatus: 404, sipReason: 'SIP;cause=404;text="not found"' },
  PN_ERR_BINDING_NOT_FOUND: { message: 'binding not found', httpStatus: 404, sipStatus: 404, sipReason: 'Q.850;cause=1;text="unallocated number"' },
  PN_ERR_NUMBER_NOT_FOUND: { message: 'privacy number not in the pool', httpStatus: 404, sipStatus: 404, sipReason: 'Q.850;cause=1;text="unallocated number"' },
  PN_ERR_NUMBER_EXISTS: { message: 'privacy number already in the pool', httpStatus: 409, sipStatus: 500, sipReason: 'SIP;cause=500;text="conflict"' },
  PN_ERR_NUMBER_IN_USE: { message: 'privacy number has live bindings', httpStatus: 409, sipStatus: 500, sipReason: 'SIP;cause=500;text="conflict"' },
  PN_ERR_X_UNAVAILABLE: { message: 'requested privacy number cannot be bound to these parties', httpStatus: 409, sipStatus: 500, sipReason: 'SIP;cause=500;text="conflict"' },
  PN_ERR_CONFLICT: { message: 'request conflicts with the current state', httpStatus: 409, sipStatus: 500, sipReason: 'SIP;cause=500;text="conflict"' },
  PN_ERR_IDEMPOTENCY_MISMATCH: { message: 'Idempotency-Key reused with a different request', httpStatus: 422, sipStatus: 500, sipReason: 'SIP;cause=500;text="conflict"' },
  PN_ERR_RATE_LIMITED: { message: 'too many requests', httpStatus: 429, sipStatus: 503, sipReason: 'SIP;cause=503;text="rate limited"' },
  PN_ERR_POOL_EXHAUSTED: { message: 'no privacy number fits this binding', httpStatus: 503, sipStatus: 503, sipReason: 'SIP;cause=503;text="pool exhausted"' },
  PN_ERR_STORE_UNAVAILABLE: { message: 'binding store (Redis) unreachable', httpStatus: 503, sipStatus: 503, sipReason: 'Q.850;cause=41;text="temporary failure"' },
  PN_ERR_CALL_UNBOUND: { message: 'no binding for this caller and privacy number', httpStatus: 404, sipStatus: 404, sipReason: 'Q.850;cause=1;text="unallocated number"' },
  PN_ERR_CALL_RESTRICTED: { message: 'binding does not allow this call direction', httpStatus: 403, sipStatus: 403, sipReason: 'Q.850;cause=21;text="call rejected"' },
  PN_ERR_CALL_UNTRUSTED_SOURCE: { message: 'request from an address that is not a configured trunk', httpStatus: 403, sipStatus: 403, sipReason: 'Q.850;cause=21;text="source not allowed"' },
  PN_ERR_CALL_LIMIT: { message: 'too many concurrent calls', httpStatus: 503, sipStatus: 503, sipReason: 'Q.850;cause=34;text="no circuit available"' },
  PN_ERR_CALLBACK_LIMIT: { message: 'too many concurrent callbacks for this tenant', httpStatus: 429, sipStatus: 503, sipReason: 'Q.850;cause=34;text="no circuit available"' },
  PN_ERR_INTERNAL: { message: 'internal error', httpStatus: 500, sipStatus: 500, sipReason: 'Q.850;cause=41;text="internal error"' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** The base of every error the product raises on purpose. Classify by `code`, never by message text. */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** The request field at fault, for HTTP 400s (e.g. "b" or "ttlSeconds"). */
  readonly field?: string;
  /** Extra facts for the log and the API body (e.g. group and area of an exhausted pool). */
  readonly details?: Record<string, unknown>;
  /** Seconds, for 429/503 answers. */
  readonly retryAfter?: number;

  constructor(code: ErrorCode, options: { message?: string; field?: string; details?: Record<string, unknown>; retryAfter?: number; cause?: unknown } = {}) {
    super(options.message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    if (options.field !== undefined) this.field = options.field;
    if (options.details !== undefined) this.details = options.details;
    if (options.retryAfter !== undefined) this.retryAfter = options.retryAfter;
  }

  get spec(): ErrorSpec {
    return ERRORS[this.code];
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
