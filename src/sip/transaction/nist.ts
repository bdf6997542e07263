// Non-INVITE server transaction (RFC 3261 §17.2.2, Figure 8).
import { timerDuration, type TimerContext } from './timers.ts';
import { isProvisional, type NistState, type TxAction, type TxInput, type TxResult } from './types.ts';

export interface NistMachine {
  readonly state: NistState;
  readonly ctx: TimerContext;
}

type R = TxResult<NistMachine>;

const to = (m: NistMachine, state: NistState, actions: TxAction[]): R => ({ state: { state, ctx: m.ctx }, actions });

export function nistStart(ctx: TimerContext): R {
  return { state: { state: 'trying', ctx }, actions: [] };
}

function onTuResponse(m: NistMachine, status: number): R {
  if (isProvisional(status)) return to(m, 'proceeding', [{ type: 'send-response' }]);
  const j = timerDuration(m.ctx, 'J');
  if (j === 0) return to(m, 'terminated', [{ type: 'send-response' }, { type: 'terminate' }]);
  return to(m, 'completed', [{ type: 'send-response' }, { type: 'start-timer', timer: 'J', ms: j }]);
}

export function nistReduce(m: NistMachine, input: TxInput): R {
  switch (m.state) {
    case 'trying':
      // RFC 3261 §17.2.2: retransmissions in Trying are discarded.
      if (input.type === 'tu-response') return onTuResponse(m, input.status);
      return to(m, m.state, []);
    case 'proceeding':
      switch (input.type) {
        case 'request':
          return to(m, m.state, [{ type: 'resend-response' }]);
        case 'tu-response':
          return onTuResponse(m, input.status);
        case 'transport-error':
          return to(m, 'terminated', [{ type: 'transport-error' }, { type: 'terminate' }]);
        default:
          return to(m, m.state, []);
      }
    case 'completed':
      switch (input.type) {
        case 'request':
          // RFC 3261 §17.2.2: a retransmission gets the final response again.
          return to(m, m.state, [{ type: 'resend-response' }]);
        case 'timer':
          if (input.timer === 'J') return to(m, 'terminated', [{ type: 'terminate' }]);
          return to(m, m.state, []);
        case 'transport-error':
          return to(m, 'terminated', [{ type: 'stop-timer', timer: 'J' }, { type: 'transport-error' }, { type: 'terminate' }]);
        default:
          // RFC 3261 §17.2.2: further final responses from the TU are discarded.
          return to(m, m.state, []);
      }
    case 'terminated':
      return to(m, m.state, []);
  }
}
