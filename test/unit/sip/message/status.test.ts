// Tests src/sip/status.ts (kept with the message model tests).
import { describe, expect, it } from 'vitest';
import { isFinal, isProvisional, isSuccess, reasonPhrase } from '../../../../src/sip/status.ts';

describe('reasonPhrase (RFC 3261 §21)', () => {
  it.each([
    [100, 'Trying'], [180, 'Ringing'], [183, 'Session Progress'], [200, 'OK'], [400, 'Bad Request'], [404, 'Not Found'],
    [408, 'Request Timeout'], [416, 'Unsupported URI Scheme'], [420, 'Bad Extension'], [481, 'Call/Transaction Does Not Exist'],
    [483, 'Too Many Hops'], [487, 'Request Terminated'], [488, 'Not Acceptable Here'], [503, 'Service Unavailable'],
    [505, 'Version Not Supported'], [603, 'Decline'], [422, 'Session Interval Too Small'], [489, 'Bad Event'],
  ])('%i %s', (code, phrase) => {
    expect(reasonPhrase(code)).toBe(phrase);
  });

  it('an unknown code gets its class phrase (§21: treat as x00)', () => {
    expect(reasonPhrase(499)).toBe('Client Error');
    expect(reasonPhrase(299)).toBe('OK');
    expect(reasonPhrase(999)).toBe('Unknown');
  });

  it('classifies codes', () => {
    expect([isProvisional(183), isSuccess(202), isFinal(180), isFinal(487)]).toEqual([true, true, false, true]);
  });
});
