import type { Candidates } from '@jiq/core';
import type { ServerLengths } from '@jiq/shared';
import type { ServerRegistry, WorkerEntry } from './server-registry';

/** One job's probe: the candidates whose lengths are being asked, and who waits for them. */
interface ProbeRound {
  readonly candidates: Candidates;
  /** Jobs this dispatcher had sent each candidate when it asked (see `sent`). */
  readonly sentBefore: number[];
  outstanding: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly done: (c: Candidates) => void;
}

/** One ProbeServers message to one worker: which candidate positions its answer fills. */
interface Asked {
  readonly round: ProbeRound;
  readonly worker: WorkerEntry;
  readonly positions: number[];
}

/**
 * Queue-length probes of servers over the workers' streams (JSQ, JSQ(d), JIQ-Pod): one
 * ProbeServers per worker holding candidates, answered by one ServerLengths in the order
 * asked. A worker that does not answer within the timeout, or is lost, counts as infinitely
 * long, so the job still goes somewhere when the round ends.
 *
 * A stream is ordered, so an answer counts every job this dispatcher sent the server before
 * asking, and none it sent after: those are added to the answer when the round ends, or
 * concurrent jobs would all see the same short queue and herd onto it. Jobs of other
 * dispatchers still in transit are not seen: that is the policy's real staleness.
 */
export class ServerProbes {
  private readonly asked = new Map<number, Asked>();
  /** Jobs sent to each server so far (dense id), counted by `sent`. */
  private readonly sentTo: number[] = [];
  private nextId = 1;
  /** Rounds sent, probe messages sent, and answers that came too late or from the wrong worker. */
  readonly counters = { rounds: 0, messages: 0, timeouts: 0, lateAnswers: 0 };

  constructor(
    private readonly registry: ServerRegistry,
    private readonly timeoutMs: number,
  ) {}

  /** The dispatcher sent a job to `server`. */
  sent(server: number): void {
    this.sentTo[server] = (this.sentTo[server] ?? 0) + 1;
  }

  get pending(): number {
    return this.asked.size;
  }

  /** Asks the owners of c.ids (dense server ids) for their lengths; calls done once all are known. */
  probe(c: Candidates, done: (c: Candidates) => void): void {
    const sentBefore = Array.from(c.ids.subarray(0, c.count), (server) => this.sentTo[server] ?? 0);
    const round: ProbeRound = { candidates: c, sentBefore, outstanding: 0, timer: undefined, done };
    const byWorker = new Map<WorkerEntry, number[]>();
    for (let i = 0; i < c.count; i++) {
      const owner = this.registry.ownerOf(c.ids[i]!);
      if (!owner || !this.registry.isLive(c.ids[i]!)) {
        c.lengths[i] = Infinity;
        continue;
      }
      let positions = byWorker.get(owner);
      if (!positions) byWorker.set(owner, (positions = []));
      positions.push(i);
    }
    this.counters.rounds++;
    for (const [worker, positions] of byWorker) {
      const id = this.takeId();
      this.asked.set(id, { round, worker, positions });
      round.outstanding++;
      this.counters.messages++;
      worker.channel.send({ probeServers: { requestId: id, slots: positions.map((i) => this.registry.slotOf(c.ids[i]!)) } });
    }
    if (round.outstanding === 0) {
      this.finish(round);
      return;
    }
    round.timer = setTimeout(() => this.expire(round), this.timeoutMs);
  }

  /** A worker's ServerLengths. Returns false when it answers nothing we asked it. */
  answer(worker: WorkerEntry, reply: ServerLengths): boolean {
    const a = this.asked.get(reply.requestId);
    if (!a || a.worker !== worker) {
      this.counters.lateAnswers++;
      return false;
    }
    this.asked.delete(reply.requestId);
    const c = a.round.candidates;
    a.positions.forEach((pos, k) => {
      const len = reply.lengths[k];
      c.lengths[pos] = len === undefined ? Infinity : len;
    });
    this.settle(a.round);
    return true;
  }

  /** The worker is gone: its unanswered probes count as infinitely long queues. */
  workerGone(worker: WorkerEntry): void {
    for (const [id, a] of this.asked) {
      if (a.worker !== worker) continue;
      this.asked.delete(id);
      for (const pos of a.positions) a.round.candidates.lengths[pos] = Infinity;
      this.settle(a.round);
    }
  }

  private settle(round: ProbeRound): void {
    if (--round.outstanding > 0) return;
    if (round.timer) clearTimeout(round.timer);
    this.finish(round);
  }

  private finish(round: ProbeRound): void {
    const c = round.candidates;
    for (let i = 0; i < c.count; i++) c.lengths[i]! += (this.sentTo[c.ids[i]!] ?? 0) - round.sentBefore[i]!;
    round.done(c);
  }

  private expire(round: ProbeRound): void {
    for (const [id, a] of this.asked) {
      if (a.round !== round) continue;
      this.asked.delete(id);
      for (const pos of a.positions) round.candidates.lengths[pos] = Infinity;
      this.counters.timeouts++;
    }
    round.outstanding = 0;
    this.finish(round);
  }

  private takeId(): number {
    let id = this.nextId;
    while (this.asked.has(id)) id = (id + 1) >>> 0 || 1;
    this.nextId = (id + 1) >>> 0 || 1;
    return id;
  }
}
