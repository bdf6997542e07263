import { describe, expect, it } from 'vitest';
import { callbackRecord, endRecord, nodeLost } from '../../../src/calls/callback-record.ts';
import { connectedEnd, nodeLostEnd } from '../../../src/calls/callback-state.ts';
import { leaseMember, parseLeaseMember } from '../../../src/calls/callback-store.ts';
import type { StoredCallback } from '../../../src/calls/callback-store.ts';

const A = '+8613912345671';
const B = '+8613987654322';
const X = '+8617000005001';

const base: StoredCallback = { id: 'cb-1', tenant: 'acme', status: 'calling-b', x: X, bindingId: 'bnd-1', a: A, b: B, createdAt: 1_000_000 };

describe('callback record', () => {
  it('is A calling B through X, invited when the callback was created (the same index entry on every node)', () => {
    expect(callbackRecord(base, 'out-7')).toEqual({
      id: 'cb-1',
      kind: 'callback',
      tenant: 'acme',
      bindingId: 'bnd-1',
      x: X,
      caller: A,
      callee: B,
      direction: 'a-to-b',
      invitedAt: 1_000_000,
      outId: 'out-7',
    });
    expect(callbackRecord(base)).not.toHaveProperty('outId');
  });

  it('an end sets outcome, final status, who hung up and the duration from the answer', () => {
    const r = callbackRecord(base);
    r.answeredAt = 1_010_000;
    endRecord(r, connectedEnd('b'), 1_072_400);
    expect(r).toMatchObject({ endedAt: 1_072_400, outcome: 'answered', finalStatus: 200, hangupBy: 'callee', durationSeconds: 62 });
  });
});

describe('a callback lost with its process', () => {
  it('fails with reason node-lost whatever its progress, keeping what was known', () => {
    const { state, record, end } = nodeLost(base, 2_000_000, 'out-7');
    expect(end).toEqual(nodeLostEnd());
    expect(state).toEqual({ ...base, status: 'failed', reason: 'node-lost', endedAt: 2_000_000 });
    expect(record).toMatchObject({ id: 'cb-1', outcome: 'failed', finalStatus: 503, hangupBy: 'system', endedAt: 2_000_000, outId: 'out-7' });
    expect(record.answeredAt).toBeUndefined();
    expect(record.durationSeconds).toBeUndefined();
  });

  it('a connected one keeps its answer time; the duration runs to the sweep', () => {
    const { state, record } = nodeLost({ ...base, status: 'connected', answeredAt: 1_500_000 }, 1_530_000);
    expect(state).toMatchObject({ status: 'failed', reason: 'node-lost', answeredAt: 1_500_000 });
    expect(record).toMatchObject({ answeredAt: 1_500_000, durationSeconds: 30, outcome: 'failed' });
  });

  it('does not change the state it was given', () => {
    const copy = { ...base };
    nodeLost(base, 2_000_000);
    expect(base).toEqual(copy);
  });
});

describe('lease index members', () => {
  it('round-trip tenant and id, whatever characters they hold', () => {
    for (const [t, id] of [['acme', 'cb-1'], ['a b/"c"', 'x:y'], ['', '']]) expect(parseLeaseMember(leaseMember(t as string, id as string))).toEqual({ tenant: t, id });
  });

  it('reject what is not one of ours', () => {
    for (const m of ['', 'acme', '["acme"]', '["acme",1]', '{"tenant":"a","id":"b"}', '[1,2]']) expect(parseLeaseMember(m)).toBeNull();
  });
});
