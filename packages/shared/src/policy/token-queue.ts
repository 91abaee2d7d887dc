/**
 * A dispatcher's I-queue of idle tokens. Servers are dense integer ids (the cluster maps
 * (workerId, slot) to one; the simulator uses them directly). A server holds at most one token
 * in a given queue. The queue is an intrusive doubly linked list over typed arrays, so place,
 * pop (oldest or newest) and withdraw are O(1) and allocate nothing.
 */
export class TokenQueue {
  private next: Int32Array;
  private prev: Int32Array;
  private epochs: Uint32Array;
  private present: Uint8Array;
  /** Oldest token (FCFS end). */
  private head = -1;
  /** Newest token (LCFS end). */
  private tail = -1;
  private size = 0;
  /** Epoch of the token returned by the last pop. */
  poppedEpoch = 0;

  constructor(capacity = 16) {
    const c = Math.max(1, capacity);
    this.next = new Int32Array(c);
    this.prev = new Int32Array(c);
    this.epochs = new Uint32Array(c);
    this.present = new Uint8Array(c);
  }

  get length(): number {
    return this.size;
  }

  has(server: number): boolean {
    return server >= 0 && server < this.present.length && this.present[server] === 1;
  }

  /** The epoch of the token `server` holds here, or -1. */
  epochOf(server: number): number {
    return this.has(server) ? this.epochs[server]! : -1;
  }

  /**
   * Adds a token as the newest. If the server already holds one here, it is replaced by the
   * new epoch and becomes the newest. Returns false when it replaced an existing token.
   */
  place(server: number, epoch: number): boolean {
    // A negative or fractional id would be silently dropped by the typed arrays and corrupt
    // the list (length counted, token unreachable).
    if (!Number.isInteger(server) || server < 0) {
      throw new RangeError(`server must be an integer >= 0 (got ${server})`);
    }
    if (server >= this.present.length) this.grow(server + 1);
    const replaced = this.present[server] === 1;
    if (replaced) this.unlink(server);
    this.epochs[server] = epoch >>> 0;
    this.present[server] = 1;
    this.prev[server] = this.tail;
    this.next[server] = -1;
    if (this.tail >= 0) this.next[this.tail] = server;
    else this.head = server;
    this.tail = server;
    this.size++;
    return !replaced;
  }

  /** FCFS: removes and returns the oldest token's server, or -1 if empty. */
  popOldest(): number {
    const s = this.head;
    if (s < 0) return -1;
    this.poppedEpoch = this.epochs[s]!;
    this.unlink(s);
    return s;
  }

  /** LCFS: removes and returns the newest token's server, or -1 if empty. */
  popNewest(): number {
    const s = this.tail;
    if (s < 0) return -1;
    this.poppedEpoch = this.epochs[s]!;
    this.unlink(s);
    return s;
  }

  /**
   * Removes the token of `server` if it is held here with exactly this epoch. Idempotent: a
   * second call, an absent server or a stale epoch changes nothing and returns false.
   */
  withdraw(server: number, epoch: number): boolean {
    if (!this.has(server) || this.epochs[server] !== epoch >>> 0) return false;
    this.unlink(server);
    return true;
  }

  /** Removes whatever token `server` holds here (the server left). */
  remove(server: number): boolean {
    if (!this.has(server)) return false;
    this.unlink(server);
    return true;
  }

  clear(): void {
    while (this.head >= 0) this.unlink(this.head);
  }

  /** The oldest token's server without removing it, or -1 if empty (walk with newerThan). */
  peekOldest(): number {
    return this.head;
  }

  /** The server of the next newer token after `server`'s (which must be held here), or -1. */
  newerThan(server: number): number {
    return this.next[server]!;
  }

  /** Servers from oldest to newest (for inspection and tests; allocates). */
  toArray(): number[] {
    const out: number[] = [];
    for (let s = this.head; s >= 0; s = this.next[s]!) {
      // A broken link would otherwise loop forever: fail loudly instead.
      if (out.length === this.size) throw new Error(`TokenQueue corrupted: more than ${this.size} linked tokens`);
      out.push(s);
    }
    return out;
  }

  private unlink(s: number): void {
    const p = this.prev[s]!;
    const n = this.next[s]!;
    if (p >= 0) this.next[p] = n;
    else this.head = n;
    if (n >= 0) this.prev[n] = p;
    else this.tail = p;
    this.present[s] = 0;
    this.size--;
  }

  private grow(min: number): void {
    let c = this.present.length * 2;
    while (c < min) c *= 2;
    const grow32 = <A extends Int32Array | Uint32Array>(a: A, make: (n: number) => A): A => {
      const b = make(c);
      b.set(a);
      return b;
    };
    this.next = grow32(this.next, (n) => new Int32Array(n));
    this.prev = grow32(this.prev, (n) => new Int32Array(n));
    this.epochs = grow32(this.epochs, (n) => new Uint32Array(n));
    const present = new Uint8Array(c);
    present.set(this.present);
    this.present = present;
  }
}
