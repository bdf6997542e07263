import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/config-error.ts';
import { AppError, ERRORS, isAppError, type ErrorCode } from '../../src/errors.ts';

const entries = Object.entries(ERRORS) as Array<[ErrorCode, (typeof ERRORS)[ErrorCode]]>;

describe('error catalogue', () => {
  it('uses PN_ERR_<AREA>_<WHAT> codes', () => {
    for (const [code] of entries) expect(code).toMatch(/^PN_ERR_[A-Z]+(_[A-Z0-9]+)*$/);
  });

  it('maps every code to an HTTP error status and a SIP final failure status', () => {
    for (const [code, spec] of entries) {
      expect(spec.httpStatus, code).toBeGreaterThanOrEqual(400);
      expect(spec.httpStatus, code).toBeLessThan(600);
      expect(spec.sipStatus, code).toBeGreaterThanOrEqual(400);
      expect(spec.sipStatus, code).toBeLessThan(700);
      expect(spec.message.trim(), code).not.toBe('');
    }
  });

  it('gives every code a Reason header value in RFC 3326 form', () => {
    for (const [code, spec] of entries) expect(spec.sipReason, code).toMatch(/^(SIP|Q\.850);cause=\d+;text="[^"]+"$/);
  });

  it('uses a SIP cause equal to the SIP status when the protocol is SIP (RFC 3326 §2)', () => {
    for (const [code, spec] of entries) {
      const m = /^SIP;cause=(\d+);/.exec(spec.sipReason);
      if (m) expect(Number(m[1]), code).toBe(spec.sipStatus);
    }
  });
});

describe('AppError', () => {
  it('carries the code, its spec, the field and details; the message defaults to the catalogue', () => {
    const err = new AppError('PN_ERR_NUMBER_INVALID', { field: 'b', details: { value: 'masked' } });
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe('PN_ERR_NUMBER_INVALID');
    expect(err.message).toBe(ERRORS.PN_ERR_NUMBER_INVALID.message);
    expect(err.spec.sipStatus).toBe(484);
    expect(err.field).toBe('b');
    expect(err.details).toEqual({ value: 'masked' });
    expect(isAppError(err)).toBe(true);
    expect(isAppError(new Error('x'))).toBe(false);
  });

  it('keeps the cause and retryAfter', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new AppError('PN_ERR_STORE_UNAVAILABLE', { cause, retryAfter: 5 });
    expect(err.cause).toBe(cause);
    expect(err.retryAfter).toBe(5);
  });

  it('ConfigError is an AppError with PN_ERR_CONFIG_INVALID naming the key', () => {
    const err = new ConfigError({ key: 'http.listen', expected: 'host:port', source: 'PN_HTTP_LISTEN', got: 'x' });
    expect(isAppError(err)).toBe(true);
    expect(err.code).toBe('PN_ERR_CONFIG_INVALID');
    expect(err.field).toBe('http.listen');
    expect(err.message).toBe('invalid configuration: http.listen (from PN_HTTP_LISTEN): expected host:port, got "x"');
  });
});
