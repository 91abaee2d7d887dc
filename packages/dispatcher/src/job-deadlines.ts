import { EventHeap } from '@jiq/core';

/**
 * Every assignment's deadline under one timer: a min-heap of (deadline, ticket) and a single
 * setTimeout armed for the earliest, never sooner than `granularityMs` after the last firing,
 * so the cost is O(log n) per job plus at most 1000/granularityMs wake-ups a second, not a
 * timer per job. Entries are not removed when a job completes: on expiry `onExpired(ticket,
 * deadline)` decides whether that ticket is still waiting with that deadline.
 */
export class JobDeadlines {
  private readonly heap = new EventHeap(1024);
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Infinity;
  private lastFired = -Infinity;

  constructor(
    private readonly onExpired: (ticket: number, deadline: number) => void,
    private readonly now: () => number,
    private readonly granularityMs = 5,
  ) {}

  /** Entries held (live and already-answered ones not yet reached). */
  get size(): number {
    return this.heap.size;
  }

  add(ticket: number, deadline: number): void {
    this.heap.push(deadline, ticket);
    if (deadline < this.armedFor) this.arm(deadline);
  }

  private arm(deadline: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.armedFor = deadline;
    const at = Math.max(deadline, this.lastFired + this.granularityMs);
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - this.now()));
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.armedFor = Infinity;
    const t = (this.lastFired = this.now());
    while (this.heap.size > 0 && this.heap.topKey() <= t) {
      const deadline = this.heap.topKey();
      this.onExpired(this.heap.pop(), deadline);
    }
    if (this.heap.size > 0) this.arm(this.heap.topKey());
  }

  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Infinity;
    this.heap.clear();
  }
}
