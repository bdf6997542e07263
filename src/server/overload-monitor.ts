// Feeds the overload detector once per window with this process's event-loop delay
// (perf_hooks) and the server's unanswered new INVITEs, logs the transitions, and tells the UAS
// core whether to refuse a new INVITE (503 + Retry-After, RFC 3261 §21.5.4, §20.33).
import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { OverloadDetector } from './overload.ts';

export interface OverloadOptions {
  /** Mean event-loop delay over a window (ms) that means overload; 0 = not watched. */
  maxLoopDelayMs: number;
  /** Unanswered new INVITEs that mean overload; 0 = not watched. */
  maxPendingInvites: number;
  /** Retry-After of the 503 (seconds). */
  retryAfterSeconds: number;
  /**
   * Length of one measurement window (ms). Long enough that a single GC pause (up to ~200 ms)
   * barely moves the window's mean; short enough to react within a second.
   */
  windowMs?: number;
}

/** The UAS core's question for each new INVITE. */
export interface InviteAdmission {
  /** Retry-After seconds when this new INVITE is to be refused with 503; undefined to admit it. */
  refuseNewInvite(): number | undefined;
}

export interface OverloadStats {
  overloaded: boolean;
  /** New INVITEs answered 503 because of overload, since start. */
  refusedInvites: number;
  /** Mean event-loop delay of the last window (ms). */
  loopDelayMs: number;
}

const DEFAULT_WINDOW_MS = 500;
/** Histogram sampling interval (ms): fine enough for a 250 ms threshold, cheap at 100 Hz. */
const RESOLUTION_MS = 10;

export class OverloadMonitor implements InviteAdmission {
  private readonly detector: OverloadDetector;
  private readonly windowMs: number;
  private histogram: IntervalHistogram | undefined;
  private timer: NodeJS.Timeout | undefined;
  private windowStart = 0;
  private refused = 0;
  private lastLoopDelayMs = 0;

  constructor(
    private readonly opts: OverloadOptions,
    private readonly pendingInvites: () => number,
    private readonly log: Logger,
  ) {
    this.detector = new OverloadDetector({ maxLoopDelayMs: opts.maxLoopDelayMs, maxPendingInvites: opts.maxPendingInvites });
    this.windowMs = opts.windowMs ?? DEFAULT_WINDOW_MS;
  }

  start(): void {
    if (!this.detector.enabled || this.timer) return;
    if (this.opts.maxLoopDelayMs > 0) {
      this.histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
      this.histogram.enable();
    }
    this.windowStart = performance.now();
    this.timer = setInterval(() => this.endWindow(), this.windowMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.histogram?.disable();
    this.histogram = undefined;
  }

  refuseNewInvite(): number | undefined {
    if (!this.detector.overloaded) return undefined;
    this.refused++;
    return this.opts.retryAfterSeconds;
  }

  get stats(): OverloadStats {
    return { overloaded: this.detector.overloaded, refusedInvites: this.refused, loopDelayMs: this.lastLoopDelayMs };
  }

  private endWindow(): void {
    const now = performance.now();
    const loopDelayMs = this.loopDelay(now);
    this.windowStart = now;
    this.lastLoopDelayMs = loopDelayMs;
    const pendingInvites = this.pendingInvites();
    const change = this.detector.observe({ at: now, loopDelayMs, pendingInvites });
    if (change?.kind === 'entered') {
      this.log.warn(
        { loopDelayMs, pendingInvites, maxLoopDelayMs: this.opts.maxLoopDelayMs, maxPendingInvites: this.opts.maxPendingInvites },
        'sip overload: refusing new INVITEs with 503',
      );
    } else if (change?.kind === 'left') {
      this.log.info({ loopDelayMs, pendingInvites, durationMs: Math.round(change.durationMs), refusedInvites: this.refused }, 'sip overload over: accepting new INVITEs');
    }
  }

  /** Mean delay of the window (ms), and reset for the next one. */
  private loopDelay(now: number): number {
    const h = this.histogram;
    if (!h) return 0;
    // A stall longer than the window may end before the histogram's own timer has recorded it:
    // then our timer's lateness is the best measure of that window.
    const value = h.count > 0 ? h.mean / 1e6 - RESOLUTION_MS : now - this.windowStart - this.windowMs;
    h.reset();
    return Math.max(0, Math.round(value * 10) / 10);
  }
}
