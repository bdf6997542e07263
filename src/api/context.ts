// What every route module receives from buildApi.
import type { BindingService } from '../bindings/model.ts';
import { normalizeNumber } from '../bindings/e164.ts';
import { AppError, type ErrorCode } from '../errors.ts';
import type { CallRecordStore } from '../records/record-store.ts';
import type { CallbackPort } from './callback-port.ts';
import type { ApiMetrics } from './metrics.ts';

export interface RouteContext {
  bindings: BindingService;
  records: CallRecordStore;
  callbacks?: CallbackPort;
  metrics: ApiMetrics;
  defaultCountryCode: string;
}

/** E.164 or a 400 naming the field. */
export function e164(value: string, field: string, countryCode: string): string {
  const n = normalizeNumber(value, countryCode);
  if (n === null) throw new AppError('PN_ERR_NUMBER_INVALID', { message: `${field} is not a valid phone number`, field });
  return n;
}

/**
 * Tenant isolation rule for resources with a global id (numbers, bindings): unknown → 404,
 * another tenant's → 403 (issue 6). Calls and records live in the tenant's own key space, so
 * another tenant's id there is simply not found (404).
 */
export function owned<T extends { tenant: string }>(resource: T | null, tenant: string, notFound: ErrorCode): T {
  if (resource === null) throw new AppError(notFound);
  if (resource.tenant !== tenant) throw new AppError('PN_ERR_FORBIDDEN');
  return resource;
}
