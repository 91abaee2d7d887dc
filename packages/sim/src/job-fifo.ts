/**
 * The FIFO queues of the n servers, holding each job's arrival time, as singly linked lists
 * in one pooled pair of typed arrays (a free list recycles nodes): O(1) push and shift with no
 * allocation per job. Used by the Markov engine, which learns a job's response time only when
 * it departs.
 */
export class JobFifo {
  private head: Int32Array;
  private tail: Int32Array;
  private next: Int32Array;
  private time: Float64Array;
  private free = -1;
  private used = 0;

  constructor(servers: number, capacity = Math.max(1024, 2 * servers)) {
    this.head = new Int32Array(servers).fill(-1);
    this.tail = new Int32Array(servers).fill(-1);
    this.next = new Int32Array(capacity);
    this.time = new Float64Array(capacity);
  }

  push(server: number, arrival: number): void {
    let node = this.free;
    if (node >= 0) this.free = this.next[node]!;
    else {
      if (this.used === this.next.length) this.grow();
      node = this.used++;
    }
    this.time[node] = arrival;
    this.next[node] = -1;
    const t = this.tail[server]!;
    if (t >= 0) this.next[t] = node;
    else this.head[server] = node;
    this.tail[server] = node;
  }

  /**
   * Removes the server's oldest job (the server must be busy) and returns its node: read its
   * arrival time with `arrivalOf` before the next push. A node id (a small integer) rather than
   * the time itself, because a double returned from a call that is not inlined is boxed on the
   * heap: one allocation per departure in the simulator's hot loop.
   */
  shift(server: number): number {
    const node = this.head[server]!;
    const nx = this.next[node]!;
    this.head[server] = nx;
    if (nx < 0) this.tail[server] = -1;
    this.next[node] = this.free;
    this.free = node;
    return node;
  }

  /** The arrival time of a node just returned by `shift`. */
  arrivalOf(node: number): number {
    return this.time[node]!;
  }

  private grow(): void {
    const next = new Int32Array(this.next.length * 2);
    next.set(this.next);
    const time = new Float64Array(this.time.length * 2);
    time.set(this.time);
    this.next = next;
    this.time = time;
  }
}
