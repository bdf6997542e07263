// The sweeper: releases bindings whose release time (expiry or release timer) has passed. The
// times live in Redis (DUE_KEY, plus each X's own expiry set), so they survive restarts of our
// processes; correctness never depends on the sweeper's timing (lookups check expiry, allocation
// releases lazily). The sweeper makes releases visible (onReleased) and frees derived indexes.
import type { Logger } from 'pino';

export interface Sweeper {
  /** Stops the loop and waits for the sweep in progress. */
  stop(): Promise<void>;
}

/**
 * Runs `sweepOnce(limit)` every `intervalMs`; when a sweep filled its batch it runs again at once.
 * Errors are logged and retried at the next tick.
 */
export function startSweeper(opts: { intervalMs: number; batch: number; sweepOnce: (limit: number) => Promise<number>; log: Logger }): Sweeper {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  const tick = (): void => {
    timer = undefined;
    running = (async () => {
      try {
        for (;;) {
          if (stopped) return;
          const n = await opts.sweepOnce(opts.batch);
          if (n < opts.batch) break;
        }
      } catch (err) {
        opts.log.warn({ err }, 'binding sweep failed');
      }
      if (!stopped) {
        timer = setTimeout(tick, opts.intervalMs);
        timer.unref();
      }
    })();
  };
  timer = setTimeout(tick, 0);
  timer.unref();

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
