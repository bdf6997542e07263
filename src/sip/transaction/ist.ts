// INVITE server transaction (RFC 3261 §17.2.1, Figure 7), with the Accepted state and timer L of
// RFC 6026 §8.5-8.7: a 2xx from the TU moves to Accepted instead of ending the transaction, so
// INVITE retransmissions are still absorbed and 2xx retransmissions from the TU still go out.
import { timerDuration, nextCapped, type TimerContext } from './timers.ts';
import { isProvisional, isSuccess, type IstState, type TxAction, type TxInput, type TxResult } from './types.ts';

export interface IstMachine {
  readonly state: IstState;
  readonly ctx: TimerContext;
  /** Current interval of timer G. */
  readonly intervalG: number;
}

type R = TxResult<IstMachine>;

const to = (m: IstMachine, state: IstState, actions: TxAction[], intervalG = m.intervalG): R => ({
  state: { state, ctx: m.ctx, intervalG },
  actions,
});

/** Create the transaction; it answers 100 Trying at once (RFC 3261 §17.2.1). */
export function istStart(ctx: TimerContext): R {
  return { state: { state: 'proceeding', ctx, intervalG: timerDuration(ctx, 'G') }, actions: [{ type: 'send-trying' }] };
}

export function istReduce(m: IstMachine, input: TxInput): R {
  switch (m.state) {
    case 'proceeding':
      switch (input.type) {
        case 'request':
          // RFC 3261 §17.2.1: a retransmitted INVITE gets the most recent provisional response again.
          return to(m, m.state, [{ type: 'resend-response' }]);
        case 'tu-response': {
          if (isProvisional(input.status)) return to(m, m.state, [{ type: 'send-response' }]);
          if (isSuccess(input.status)) {
            // RFC 6026 §8.5: 2xx -> Accepted, timer L.
            return to(m, 'accepted', [{ type: 'send-response' }, { type: 'start-timer', timer: 'L', ms: timerDuration(m.ctx, 'L') }]);
          }
          const actions: TxAction[] = [{ type: 'send-response' }];
          if (!m.ctx.reliable) actions.push({ type: 'start-timer', timer: 'G', ms: m.intervalG });
          actions.push({ type: 'start-timer', timer: 'H', ms: timerDuration(m.ctx, 'H') });
          return to(m, 'completed', actions);
        }
        case 'transport-error':
          return to(m, 'terminated', [{ type: 'transport-error' }, { type: 'terminate' }]);
        default:
          return to(m, m.state, []);
      }
    case 'completed':
      switch (input.type) {
        case 'request':
          return to(m, m.state, [{ type: 'resend-response' }]);
        case 'timer':
          if (input.timer === 'G') {
            const next = nextCapped(m.intervalG, m.ctx.t2);
            return to(m, m.state, [{ type: 'resend-response' }, { type: 'start-timer', timer: 'G', ms: next }], next);
          }
          if (input.timer === 'H') return to(m, 'terminated', [{ type: 'stop-timer', timer: 'G' }, { type: 'ack-timeout' }, { type: 'terminate' }]);
          return to(m, m.state, []);
        case 'ack': {
          // RFC 3261 §17.2.1: ACK -> Confirmed, timer I (0 on reliable transports).
          const i = timerDuration(m.ctx, 'I');
          const stops: TxAction[] = [{ type: 'stop-timer', timer: 'G' }, { type: 'stop-timer', timer: 'H' }];
          if (i === 0) return to(m, 'terminated', [...stops, { type: 'terminate' }]);
          return to(m, 'confirmed', [...stops, { type: 'start-timer', timer: 'I', ms: i }]);
        }
        case 'transport-error':
          return to(m, 'terminated', [{ type: 'stop-timer', timer: 'G' }, { type: 'stop-timer', timer: 'H' }, { type: 'transport-error' }, { type: 'terminate' }]);
        default:
          return to(m, m.state, []);
      }
    case 'confirmed':
      // RFC 3261 §17.2.1: further ACKs are absorbed; timer I ends the transaction.
      if (input.type === 'timer' && input.timer === 'I') return to(m, 'terminated', [{ type: 'terminate' }]);
      return to(m, m.state, []);
    case 'accepted':
      switch (input.type) {
        case 'request':
          // RFC 6026 §8.7: a retransmitted INVITE is absorbed, not passed up.
          return to(m, m.state, []);
        case 'ack':
          // RFC 6026 §8.7: ACKs that match in Accepted are passed to the TU.
          return to(m, m.state, [{ type: 'pass-to-tu' }]);
        case 'tu-response':
          // RFC 6026 §8.7: 2xx retransmissions from the TU go out; anything else is discarded.
          if (isSuccess(input.status)) return to(m, m.state, [{ type: 'send-response' }]);
          return to(m, m.state, []);
        case 'timer':
          if (input.timer === 'L') return to(m, 'terminated', [{ type: 'terminate' }]);
          return to(m, m.state, []);
        default:
          // RFC 6026 §8.8: a transport error in Accepted does not end the transaction.
          return to(m, m.state, []);
      }
    case 'terminated':
      return to(m, m.state, []);
  }
}
