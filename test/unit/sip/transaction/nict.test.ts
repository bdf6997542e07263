import { describe, expect, it } from 'vitest';
import { nictReduce, nictStart, type NictMachine } from '../../../../src/sip/transaction/nict.ts';
import type { TimerContext } from '../../../../src/sip/transaction/timers.ts';
import type { TxAction, TxInput } from '../../../../src/sip/transaction/types.ts';
import { drive } from './drive.ts';

const udp: TimerContext = { t1: 500, t2: 4000, t4: 5000, reliable: false };
const tcp: TimerContext = { ...udp, reliable: true };

const feed = (m: NictMachine, ...inputs: TxInput[]): { m: NictMachine; actions: TxAction[] } => {
  let actions: TxAction[] = [];
  for (const i of inputs) {
    const r = nictReduce(m, i);
    m = r.state;
    actions = r.actions;
  }
  return { m, actions };
};
const res = (status: number): TxInput => ({ type: 'response', status });
const types = (a: TxAction[]): string[] => a.map((x) => x.type);

describe('non-INVITE client transaction (RFC 3261 §17.1.2)', () => {
  it('NICT: MUST send the request and start timers E (T1) and F (64*T1) in Trying (§17.1.2.2)', () => {
    const r = nictStart(udp);
    expect(r.state.state).toBe('trying');
    expect(r.actions).toEqual([
      { type: 'send-request' },
      { type: 'start-timer', timer: 'E', ms: 500 },
      { type: 'start-timer', timer: 'F', ms: 32_000 },
    ]);
  });

  it('NICT: MUST NOT start timer E on a reliable transport (§17.1.2.2)', () => {
    expect(types(nictStart(tcp).actions)).toEqual(['send-request', 'start-timer']);
  });

  it('NICT: MUST retransmit in Trying at intervals doubling up to T2, and time out at 64*T1 (§17.1.2.2)', () => {
    const log = drive(nictStart(udp), nictReduce, 40_000);
    const sends = log.filter((e) => e.action.type === 'send-request').map((e) => e.at);
    // 0, then +0.5, +1, +2, +4, +4, ... capped at T2 = 4 s.
    expect(sends.slice(0, 7)).toEqual([0, 500, 1500, 3500, 7500, 11_500, 15_500]);
    expect(log.find((e) => e.action.type === 'timeout')?.at).toBe(32_000);
  });

  it('NICT: MUST retransmit every T2 in Proceeding (§17.1.2.2)', () => {
    const log = drive(nictStart(udp), nictReduce, 20_000, [{ at: 100, input: res(100) }]);
    const sends = log.filter((e) => e.action.type === 'send-request').map((e) => e.at);
    // The E timer armed in Trying fires at 500, then every T2.
    expect(sends).toEqual([0, 500, 4500, 8500, 12_500, 16_500]);
  });

  it('NICT: MUST pass a provisional to the TU and move to Proceeding (§17.1.2.2)', () => {
    const { m, actions } = feed(nictStart(udp).state, res(100));
    expect(m.state).toBe('proceeding');
    expect(actions).toEqual([{ type: 'pass-to-tu' }]);
  });

  it('NICT: MUST inform the TU of a timeout when timer F fires in Trying or Proceeding (§17.1.2.2)', () => {
    for (const m0 of [nictStart(udp).state, feed(nictStart(udp).state, res(100)).m]) {
      const { m, actions } = feed(m0, { type: 'timer', timer: 'F' });
      expect(m.state).toBe('terminated');
      expect(types(actions)).toContain('timeout');
    }
  });

  it('NICT: MUST pass a final response to the TU and enter Completed with timer K = T4 on UDP (§17.1.2.2)', () => {
    const { m, actions } = feed(nictStart(udp).state, res(100), res(200));
    expect(m.state).toBe('completed');
    expect(types(actions)).toContain('pass-to-tu');
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'K', ms: 5000 });
    expect(actions).toContainEqual({ type: 'stop-timer', timer: 'E' });
  });

  it('NICT: timer K is 0 on a reliable transport: a final response terminates at once (§17.1.2.2)', () => {
    const { m, actions } = feed(nictStart(tcp).state, res(404));
    expect(m.state).toBe('terminated');
    expect(types(actions)).toContain('pass-to-tu');
    expect(types(actions).at(-1)).toBe('terminate');
  });

  it('NICT: MUST absorb retransmitted responses in Completed (§17.1.2.2)', () => {
    const { m, actions } = feed(nictStart(udp).state, res(200), res(200));
    expect(m.state).toBe('completed');
    expect(actions).toEqual([]);
  });

  it('NICT: MUST go to Terminated when timer K fires (§17.1.2.2)', () => {
    const { m, actions } = feed(nictStart(udp).state, res(200), { type: 'timer', timer: 'K' });
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([{ type: 'terminate' }]);
  });

  it('NICT: MUST inform the TU of a transport error and terminate (§17.1.4)', () => {
    const { m, actions } = feed(nictStart(udp).state, { type: 'transport-error' });
    expect(m.state).toBe('terminated');
    expect(types(actions)).toContain('transport-error');
  });
});
