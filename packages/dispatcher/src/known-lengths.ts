import type { Candidates } from '@jiq/core';

/**
 * Queue lengths as this dispatcher knows them without asking (jsq-d-stale): the length a server
 * piggybacked on its last result to this dispatcher (`JobDone.queue_length`), plus the jobs this
 * dispatcher sent it since. What other dispatchers sent it since that result is not seen, nor
 * what it finished since: that staleness is the variant's price for skipping the probe round trip.
 */
export class KnownLengths {
  private readonly reported: number[] = [];
  /** Jobs sent to each server so far, and that count when its last length was reported. */
  private readonly sentTo: number[] = [];
  private readonly sentAtReport: number[] = [];

  sent(server: number): void {
    this.sentTo[server] = (this.sentTo[server] ?? 0) + 1;
  }

  /** A result from `server` carrying its length as that job left. */
  report(server: number, length: number): void {
    this.reported[server] = length;
    this.sentAtReport[server] = this.sentTo[server] ?? 0;
  }

  /** A server that left: what was known of it no longer holds (a new one may take its id). */
  forget(server: number): void {
    this.reported[server] = 0;
    this.sentAtReport[server] = this.sentTo[server] ?? 0;
  }

  /** Fills the candidates' lengths from what is known (a server never reported: 0 + jobs sent). */
  fill(c: Candidates): void {
    for (let i = 0; i < c.count; i++) {
      const s = c.ids[i]!;
      c.lengths[i] = (this.reported[s] ?? 0) + (this.sentTo[s] ?? 0) - (this.sentAtReport[s] ?? 0);
    }
  }
}
