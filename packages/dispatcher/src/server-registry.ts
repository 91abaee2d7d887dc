import type { WorkerChannel } from '@jiq/shared';

/** A connected worker process and the dense server ids of its slots. */
export interface WorkerEntry {
  readonly workerId: string;
  readonly channel: WorkerChannel;
  readonly servers: number[];
  /** False once the worker said it is leaving: no new jobs, but it finishes what it has. */
  accepting: boolean;
  /** Tickets taken away from it after a timeout: a late result for one is dropped, not delivered. */
  readonly fenced: Set<number>;
  /** Job timeouts since its last answer; too many and it is dropped. */
  timeouts: number;
}

/**
 * Maps servers (workerId, slot) to dense integer ids, the currency of TokenQueue and the
 * fallback policies, and keeps the set of live servers for O(1) uniform choice.
 */
export class ServerRegistry {
  private readonly ids = new Map<string, number>();
  private readonly owners: (WorkerEntry | undefined)[] = [];
  private readonly slots: number[] = [];
  /** Relative service speed of each server (from the worker's hello; 1 when not given). */
  private readonly speeds: number[] = [];
  /** Live servers, packed; `position[s]` is s's index in it, or -1. */
  private readonly live: number[] = [];
  private readonly position: number[] = [];
  private readonly workers = new Map<string, WorkerEntry>();
  /** Dense ids freed by departed workers, reused first so memory follows the live servers. */
  private readonly freeIds: number[] = [];

  get liveCount(): number {
    return this.live.length;
  }

  get workerCount(): number {
    return this.workers.size;
  }

  worker(workerId: string): WorkerEntry | undefined {
    return this.workers.get(workerId);
  }

  /** Registers a worker's slots; returns undefined if the id is already connected. */
  addWorker(workerId: string, slots: number, channel: WorkerChannel, speeds: readonly number[] = []): WorkerEntry | undefined {
    if (this.workers.has(workerId)) return undefined;
    const entry: WorkerEntry = { workerId, channel, servers: [], accepting: true, fenced: new Set(), timeouts: 0 };
    for (let slot = 0; slot < slots; slot++) {
      const key = `${workerId}\u0000${slot}`;
      let id = this.ids.get(key);
      if (id === undefined) {
        id = this.freeIds.pop();
        if (id === undefined) {
          id = this.owners.length;
          this.owners.push(undefined);
          this.slots.push(slot);
          this.position.push(-1);
        } else this.slots[id] = slot;
        this.ids.set(key, id);
      }
      this.owners[id] = entry;
      const speed = speeds[slot] ?? speeds[0] ?? 1;
      this.speeds[id] = Number.isFinite(speed) && speed > 0 ? speed : 1;
      entry.servers.push(id);
      this.position[id] = this.live.length;
      this.live.push(id);
    }
    this.workers.set(workerId, entry);
    return entry;
  }

  /** Takes a worker's servers out of the live set (it is leaving, or gone). */
  retire(entry: WorkerEntry): void {
    entry.accepting = false;
    for (const s of entry.servers) this.removeLive(s);
  }

  /** Forgets a departed worker and frees its servers' ids (the caller dropped their tokens). */
  removeWorker(entry: WorkerEntry): void {
    this.retire(entry);
    for (let slot = 0; slot < entry.servers.length; slot++) {
      const s = entry.servers[slot]!;
      if (this.owners[s] !== entry) continue;
      this.owners[s] = undefined;
      this.ids.delete(`${entry.workerId}\u0000${slot}`);
      this.freeIds.push(s);
    }
    if (this.workers.get(entry.workerId) === entry) this.workers.delete(entry.workerId);
  }

  /** Server ids ever allocated (live, retired or free): bounded by the peak of live servers. */
  get allocatedIds(): number {
    return this.owners.length;
  }

  /** The dense id of (workerId, slot), if that worker is connected and has the slot. */
  serverOf(entry: WorkerEntry, slot: number): number | undefined {
    return entry.servers[slot];
  }

  ownerOf(server: number): WorkerEntry | undefined {
    return this.owners[server];
  }

  speedOf(server: number): number {
    return this.speeds[server] ?? 1;
  }

  /** True while the server's worker is connected and accepting jobs. */
  isLive(server: number): boolean {
    return (this.position[server] ?? -1) >= 0;
  }

  slotOf(server: number): number {
    return this.slots[server]!;
  }

  /** The i-th live server, i in [0, liveCount). */
  liveAt(i: number): number {
    return this.live[i]!;
  }

  allWorkers(): IterableIterator<WorkerEntry> {
    return this.workers.values();
  }

  private removeLive(s: number): void {
    const pos = this.position[s]!;
    if (pos < 0) return;
    const last = this.live.pop()!;
    if (last !== s) {
      this.live[pos] = last;
      this.position[last] = pos;
    }
    this.position[s] = -1;
  }
}
