import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../src/api/auth.ts';
import { e164, owned } from '../../../src/api/context.ts';
import { FeatureUnavailableError, fieldOf, toErrorReply } from '../../../src/api/error-handler.ts';
import { canonicalJson, idempotencyRedisKey } from '../../../src/api/idempotency.ts';
import { utilization } from '../../../src/api/metrics.ts';
import { parseInstant } from '../../../src/api/routes/records.ts';
import { AppError, ERRORS } from '../../../src/errors.ts';

describe('error mapping', () => {
  it('AppError → catalogue status and {error: {code, message, field}}; Retry-After on 429/503', () => {
    expect(toErrorReply(new AppError('PN_ERR_NUMBER_INVALID', { field: 'b' }))).toEqual({ status: 400, body: { error: { code: 'PN_ERR_NUMBER_INVALID', message: ERRORS.PN_ERR_NUMBER_INVALID.message, field: 'b' } } });
    expect(toErrorReply(new AppError('PN_ERR_POOL_EXHAUSTED'))).toMatchObject({ status: 503, retryAfter: 1 });
    expect(toErrorReply(new AppError('PN_ERR_RATE_LIMITED', { retryAfter: 17 }))).toMatchObject({ status: 429, retryAfter: 17 });
    expect(toErrorReply(new AppError('PN_ERR_FORBIDDEN')).status).toBe(403);
    expect(toErrorReply(new FeatureUnavailableError('callbacks are not enabled'))).toMatchObject({ status: 503, body: { error: { code: 'PN_ERR_INTERNAL' } } });
  });

  it('validation errors name the field (nested, missing and unknown properties)', () => {
    expect(fieldOf({ instancePath: '/ttlSeconds', params: {} })).toBe('ttlSeconds');
    expect(fieldOf({ instancePath: '/metadata/k', params: {} })).toBe('metadata.k');
    expect(fieldOf({ instancePath: '', params: { missingProperty: 'a' } })).toBe('a');
    expect(fieldOf({ instancePath: '/metadata', params: { additionalProperty: 'z' } })).toBe('metadata.z');
    const validation = Object.assign(new Error('bad'), { validation: [{ instancePath: '/mode', message: 'must be equal to one of the allowed values', params: {} }], statusCode: 400 });
    expect(toErrorReply(validation)).toEqual({ status: 400, body: { error: { code: 'PN_ERR_VALIDATION', message: 'mode must be equal to one of the allowed values', field: 'mode' } } });
  });

  it('other client errors keep their status; anything else is a 500 without internals', () => {
    expect(toErrorReply(Object.assign(new Error('Request body is too large'), { statusCode: 413 }))).toMatchObject({ status: 413, body: { error: { code: 'PN_ERR_VALIDATION' } } });
    expect(toErrorReply(new TypeError('secret detail'))).toEqual({ status: 500, body: { error: { code: 'PN_ERR_INTERNAL', message: ERRORS.PN_ERR_INTERNAL.message } } });
  });
});

describe('auth', () => {
  const authenticate = createAuthenticator([{ tenant: 't1', key: 'k1' }, { tenant: 't2', key: 'k2' }]);
  it('maps a bearer key to its tenant', () => {
    expect(authenticate('Bearer k2').tenant).toBe('t2');
    expect(authenticate('bearer   k1').tenant).toBe('t1');
    expect(authenticate('Bearer k1').keyId).toMatch(/^[0-9a-f]{12}$/);
  });
  it('missing/malformed → AUTH_MISSING, unknown → AUTH_INVALID', () => {
    expect(() => authenticate(undefined)).toThrow(expect.objectContaining({ code: 'PN_ERR_AUTH_MISSING' }));
    expect(() => authenticate('Token k1')).toThrow(expect.objectContaining({ code: 'PN_ERR_AUTH_MISSING' }));
    expect(() => authenticate('Bearer k3')).toThrow(expect.objectContaining({ code: 'PN_ERR_AUTH_INVALID' }));
  });
});

describe('helpers', () => {
  it('e164 normalises or names the field', () => {
    expect(e164('013800138000', 'a', '86')).toBe('+8613800138000');
    expect(e164('0086 138 0013 8000', 'a', '86')).toBe('+8613800138000');
    expect(() => e164('sip:a@b', 'b', '86')).toThrow(expect.objectContaining({ code: 'PN_ERR_NUMBER_INVALID', field: 'b' }));
  });
  it('owned: 404 when missing, 403 for another tenant', () => {
    expect(() => owned(null, 't1', 'PN_ERR_BINDING_NOT_FOUND')).toThrow(expect.objectContaining({ code: 'PN_ERR_BINDING_NOT_FOUND' }));
    expect(() => owned({ tenant: 't2' }, 't1', 'PN_ERR_BINDING_NOT_FOUND')).toThrow(expect.objectContaining({ code: 'PN_ERR_FORBIDDEN' }));
    expect(owned({ tenant: 't1', v: 1 }, 't1', 'PN_ERR_BINDING_NOT_FOUND')).toEqual({ tenant: 't1', v: 1 });
  });
  it('canonicalJson ignores key order and undefined; idempotency keys are per tenant and hashed', () => {
    expect(canonicalJson({ b: [1, { y: 2, x: 1 }], a: 'z', u: undefined })).toBe('{"a":"z","b":[1,{"x":1,"y":2}]}');
    expect(idempotencyRedisKey('t1', 'k')).not.toBe(idempotencyRedisKey('t2', 'k'));
    expect(idempotencyRedisKey('t1', 'order-42')).toMatch(/^pn:idem:\{t:t1\}:[0-9a-f]{64}$/);
  });
  it('parseInstant takes ISO 8601 or epoch ms', () => {
    expect(parseInstant('1700000000000', 'since')).toBe(1_700_000_000_000);
    expect(parseInstant('2026-01-01T00:00:00Z', 'since')).toBe(Date.UTC(2026, 0, 1));
    expect(() => parseInstant('last week', 'until')).toThrow(expect.objectContaining({ field: 'until' }));
  });
  it('utilization is live bindings per active number', () => {
    expect(utilization(3, 4)).toBe(0.75);
    expect(utilization(5, 0)).toBe(0);
  });
});
