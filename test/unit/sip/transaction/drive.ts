// Test helper: runs a transaction reducer against a virtual clock, firing its timers in order,
// and records every action with the virtual time it happened at.
import type { TimerName, TxAction, TxInput, TxResult } from '../../../../src/sip/transaction/types.ts';

export interface TimedAction {
  at: number;
  action: TxAction;
}

export function drive<S extends { state: string }>(
  start: TxResult<S>,
  reduce: (s: S, i: TxInput) => TxResult<S>,
  untilMs: number,
  inputsAt: { at: number; input: TxInput }[] = [],
): TimedAction[] {
  const log: TimedAction[] = [];
  const timers = new Map<TimerName, number>();
  let state = start.state;
  let now = 0;
  const apply = (actions: TxAction[]): void => {
    for (const action of actions) {
      log.push({ at: now, action });
      if (action.type === 'start-timer') timers.set(action.timer, now + action.ms);
      if (action.type === 'stop-timer') timers.delete(action.timer);
      if (action.type === 'terminate') timers.clear();
    }
  };
  apply(start.actions);
  const pending = [...inputsAt].sort((a, b) => a.at - b.at);
  for (;;) {
    let next: { at: number; input: TxInput } | undefined;
    for (const [timer, at] of timers) if (!next || at < next.at) next = { at, input: { type: 'timer', timer } };
    const external = pending[0];
    if (external && (!next || external.at <= next.at)) next = pending.shift();
    if (!next || next.at > untilMs) break;
    now = next.at;
    if (next.input.type === 'timer') timers.delete(next.input.timer);
    const r = reduce(state, next.input);
    state = r.state;
    apply(r.actions);
    if (state.state === 'terminated') break;
  }
  return log;
}
