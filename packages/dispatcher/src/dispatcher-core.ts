import { Candidates, ErrorCode, HopHistogram, IQueueMeter, TokenQueue, type Prng, type Router } from '@jiq/core';
import {
  type ClientChannel,
  type DispatcherHandlers,
  type DispatcherStats,
  type Job,
  type JobDone,
  type Logger,
  type MessageInit,
  type PlaceToken,
  type StatsRequest,
  type SubmitReply,
  type Token,
  type WithdrawToken,
  type WorkerChannel,
  type WorkerMessage,
  hopClockMs,
} from '@jiq/shared';
import { IdempotencyCache } from './idempotency-cache';
import { admitWorker } from './worker-admission';
import { JobDeadlines } from './job-deadlines';
import { KnownLengths } from './known-lengths';
import { ServerProbes } from './server-probes';
import { ServerRegistry, type WorkerEntry } from './server-registry';
import { SlotLoadBook } from './slot-loads';

export interface DispatcherCoreConfig {
  readonly id: string;
  /** The policy's one routing decision (@jiq/core): token, else its server picker. */
  readonly router: Router;
  readonly rng: Prng;
  /** A server probe (JSQ, JSQ(d), JIQ-Pod) unanswered after this counts as an infinitely long queue. */
  readonly probeTimeoutMs: number;
  readonly maxPayloadBytes: number;
  readonly maxAttempts: number;
  readonly noWorkerWaitMs: number;
  readonly idempotencyCacheSize: number;
  readonly maxSlotsPerWorker: number;
  /** A worker must answer an assignment within this (0 = never time out); a job may lower it. */
  readonly jobTimeoutMs: number;
  /** Consecutive timeouts after which a worker is dropped. */
  readonly maxWorkerTimeouts: number;
  /** Jobs assigned or parked at once; beyond, submits are refused with RESOURCE_EXHAUSTED. */
  readonly maxInFlight: number;
  /** Jobs waiting for a first live worker at once. */
  readonly maxParked: number;
  /** Client and worker streams open at once; beyond, a new stream is closed at once. */
  readonly maxStreams: number;
}

interface ClientEntry {
  readonly channel: ClientChannel;
  open: boolean;
}

interface Waiter {
  readonly client: ClientEntry;
  readonly requestId: number;
  /** now() when the submit arrived: the dispatcher-side response time starts here. */
  readonly receivedAt: number;
}

/**
 * Told about completions and failures as they happen (the Prometheus histograms and the
 * failures-by-code counter); unset, the hot path pays one undefined check.
 */
export interface DispatcherObserver {
  /** A worker finished a job: submit-to-reply time here, and the worker's own sojourn time. */
  completed(responseMs: number, sojournMs: number): void;
  /** A job was refused or failed with this code. */
  failed(code: ErrorCode): void;
}

interface InFlight {
  readonly ticket: number;
  readonly job: Job;
  readonly waiters: Waiter[];
  readonly key: string;
  server: number;
  worker: WorkerEntry;
  byToken: boolean;
  attempts: number;
  /** When the worker must have answered (this.now() clock), or Infinity. */
  deadline: number;
}

/** A job waiting for the queue lengths its policy reads (a probe round trip). */
interface Probing {
  readonly job: Job;
  readonly waiters: Waiter[];
  readonly key: string;
  readonly attempts: number;
}

interface Parked {
  readonly job: Job;
  readonly waiters: Waiter[];
  readonly key: string;
  readonly attempts: number;
  readonly since: number;
}

type Outcome = Pick<MessageInit<SubmitReply>, 'ok' | 'result' | 'error' | 'info' | 'notRun'>;

/** Fenced tickets remembered per worker: a result later than this many timeouts counts as malformed. */
const FENCE_MEMORY = 4_096;
/** After a drain, how long client streams stay open for jobs that crossed the draining notice. */
const DRAIN_GRACE_MS = 1_000;

/**
 * The dispatcher's protocol logic over transport-neutral channels: token bookkeeping
 * (place, withdraw, pop by the selection policy), assignment by token or fallback,
 * completion routing, idempotency, re-dispatch after a worker loss, and the q0 measurements.
 */
export class DispatcherCore implements DispatcherHandlers {
  readonly tokens = new TokenQueue(64);
  readonly registry = new ServerRegistry();
  private readonly slotLoads = new SlotLoadBook();
  readonly probes: ServerProbes;
  /** Lengths piggybacked on results (jsq-d-stale routes on these instead of probing). */
  private readonly known = new KnownLengths();
  private readonly probing = new Set<Probing>();
  readonly meter: IQueueMeter;
  private readonly inFlight = new Map<number, InFlight>();
  private readonly byKey = new Map<string, InFlight | Parked | Probing>();
  private readonly done: IdempotencyCache<Outcome>;
  private readonly deadlines: JobDeadlines;
  private parked: Parked[] = [];
  private readonly clients = new Set<ClientEntry>();
  private streams = 0;
  private parkTimer: NodeJS.Timeout | undefined;
  private nextTicket = 1;
  private draining = false;
  private drainWaiters: (() => void)[] = [];
  /** Scratch candidates of routes that need no probe (allocation-free). */
  private readonly noProbe = new Candidates();
  observer: DispatcherObserver | undefined;
  /** Arrivals since start (warm-up included, never reset): what Prometheus counts. */
  readonly lifetime = { arrivals: 0, emptyArrivals: 0 };
  readonly counters = {
    tokensPlaced: 0,
    tokensUsed: 0,
    tokensWithdrawn: 0,
    staleWithdrawals: 0,
    fallbacks: 0,
    completed: 0,
    failed: 0,
    redispatched: 0,
    raceBusy: 0,
    raceWithdrawn: 0,
    rejected: 0,
    malformed: 0,
    /** Worker hellos refused (invalid, too many slots, or a worker id bound to another connection). */
    refused: 0,
    timedOut: 0,
    lateResults: 0,
    workersDropped: 0,
    exhausted: 0,
    /** Jobs a stopping worker handed back unstarted (re-dispatched at once, not an attempt). */
    handedBack: 0,
  };

  /** Hop delays seen here within the measured window (see docs/performance.md). */
  readonly hops = {
    probeRtt: new HopHistogram(),
    place: new HopHistogram(),
    assign: new HopHistogram(),
    withdraw: new HopHistogram(),
    done: new HopHistogram(),
  };
  /** Token time in flight: slot idle -> token here, plus assign hops of jobs sent by token to idle slots. */
  private tokenInvisibleMs = 0;

  /** Malformed messages the transport counted and dropped (NATS), and its count at the last reset. */
  private transportMalformed: () => number = () => 0;
  private transportMalformedBase = 0;

  constructor(
    private readonly config: DispatcherCoreConfig,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
    /** Epoch ms shared with the workers' clocks (hop timestamps). */
    private readonly hopNow: () => number = hopClockMs,
  ) {
    this.meter = new IQueueMeter(now);
    this.done = new IdempotencyCache(config.idempotencyCacheSize);
    this.probes = new ServerProbes(this.registry, config.probeTimeoutMs);
    this.deadlines = new JobDeadlines((ticket, deadline) => this.expired(ticket, deadline), now);
  }

  get inFlightCount(): number {
    return this.inFlight.size + this.parked.length + this.probing.size;
  }

  // ------------------------------------------------------------------ clients

  /** Counts a new stream; false (and the stream closed) beyond maxStreams. */
  private admitStream(channel: ClientChannel | WorkerChannel): boolean {
    if (this.streams >= this.config.maxStreams) {
      this.counters.exhausted++;
      this.log.warn({ peer: channel.peer, maxStreams: this.config.maxStreams }, 'too many streams; closing the new one');
      channel.close();
      return false;
    }
    this.streams++;
    channel.onClose(() => this.streams--);
    return true;
  }

  onClient(channel: ClientChannel): void {
    if (!this.admitStream(channel)) return;
    const client: ClientEntry = { channel, open: true };
    this.clients.add(client);
    if (this.draining) channel.send({ requestId: 0, draining: true });
    channel.onMessage((req) => {
      const job = req.job;
      // A client's ping (request id 0, no job): answered at once, so it can tell a hung dispatcher.
      if (!job && req.requestId === 0) return void channel.send({ requestId: 0, draining: this.draining });
      if (!job) return this.refuse(client, req.requestId, '', ErrorCode.INVALID_ARGUMENT, 'job: required');
      this.submit(client, req.requestId, job);
    });
    channel.onClose(() => {
      client.open = false;
      this.clients.delete(client);
    });
  }

  private submit(client: ClientEntry, requestId: number, job: Job): void {
    const invalid = this.validate(job);
    if (invalid) return this.refuse(client, requestId, job.id, ErrorCode.INVALID_ARGUMENT, invalid);
    if (this.draining) return this.refuse(client, requestId, job.id, ErrorCode.UNAVAILABLE, `dispatcher ${this.config.id} is draining`);
    if (this.inFlightCount >= this.config.maxInFlight) {
      this.counters.exhausted++;
      return this.refuse(client, requestId, job.id, ErrorCode.RESOURCE_EXHAUSTED, `dispatcher ${this.config.id} holds ${this.config.maxInFlight} jobs (maxInFlight)`);
    }
    if (job.deadlineMs > 0 && Date.now() > job.deadlineMs) {
      return this.refuse(client, requestId, job.id, ErrorCode.DEADLINE_EXCEEDED, 'deadline passed before dispatch');
    }
    const waiter: Waiter = { client, requestId, receivedAt: this.now() };
    const key = job.idempotencyKey;
    if (key !== '') {
      const running = this.byKey.get(key);
      if (running) {
        running.waiters.push(waiter);
        return;
      }
      const finished = this.done.get(key);
      if (finished) {
        this.send(waiter, job.id, finished);
        return;
      }
    }
    this.dispatch(job, [waiter], key, 1);
  }

  private validate(job: Job): string | undefined {
    if (job.id === '') return 'job.id: required (non-empty)';
    if (job.payload.length === 0) return 'job.payload: must not be empty';
    if (job.payload.length > this.config.maxPayloadBytes) {
      return `job.payload: ${job.payload.length} bytes exceeds the limit of ${this.config.maxPayloadBytes}`;
    }
    if (!(job.size >= 0) || !Number.isFinite(job.size)) return 'job.size: must be a finite number >= 0';
    if (!(job.timeoutMs >= 0) || !Number.isFinite(job.timeoutMs)) return 'job.timeoutMs: must be a finite number >= 0';
    return undefined;
  }

  /** A job arrives (or comes back after a worker loss): measure what it found, then route it. */
  private dispatch(job: Job, waiters: Waiter[], key: string, attempts: number, avoid?: WorkerEntry): void {
    const found = this.tokens.length;
    if (attempts === 1) {
      this.meter.arrival(found, job.measure);
      this.lifetime.arrivals++;
      if (found === 0) this.lifetime.emptyArrivals++;
    }
    this.route(job, waiters, key, attempts, avoid);
  }

  /**
   * The policy's decision (@jiq/core Router, the simulator's code): a token if the policy uses
   * tokens and the I-queue has one, else the server picker; when the picker reads queue
   * lengths, the candidates are probed first (the job waits one round trip). `avoid`: a worker
   * the job was just taken from (stalled), redrawn away from a few times.
   */
  private route(job: Job, waiters: Waiter[], key: string, attempts: number, avoid?: WorkerEntry, probed?: Candidates, avoidRedraws?: number): void {
    const router = this.config.router;
    const queue = router.usesTokens ? this.tokens : null;
    const live = this.registry.liveCount;
    if (live === 0 && !(queue && queue.length > 0) && this.parked.length >= this.config.maxParked) {
      this.counters.exhausted++;
      this.counters.rejected++;
      this.finish({ waiters, key }, job.id, {
        ok: false,
        notRun: attempts === 1,
        error: { code: ErrorCode.RESOURCE_EXHAUSTED, message: `no live worker and ${this.config.maxParked} jobs already wait for one (maxParked)` },
      });
      return;
    }
    if (live === 0 && !(queue && queue.length > 0)) {
      this.park({ job, waiters, key, attempts, since: this.now() });
      return;
    }
    if (!probed && router.needsLengths(queue)) {
      const c = router.lengthsFrom === 'piggyback' ? this.noProbe : new Candidates();
      router.candidates(live, this.config.rng, c);
      for (let i = 0; i < c.count; i++) {
        const server = this.registry.liveAt(c.ids[i]!);
        c.ids[i] = server;
        c.speeds[i] = this.registry.speedOf(server);
      }
      if (router.lengthsFrom === 'piggyback') {
        // The lengths the workers reported on their results: no round trip, stale.
        this.known.fill(c);
        this.route(job, waiters, key, attempts, avoid, c, avoidRedraws);
        return;
      }
      const p: Probing = { job, waiters, key, attempts };
      this.probing.add(p);
      if (key !== '') this.byKey.set(key, p);
      this.probes.probe(c, (answered) => {
        this.probing.delete(p);
        if (key !== '') this.byKey.delete(key);
        this.route(job, waiters, key, attempts, avoid, answered);
      });
      return;
    }
    const c = probed ?? this.noProbe;
    const picked = router.route(queue, live, this.config.rng, c);
    const server = router.byToken || router.picker.reads !== 'none' ? picked : this.registry.liveAt(picked);
    if (!router.byToken && !this.registry.isLive(server)) {
      // Every probed server left while we asked: decide again among the live ones.
      this.route(job, waiters, key, attempts, avoid);
      return;
    }
    if (avoid !== undefined && !router.byToken && this.registry.ownerOf(server) === avoid && live > 1 && (avoidRedraws ?? 0) < 3) {
      // A job taken from a stalled worker should not go straight back to it (a few redraws).
      this.route(job, waiters, key, attempts, avoid, undefined, (avoidRedraws ?? 0) + 1);
      return;
    }
    const byToken = router.byToken;
    const epoch = byToken ? router.epoch : 0;
    if (byToken) {
      this.meter.setLength(this.tokens.length);
      this.counters.tokensUsed++;
    } else this.counters.fallbacks++;
    const worker = this.registry.ownerOf(server)!;
    const ticket = this.takeTicket();
    const timeoutMs = job.timeoutMs > 0 ? job.timeoutMs : this.config.jobTimeoutMs;
    const deadline = timeoutMs > 0 ? this.now() + timeoutMs : Infinity;
    const entry: InFlight = { ticket, job, waiters, key, server, worker, byToken, attempts, deadline };
    this.inFlight.set(ticket, entry);
    this.slotLoads.assign(server, byToken);
    if (deadline !== Infinity) this.deadlines.add(ticket, deadline);
    this.probes.sent(server);
    this.known.sent(server);
    if (key !== '') this.byKey.set(key, entry);
    worker.channel.send({ assign: { ticket, slot: this.registry.slotOf(server), job, byToken, epoch, sentAtMs: this.hopNow() } });
  }

  private takeTicket(): number {
    let t = this.nextTicket;
    // 31 bits: tickets are the deadline heap's int32 values.
    while (this.inFlight.has(t)) t = (t + 1) & 0x7fffffff || 1;
    this.nextTicket = (t + 1) & 0x7fffffff || 1;
    return t;
  }

  /** No live worker yet: hold the job briefly (workers may still be connecting). */
  private park(p: Parked): void {
    this.parked.push(p);
    if (p.key !== '') this.byKey.set(p.key, p);
    if (!this.parkTimer) {
      this.parkTimer = setInterval(() => this.expireParked(), Math.max(50, this.config.noWorkerWaitMs / 10));
      this.parkTimer.unref();
    }
  }

  private expireParked(): void {
    const limit = this.now() - this.config.noWorkerWaitMs;
    const keep: Parked[] = [];
    for (const p of this.parked) {
      if (p.since <= limit) {
        this.finish(p, p.job.id, {
          ok: false,
          notRun: p.attempts === 1,
          error: { code: ErrorCode.UNAVAILABLE, message: `no live worker within ${this.config.noWorkerWaitMs} ms` },
        });
      } else keep.push(p);
    }
    this.parked = keep;
    this.stopParkTimerIfIdle();
  }

  private releaseParked(): void {
    if (this.parked.length === 0 || this.registry.liveCount === 0) return;
    const list = this.parked;
    this.parked = [];
    for (const p of list) {
      if (p.key !== '') this.byKey.delete(p.key);
      this.route(p.job, p.waiters, p.key, p.attempts);
    }
    this.stopParkTimerIfIdle();
  }

  private stopParkTimerIfIdle(): void {
    if (this.parked.length === 0 && this.parkTimer) {
      clearInterval(this.parkTimer);
      this.parkTimer = undefined;
    }
  }

  private refuse(client: ClientEntry, requestId: number, jobId: string, code: ErrorCode, message: string): void {
    this.counters.rejected++;
    this.observer?.failed(code);
    this.send({ client, requestId }, jobId, { ok: false, notRun: true, error: { code, message } });
  }

  private send(w: Pick<Waiter, 'client' | 'requestId'>, jobId: string, outcome: Outcome): void {
    if (w.client.open) w.client.channel.send({ requestId: w.requestId, jobId, draining: this.draining, ...outcome });
  }

  private finish(entry: { waiters: Waiter[]; key: string }, jobId: string, outcome: Outcome): void {
    for (const w of entry.waiters) this.send(w, jobId, outcome);
    if (!outcome.ok) this.observer?.failed(outcome.error?.code ?? ErrorCode.ERROR_CODE_UNSPECIFIED);
    if (entry.key !== '') {
      this.byKey.delete(entry.key);
      if (outcome.ok) this.done.set(entry.key, outcome);
    }
    if (this.draining && this.inFlightCount === 0) this.notifyDrained();
  }

  // ------------------------------------------------------------------ workers

  onWorker(channel: WorkerChannel): void {
    if (!this.admitStream(channel)) return;
    let entry: WorkerEntry | undefined;
    channel.onMessage((msg) => {
      if (!entry) {
        entry = this.hello(channel, msg);
        return;
      }
      this.fromWorker(entry, msg);
    });
    channel.onClose((err) => {
      if (entry) this.workerGone(entry, err);
    });
  }

  private hello(channel: WorkerChannel, msg: WorkerMessage): WorkerEntry | undefined {
    const refusal = admitWorker(msg.hello, this.registry, this.config.maxSlotsPerWorker);
    if (refusal || !msg.hello) {
      this.counters.refused++;
      if (refusal?.code === ErrorCode.INVALID_ARGUMENT) this.counters.malformed++;
      this.log.warn({ peer: channel.peer, workerId: msg.hello?.workerId, reason: refusal?.message }, 'worker refused; closing its stream');
      channel.send({ refused: { error: refusal } });
      channel.close();
      return undefined;
    }
    const hello = msg.hello;
    const slots = hello.slots;
    const speeds = hello.slotSpeeds.length > 0 ? hello.slotSpeeds : [hello.speed || 1];
    const entry = this.registry.addWorker(hello.workerId, slots, channel, speeds)!;
    channel.send({ hello: { dispatcherId: this.config.id, echoSentAtMs: hello.sentAtMs, nowMs: this.hopNow() } });
    this.log.debug({ workerId: hello.workerId, slots }, 'worker joined');
    this.releaseParked();
    return entry;
  }

  private fromWorker(entry: WorkerEntry, msg: WorkerMessage): void {
    if (msg.done) this.completed(entry, msg.done);
    else if (msg.place) this.placeToken(entry, msg.place);
    else if (msg.withdraw) this.withdrawToken(entry, msg.withdraw);
    else if (msg.probe) entry.channel.send({ probeReply: { requestId: msg.probe.requestId, length: this.tokens.length } });
    else if (msg.leave) this.workerLeaving(entry);
    else if (msg.lengths) this.probes.answer(entry, msg.lengths);
    else this.counters.malformed++;
  }

  private serverForToken(entry: WorkerEntry, token: Token | null | undefined): number | undefined {
    if (!token || token.workerId !== entry.workerId) return undefined;
    return this.registry.serverOf(entry, token.slot);
  }

  private placeToken(entry: WorkerEntry, place: PlaceToken): void {
    const token = place.token;
    const server = this.serverForToken(entry, token);
    if (server === undefined || !token) {
      this.counters.malformed++;
      return;
    }
    // A token-less policy (random, JSQ...) ignores tokens from a worker configured for JIQ.
    if (!entry.accepting || !this.config.router.usesTokens) return;
    this.tokens.place(server, token.epoch);
    this.meter.setLength(this.tokens.length);
    this.counters.tokensPlaced++;
    if (this.meter.measuring) {
      const t = this.hopNow();
      if (place.sentAtMs > 0) this.hops.place.add(t - place.sentAtMs);
      if (place.probeRttMs > 0) this.hops.probeRtt.add(place.probeRttMs);
      if (place.idleSinceMs > 0) this.tokenInvisibleMs += Math.max(0, t - place.idleSinceMs);
    }
  }

  private withdrawToken(entry: WorkerEntry, withdraw: WithdrawToken): void {
    const token = withdraw.token;
    const server = this.serverForToken(entry, token);
    if (server === undefined || !token) {
      this.counters.malformed++;
      return;
    }
    if (this.meter.measuring && withdraw.sentAtMs > 0) this.hops.withdraw.add(this.hopNow() - withdraw.sentAtMs);
    if (this.tokens.withdraw(server, token.epoch)) {
      this.meter.setLength(this.tokens.length);
      this.counters.tokensWithdrawn++;
    } else {
      // Already used (the job and the withdrawal crossed) or a stale epoch.
      this.counters.staleWithdrawals++;
    }
  }

  private completed(entry: WorkerEntry, done: JobDone): void {
    const job = this.inFlight.get(done.ticket);
    if (!job || job.worker !== entry) {
      // A result for a job taken away after a timeout: fenced, dropped and counted.
      if (entry.fenced.delete(done.ticket)) this.counters.lateResults++;
      else this.counters.malformed++;
      return;
    }
    this.inFlight.delete(done.ticket);
    entry.timeouts = 0;
    if (done.handedBack) {
      this.handedBack(entry, job);
      return;
    }
    this.known.report(job.server, done.queueLength);
    if (done.raceBusy) {
      this.counters.raceBusy++;
      this.slotLoads.race(job.server);
    }
    if (done.raceWithdrawn) this.counters.raceWithdrawn++;
    if (done.ok) this.counters.completed++;
    else this.counters.failed++;
    if (job.job.measure) this.measureDone(job, done);
    this.observer?.completed(this.now() - job.waiters[0]!.receivedAt, done.sojournMs);
    this.finish(job, job.job.id, {
      ok: done.ok,
      result: done.result,
      error: done.ok ? null : done.error,
      info: {
        byToken: job.byToken,
        workerId: entry.workerId,
        slot: done.slot,
        sojournMs: done.sojournMs,
        serviceMs: done.serviceMs,
        raceBusy: done.raceBusy,
        attempts: job.attempts,
        dispatcherId: this.config.id,
      },
    });
  }

  /**
   * A stopping worker never started this job and gave it back: route it again now (it did not
   * run, so it is not an attempt and not a new arrival), away from that worker.
   */
  private handedBack(entry: WorkerEntry, job: InFlight): void {
    this.counters.handedBack++;
    if (job.key !== '') this.byKey.delete(job.key);
    this.route(job.job, job.waiters, job.key, job.attempts, entry);
  }

  private measureDone(job: InFlight, done: JobDone): void {
    if (done.sentAtMs > 0) this.hops.done.add(this.hopNow() - done.sentAtMs);
    if (done.assignMs > 0) {
      this.hops.assign.add(done.assignMs);
      // A job sent by token to an idle slot: the slot stayed idle, unseen, while the job travelled.
      if (job.byToken && !done.raceBusy) this.tokenInvisibleMs += done.assignMs;
    }
  }

  private removeTokensOf(entry: WorkerEntry): void {
    let removed = false;
    for (const s of entry.servers) removed = this.tokens.remove(s) || removed;
    if (removed) this.meter.setLength(this.tokens.length);
  }

  private workerLeaving(entry: WorkerEntry): void {
    this.removeTokensOf(entry);
    this.registry.retire(entry);
    this.log.debug({ workerId: entry.workerId }, 'worker leaving');
  }

  /** The worker's stream ended: drop its tokens and re-dispatch what it had not finished. */
  private workerGone(entry: WorkerEntry, err?: Error): void {
    if (this.registry.worker(entry.workerId) !== entry) return;
    const left = !entry.accepting;
    this.removeTokensOf(entry);
    this.registry.removeWorker(entry);
    this.probes.workerGone(entry);
    for (const server of entry.servers) this.known.forget(server);
    const lost = [...this.inFlight.values()].filter((j) => j.worker === entry);
    if (lost.length > 0 || (err && !left)) {
      this.log.warn({ workerId: entry.workerId, lostJobs: lost.length, err: err?.message }, 'worker disconnected');
    }
    for (const j of lost) {
      this.inFlight.delete(j.ticket);
      if (j.key !== '') this.byKey.delete(j.key);
      if (j.attempts >= this.config.maxAttempts) {
        this.counters.failed++;
        this.finish(j, j.job.id, {
          ok: false,
          error: { code: ErrorCode.WORKER_LOST, message: `worker ${entry.workerId} was lost ${j.attempts} time(s)` },
        });
      } else {
        this.counters.redispatched++;
        this.dispatch(j.job, j.waiters, j.key, j.attempts + 1);
      }
    }
  }

  /**
   * A worker did not answer an assignment in time: fence the ticket (its late result will be
   * dropped), re-dispatch within the job's attempts to another worker, else DEADLINE_EXCEEDED.
   * A worker that times out maxWorkerTimeouts times in a row is dropped.
   */
  private expired(ticket: number, deadline: number): void {
    const j = this.inFlight.get(ticket);
    if (!j || j.deadline !== deadline) return;
    const worker = j.worker;
    this.inFlight.delete(ticket);
    if (j.key !== '') this.byKey.delete(j.key);
    worker.fenced.add(ticket);
    if (worker.fenced.size > FENCE_MEMORY) worker.fenced.delete(worker.fenced.values().next().value!);
    this.counters.timedOut++;
    worker.timeouts++;
    const timeoutMs = j.job.timeoutMs > 0 ? j.job.timeoutMs : this.config.jobTimeoutMs;
    this.log.warn({ workerId: worker.workerId, jobId: j.job.id, attempts: j.attempts, timeoutMs }, 'job timed out at its worker');
    if (j.attempts >= this.config.maxAttempts) {
      this.counters.failed++;
      this.finish(j, j.job.id, {
        ok: false,
        error: { code: ErrorCode.DEADLINE_EXCEEDED, message: `no answer within ${timeoutMs} ms from its worker, ${j.attempts} attempt(s)` },
      });
    } else {
      this.counters.redispatched++;
      this.dispatch(j.job, j.waiters, j.key, j.attempts + 1, worker);
    }
    if (worker.timeouts >= this.config.maxWorkerTimeouts && this.registry.worker(worker.workerId) === worker) {
      this.counters.workersDropped++;
      this.log.warn({ workerId: worker.workerId, timeouts: worker.timeouts }, 'worker timed out repeatedly; dropping it');
      this.workerGone(worker, new Error(`${worker.timeouts} job timeouts in a row`));
      worker.channel.close();
    }
  }

  // ------------------------------------------------------------------ control

  stats(request: StatsRequest): MessageInit<DispatcherStats> {
    const m = this.meter.snapshot();
    const c = this.counters;
    const out: MessageInit<DispatcherStats> = {
      dispatcherId: this.config.id,
      arrivals: m.arrivals,
      emptyArrivals: m.emptyArrivals,
      emptyTimeMs: m.emptyTimeMs,
      windowMs: m.windowMs,
      tokenTimeMs: m.tokenTimeMs,
      tokensPlaced: c.tokensPlaced,
      tokensUsed: c.tokensUsed,
      tokensWithdrawn: c.tokensWithdrawn,
      staleWithdrawals: c.staleWithdrawals,
      fallbacks: c.fallbacks,
      completed: c.completed,
      failed: c.failed,
      redispatched: c.redispatched,
      raceBusy: c.raceBusy,
      raceWithdrawn: c.raceWithdrawn,
      rejected: c.rejected,
      malformed: c.malformed + this.transportMalformed() - this.transportMalformedBase,
      timedOut: c.timedOut,
      lateResults: c.lateResults,
      workersDropped: c.workersDropped,
      exhausted: c.exhausted,
      handedBack: c.handedBack,
      hops: {
        probeRtt: this.hops.probeRtt.toData(),
        place: this.hops.place.toData(),
        assign: this.hops.assign.toData(),
        withdraw: this.hops.withdraw.toData(),
        done: this.hops.done.toData(),
      },
      tokenInvisibleMs: this.tokenInvisibleMs,
      queueLength: this.tokens.length,
      workers: this.registry.workerCount,
      servers: this.registry.liveCount,
      inFlight: this.inFlightCount,
      tokens: request.includeTokens
        ? this.tokens.toArray().map((server) => ({
            workerId: this.registry.ownerOf(server)?.workerId ?? '',
            slot: this.registry.slotOf(server),
            epoch: this.tokens.epochOf(server),
          }))
        : [],
      slots: request.includeSlots ? this.slotLoads.list(this.registry, [...this.inFlight.values()].map((j) => j.server)) : [],
    };
    if (request.reset) {
      this.meter.reset();
      for (const k of Object.keys(c) as (keyof typeof c)[]) c[k] = 0;
      for (const h of Object.values(this.hops)) h.reset();
      this.tokenInvisibleMs = 0;
      this.transportMalformedBase = this.transportMalformed();
    }
    return out;
  }

  /** Adds the transport's own count of malformed messages to stats().malformed. */
  countTransportMalformed(read: () => number): void {
    this.transportMalformed = read;
    this.transportMalformedBase = 0;
  }

  /** Refuses new submits and resolves when every accepted job has replied (or on timeout). */
  async drain(timeoutMs: number): Promise<boolean> {
    const started = this.now();
    if (!this.draining) {
      this.draining = true;
      // Tell every client now, so that it sends its next jobs elsewhere instead of being refused.
      for (const c of this.clients) if (c.open) c.channel.send({ requestId: 0, draining: true });
    }
    const drained = this.inFlightCount === 0 || await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    // Jobs a client sent before the notice reached it are still on their way: keep the streams
    // open a moment so that they are refused (not run) and resent elsewhere, not lost with them.
    const graceEnd = Math.min(started + timeoutMs, this.now() + DRAIN_GRACE_MS);
    while (this.clients.size > 0 && this.now() < graceEnd) await new Promise((r) => setTimeout(r, 20));
    return drained && this.inFlightCount === 0;
  }

  private notifyDrained(): void {
    const ws = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of ws) w();
  }

  /** Ids of the connected workers. */
  workerIds(): string[] {
    return [...this.registry.allWorkers()].map((w) => w.workerId);
  }

  /** A worker left the cluster membership (or expired): drop its tokens, re-dispatch its jobs. */
  dropWorker(workerId: string): boolean {
    const entry = this.registry.worker(workerId);
    if (!entry) return false;
    this.workerGone(entry, new Error('left the cluster membership'));
    entry.channel.close();
    return true;
  }

  /** Ends every worker and client stream (after drain). */
  disconnectAll(): void {
    for (const w of [...this.registry.allWorkers()]) w.channel.close();
    for (const c of [...this.clients]) c.channel.close();
    if (this.parkTimer) clearInterval(this.parkTimer);
    this.deadlines.close();
  }
}
