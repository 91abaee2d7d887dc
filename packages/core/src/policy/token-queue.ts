/**
 * A dispatcher's I-queue of idle tokens. Servers are dense integer ids (the cluster maps
 * (workerId, slot) to one; the simulator uses them directly). A server holds at most one token
 * in a given queue. The tokens form a doubly linked list over pooled slots in typed arrays, and
 * an open-addressing hash index maps a server to its slot, so place, pop (oldest or newest) and
 * withdraw are O(1), allocate nothing once grown, and the memory is proportional to the tokens
 * held, not to the largest server id (a simulator with m = 1000 I-queues over n = 5000 servers
 * keeps them all in cache).
 *
 * Queues among which each server holds at most one token at a time (the one-token rule, as in
 * the zero-delay simulator) may share a `directory` instead: one server -> slot array for all
 * of them, which replaces the hash index, so that a lookup is two loads and an insertion or a
 * deletion one store. It costs 4 bytes per server once, whatever the number of queues.
 */
export class TokenQueue {
  // Slots: one per token held, recycled through a free list (threaded through slotNext).
  private slotServer: Int32Array;
  private slotEpoch: Uint32Array;
  /** Toward the newer token. */
  private slotNext: Int32Array;
  /** Toward the older token. */
  private slotPrev: Int32Array;
  private freeSlot = -1;
  private usedSlots = 0;
  // Hash index server -> slot: linear probing, Fibonacci hashing, -1 marks an empty cell.
  private keys: Int32Array;
  private vals: Int32Array;
  private shift: number;
  private mask: number;
  /** Shared server -> slot map replacing keys/vals, or null (see the class comment). */
  private readonly directory: Int32Array | null;
  /** Oldest token's slot (FCFS end). */
  private head = -1;
  /** Newest token's slot (LCFS end). */
  private tail = -1;
  private size = 0;
  /** Epoch of the token returned by the last pop. */
  poppedEpoch = 0;

  /**
   * @param directory server -> slot, shared by queues among which a server holds at most one
   *   token at a time, filled with -1 and longer than the largest server id (see the class
   *   comment); omit it for the hash index.
   */
  constructor(capacity = 16, directory: Int32Array | null = null) {
    this.directory = directory;
    const c = Math.max(1, capacity);
    this.slotServer = new Int32Array(c);
    this.slotEpoch = new Uint32Array(c);
    this.slotNext = new Int32Array(c);
    this.slotPrev = new Int32Array(c);
    let bits = 3;
    while (1 << bits < 2 * c) bits++;
    this.keys = new Int32Array(1 << bits).fill(-1);
    this.vals = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
  }

  get length(): number {
    return this.size;
  }

  has(server: number): boolean {
    return this.find(server) >= 0;
  }

  /** The epoch of the token `server` holds here, or -1. */
  epochOf(server: number): number {
    const slot = this.find(server);
    return slot >= 0 ? this.slotEpoch[slot]! : -1;
  }

  /**
   * Adds a token as the newest. If the server already holds one here, it is replaced by the
   * new epoch and becomes the newest. Returns false when it replaced an existing token.
   */
  place(server: number, epoch: number): boolean {
    // A negative or fractional id would corrupt the index (-1 marks an empty cell).
    if (!Number.isInteger(server) || server < 0 || server > 0x7fffffff) {
      throw new RangeError(`server must be an integer >= 0 (got ${server})`);
    }
    if (this.directory !== null && server >= this.directory.length) {
      throw new RangeError(`server must be below the directory's length ${this.directory.length} (got ${server})`);
    }
    let slot = this.find(server);
    const replaced = slot >= 0;
    if (replaced) this.unlink(slot);
    else {
      slot = this.allocSlot();
      this.slotServer[slot] = server;
      this.insertKey(server, slot);
    }
    this.slotEpoch[slot] = epoch >>> 0;
    this.slotPrev[slot] = this.tail;
    this.slotNext[slot] = -1;
    if (this.tail >= 0) this.slotNext[this.tail] = slot;
    else this.head = slot;
    this.tail = slot;
    this.size++;
    return !replaced;
  }

  /** FCFS: removes and returns the oldest token's server, or -1 if empty. */
  popOldest(): number {
    const slot = this.head;
    if (slot < 0) return -1;
    this.poppedEpoch = this.slotEpoch[slot]!;
    return this.drop(slot);
  }

  /** LCFS: removes and returns the newest token's server, or -1 if empty. */
  popNewest(): number {
    const slot = this.tail;
    if (slot < 0) return -1;
    this.poppedEpoch = this.slotEpoch[slot]!;
    return this.drop(slot);
  }

  /**
   * Removes the token of `server` if it is held here with exactly this epoch. Idempotent: a
   * second call, an absent server or a stale epoch changes nothing and returns false.
   */
  withdraw(server: number, epoch: number): boolean {
    const slot = this.find(server);
    if (slot < 0 || this.slotEpoch[slot] !== epoch >>> 0) return false;
    this.drop(slot);
    return true;
  }

  /**
   * Removes `server`'s token (whatever its epoch) as a selection that picked it by position,
   * like a pop: its epoch goes to `poppedEpoch`. Returns false (and changes nothing) if absent.
   */
  take(server: number): boolean {
    const slot = this.find(server);
    if (slot < 0) return false;
    this.poppedEpoch = this.slotEpoch[slot]!;
    this.drop(slot);
    return true;
  }

  /** Removes whatever token `server` holds here (the server left). */
  remove(server: number): boolean {
    const slot = this.find(server);
    if (slot < 0) return false;
    this.drop(slot);
    return true;
  }

  clear(): void {
    while (this.head >= 0) this.drop(this.head);
  }

  /** The oldest token's server without removing it, or -1 if empty (walk with newerThan). */
  peekOldest(): number {
    return this.head >= 0 ? this.slotServer[this.head]! : -1;
  }

  /** The server of the next newer token after `server`'s (which must be held here), or -1. */
  newerThan(server: number): number {
    const slot = this.find(server);
    if (slot < 0) return -1;
    const next = this.slotNext[slot]!;
    return next >= 0 ? this.slotServer[next]! : -1;
  }

  /** Servers from oldest to newest (for inspection and tests; allocates). */
  toArray(): number[] {
    const out: number[] = [];
    for (let slot = this.head; slot >= 0; slot = this.slotNext[slot]!) {
      // A broken link would otherwise loop forever: fail loudly instead.
      if (out.length === this.size) throw new Error(`TokenQueue corrupted: more than ${this.size} linked tokens`);
      out.push(this.slotServer[slot]!);
    }
    return out;
  }

  /** Unlinks a slot from the list, removes its server from the index, frees it; returns the server. */
  private drop(slot: number): number {
    const server = this.slotServer[slot]!;
    this.unlink(slot);
    this.deleteKey(server);
    // A freed slot names no server: a shared directory's stale entry then finds nothing here.
    this.slotServer[slot] = -1;
    this.slotNext[slot] = this.freeSlot;
    this.freeSlot = slot;
    return server;
  }

  private unlink(slot: number): void {
    const p = this.slotPrev[slot]!;
    const n = this.slotNext[slot]!;
    if (p >= 0) this.slotNext[p] = n;
    else this.head = n;
    if (n >= 0) this.slotPrev[n] = p;
    else this.tail = p;
    this.size--;
  }

  private allocSlot(): number {
    const free = this.freeSlot;
    if (free >= 0) {
      this.freeSlot = this.slotNext[free]!;
      return free;
    }
    if (this.usedSlots === this.slotServer.length) this.growSlots();
    return this.usedSlots++;
  }

  private home(server: number): number {
    return Math.imul(server, 0x9e3779b1) >>> this.shift;
  }

  /** The slot of `server`'s token, or -1. */
  private find(server: number): number {
    if (!(server >= 0)) return -1;
    const dir = this.directory;
    if (dir !== null) {
      // The entry may be another queue's slot (or a stale one): it is ours only if our slot
      // holds this server.
      const slot = server < dir.length ? dir[server]! : -1;
      return slot >= 0 && slot < this.usedSlots && this.slotServer[slot] === server ? slot : -1;
    }
    const keys = this.keys;
    const mask = this.mask;
    for (let i = this.home(server); ; i = (i + 1) & mask) {
      const k = keys[i]!;
      if (k === server) return this.vals[i]!;
      if (k === -1) return -1;
    }
  }

  private insertKey(server: number, slot: number): void {
    if (this.directory !== null) {
      this.directory[server] = slot;
      return;
    }
    // Keep the index at most half full (size already counts the other tokens).
    if (2 * (this.size + 1) > this.keys.length) this.rehash(this.keys.length * 2);
    const keys = this.keys;
    const mask = this.mask;
    let i = this.home(server);
    while (keys[i] !== -1) i = (i + 1) & mask;
    keys[i] = server;
    this.vals[i] = slot;
  }

  /** Removes `server` from the index (it must be there), by backward-shift deletion. */
  private deleteKey(server: number): void {
    if (this.directory !== null) {
      this.directory[server] = -1;
      return;
    }
    const keys = this.keys;
    const vals = this.vals;
    const mask = this.mask;
    let i = this.home(server);
    while (keys[i] !== server) i = (i + 1) & mask;
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j]!;
      if (k === -1) break;
      // The entry at j may move back to the hole at i if i lies on its probe path (home .. j).
      if (((j - this.home(k)) & mask) >= ((j - i) & mask)) {
        keys[i] = k;
        vals[i] = vals[j]!;
        i = j;
      }
    }
    keys[i] = -1;
  }

  private rehash(cells: number): void {
    const oldKeys = this.keys;
    const oldVals = this.vals;
    let bits = 3;
    while (1 << bits < cells) bits++;
    this.keys = new Int32Array(1 << bits).fill(-1);
    this.vals = new Int32Array(1 << bits);
    this.shift = 32 - bits;
    this.mask = (1 << bits) - 1;
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i]!;
      if (k === -1) continue;
      let j = this.home(k);
      while (this.keys[j] !== -1) j = (j + 1) & this.mask;
      this.keys[j] = k;
      this.vals[j] = oldVals[i]!;
    }
  }

  private growSlots(): void {
    const c = this.slotServer.length * 2;
    const grow = <A extends Int32Array | Uint32Array>(a: A, b: A): A => {
      b.set(a);
      return b;
    };
    this.slotServer = grow(this.slotServer, new Int32Array(c));
    this.slotEpoch = grow(this.slotEpoch, new Uint32Array(c));
    this.slotNext = grow(this.slotNext, new Int32Array(c));
    this.slotPrev = grow(this.slotPrev, new Int32Array(c));
  }
}
