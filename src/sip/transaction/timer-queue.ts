// A binary min-heap of deadlines: the transaction layer keeps every transaction timer here and
// arms a single host timer for the earliest one, so thousands of transactions cost one timer.
// Pure: the caller supplies "now". Cancelled entries are dropped lazily when they reach the top,
// and the heap is compacted when they make up most of it. An entry names its owner and timer
// instead of holding a callback: tens of thousands are alive under load (transactions wait up to
// 64*T1), and a closure per entry doubled what each one kept on the heap.

export interface TimerEntry<T = unknown, N extends string = string> {
  readonly deadline: number;
  /** Insertion order, to fire equal deadlines first-in first-out. */
  readonly seq: number;
  cancelled: boolean;
  /** Whose timer it is (the caller dispatches on it when the entry is due). */
  readonly owner: T;
  readonly name: N;
}

export class TimerQueue<T = unknown, N extends string = string> {
  private heap: Array<TimerEntry<T, N>> = [];
  private seq = 0;
  private cancelledCount = 0;

  get size(): number {
    return this.heap.length - this.cancelledCount;
  }

  add(deadline: number, owner: T, name: N): TimerEntry<T, N> {
    const e: TimerEntry<T, N> = { deadline, seq: this.seq++, cancelled: false, owner, name };
    this.heap.push(e);
    this.up(this.heap.length - 1);
    return e;
  }

  cancel(e: TimerEntry<T, N>): void {
    if (e.cancelled) return;
    e.cancelled = true;
    this.cancelledCount++;
    if (this.cancelledCount > 1024 && this.cancelledCount * 2 > this.heap.length) this.compact();
  }

  /** Deadline of the earliest live entry. */
  nextDeadline(): number | undefined {
    this.dropCancelledTop();
    return this.heap[0]?.deadline;
  }

  /** Removes and returns the live entries due at `now`, earliest first. */
  popDue(now: number): Array<TimerEntry<T, N>> {
    const due: Array<TimerEntry<T, N>> = [];
    for (;;) {
      this.dropCancelledTop();
      const top = this.heap[0];
      if (!top || top.deadline > now) break;
      this.pop();
      // Marked so a later cancel() of a fired entry is a no-op.
      top.cancelled = true;
      due.push(top);
    }
    return due;
  }

  clear(): void {
    this.heap = [];
    this.cancelledCount = 0;
  }

  private dropCancelledTop(): void {
    while (this.heap[0]?.cancelled) {
      this.pop();
      this.cancelledCount--;
    }
  }

  private compact(): void {
    this.heap = this.heap.filter((e) => !e.cancelled);
    this.cancelledCount = 0;
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private less(a: TimerEntry<T, N>, b: TimerEntry<T, N>): boolean {
    return a.deadline < b.deadline || (a.deadline === b.deadline && a.seq < b.seq);
  }

  private pop(): void {
    const last = this.heap.pop();
    if (last && this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i];
    if (!e) return;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const parent = h[p];
      if (!parent || !this.less(e, parent)) break;
      h[i] = parent;
      i = p;
    }
    h[i] = e;
  }

  private down(i: number): void {
    const h = this.heap;
    const e = h[i];
    if (!e) return;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const lc = h[l] as TimerEntry<T, N>;
      const rc = h[r];
      const c = rc && this.less(rc, lc) ? r : l;
      const child = h[c] as TimerEntry<T, N>;
      if (!this.less(child, e)) break;
      h[i] = child;
      i = c;
    }
    h[i] = e;
  }
}
