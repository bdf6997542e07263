// One ZADD for the entries many concurrent operations add to the same sorted set in one turn of
// the event loop (the due list gets one entry per allocation). Each caller still waits for the
// write that carries its entry, so nothing is acknowledged before Redis has it.
import type { Cluster, Redis } from 'ioredis';

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class ZaddBatch {
  private args: Array<string | number> = [];
  private waiters: Waiter[] = [];

  constructor(
    private readonly redis: Redis | Cluster,
    private readonly key: string,
    /** Most members per ZADD. */
    private readonly max = 256,
  ) {}

  /** Adds (or re-scores) `member`; resolves once the ZADD that carries it has succeeded. */
  add(score: number, member: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.waiters.length === 0) process.nextTick(() => this.flush());
      this.args.push(score, member);
      this.waiters.push({ resolve, reject });
      if (this.waiters.length >= this.max) this.flush();
    });
  }

  private flush(): void {
    if (this.waiters.length === 0) return;
    const args = this.args;
    const waiters = this.waiters;
    this.args = [];
    this.waiters = [];
    this.redis.zadd(this.key, ...args).then(
      () => {
        for (const w of waiters) w.resolve();
      },
      (err: unknown) => {
        for (const w of waiters) w.reject(err);
      },
    );
  }
}
