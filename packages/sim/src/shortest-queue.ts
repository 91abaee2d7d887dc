/**
 * Exact JSQ in O(1): the servers kept sorted by queue length in one permutation array
 * (`order`), with `first[L]` the first position holding a server of length >= L. A length
 * changes by ±1, so a server moves by one swap across the boundary of its level. The
 * shortest servers are order[0 .. first[minLen + 1]).
 */
export class ShortestQueueIndex {
  private readonly order: Int32Array;
  private readonly pos: Int32Array;
  private readonly len: Int32Array;
  private first: Int32Array;

  constructor(private readonly n: number) {
    this.order = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.len = new Int32Array(n);
    for (let s = 0; s < n; s++) {
      this.order[s] = s;
      this.pos[s] = s;
    }
    this.first = new Int32Array(64).fill(n);
    this.first[0] = 0;
  }

  /** A uniformly random server among the shortest, given u uniform in [0, 1). */
  pickShortest(u: number): number {
    const minLen = this.len[this.order[0]!]!;
    const count = this.first[minLen + 1]!;
    return this.order[Math.floor(u * count)]!;
  }

  increment(s: number): void {
    const L = this.len[s]!;
    if (L + 2 >= this.first.length) this.growLevels();
    const j = this.first[L + 1]! - 1; // last position of level L
    this.swap(s, j);
    this.first[L + 1] = j;
    this.len[s] = L + 1;
  }

  decrement(s: number): void {
    const L = this.len[s]!;
    const j = this.first[L]!; // first position of level L
    this.swap(s, j);
    this.first[L] = j + 1;
    this.len[s] = L - 1;
  }

  private swap(s: number, j: number): void {
    const i = this.pos[s]!;
    const other = this.order[j]!;
    this.order[i] = other;
    this.pos[other] = i;
    this.order[j] = s;
    this.pos[s] = j;
  }

  private growLevels(): void {
    const f = new Int32Array(this.first.length * 2).fill(this.n);
    f.set(this.first);
    this.first = f;
  }
}

/**
 * JFSQ (join the fastest of the shortest queues): an indexed binary min-heap over the servers
 * keyed by (queue length, speed rank), rank 0 the fastest; servers of equal speed get ranks in
 * a random order, so ties among equally fast shortest servers are broken at random once.
 */
export class FastestShortestIndex {
  private readonly heap: Int32Array;
  private readonly pos: Int32Array;
  private readonly key: Float64Array;
  private readonly n: number;

  constructor(speedRank: Int32Array) {
    const n = speedRank.length;
    this.n = n;
    this.heap = new Int32Array(n);
    this.pos = new Int32Array(n);
    this.key = new Float64Array(n);
    // All lengths are 0: heap order is rank order.
    const byRank = new Int32Array(n);
    for (let s = 0; s < n; s++) byRank[speedRank[s]!] = s;
    for (let i = 0; i < n; i++) {
      const s = byRank[i]!;
      this.heap[i] = s;
      this.pos[s] = i;
      this.key[s] = speedRank[s]!;
    }
  }

  top(): number {
    return this.heap[0]!;
  }

  increment(s: number): void {
    this.key[s] = this.key[s]! + this.n;
    this.down(this.pos[s]!);
  }

  decrement(s: number): void {
    this.key[s] = this.key[s]! - this.n;
    this.up(this.pos[s]!);
  }

  private up(i: number): void {
    const h = this.heap;
    const s = h[i]!;
    const k = this.key[s]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = h[p]!;
      if (this.key[ps]! <= k) break;
      h[i] = ps;
      this.pos[ps] = i;
      i = p;
    }
    h[i] = s;
    this.pos[s] = i;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = this.n;
    const s = h[i]!;
    const k = this.key[s]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && this.key[h[c + 1]!]! < this.key[h[c]!]!) c++;
      const cs = h[c]!;
      if (this.key[cs]! >= k) break;
      h[i] = cs;
      this.pos[cs] = i;
      i = c;
    }
    h[i] = s;
    this.pos[s] = i;
  }
}
