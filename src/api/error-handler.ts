// The one place errors become HTTP answers: {error: {code, message, field?, details?}}.
// AppError → its catalogue status (errors.ts); fastify validation → 400 naming the field;
// other fastify client errors (bad JSON, body too large, media type) keep their 4xx status.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERRORS, type ErrorCode } from '../errors.ts';

/**
 * A feature this deployment has not enabled (e.g. callbacks without a callback port). The catalogue
 * has no code for it yet, so it is PN_ERR_INTERNAL answered as 503 (see the report to the lead).
 */
export class FeatureUnavailableError extends AppError {
  constructor(message: string) {
    super('PN_ERR_INTERNAL', { message });
    this.name = 'FeatureUnavailableError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; field?: string; details?: Record<string, unknown> };
}

interface ValidationIssue {
  instancePath: string;
  message?: string;
  params: Record<string, unknown>;
}

/** `/b` → "b"; a missing or unknown property names itself: `/metadata` + `k` → "metadata.k". */
export function fieldOf(issue: ValidationIssue): string {
  const base = issue.instancePath.replace(/^\//, '').replace(/\//g, '.');
  const prop = issue.params.missingProperty ?? issue.params.additionalProperty;
  if (typeof prop === 'string') return base === '' ? prop : `${base}.${prop}`;
  return base;
}

function describe(issue: ValidationIssue, field: string): string {
  if (issue.params.additionalProperty !== undefined) return `${field} is not a known field`;
  if (issue.params.missingProperty !== undefined) return `${field} is required`;
  return `${field === '' ? 'request' : field} ${issue.message ?? 'is invalid'}`;
}

export function statusOf(err: AppError): number {
  return err instanceof FeatureUnavailableError ? 503 : ERRORS[err.code].httpStatus;
}

export function toErrorReply(err: unknown): { status: number; body: ErrorBody; retryAfter?: number } {
  if (err instanceof AppError) {
    const status = statusOf(err);
    const body: ErrorBody = { error: { code: err.code, message: err.message } };
    if (err.field !== undefined) body.error.field = err.field;
    if (err.details !== undefined) body.error.details = err.details;
    const retryAfter = err.retryAfter ?? (status === 429 || status === 503 ? 1 : undefined);
    return retryAfter === undefined ? { status, body } : { status, body, retryAfter };
  }
  const fe = err as Partial<FastifyError> & { validation?: ValidationIssue[] };
  if (Array.isArray(fe.validation) && fe.validation.length > 0) {
    const issue = fe.validation[0] as ValidationIssue;
    const field = fieldOf(issue);
    const body: ErrorBody = { error: { code: 'PN_ERR_VALIDATION', message: describe(issue, field) } };
    if (field !== '') body.error.field = field;
    return { status: 400, body };
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 404 ? 'PN_ERR_NOT_FOUND' : 'PN_ERR_VALIDATION';
    return { status: fe.statusCode, body: { error: { code, message: fe.message ?? ERRORS[code].message } } };
  }
  return { status: 500, body: { error: { code: 'PN_ERR_INTERNAL', message: ERRORS.PN_ERR_INTERNAL.message } } };
}

export function errorHandler(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const { status, body, retryAfter } = toErrorReply(err);
  if (status >= 500 && !(err instanceof AppError && status === 503)) request.log.error({ err }, 'request failed');
  if (retryAfter !== undefined) void reply.header('retry-after', String(retryAfter));
  return reply.code(status).send(body);
}
