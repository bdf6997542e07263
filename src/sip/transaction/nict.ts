// Non-INVITE client transaction (RFC 3261 §17.1.2, Figure 6).
import { timerDuration, nextCapped, type TimerContext } from './timers.ts';
import { isProvisional, type NictState, type TxAction, type TxInput, type TxResult } from './types.ts';

export interface NictMachine {
  readonly state: NictState;
  readonly ctx: TimerContext;
  /** Current interval of timer E. */
  readonly intervalE: number;
}

type R = TxResult<NictMachine>;

const to = (m: NictMachine, state: NictState, actions: TxAction[], intervalE = m.intervalE): R => ({
  state: { state, ctx: m.ctx, intervalE },
  actions,
});

/** Create the transaction and send the request (RFC 3261 §17.1.2.2). */
export function nictStart(ctx: TimerContext): R {
  const e = timerDuration(ctx, 'E');
  const actions: TxAction[] = [{ type: 'send-request' }];
  if (!ctx.reliable) actions.push({ type: 'start-timer', timer: 'E', ms: e });
  actions.push({ type: 'start-timer', timer: 'F', ms: timerDuration(ctx, 'F') });
  return { state: { state: 'trying', ctx, intervalE: e }, actions };
}

function onFinal(m: NictMachine): R {
  const stops: TxAction[] = [{ type: 'stop-timer', timer: 'E' }, { type: 'stop-timer', timer: 'F' }, { type: 'pass-to-tu' }];
  const k = timerDuration(m.ctx, 'K');
  if (k === 0) return to(m, 'terminated', [...stops, { type: 'terminate' }]);
  return to(m, 'completed', [...stops, { type: 'start-timer', timer: 'K', ms: k }]);
}

function active(m: NictMachine, input: TxInput): R {
  switch (input.type) {
    case 'timer':
      if (input.timer === 'E') {
        // RFC 3261 §17.1.2.2: in Trying the interval doubles up to T2; in Proceeding it is T2.
        const next = m.state === 'trying' ? nextCapped(m.intervalE, m.ctx.t2) : m.ctx.t2;
        return to(m, m.state, [{ type: 'send-request' }, { type: 'start-timer', timer: 'E', ms: next }], next);
      }
      if (input.timer === 'F') return to(m, 'terminated', [{ type: 'stop-timer', timer: 'E' }, { type: 'timeout' }, { type: 'terminate' }]);
      return to(m, m.state, []);
    case 'response':
      if (isProvisional(input.status)) return to(m, 'proceeding', [{ type: 'pass-to-tu' }]);
      return onFinal(m);
    case 'transport-error':
      return to(m, 'terminated', [{ type: 'stop-timer', timer: 'E' }, { type: 'stop-timer', timer: 'F' }, { type: 'transport-error' }, { type: 'terminate' }]);
    default:
      return to(m, m.state, []);
  }
}

export function nictReduce(m: NictMachine, input: TxInput): R {
  switch (m.state) {
    case 'trying':
    case 'proceeding':
      return active(m, input);
    case 'completed':
      // RFC 3261 §17.1.2.2: retransmitted responses are absorbed; timer K ends the transaction.
      if (input.type === 'timer' && input.timer === 'K') return to(m, 'terminated', [{ type: 'terminate' }]);
      return to(m, m.state, []);
    case 'terminated':
      return to(m, m.state, []);
  }
}
