// Transaction timer durations (RFC 3261 §17 and Table 4; RFC 6026 §8 for L and M), all derived
// from T1, T2, T4 and whether the transport is reliable. Times in milliseconds.
import type { TimerName } from './types.ts';

export interface TimerSettings {
  /** RTT estimate, default 500 ms. */
  t1: number;
  /** Maximum retransmit interval for non-INVITE requests and INVITE responses, default 4 s. */
  t2: number;
  /** Maximum time a message remains in the network, default 5 s. */
  t4: number;
}

export const DEFAULT_TIMER_SETTINGS: Readonly<TimerSettings> = Object.freeze({ t1: 500, t2: 4000, t4: 5000 });

/** The parameters a machine needs: the settings plus the transport's reliability. */
export interface TimerContext extends TimerSettings {
  reliable: boolean;
}

/**
 * Initial duration of each timer. Retransmission timers (A, E, G) are 0 on a reliable transport:
 * they are never started there (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1). The wait timers D, I, J, K
 * are 0 on a reliable transport (Table 4).
 */
export function timerDuration(ctx: TimerContext, timer: TimerName): number {
  const { t1, t4, reliable } = ctx;
  switch (timer) {
    case 'A':
    case 'E':
    case 'G':
      return reliable ? 0 : t1;
    case 'B':
    case 'F':
    case 'H':
    case 'L':
    case 'M':
      return 64 * t1;
    case 'D':
      // RFC 3261 Table 4: "> 32s for UDP"; scaled up if T1 was raised.
      return reliable ? 0 : Math.max(32_000, 64 * t1);
    case 'I':
    case 'K':
      return reliable ? 0 : t4;
    case 'J':
      return reliable ? 0 : 64 * t1;
  }
}

/** Next interval of timer A: doubles without bound (RFC 3261 §17.1.1.2). */
export const nextTimerA = (current: number): number => current * 2;

/** Next interval of timers E (Trying) and G: doubles up to T2 (RFC 3261 §17.1.2.2, §17.2.1). */
export const nextCapped = (current: number, t2: number): number => Math.min(current * 2, t2);
