import { describe, expect, it } from 'vitest';
import { ictReduce, ictStart, type IctMachine } from '../../../../src/sip/transaction/ict.ts';
import type { TimerContext } from '../../../../src/sip/transaction/timers.ts';
import type { TxAction, TxInput } from '../../../../src/sip/transaction/types.ts';
import { drive } from './drive.ts';

const udp: TimerContext = { t1: 500, t2: 4000, t4: 5000, reliable: false };
const tcp: TimerContext = { ...udp, reliable: true };

const feed = (m: IctMachine, ...inputs: TxInput[]): { m: IctMachine; actions: TxAction[] } => {
  let actions: TxAction[] = [];
  for (const i of inputs) {
    const r = ictReduce(m, i);
    m = r.state;
    actions = r.actions;
  }
  return { m, actions };
};
const res = (status: number): TxInput => ({ type: 'response', status });
const types = (a: TxAction[]): string[] => a.map((x) => x.type);

describe('INVITE client transaction (RFC 3261 §17.1.1, RFC 6026 §8.4)', () => {
  it('ICT: MUST send the request and start timers A (T1) and B (64*T1) in Calling on unreliable transports (§17.1.1.2)', () => {
    const r = ictStart(udp);
    expect(r.state.state).toBe('calling');
    expect(r.actions).toEqual([
      { type: 'send-request' },
      { type: 'start-timer', timer: 'A', ms: 500 },
      { type: 'start-timer', timer: 'B', ms: 32_000 },
    ]);
  });

  it('ICT: MUST NOT start timer A on a reliable transport (§17.1.1.2)', () => {
    const r = ictStart(tcp);
    expect(r.actions.some((a) => a.type === 'start-timer' && a.timer === 'A')).toBe(false);
    expect(r.actions).toContainEqual({ type: 'start-timer', timer: 'B', ms: 32_000 });
  });

  it('ICT: MUST retransmit at intervals doubling from T1 (500, 1000, 2000, ...) until timer B fires at 64*T1 (§17.1.1.2)', () => {
    const sends = drive(ictStart(udp), ictReduce, 40_000);
    // Retransmissions at 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s, then B at 32 s.
    expect(sends.filter((e) => e.action.type === 'send-request').map((e) => e.at)).toEqual([0, 500, 1500, 3500, 7500, 15_500, 31_500]);
    const timeout = sends.find((e) => e.action.type === 'timeout');
    expect(timeout?.at).toBe(32_000);
    expect(sends.at(-1)?.action.type).toBe('terminate');
  });

  it('ICT: MUST inform the TU of a timeout when timer B fires in Calling (§17.1.1.2)', () => {
    const { m, actions } = feed(ictStart(udp).state, { type: 'timer', timer: 'B' });
    expect(m.state).toBe('terminated');
    expect(types(actions)).toContain('timeout');
    expect(types(actions)).toContain('terminate');
  });

  it('ICT: MUST pass a provisional response to the TU and move to Proceeding, stopping retransmissions (§17.1.1.2)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(180));
    expect(m.state).toBe('proceeding');
    expect(actions).toContainEqual({ type: 'stop-timer', timer: 'A' });
    expect(types(actions)).toContain('pass-to-tu');
    const again = feed(m, res(183));
    expect(again.m.state).toBe('proceeding');
    expect(types(again.actions)).toEqual(['pass-to-tu']);
    expect(feed(m, { type: 'timer', timer: 'A' }).actions).toEqual([]);
  });

  it('ICT: MUST send an ACK and pass 300-699 to the TU, entering Completed with timer D >= 32 s on UDP (§17.1.1.2)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(100), res(486));
    expect(m.state).toBe('completed');
    expect(types(actions)).toEqual(['send-ack', 'pass-to-tu', 'start-timer']);
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'D', ms: 32_000 });
  });

  it('ICT: MUST send an ACK for a final response received directly in Calling (§17.1.1.2)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(503));
    expect(m.state).toBe('completed');
    expect(types(actions)).toContain('send-ack');
    expect(actions).toContainEqual({ type: 'stop-timer', timer: 'B' });
  });

  it('ICT: MUST answer retransmitted final responses in Completed with an ACK and not pass them up (§17.1.1.2)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(486), res(486));
    expect(m.state).toBe('completed');
    expect(actions).toEqual([{ type: 'send-ack' }]);
  });

  it('ICT: MUST go to Terminated when timer D fires (§17.1.1.2)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(486), { type: 'timer', timer: 'D' });
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([{ type: 'terminate' }]);
  });

  it('ICT: timer D is 0 on a reliable transport, so a non-2xx final terminates at once (Table 4)', () => {
    const { m, actions } = feed(ictStart(tcp).state, res(404));
    expect(m.state).toBe('terminated');
    expect(types(actions)).toEqual(['stop-timer', 'stop-timer', 'send-ack', 'pass-to-tu', 'terminate']);
  });

  it('ICT: MUST pass to Accepted on a 2xx and start timer M = 64*T1 (RFC 6026 §8.4)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(180), res(200));
    expect(m.state).toBe('accepted');
    expect(types(actions)).toEqual(['pass-to-tu', 'start-timer']);
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'M', ms: 32_000 });
    expect(types(actions)).not.toContain('send-ack');
  });

  it('ICT: MUST pass every further 2xx to the TU in Accepted and MUST NOT generate an ACK for it (RFC 6026 §8.4)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(200), res(200));
    expect(m.state).toBe('accepted');
    expect(actions).toEqual([{ type: 'pass-to-tu' }]);
    expect(feed(m, res(486)).actions).toEqual([]);
  });

  it('ICT: MUST go to Terminated when timer M fires in Accepted (RFC 6026 §8.4)', () => {
    const { m, actions } = feed(ictStart(udp).state, res(200), { type: 'timer', timer: 'M' });
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([{ type: 'terminate' }]);
  });

  it('ICT: MUST inform the TU of a transport error in Calling and terminate (§17.1.4)', () => {
    const { m, actions } = feed(ictStart(udp).state, { type: 'transport-error' });
    expect(m.state).toBe('terminated');
    expect(types(actions)).toContain('transport-error');
  });

  it('ICT: ignores all input once Terminated', () => {
    const { m, actions } = feed(ictStart(udp).state, { type: 'timer', timer: 'B' }, res(200));
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([]);
  });
});
