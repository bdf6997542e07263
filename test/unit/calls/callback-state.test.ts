import { describe, expect, it } from 'vitest';
import { canMove, connectedEnd, hangupBeforeConnect, isTerminal, legFailureEnd, mediaFailedEnd, stoppedBeforeConnect } from '../../../src/calls/callback-state.ts';
import type { CallbackStatus } from '../../../src/calls/callback-state.ts';

describe('callback state transitions', () => {
  it('progress moves forward only', () => {
    expect(canMove('queued', 'calling-a')).toBe(true);
    expect(canMove('calling-a', 'a-answered')).toBe(true);
    expect(canMove('a-answered', 'calling-b')).toBe(true);
    expect(canMove('calling-b', 'connected')).toBe(true);
    expect(canMove('calling-b', 'calling-a')).toBe(false);
    expect(canMove('connected', 'connected')).toBe(false);
  });

  it('every non-final state may end; nothing leaves a final state', () => {
    const progress: CallbackStatus[] = ['queued', 'calling-a', 'a-answered', 'calling-b', 'connected'];
    const finals: CallbackStatus[] = ['completed', 'failed', 'cancelled'];
    for (const from of progress) for (const to of finals) expect(canMove(from, to)).toBe(true);
    for (const from of finals) {
      expect(isTerminal(from)).toBe(true);
      for (const to of [...progress, ...finals]) expect(canMove(from, to)).toBe(false);
    }
  });
});

describe('how a callback ends', () => {
  it('A busy / no answer / rejected: failed, with the leg in the reason', () => {
    expect(legFailureEnd('a', { kind: 'sip', status: 486 })).toMatchObject({ status: 'failed', reason: 'a-busy', outcome: 'busy', finalStatus: 486 });
    expect(legFailureEnd('a', { kind: 'sip', status: 600 })).toMatchObject({ reason: 'a-busy', outcome: 'busy' });
    expect(legFailureEnd('a', { kind: 'ring-timeout' })).toMatchObject({ reason: 'a-no-answer', outcome: 'no-answer', finalStatus: 480 });
    expect(legFailureEnd('a', { kind: 'sip', status: 408 })).toMatchObject({ reason: 'a-no-answer' });
    expect(legFailureEnd('a', { kind: 'sip', status: 603 })).toMatchObject({ reason: 'a-rejected', outcome: 'failed', finalStatus: 603 });
    expect(legFailureEnd('a', { kind: 'sip', status: 503 })).toMatchObject({ reason: 'a-unreachable' });
    expect(legFailureEnd('a', { kind: 'error', error: new Error('x') })).toMatchObject({ reason: 'a-unreachable', finalStatus: 503 });
  });

  it('B failures name B', () => {
    expect(legFailureEnd('b', { kind: 'sip', status: 486 })).toMatchObject({ reason: 'b-busy' });
    expect(legFailureEnd('b', { kind: 'ring-timeout' })).toMatchObject({ reason: 'b-no-answer' });
    expect(legFailureEnd('b', { kind: 'sip', status: 404 })).toMatchObject({ reason: 'b-rejected' });
  });

  it('a cancelled attempt is an API cancel', () => {
    expect(legFailureEnd('b', { kind: 'caller-cancelled' })).toMatchObject({ status: 'cancelled', outcome: 'cancelled', hangupBy: 'api', finalStatus: 487 });
    expect(stoppedBeforeConnect('api')).toMatchObject({ status: 'cancelled', hangupBy: 'api' });
    expect(stoppedBeforeConnect('shutdown')).toMatchObject({ status: 'failed', reason: 'shutdown', hangupBy: 'system' });
  });

  it('connected calls complete with outcome answered and who hung up', () => {
    expect(connectedEnd('a')).toMatchObject({ status: 'completed', reason: 'a-hangup', outcome: 'answered', hangupBy: 'caller', finalStatus: 200 });
    expect(connectedEnd('b')).toMatchObject({ status: 'completed', reason: 'b-hangup', hangupBy: 'callee' });
    expect(connectedEnd('max-duration')).toMatchObject({ status: 'completed', reason: 'max-duration', hangupBy: 'system' });
    expect(connectedEnd('api')).toMatchObject({ status: 'cancelled', outcome: 'answered', hangupBy: 'api' });
  });

  it('A hanging up while B rings, and A refusing B\'s offer, fail the callback', () => {
    expect(hangupBeforeConnect('a')).toMatchObject({ status: 'failed', reason: 'a-hangup', hangupBy: 'caller' });
    expect(mediaFailedEnd(488)).toMatchObject({ status: 'failed', reason: 'media-failed', finalStatus: 488 });
  });
});
