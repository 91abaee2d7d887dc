/**
 * Binary min-heap of (time, int32 value) pairs in parallel typed arrays: the departures of the
 * simulator's event engine (value = server) and the dispatcher's job deadlines (value =
 * ticket). Push and pop are O(log size) and allocate nothing once the arrays have grown.
 */
export class EventHeap {
  private keys: Float64Array;
  private vals: Int32Array;
  size = 0;

  constructor(capacity = 1024) {
    this.keys = new Float64Array(capacity);
    this.vals = new Int32Array(capacity);
  }

  /** Time of the earliest entry (Infinity when empty). */
  topKey(): number {
    return this.size > 0 ? this.keys[0]! : Infinity;
  }

  push(key: number, val: number): void {
    if (this.size === this.keys.length) this.grow();
    const keys = this.keys;
    const vals = this.vals;
    let i = this.size++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const pk = keys[p]!;
      if (pk <= key) break;
      keys[i] = pk;
      vals[i] = vals[p]!;
      i = p;
    }
    keys[i] = key;
    vals[i] = val;
  }

  /** Removes the earliest entry and returns its value (-1 when empty). */
  pop(): number {
    if (this.size === 0) return -1;
    const keys = this.keys;
    const vals = this.vals;
    const top = vals[0]!;
    const n = --this.size;
    if (n === 0) return top;
    const key = keys[n]!;
    const val = vals[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      const r = c + 1;
      if (r < n && keys[r]! < keys[c]!) c = r;
      const ck = keys[c]!;
      if (ck >= key) break;
      keys[i] = ck;
      vals[i] = vals[c]!;
      i = c;
    }
    keys[i] = key;
    vals[i] = val;
    return top;
  }

  clear(): void {
    this.size = 0;
  }

  private grow(): void {
    const keys = new Float64Array(this.keys.length * 2);
    keys.set(this.keys);
    const vals = new Int32Array(this.vals.length * 2);
    vals.set(this.vals);
    this.keys = keys;
    this.vals = vals;
  }
}
