import { describe, expect, it } from 'vitest';
import { nistReduce, nistStart, type NistMachine } from '../../../../src/sip/transaction/nist.ts';
import type { TimerContext } from '../../../../src/sip/transaction/timers.ts';
import type { TxAction, TxInput } from '../../../../src/sip/transaction/types.ts';

const udp: TimerContext = { t1: 500, t2: 4000, t4: 5000, reliable: false };
const tcp: TimerContext = { ...udp, reliable: true };

const feed = (m: NistMachine, ...inputs: TxInput[]): { m: NistMachine; actions: TxAction[] } => {
  let actions: TxAction[] = [];
  for (const i of inputs) {
    const r = nistReduce(m, i);
    m = r.state;
    actions = r.actions;
  }
  return { m, actions };
};
const tu = (status: number): TxInput => ({ type: 'tu-response', status });

describe('non-INVITE server transaction (RFC 3261 §17.2.2)', () => {
  it('NIST: is created in Trying and sends nothing on its own (§17.2.2)', () => {
    const r = nistStart(udp);
    expect(r.state.state).toBe('trying');
    expect(r.actions).toEqual([]);
  });

  it('NIST: MUST discard request retransmissions in Trying (§17.2.2)', () => {
    const { m, actions } = feed(nistStart(udp).state, { type: 'request' });
    expect(m.state).toBe('trying');
    expect(actions).toEqual([]);
  });

  it('NIST: MUST pass a provisional from the TU to the transport and enter Proceeding (§17.2.2)', () => {
    const { m, actions } = feed(nistStart(udp).state, tu(100));
    expect(m.state).toBe('proceeding');
    expect(actions).toEqual([{ type: 'send-response' }]);
  });

  it('NIST: MUST resend the most recent provisional on a retransmission in Proceeding (§17.2.2)', () => {
    const { actions } = feed(nistStart(udp).state, tu(100), { type: 'request' });
    expect(actions).toEqual([{ type: 'resend-response' }]);
  });

  it('NIST: MUST enter Completed on a final response from the TU and start timer J = 64*T1 on UDP (§17.2.2)', () => {
    for (const m0 of [nistStart(udp).state, feed(nistStart(udp).state, tu(100)).m]) {
      const { m, actions } = feed(m0, tu(200));
      expect(m.state).toBe('completed');
      expect(actions).toEqual([{ type: 'send-response' }, { type: 'start-timer', timer: 'J', ms: 32_000 }]);
    }
  });

  it('NIST: timer J is 0 on reliable transports: a final response terminates at once (§17.2.2)', () => {
    const { m, actions } = feed(nistStart(tcp).state, tu(200));
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([{ type: 'send-response' }, { type: 'terminate' }]);
  });

  it('NIST: MUST resend the final response on every retransmission in Completed (§17.2.2)', () => {
    const m = feed(nistStart(udp).state, tu(200)).m;
    expect(feed(m, { type: 'request' }).actions).toEqual([{ type: 'resend-response' }]);
    expect(feed(m, { type: 'request' }, { type: 'request' }).actions).toEqual([{ type: 'resend-response' }]);
  });

  it('NIST: MUST discard further final responses from the TU in Completed (§17.2.2)', () => {
    const m = feed(nistStart(udp).state, tu(200)).m;
    expect(feed(m, tu(500)).actions).toEqual([]);
  });

  it('NIST: MUST go to Terminated when timer J fires (§17.2.2)', () => {
    const { m, actions } = feed(nistStart(udp).state, tu(200), { type: 'timer', timer: 'J' });
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([{ type: 'terminate' }]);
  });

  it('NIST: MUST inform the TU of a transport error in Proceeding and terminate (§17.2.4)', () => {
    const { m, actions } = feed(nistStart(udp).state, tu(100), { type: 'transport-error' });
    expect(m.state).toBe('terminated');
    expect(actions).toContainEqual({ type: 'transport-error' });
  });
});
