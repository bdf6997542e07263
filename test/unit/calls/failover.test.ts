import { describe, expect, it } from 'vitest';
import { isRetryableStatus, serialAttempts, shouldTryNext } from '../../../src/calls/failover.ts';
import type { AttemptFailure } from '../../../src/calls/failover.ts';

const ctx = { attempt: 0, attempts: 3, earlyMedia: false };

describe('shouldTryNext', () => {
  it.each([500, 502, 503, 504, 408])('tries the next gateway on %i', (status) => {
    expect(shouldTryNext({ kind: 'sip', status }, ctx)).toBe(true);
  });
  it.each([404, 480, 486, 487, 600, 603, 403])('passes %i upstream at once', (status) => {
    expect(shouldTryNext({ kind: 'sip', status }, ctx)).toBe(false);
  });
  it('stops after the last gateway', () => {
    expect(shouldTryNext({ kind: 'sip', status: 503 }, { ...ctx, attempt: 2 })).toBe(false);
  });
  it('stops once early media reached the caller', () => {
    expect(shouldTryNext({ kind: 'sip', status: 503 }, { ...ctx, earlyMedia: true })).toBe(false);
  });
  it.each<AttemptFailure>([{ kind: 'caller-cancelled' }, { kind: 'ring-timeout' }, { kind: 'error', error: new Error('socket closed') }])(
    'stops on $kind',
    (f) => {
      expect(shouldTryNext(f, ctx)).toBe(false);
    },
  );
  it('classifies statuses', () => {
    expect(isRetryableStatus(599)).toBe(true);
    expect(isRetryableStatus(600)).toBe(false);
    expect(isRetryableStatus(499)).toBe(false);
  });
});

class Status extends Error {
  constructor(readonly status: number) {
    super(`status ${status}`);
  }
}
const classify = (err: unknown): AttemptFailure => (err instanceof Status ? { kind: 'sip', status: err.status } : { kind: 'error', error: err });

describe('serialAttempts', () => {
  it('tries gateways in order until one answers', async () => {
    const tried: string[] = [];
    const r = await serialAttempts(['g1', 'g2', 'g3'], async (t) => {
      tried.push(t);
      if (t !== 'g3') throw new Status(503);
      return 'ok';
    }, classify, () => false);
    expect(tried).toEqual(['g1', 'g2', 'g3']);
    expect(r).toEqual({ ok: true, value: 'ok', attempt: 2 });
  });
  it('passes the last failure only after the last gateway', async () => {
    const last: boolean[] = [];
    const r = await serialAttempts(['g1', 'g2'], async (_t, _i, isLast) => {
      last.push(isLast);
      throw new Status(isLast ? 504 : 500);
    }, classify, () => false);
    expect(last).toEqual([false, true]);
    expect(r).toEqual({ ok: false, failure: { kind: 'sip', status: 504 }, attempt: 1 });
  });
  it('stops on busy without trying the next gateway', async () => {
    const tried: string[] = [];
    const r = await serialAttempts(['g1', 'g2'], async (t) => {
      tried.push(t);
      throw new Status(486);
    }, classify, () => false);
    expect(tried).toEqual(['g1']);
    expect(r.ok).toBe(false);
  });
  it('stops on a non-SIP error and after early media', async () => {
    const r1 = await serialAttempts(['g1', 'g2'], async () => { throw new TypeError('boom'); }, classify, () => false);
    expect(r1).toMatchObject({ ok: false, attempt: 0, failure: { kind: 'error' } });
    const r2 = await serialAttempts(['g1', 'g2'], async () => { throw new Status(503); }, classify, () => true);
    expect(r2).toMatchObject({ ok: false, attempt: 0 });
  });
  it('fails with 503 when there is no gateway', async () => {
    expect(await serialAttempts([], async () => 'x', classify, () => false)).toEqual({ ok: false, failure: { kind: 'sip', status: 503 }, attempt: -1 });
  });
});
