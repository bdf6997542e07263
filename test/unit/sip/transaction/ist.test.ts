import { describe, expect, it } from 'vitest';
import { istReduce, istStart, type IstMachine } from '../../../../src/sip/transaction/ist.ts';
import type { TimerContext } from '../../../../src/sip/transaction/timers.ts';
import type { TxAction, TxInput } from '../../../../src/sip/transaction/types.ts';
import { drive } from './drive.ts';

const udp: TimerContext = { t1: 500, t2: 4000, t4: 5000, reliable: false };
const tcp: TimerContext = { ...udp, reliable: true };

const feed = (m: IstMachine, ...inputs: TxInput[]): { m: IstMachine; actions: TxAction[] } => {
  let actions: TxAction[] = [];
  for (const i of inputs) {
    const r = istReduce(m, i);
    m = r.state;
    actions = r.actions;
  }
  return { m, actions };
};
const tu = (status: number): TxInput => ({ type: 'tu-response', status });
const types = (a: TxAction[]): string[] => a.map((x) => x.type);

describe('INVITE server transaction (RFC 3261 §17.2.1, RFC 6026 §8.5-8.7)', () => {
  it('IST: MUST generate a 100 Trying on creation and enter Proceeding (§17.2.1)', () => {
    const r = istStart(udp);
    expect(r.state.state).toBe('proceeding');
    expect(r.actions).toEqual([{ type: 'send-trying' }]);
  });

  it('IST: MUST pass provisional responses from the TU to the transport in Proceeding (§17.2.1)', () => {
    const { m, actions } = feed(istStart(udp).state, tu(180));
    expect(m.state).toBe('proceeding');
    expect(actions).toEqual([{ type: 'send-response' }]);
  });

  it('IST: MUST resend the most recent provisional response on a retransmitted INVITE in Proceeding (§17.2.1)', () => {
    const { actions } = feed(istStart(udp).state, tu(180), { type: 'request' });
    expect(actions).toEqual([{ type: 'resend-response' }]);
  });

  it('IST: MUST pass to Accepted on 2xx from TU and start timer L = 64*T1 (RFC 6026 §8.5)', () => {
    const { m, actions } = feed(istStart(udp).state, tu(180), tu(200));
    expect(m.state).toBe('accepted');
    expect(actions).toEqual([{ type: 'send-response' }, { type: 'start-timer', timer: 'L', ms: 32_000 }]);
  });

  it('IST: MUST absorb a retransmitted INVITE in Accepted without passing it up (RFC 6026 §8.7)', () => {
    const { m, actions } = feed(istStart(udp).state, tu(200), { type: 'request' });
    expect(m.state).toBe('accepted');
    expect(actions).toEqual([]);
  });

  it('IST: MUST send 2xx retransmissions from the TU in Accepted and discard other responses (RFC 6026 §8.7)', () => {
    const m = feed(istStart(udp).state, tu(200)).m;
    expect(feed(m, tu(200)).actions).toEqual([{ type: 'send-response' }]);
    expect(feed(m, tu(486)).actions).toEqual([]);
  });

  it('IST: MUST pass a matching ACK to the TU in Accepted (RFC 6026 §8.7)', () => {
    const m = feed(istStart(udp).state, tu(200)).m;
    expect(feed(m, { type: 'ack' }).actions).toEqual([{ type: 'pass-to-tu' }]);
  });

  it('IST: MUST go to Terminated when timer L fires in Accepted (RFC 6026 §8.7)', () => {
    const { m, actions } = feed(istStart(udp).state, tu(200), { type: 'timer', timer: 'L' });
    expect(m.state).toBe('terminated');
    expect(actions).toEqual([{ type: 'terminate' }]);
  });

  it('IST: a transport error in Accepted MUST NOT terminate the transaction (RFC 6026 §8.8)', () => {
    const { m } = feed(istStart(udp).state, tu(200), { type: 'transport-error' });
    expect(m.state).toBe('accepted');
  });

  it('IST: MUST enter Completed on 300-699 from the TU with timers G (T1) and H (64*T1) on UDP (§17.2.1)', () => {
    const { m, actions } = feed(istStart(udp).state, tu(486));
    expect(m.state).toBe('completed');
    expect(actions).toEqual([
      { type: 'send-response' },
      { type: 'start-timer', timer: 'G', ms: 500 },
      { type: 'start-timer', timer: 'H', ms: 32_000 },
    ]);
  });

  it('IST: MUST NOT start timer G on a reliable transport (§17.2.1)', () => {
    const { actions } = feed(istStart(tcp).state, tu(486));
    expect(actions).toEqual([{ type: 'send-response' }, { type: 'start-timer', timer: 'H', ms: 32_000 }]);
  });

  it('IST: MUST retransmit the final response at intervals doubling up to T2 until timer H (§17.2.1)', () => {
    const log = drive(istStart(udp), istReduce, 40_000, [{ at: 0, input: tu(486) }]);
    const resends = log.filter((e) => e.action.type === 'resend-response').map((e) => e.at);
    expect(resends.slice(0, 6)).toEqual([500, 1500, 3500, 7500, 11_500, 15_500]);
    expect(log.find((e) => e.action.type === 'ack-timeout')?.at).toBe(32_000);
    expect(log.at(-1)?.action.type).toBe('terminate');
  });

  it('IST: MUST resend the final response on a retransmitted INVITE in Completed (§17.2.1)', () => {
    const { actions } = feed(istStart(udp).state, tu(486), { type: 'request' });
    expect(actions).toEqual([{ type: 'resend-response' }]);
  });

  it('IST: MUST enter Confirmed on ACK in Completed and start timer I = T4 on UDP (§17.2.1)', () => {
    const { m, actions } = feed(istStart(udp).state, tu(486), { type: 'ack' });
    expect(m.state).toBe('confirmed');
    expect(actions).toContainEqual({ type: 'stop-timer', timer: 'G' });
    expect(actions).toContainEqual({ type: 'start-timer', timer: 'I', ms: 5000 });
  });

  it('IST: timer I is 0 on reliable transports: ACK terminates at once (§17.2.1)', () => {
    const { m, actions } = feed(istStart(tcp).state, tu(486), { type: 'ack' });
    expect(m.state).toBe('terminated');
    expect(types(actions).at(-1)).toBe('terminate');
  });

  it('IST: MUST absorb further ACKs in Confirmed and terminate on timer I (§17.2.1)', () => {
    const m = feed(istStart(udp).state, tu(486), { type: 'ack' }).m;
    expect(feed(m, { type: 'ack' }).actions).toEqual([]);
    expect(feed(m, { type: 'request' }).actions).toEqual([]);
    const end = feed(m, { type: 'timer', timer: 'I' });
    expect(end.m.state).toBe('terminated');
  });

  it('IST: MUST inform the TU of a transport error in Proceeding or Completed (§17.2.4)', () => {
    for (const m0 of [istStart(udp).state, feed(istStart(udp).state, tu(486)).m]) {
      const { m, actions } = feed(m0, { type: 'transport-error' });
      expect(m.state).toBe('terminated');
      expect(types(actions)).toContain('transport-error');
    }
  });
});
