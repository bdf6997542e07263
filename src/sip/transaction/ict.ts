// INVITE client transaction (RFC 3261 §17.1.1, Figure 5), with the Accepted state and timer M of
// RFC 6026 §8.4: a 2xx no longer ends the transaction, so retransmitted and forked 2xx responses
// still reach the TU.
import { timerDuration, nextTimerA, type TimerContext } from './timers.ts';
import { isProvisional, isSuccess, type IctState, type TxAction, type TxInput, type TxResult } from './types.ts';

export interface IctMachine {
  readonly state: IctState;
  readonly ctx: TimerContext;
  /** Current interval of timer A. */
  readonly intervalA: number;
}

type R = TxResult<IctMachine>;

const to = (m: IctMachine, state: IctState, actions: TxAction[], intervalA = m.intervalA): R => ({
  state: { state, ctx: m.ctx, intervalA },
  actions,
});

/** Create the transaction and send the INVITE (RFC 3261 §17.1.1.2). */
export function ictStart(ctx: TimerContext): R {
  const a = timerDuration(ctx, 'A');
  const actions: TxAction[] = [{ type: 'send-request' }];
  // Timer A only on an unreliable transport.
  if (!ctx.reliable) actions.push({ type: 'start-timer', timer: 'A', ms: a });
  actions.push({ type: 'start-timer', timer: 'B', ms: timerDuration(ctx, 'B') });
  return { state: { state: 'calling', ctx, intervalA: a }, actions };
}

function onFinal(m: IctMachine, status: number, stops: TxAction[]): R {
  if (isSuccess(status)) {
    // RFC 6026 §8.4: 2xx -> Accepted, pass to the TU, start timer M.
    return to(m, 'accepted', [...stops, { type: 'pass-to-tu' }, { type: 'start-timer', timer: 'M', ms: timerDuration(m.ctx, 'M') }]);
  }
  // RFC 3261 §17.1.1.2: 300-699 -> ACK, pass to the TU, Completed with timer D.
  const d = timerDuration(m.ctx, 'D');
  const actions: TxAction[] = [...stops, { type: 'send-ack' }, { type: 'pass-to-tu' }];
  if (d === 0) return to(m, 'terminated', [...actions, { type: 'terminate' }]);
  return to(m, 'completed', [...actions, { type: 'start-timer', timer: 'D', ms: d }]);
}

export function ictReduce(m: IctMachine, input: TxInput): R {
  switch (m.state) {
    case 'calling':
      switch (input.type) {
        case 'timer':
          if (input.timer === 'A') {
            const next = nextTimerA(m.intervalA);
            return to(m, 'calling', [{ type: 'send-request' }, { type: 'start-timer', timer: 'A', ms: next }], next);
          }
          if (input.timer === 'B') return to(m, 'terminated', [{ type: 'stop-timer', timer: 'A' }, { type: 'timeout' }, { type: 'terminate' }]);
          return to(m, m.state, []);
        case 'response': {
          const stops: TxAction[] = [{ type: 'stop-timer', timer: 'A' }, { type: 'stop-timer', timer: 'B' }];
          if (isProvisional(input.status)) return to(m, 'proceeding', [...stops, { type: 'pass-to-tu' }]);
          return onFinal(m, input.status, stops);
        }
        case 'transport-error':
          return to(m, 'terminated', [{ type: 'stop-timer', timer: 'A' }, { type: 'stop-timer', timer: 'B' }, { type: 'transport-error' }, { type: 'terminate' }]);
        default:
          return to(m, m.state, []);
      }
    case 'proceeding':
      switch (input.type) {
        case 'response':
          if (isProvisional(input.status)) return to(m, 'proceeding', [{ type: 'pass-to-tu' }]);
          return onFinal(m, input.status, []);
        case 'transport-error':
          return to(m, 'terminated', [{ type: 'transport-error' }, { type: 'terminate' }]);
        default:
          return to(m, m.state, []);
      }
    case 'completed':
      switch (input.type) {
        case 'response':
          // RFC 3261 §17.1.1.2: a retransmitted final response is answered with the ACK again, not passed up.
          if (input.status >= 300) return to(m, 'completed', [{ type: 'send-ack' }]);
          return to(m, m.state, []);
        case 'timer':
          if (input.timer === 'D') return to(m, 'terminated', [{ type: 'terminate' }]);
          return to(m, m.state, []);
        case 'transport-error':
          // RFC 3261 §17.1.4: the TU already has the final response; just end.
          return to(m, 'terminated', [{ type: 'stop-timer', timer: 'D' }, { type: 'terminate' }]);
        default:
          return to(m, m.state, []);
      }
    case 'accepted':
      switch (input.type) {
        case 'response':
          // RFC 6026 §8.4: every further 2xx is passed to the TU; other responses are discarded.
          if (isSuccess(input.status)) return to(m, 'accepted', [{ type: 'pass-to-tu' }]);
          return to(m, m.state, []);
        case 'timer':
          if (input.timer === 'M') return to(m, 'terminated', [{ type: 'terminate' }]);
          return to(m, m.state, []);
        default:
          return to(m, m.state, []);
      }
    case 'terminated':
      return to(m, m.state, []);
  }
}
