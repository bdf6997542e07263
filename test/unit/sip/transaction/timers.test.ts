import { describe, expect, it } from 'vitest';
import { timerDuration, DEFAULT_TIMER_SETTINGS, type TimerContext } from '../../../../src/sip/transaction/timers.ts';
import type { TimerName } from '../../../../src/sip/transaction/types.ts';

const all: TimerName[] = ['A', 'B', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M'];

describe('timer durations (RFC 3261 Table 4, RFC 6026 §8)', () => {
  it('derives every timer from T1, T2, T4 on unreliable transports', () => {
    const ctx: TimerContext = { ...DEFAULT_TIMER_SETTINGS, reliable: false };
    const got = Object.fromEntries(all.map((t) => [t, timerDuration(ctx, t)]));
    expect(got).toEqual({ A: 500, B: 32_000, D: 32_000, E: 500, F: 32_000, G: 500, H: 32_000, I: 5000, J: 32_000, K: 5000, L: 32_000, M: 32_000 });
  });

  it('timers D, I, J, K MUST be 0 on reliable transports (Table 4)', () => {
    const ctx: TimerContext = { ...DEFAULT_TIMER_SETTINGS, reliable: true };
    for (const t of ['D', 'I', 'J', 'K'] as const) expect(timerDuration(ctx, t)).toBe(0);
    expect(timerDuration(ctx, 'B')).toBe(32_000);
  });

  it('scales with a configured T1 (timer D never below 32 s on UDP)', () => {
    const ctx: TimerContext = { t1: 100, t2: 800, t4: 1000, reliable: false };
    expect(timerDuration(ctx, 'B')).toBe(6400);
    expect(timerDuration(ctx, 'D')).toBe(32_000);
    expect(timerDuration(ctx, 'K')).toBe(1000);
    expect(timerDuration({ ...ctx, t1: 1000 }, 'D')).toBe(64_000);
  });
});
