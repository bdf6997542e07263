// Overload decision (RFC 3261 §21.5.4; the idea of RFC 7339): pure logic over one measurement
// window at a time, so thresholds and hysteresis are tested with made-up samples. The wiring to
// perf_hooks and timers is in overload-monitor.ts.

export interface OverloadThresholds {
  /** Mean event-loop delay of a window (ms) above which we are overloaded; 0 = not watched. */
  maxLoopDelayMs: number;
  /** New INVITEs handed to apps and not yet answered at all, above which we are overloaded; 0 = not watched. */
  maxPendingInvites: number;
  /** Overload clears only after a whole window with every watched value below threshold * clearRatio. */
  clearRatio?: number;
}

/** What one window measured. */
export interface OverloadSample {
  /** End of the window (ms, any monotonic clock). */
  at: number;
  /** Mean event-loop delay over the window (ms). */
  loopDelayMs: number;
  /** Unanswered new INVITEs at the end of the window. */
  pendingInvites: number;
}

export type OverloadTransition =
  | { kind: 'entered'; sample: OverloadSample }
  | { kind: 'left'; sample: OverloadSample; durationMs: number };

const DEFAULT_CLEAR_RATIO = 0.5;

export class OverloadDetector {
  private since: number | undefined;
  private readonly clearRatio: number;

  constructor(private readonly thresholds: OverloadThresholds) {
    this.clearRatio = thresholds.clearRatio ?? DEFAULT_CLEAR_RATIO;
  }

  /** False when both thresholds are 0: nothing to watch. */
  get enabled(): boolean {
    return this.thresholds.maxLoopDelayMs > 0 || this.thresholds.maxPendingInvites > 0;
  }

  get overloaded(): boolean {
    return this.since !== undefined;
  }

  /** Feed one window; returns the state change it caused, if any. */
  observe(sample: OverloadSample): OverloadTransition | undefined {
    if (this.since === undefined) {
      if (!this.exceeds(sample)) return undefined;
      this.since = sample.at;
      return { kind: 'entered', sample };
    }
    // Hysteresis: a value between clearRatio*threshold and threshold keeps the state as it is.
    if (!this.clearOf(sample)) return undefined;
    const durationMs = sample.at - this.since;
    this.since = undefined;
    return { kind: 'left', sample, durationMs };
  }

  /** Some watched value is above its threshold. */
  private exceeds(s: OverloadSample): boolean {
    const { maxLoopDelayMs, maxPendingInvites } = this.thresholds;
    return (maxLoopDelayMs > 0 && s.loopDelayMs > maxLoopDelayMs) || (maxPendingInvites > 0 && s.pendingInvites > maxPendingInvites);
  }

  /** Every watched value is below threshold * clearRatio. */
  private clearOf(s: OverloadSample): boolean {
    const { maxLoopDelayMs, maxPendingInvites } = this.thresholds;
    const r = this.clearRatio;
    return (maxLoopDelayMs === 0 || s.loopDelayMs < maxLoopDelayMs * r) && (maxPendingInvites === 0 || s.pendingInvites < maxPendingInvites * r);
  }
}
