import { describe, expect, it } from 'vitest';
import { createPrng, TokenQueue, tokenSelections } from '../src/index';

/** Places tokens for `servers` in order, with epoch = 100 + server. */
function queueOf(servers: number[], capacity?: number): TokenQueue {
  const q = new TokenQueue(capacity);
  for (const s of servers) q.place(s, 100 + s);
  return q;
}

/** Pops until empty (bounded, so that a corrupted list fails instead of looping forever). */
function drain(q: TokenQueue, pop: (q: TokenQueue) => number): number[] {
  const out: number[] = [];
  const bound = q.length;
  for (let s = pop(q); s >= 0; s = pop(q)) {
    out.push(s);
    if (out.length > bound) throw new Error(`popped more than the ${bound} tokens the queue held`);
  }
  return out;
}

const drainOldest = (q: TokenQueue): number[] => drain(q, (x) => x.popOldest());
const drainNewest = (q: TokenQueue): number[] => drain(q, (x) => x.popNewest());

describe('TokenQueue order', () => {
  it('pops the oldest token first under FCFS', () => {
    const q = queueOf([3, 1, 4, 0, 5]);
    expect(q.length).toBe(5);
    expect(drainOldest(q)).toEqual([3, 1, 4, 0, 5]);
    expect(q.length).toBe(0);
    expect(q.popOldest()).toBe(-1);
  });

  it('pops the newest token first under LCFS', () => {
    const q = queueOf([3, 1, 4, 0, 5]);
    expect(drainNewest(q)).toEqual([5, 0, 4, 1, 3]);
    expect(q.length).toBe(0);
    expect(q.popNewest()).toBe(-1);
  });

  it('interleaves places and pops correctly at both ends', () => {
    const q = queueOf([1, 2, 3]);
    expect(q.popOldest()).toBe(1);
    q.place(7, 0);
    expect(q.popNewest()).toBe(7);
    q.place(8, 0);
    q.place(1, 0);
    expect(q.toArray()).toEqual([2, 3, 8, 1]);
    expect(q.popOldest()).toBe(2);
    expect(q.popNewest()).toBe(1);
    expect(q.toArray()).toEqual([3, 8]);
  });

  it('is reachable by name through tokenSelections (fcfs = oldest, lcfs = newest, fastest = fastest then oldest)', () => {
    const env = { speedOf: (s: number): number => (s === 2 || s === 5 ? 4 : 1) };
    const fcfs = tokenSelections.get('fcfs')?.(env);
    const lcfs = tokenSelections.get('lcfs')?.(env);
    const fastest = tokenSelections.get('fastest')?.(env);
    expect(fcfs).toBeDefined();
    expect(lcfs).toBeDefined();
    expect(fastest).toBeDefined();
    expect(tokenSelections.names().sort()).toEqual(['fastest', 'fcfs', 'lcfs']);
    const q = queueOf([4, 2, 9]);
    expect(fcfs!(q)).toBe(4);
    expect(lcfs!(q)).toBe(9);
    expect(fcfs!(q)).toBe(2);
    expect(lcfs!(q)).toBe(-1);
    expect(fcfs!(q)).toBe(-1);
    // fastest: 2 and 5 are fast; among them the oldest (5 placed before 2); the epoch is reported like a pop.
    const f = new TokenQueue();
    [7, 5, 1, 2].forEach((s, i) => f.place(s, 100 + i));
    expect(fastest!(f)).toBe(5);
    expect(f.poppedEpoch).toBe(101);
    expect(fastest!(f)).toBe(2);
    expect(f.poppedEpoch).toBe(103);
    expect(fastest!(f)).toBe(7);
    expect(f.toArray()).toEqual([1]);
    expect(fastest!(new TokenQueue())).toBe(-1);
  });

  it('peekOldest/newerThan walk the tokens oldest to newest without removing them', () => {
    const q = queueOf([6, 2, 9, 4]);
    q.withdraw(9, 109);
    const walked: number[] = [];
    for (let s = q.peekOldest(); s >= 0; s = q.newerThan(s)) walked.push(s);
    expect(walked).toEqual([6, 2, 4]);
    expect(q.length).toBe(3);
    expect(new TokenQueue().peekOldest()).toBe(-1);
  });

  it('records the epoch of the token it popped', () => {
    const q = new TokenQueue();
    q.place(2, 11);
    q.place(5, 22);
    q.place(7, 33);
    expect(q.popOldest()).toBe(2);
    expect(q.poppedEpoch).toBe(11);
    expect(q.popNewest()).toBe(7);
    expect(q.poppedEpoch).toBe(33);
    expect(q.popOldest()).toBe(5);
    expect(q.poppedEpoch).toBe(22);
    // Popping an empty queue leaves the last popped epoch alone.
    expect(q.popOldest()).toBe(-1);
    expect(q.poppedEpoch).toBe(22);
  });
});

describe('TokenQueue withdraw', () => {
  it('withdraws a token in the middle and keeps the order of the rest', () => {
    const q = queueOf([0, 1, 2, 3, 4]);
    expect(q.withdraw(2, 102)).toBe(true);
    expect(q.length).toBe(4);
    expect(q.has(2)).toBe(false);
    expect(q.epochOf(2)).toBe(-1);
    expect(q.toArray()).toEqual([0, 1, 3, 4]);
    // Both directions of the list still hold after the unlink.
    expect(drainNewest(queueOfArray(q))).toEqual([4, 3, 1, 0]);
    expect(drainOldest(q)).toEqual([0, 1, 3, 4]);
  });

  it('withdraws the head (oldest) and the tail (newest)', () => {
    const q = queueOf([5, 6, 7, 8]);
    expect(q.withdraw(5, 105)).toBe(true);
    expect(q.popOldest()).toBe(6);
    expect(q.withdraw(8, 108)).toBe(true);
    expect(q.popNewest()).toBe(7);
    expect(q.length).toBe(0);
    expect(q.toArray()).toEqual([]);
    // The queue is usable after becoming empty through withdrawals.
    q.place(8, 1);
    q.place(5, 2);
    expect(q.toArray()).toEqual([8, 5]);
  });

  it('withdraws the only token', () => {
    const q = queueOf([9]);
    expect(q.withdraw(9, 109)).toBe(true);
    expect(q.length).toBe(0);
    expect(q.popOldest()).toBe(-1);
    expect(q.popNewest()).toBe(-1);
    q.place(3, 1);
    expect(q.popNewest()).toBe(3);
  });

  it('ignores a stale (or future) epoch', () => {
    const q = new TokenQueue();
    q.place(4, 7);
    expect(q.withdraw(4, 6)).toBe(false);
    expect(q.withdraw(4, 8)).toBe(false);
    expect(q.has(4)).toBe(true);
    expect(q.epochOf(4)).toBe(7);
    expect(q.length).toBe(1);
    expect(q.withdraw(4, 7)).toBe(true);
  });

  it('is idempotent: a second withdraw, or one for an absent or unknown server, changes nothing', () => {
    const q = queueOf([1, 2, 3]);
    expect(q.withdraw(2, 102)).toBe(true);
    expect(q.withdraw(2, 102)).toBe(false);
    expect(q.withdraw(2, 102)).toBe(false);
    expect(q.withdraw(42, 0)).toBe(false); // beyond capacity
    expect(q.withdraw(-1, 0)).toBe(false);
    expect(q.length).toBe(2);
    expect(q.toArray()).toEqual([1, 3]);
  });

  it('does not let a withdrawal of an old token remove the token placed after it', () => {
    // The server's token was used (popped), the server became idle again and placed a new
    // token; the withdrawal of the old one arrives late and must be ignored.
    const q = new TokenQueue();
    q.place(3, 1);
    expect(q.popOldest()).toBe(3);
    q.place(3, 2);
    expect(q.withdraw(3, 1)).toBe(false);
    expect(q.epochOf(3)).toBe(2);
    expect(q.withdraw(3, 2)).toBe(true);
  });

  it('compares epochs as unsigned 32-bit values', () => {
    const q = new TokenQueue();
    q.place(1, 0xffffffff);
    expect(q.epochOf(1)).toBe(0xffffffff);
    expect(q.withdraw(1, -1)).toBe(true); // -1 >>> 0 === 0xffffffff
  });

  it('remove() drops whatever token the server holds', () => {
    const q = queueOf([1, 2, 3]);
    expect(q.remove(2)).toBe(true);
    expect(q.remove(2)).toBe(false);
    expect(q.toArray()).toEqual([1, 3]);
  });
});

describe('TokenQueue place', () => {
  it('re-placing by the same server replaces its token, moves it to the newest end and keeps one token', () => {
    const q = queueOf([1, 2, 3]);
    expect(q.place(1, 55)).toBe(false);
    expect(q.length).toBe(3);
    expect(q.epochOf(1)).toBe(55);
    expect(q.toArray()).toEqual([2, 3, 1]);
    // The old epoch is now stale.
    expect(q.withdraw(1, 101)).toBe(false);
    expect(q.popNewest()).toBe(1);
    expect(q.poppedEpoch).toBe(55);
    expect(q.toArray()).toEqual([2, 3]);
    // Re-placing the newest keeps the list intact.
    expect(q.place(3, 9)).toBe(false);
    expect(q.toArray()).toEqual([2, 3]);
    expect(q.place(4, 1)).toBe(true);
    expect(q.toArray()).toEqual([2, 3, 4]);
  });

  it('grows beyond its initial capacity and keeps every token, epoch and the order', () => {
    const q = new TokenQueue(2);
    const servers = [0, 1, 2, 5, 17, 3, 1000, 64, 9];
    servers.forEach((s, i) => q.place(s, i * 10 + 1));
    expect(q.length).toBe(servers.length);
    expect(q.toArray()).toEqual(servers);
    servers.forEach((s, i) => expect(q.epochOf(s)).toBe(i * 10 + 1));
    expect(q.has(999)).toBe(false);
    expect(q.withdraw(17, 41)).toBe(true);
    expect(drainNewest(q)).toEqual([9, 64, 1000, 3, 5, 2, 1, 0]);
  });

  it('treats capacity 0 as 1 and still grows', () => {
    const q = new TokenQueue(0);
    q.place(0, 1);
    q.place(1, 1);
    q.place(2, 1);
    expect(q.toArray()).toEqual([0, 1, 2]);
  });

  it('rejects server ids that are not non-negative integers', () => {
    const q = new TokenQueue();
    expect(() => q.place(-1, 0)).toThrow(RangeError);
    expect(() => q.place(1.5, 0)).toThrow(RangeError);
    expect(() => q.place(Number.NaN, 0)).toThrow(RangeError);
    expect(q.length).toBe(0);
    expect(q.toArray()).toEqual([]);
  });

  it('clear() empties the queue', () => {
    const q = queueOf([1, 2, 3]);
    q.clear();
    expect(q.length).toBe(0);
    expect(q.has(1)).toBe(false);
    expect(q.popOldest()).toBe(-1);
    q.place(2, 1);
    expect(q.toArray()).toEqual([2]);
  });
});

/** A copy of a queue (same order and epochs), built through the public API. */
function queueOfArray(q: TokenQueue): TokenQueue {
  const copy = new TokenQueue();
  for (const s of q.toArray()) copy.place(s, q.epochOf(s));
  return copy;
}

describe('TokenQueue against a simple array model (randomized, seeded)', () => {
  interface Entry {
    server: number;
    epoch: number;
  }

  it('agrees with the model after every one of 100,000 random operations', () => {
    const rng = createPrng(20240611);
    const q = new TokenQueue(4);
    let model: Entry[] = [];
    const lastEpoch = new Map<number, number>();
    const servers = 40;
    let maxLength = 0;
    const counts = { placed: 0, replaced: 0, popped: 0, withdrawn: 0, stale: 0, removed: 0, clears: 0 };
    // Plain comparisons in the loop (expect() per step is slow); the first mismatch fails.
    const mismatch = (step: number, what: string, got: unknown, want: unknown): never => {
      throw new Error(`step ${step}: ${what}: got ${JSON.stringify(got)}, model says ${JSON.stringify(want)}`);
    };
    for (let step = 0; step < 100_000; step++) {
      const op = rng.next();
      const s = Math.floor(rng.next() * servers);
      if (op < 0.4) {
        const epoch = (lastEpoch.get(s) ?? 0) + 1;
        lastEpoch.set(s, epoch);
        const had = model.some((e) => e.server === s);
        model = model.filter((e) => e.server !== s);
        model.push({ server: s, epoch });
        const fresh = q.place(s, epoch);
        if (fresh !== !had) mismatch(step, `place(${s})`, fresh, !had);
        if (had) counts.replaced++;
        else counts.placed++;
      } else if (op < 0.5) {
        const got = q.popOldest();
        const want = model.shift();
        if (got !== (want ? want.server : -1)) mismatch(step, 'popOldest', got, want);
        if (want && q.poppedEpoch !== want.epoch) mismatch(step, 'poppedEpoch', q.poppedEpoch, want.epoch);
        if (want) counts.popped++;
      } else if (op < 0.6) {
        const got = q.popNewest();
        const want = model.pop();
        if (got !== (want ? want.server : -1)) mismatch(step, 'popNewest', got, want);
        if (want && q.poppedEpoch !== want.epoch) mismatch(step, 'poppedEpoch', q.poppedEpoch, want.epoch);
        if (want) counts.popped++;
      } else if (op < 0.9) {
        // Withdraw a token that is held (current epoch) or a stale one (previous epoch).
        const held = model.length > 0 && rng.next() < 0.75 ? model[Math.floor(rng.next() * model.length)]! : undefined;
        const server = held ? held.server : s;
        const current = lastEpoch.get(server) ?? 0;
        const epoch = rng.next() < 1 / 3 ? current - 1 : current;
        const idx = model.findIndex((e) => e.server === server && e.epoch === epoch);
        if (idx >= 0) {
          model.splice(idx, 1);
          counts.withdrawn++;
        } else counts.stale++;
        const ok = q.withdraw(server, epoch);
        if (ok !== idx >= 0) mismatch(step, `withdraw(${server}, ${epoch})`, ok, idx >= 0);
      } else if (op < 0.998) {
        const idx = model.findIndex((e) => e.server === s);
        if (idx >= 0) {
          model.splice(idx, 1);
          counts.removed++;
        }
        const ok = q.remove(s);
        if (ok !== idx >= 0) mismatch(step, `remove(${s})`, ok, idx >= 0);
      } else {
        q.clear();
        model = [];
        counts.clears++;
      }
      if (q.length !== model.length) mismatch(step, 'length', q.length, model.length);
      maxLength = Math.max(maxLength, q.length);
      if (step % 8 === 0) {
        const order = q.toArray();
        const want = model.map((e) => e.server);
        if (order.join() !== want.join()) mismatch(step, 'toArray', order, want);
        const walked: number[] = [];
        for (let t = q.peekOldest(); t >= 0 && walked.length <= want.length; t = q.newerThan(t)) walked.push(t);
        if (walked.join() !== want.join()) mismatch(step, 'peekOldest/newerThan walk', walked, want);
        for (let t = 0; t < servers; t++) {
          const e = model.find((x) => x.server === t);
          if (q.has(t) !== (e !== undefined)) mismatch(step, `has(${t})`, q.has(t), e !== undefined);
          if (q.epochOf(t) !== (e ? e.epoch : -1)) mismatch(step, `epochOf(${t})`, q.epochOf(t), e);
        }
      }
    }
    // The mix exercised every path, with long queues (so middles exist) as well as empty ones.
    expect(counts.placed).toBeGreaterThan(10_000);
    expect(counts.replaced).toBeGreaterThan(2_000);
    expect(maxLength).toBeGreaterThanOrEqual(15);
    expect(counts.popped).toBeGreaterThan(5_000);
    expect(counts.withdrawn).toBeGreaterThan(5_000);
    expect(counts.stale).toBeGreaterThan(5_000);
    expect(counts.removed).toBeGreaterThan(1_000);
    expect(counts.clears).toBeGreaterThan(50);
  });
});

describe('TokenQueue with a shared directory (one token per server across the queues)', () => {
  it('finds each token only in the queue that holds it, through every operation', () => {
    const rng = createPrng(77);
    const servers = 60;
    const directory = new Int32Array(servers).fill(-1);
    const shared = [0, 1, 2].map(() => new TokenQueue(2, directory));
    // The model: the same queues on their own hash indexes.
    const own = [0, 1, 2].map(() => new TokenQueue(2));
    const holder = new Int32Array(servers).fill(-1);
    let epoch = 0;
    for (let step = 0; step < 50_000; step++) {
      const s = Math.floor(rng.next() * servers);
      const i = Math.floor(rng.next() * 3);
      const op = rng.next();
      if (op < 0.45) {
        if (holder[s]! >= 0 && holder[s] !== i) continue; // the rule the directory relies on
        epoch++;
        expect(shared[i]!.place(s, epoch)).toBe(own[i]!.place(s, epoch));
        holder[s] = i;
      } else if (op < 0.7) {
        // A withdrawal with the token's epoch sent to any queue: only the holder's succeeds.
        const h = holder[s]!;
        const e = h >= 0 ? own[h]!.epochOf(s) : epoch;
        expect(shared[i]!.withdraw(s, e)).toBe(own[i]!.withdraw(s, e));
        if (!own[i]!.has(s) && holder[s] === i) holder[s] = -1;
      } else {
        const pop = op < 0.85 ? (q: TokenQueue): number => q.popOldest() : (q: TokenQueue): number => q.popNewest();
        const got = pop(shared[i]!);
        expect(got).toBe(pop(own[i]!));
        if (got >= 0) holder[got] = -1;
      }
      if (step % 997 === 0) {
        for (let k = 0; k < 3; k++) {
          expect(shared[k]!.toArray()).toEqual(own[k]!.toArray());
          for (let x = 0; x < servers; x++) expect(shared[k]!.has(x)).toBe(own[k]!.has(x));
        }
      }
    }
  });

  it('refuses a server beyond the directory', () => {
    const q = new TokenQueue(4, new Int32Array(8).fill(-1));
    expect(() => q.place(8, 1)).toThrow(/directory's length 8/);
    expect(q.length).toBe(0);
  });
});
