/**
 * The servers a picker looks at and what the engine learnt about them: `ids[i]` (a server in
 * [0, servers)), its queue length `lengths[i]` (jobs queued + in service) and its `speeds[i]`.
 * The simulator reads lengths from its state; the dispatcher asks the workers (a probe round
 * trip). Grows on demand and is reused, so the simulator allocates nothing per job.
 */
export class Candidates {
  ids: Int32Array;
  lengths: Float64Array;
  speeds: Float64Array;
  count = 0;

  constructor(capacity = 4) {
    this.ids = new Int32Array(capacity);
    this.lengths = new Float64Array(capacity);
    this.speeds = new Float64Array(capacity).fill(1);
  }

  /** Makes room for `count` candidates (contents of a grown buffer are reset). */
  reserve(count: number): void {
    if (count <= this.ids.length) return;
    const c = Math.max(count, 2 * this.ids.length);
    this.ids = new Int32Array(c);
    this.lengths = new Float64Array(c);
    this.speeds = new Float64Array(c).fill(1);
  }

  /** Every server 0..servers-1, in order. */
  all(servers: number): void {
    this.reserve(servers);
    for (let s = 0; s < servers; s++) this.ids[s] = s;
    this.count = servers;
  }
}
