/**
 * Collects what one event-loop turn sends on a stream and hands it over as one batch, the way
 * nats.js flushes its outbound buffer once per turn. Each stream write costs a syscall path, an
 * HTTP/2 frame and a write-completion callback; under load a dispatcher answers many messages
 * read in one turn, so one write per turn instead of one per message is most of its CPU.
 * setImmediate (not a microtask) so that everything the I/O callbacks of this poll phase send
 * goes together; the added latency is the rest of the current turn.
 */
export class TurnBatcher<T> {
  private pending: T[] = [];
  private scheduled = false;

  constructor(private readonly flushBatch: (batch: T[]) => void) {}

  push(item: T): void {
    this.pending.push(item);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  /** Hands over what is pending now (before the stream ends, say). */
  readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.flushBatch(batch);
  };
}
