import { describe, expect, it } from 'vitest';
import { TimerQueue } from '../../../../src/sip/transaction/timer-queue.ts';

describe('TimerQueue', () => {
  it('pops due entries in deadline order, FIFO for equal deadlines', () => {
    const q = new TimerQueue<string>();
    for (const [d, name] of [[30, 'c'], [10, 'a1'], [20, 'b'], [10, 'a2'], [40, 'd']] as const) q.add(d, `owner-${name}`, name);
    expect(q.nextDeadline()).toBe(10);
    const due = q.popDue(30);
    expect(due.map((e) => e.name)).toEqual(['a1', 'a2', 'b', 'c']);
    expect(due.map((e) => e.owner)).toEqual(['owner-a1', 'owner-a2', 'owner-b', 'owner-c']);
    expect(q.size).toBe(1);
    expect(q.nextDeadline()).toBe(40);
  });

  it('never fires a cancelled entry and skips it for nextDeadline', () => {
    const q = new TimerQueue();
    const a = q.add(5, null, 'a');
    q.add(9, null, 'b');
    q.cancel(a);
    expect(q.nextDeadline()).toBe(9);
    expect(q.popDue(100).map((e) => e.deadline)).toEqual([9]);
    expect(q.size).toBe(0);
  });

  it('matches a sorted reference on 20,000 random adds and cancels (including compaction)', () => {
    const q = new TimerQueue<number>();
    let seed = 42;
    const rnd = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const live = new Map<number, number>();
    const entries = [];
    for (let i = 0; i < 20_000; i++) {
      const d = Math.floor(rnd() * 100_000);
      const id = i;
      entries.push(q.add(d, id, 't'));
      live.set(id, d);
      if (rnd() < 0.6) {
        const victim = Math.floor(rnd() * entries.length);
        const e = entries[victim];
        if (e && !e.cancelled) {
          q.cancel(e);
          live.delete(victim);
        }
      }
    }
    expect(q.size).toBe(live.size);
    const expected = [...live.values()].sort((a, b) => a - b);
    const got = q.popDue(Infinity).map((e) => e.deadline);
    expect(got).toEqual(expected);
  });
});
