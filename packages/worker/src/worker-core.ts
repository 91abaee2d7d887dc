import { ErrorCode, JiqRefusedError, SqdPlacement, type Prng, type ProbeMode, type TokenRule } from '@jiq/core';
import {
  type Assign,
  type BackoffPolicy,
  type Connector,
  type DispatcherLinkChannel,
  type DispatcherMessage,
  type Job,
  type JobError,
  type Logger,
  type MessageInit,
  type ProbeServers,
  clockOffsetMs,
  hopClockMs,
} from '@jiq/shared';
import type { JobHandler } from './options';

export interface WorkerCoreConfig {
  readonly workerId: string;
  readonly slots: number;
  readonly d: number;
  readonly probe: ProbeMode;
  readonly withdraw: boolean;
  /** False for token-less policies (random, round-robin, JSQ...): the slots place no tokens. */
  readonly placeTokens: boolean;
  readonly tokens: TokenRule;
  readonly handler: JobHandler | undefined;
  readonly meanServiceMs: number;
  /** Relative speed of each slot (synthetic jobs run size x mean / speed). */
  readonly speeds: readonly number[];
  readonly connectTimeoutMs: number;
  readonly probeTimeoutMs: number;
  readonly rng: Prng;
  readonly backoff: BackoffPolicy;
  readonly connector: Connector;
}

/** One connection to one dispatcher; `generation` changes on every reconnect. */
interface Link {
  readonly index: number;
  /** Removed from the membership: never reconnect. */
  removed: boolean;
  readonly address: string;
  channel: DispatcherLinkChannel | undefined;
  ready: boolean;
  generation: number;
  readonly probes: Map<number, (length: number) => void>;
  nextProbeId: number;
  /** Settles the pending connect(): on the dispatcher's hello, or with its refusal. */
  onReady: ((refusal?: Error) => void) | undefined;
  /** Add to the local hop clock to read the dispatcher's (0 on one host: one monotonic clock). */
  clockOffsetMs: number;
}

interface QueuedJob {
  readonly ticket: number;
  readonly job: Job;
  readonly link: Link;
  readonly generation: number;
  readonly arrivedAt: number;
  readonly raceBusy: boolean;
  readonly raceWithdrawn: boolean;
  /** How long the Assign travelled (0 when the dispatcher did not stamp it). */
  readonly assignMs: number;
}

/** One server of the model: FIFO, one job in service, its own tokens. */
interface Slot {
  readonly index: number;
  readonly queue: QueuedJob[];
  busy: boolean;
  /** Outstanding tokens: epoch → the dispatcher holding it. */
  readonly tokens: Map<number, Link>;
  /** Recently withdrawn epochs, to recognise a job that crossed its withdrawal. */
  readonly withdrawn: number[];
  epoch: number;
  placing: boolean;
  /** A token is owed but no dispatcher was reachable. */
  owed: boolean;
  /** Wall clock when the slot last needed a token: it was invisible to arrivals from then on. */
  idleSinceMs: number;
}

const WITHDRAWN_MEMORY = 8;

export interface WorkerCounters {
  jobs: number;
  failed: number;
  tokensPlaced: number;
  tokensWithdrawn: number;
  raceBusy: number;
  raceWithdrawn: number;
  malformed: number;
  dropped: number;
  /** Jobs handed back unstarted while stopping (the dispatcher re-dispatched them at once). */
  handedBack: number;
  /** Jobs with job.measure set (after the warm-up), and the sums of their sojourn and service times. */
  measuredJobs: number;
  sojournMsSum: number;
  serviceMsSum: number;
}

/**
 * The worker's protocol logic: serve jobs FIFO per slot, and when a slot becomes idle probe d
 * dispatchers and place its token at the shortest I-queue (JIQ-SQ(d)); withdraw it when a
 * job arrives from elsewhere (if enabled).
 */
export class WorkerCore {
  private readonly links: Link[];
  private readonly ready: Link[] = [];
  private readonly slots: Slot[];
  /** SQ(d) placement (the simulator's), one per effective d: distinct probes cap d at the dispatchers known. */
  private readonly placements = new Map<number, SqdPlacement>();
  private started = false;
  private closing = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  readonly counters: WorkerCounters = {
    jobs: 0,
    failed: 0,
    tokensPlaced: 0,
    tokensWithdrawn: 0,
    raceBusy: 0,
    raceWithdrawn: 0,
    malformed: 0,
    dropped: 0,
    handedBack: 0,
    measuredJobs: 0,
    sojournMsSum: 0,
    serviceMsSum: 0,
  };

  constructor(
    private readonly cfg: WorkerCoreConfig,
    addresses: string[],
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.links = addresses.map((address, index) => newLink(address, index));
    this.slots = Array.from({ length: cfg.slots }, (_, index) => ({
      index,
      queue: [],
      busy: false,
      tokens: new Map(),
      withdrawn: [],
      epoch: 0,
      placing: false,
      owed: true,
      idleSinceMs: 0,
    }));
  }

  /** Connects to every dispatcher (each must answer within connectTimeoutMs), then offers tokens. */
  async start(): Promise<void> {
    // One dispatcher answering is enough to serve: the others (restarting, frozen) are retried
    // with backoff, so a worker restarted during a dispatcher outage still starts. A refusal
    // (wrong token, id in use) fails the start at once.
    const results = await Promise.allSettled(this.links.map((l) => this.connectAtStart(l)));
    const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ link: this.links[i]!, err: r.reason as Error }] : []));
    const refused = failed.find((f) => f.err instanceof JiqRefusedError);
    if (refused) throw refused.err;
    if (failed.length > 0 && failed.length === this.links.length) throw failed[0]!.err;
    for (const f of failed) {
      this.log.warn({ dispatcher: f.link.address, err: f.err.message }, 'dispatcher did not answer at start; retrying in the background');
      void this.reconnect(f.link);
    }
    this.started = true;
    for (const s of this.slots) this.becameIdle(s);
  }

  /** Jobs waiting in the slots' queues, and slots serving one (read at scrape time). */
  occupancy(): { queued: number; busy: number } {
    let queued = 0;
    let busy = 0;
    for (const s of this.slots) {
      queued += s.queue.length;
      if (s.busy) busy++;
    }
    return { queued, busy };
  }

  /** Dispatchers connected and greeted (the worker is serving through them). */
  get readyDispatchers(): number {
    return this.ready.length;
  }

  /** The addresses of the dispatchers this worker uses now. */
  dispatcherAddresses(): string[] {
    return this.links.map((l) => l.address);
  }

  /** A dispatcher joined (membership): connect to it, retrying with backoff, and use it once ready. */
  addDispatcher(address: string): void {
    if (this.closing || this.closed || this.links.some((l) => l.address === address)) return;
    const link = newLink(address, this.links.length);
    this.links.push(link);
    this.connect(link).catch((err: unknown) => {
      this.log.debug({ dispatcher: address, err: (err as Error).message }, 'first connect failed; retrying');
      void this.reconnect(link);
    });
  }

  /** A dispatcher left or expired (membership): forget its tokens and stop using it. */
  removeDispatcher(address: string): void {
    const i = this.links.findIndex((l) => l.address === address);
    if (i < 0) return;
    const link = this.links[i]!;
    this.links.splice(i, 1);
    link.removed = true;
    const channel = link.channel;
    link.generation++;
    if (channel) {
      channel.send({ leave: { reason: 'dispatcher left the membership' } });
      channel.close();
    }
    this.linkLost(link);
  }

  /**
   * A restarted worker may find its id still bound to its previous, not yet noticed dead,
   * connection (PERMISSION_DENIED): it retries until connectTimeoutMs. Other refusals (a wrong
   * token) fail at once.
   */
  private async connectAtStart(link: Link): Promise<void> {
    const deadline = performance.now() + this.cfg.connectTimeoutMs;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.connect(link);
        return;
      } catch (err) {
        const idInUse = err instanceof JiqRefusedError && err.code === ErrorCode.PERMISSION_DENIED;
        if (!idInUse || performance.now() + 250 > deadline) throw err;
        await new Promise((r) => setTimeout(r, Math.min(250 * attempt, 1_000)));
      }
    }
  }

  private async connect(link: Link): Promise<void> {
    const channel = await this.cfg.connector.connectWorker(link.address, this.cfg.connectTimeoutMs);
    if (this.closed || link.removed) {
      channel.close();
      return;
    }
    link.channel = channel;
    link.generation++;
    const generation = link.generation;
    channel.onMessage((msg) => this.fromDispatcher(link, msg));
    channel.onClose((err) => {
      if (link.generation === generation) this.linkLost(link, err);
    });
    channel.send({
      hello: { workerId: this.cfg.workerId, slots: this.cfg.slots, speed: this.cfg.speeds[0] ?? 1, slotSpeeds: [...this.cfg.speeds], sentAtMs: hopClockMs() },
    });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        link.onReady = undefined;
        channel.close();
        reject(new Error(`dispatcher ${link.address} sent no hello within ${this.cfg.connectTimeoutMs} ms`));
      }, this.cfg.connectTimeoutMs);
      link.onReady = (refusal) => {
        clearTimeout(timer);
        if (refusal) reject(refusal);
        else resolve();
      };
    });
  }

  private fromDispatcher(link: Link, msg: DispatcherMessage): void {
    if (link.removed) return;
    if (msg.assign) this.assigned(link, msg.assign);
    else if (msg.probeServers) this.answerProbe(link, msg.probeServers);
    else if (msg.probeReply) {
      const cb = link.probes.get(msg.probeReply.requestId);
      if (cb) {
        link.probes.delete(msg.probeReply.requestId);
        cb(msg.probeReply.length);
      }
    } else if (msg.hello) {
      link.clockOffsetMs = clockOffsetMs(msg.hello.echoSentAtMs, msg.hello.nowMs, hopClockMs());
      link.ready = true;
      if (!this.ready.includes(link)) this.ready.push(link);
      link.onReady?.();
      link.onReady = undefined;
      this.log.debug({ dispatcher: link.address, dispatcherId: msg.hello.dispatcherId }, 'connected to dispatcher');
      if (this.started) for (const s of this.slots) if (s.owed && this.isIdle(s)) this.becameIdle(s);
    } else if (msg.refused) {
      const code = msg.refused.error?.code ?? ErrorCode.ERROR_CODE_UNSPECIFIED;
      const refusal = new JiqRefusedError(code, `dispatcher ${link.address} refused worker ${this.cfg.workerId}: ${msg.refused.error?.message ?? 'no reason given'}`, link.address);
      this.log.error({ dispatcher: link.address, err: refusal.message }, 'dispatcher refused this worker');
      // The pending connect() reports the refusal; the stream's close must not also start a reconnect.
      if (link.onReady) {
        link.generation++;
        link.channel?.close();
        link.channel = undefined;
      }
      link.onReady?.(refusal);
      link.onReady = undefined;
    } else this.counters.malformed++;
  }

  private linkLost(link: Link, err?: Error): void {
    link.ready = false;
    link.channel = undefined;
    const i = this.ready.indexOf(link);
    if (i >= 0) this.ready.splice(i, 1);
    for (const [, cb] of link.probes) cb(Infinity);
    link.probes.clear();
    for (const s of this.slots) {
      // Tokens held there are gone with it; queued jobs from it can no longer be reported.
      for (const [epoch, l] of s.tokens) if (l === link) s.tokens.delete(epoch);
      for (let k = s.queue.length - 1; k >= 0; k--) {
        if (s.queue[k]!.link === link) {
          s.queue.splice(k, 1);
          this.counters.dropped++;
        }
      }
      if (!s.busy && s.queue.length === 0) this.becameIdle(s);
    }
    if (this.closing || this.closed || link.removed) return;
    this.log.warn({ dispatcher: link.address, err: err?.message }, 'lost dispatcher; reconnecting');
    void this.reconnect(link);
  }

  private async reconnect(link: Link): Promise<void> {
    for (let attempt = 1; !this.closing && !this.closed && !link.removed; attempt++) {
      await new Promise((r) => setTimeout(r, this.cfg.backoff.delayMs(attempt)));
      if (this.closing || this.closed || link.removed) return;
      try {
        await this.connect(link);
        this.log.info({ dispatcher: link.address, attempt }, 'reconnected to dispatcher');
        return;
      } catch (err) {
        this.log.debug({ dispatcher: link.address, attempt, err: (err as Error).message }, 'reconnect failed');
      }
    }
  }

  // ------------------------------------------------------------------ jobs

  /** Now, on the dispatcher's clock (hop timestamps are read by the receiver). */
  private stamp(link: Link): number {
    return hopClockMs() + link.clockOffsetMs;
  }

  private assigned(link: Link, a: Assign): void {
    // Stamped first: what follows is this process's work, not the hop's.
    const assignMs = a.sentAtMs > 0 ? Math.max(1e-6, this.stamp(link) - a.sentAtMs) : 0;
    const slot = this.slots[a.slot];
    const job = a.job;
    if (!slot || !job) {
      this.counters.malformed++;
      link.channel?.send({
        done: { ticket: a.ticket, slot: a.slot, ok: false, error: { code: ErrorCode.INVALID_ARGUMENT, message: `no slot ${a.slot}` } },
      });
      return;
    }
    if (this.closing) {
      // It crossed our leave: we take nothing new while stopping.
      this.handBack(link, a.ticket, a.slot);
      return;
    }
    const wasIdle = !slot.busy && slot.queue.length === 0;
    let raceBusy = false;
    let raceWithdrawn = false;
    if (a.byToken) {
      if (slot.tokens.get(a.epoch) === link) slot.tokens.delete(a.epoch);
      else if (slot.withdrawn.includes(a.epoch)) raceWithdrawn = true;
      raceBusy = !wasIdle;
    }
    if (raceBusy) this.counters.raceBusy++;
    if (raceWithdrawn) this.counters.raceWithdrawn++;
    if (this.cfg.withdraw && slot.tokens.size > 0) this.withdrawAll(slot);
    slot.queue.push({ ticket: a.ticket, job, link, generation: link.generation, arrivedAt: this.now(), raceBusy, raceWithdrawn, assignMs });
    if (!slot.busy) this.startNext(slot);
  }

  /** A dispatcher asks for the queue lengths of some slots (JSQ, JSQ(d), JIQ-Pod). */
  private answerProbe(link: Link, probe: ProbeServers): void {
    const lengths = probe.slots.map((i) => {
      const slot = this.slots[i];
      return slot ? slot.queue.length + (slot.busy ? 1 : 0) : 0xffffffff;
    });
    link.channel?.send({ lengths: { requestId: probe.requestId, lengths } });
  }

  private withdrawAll(slot: Slot): void {
    for (const [epoch, l] of slot.tokens) {
      l.channel?.send({ withdraw: { token: { workerId: this.cfg.workerId, slot: slot.index, epoch }, sentAtMs: this.stamp(l) } });
      slot.withdrawn.push(epoch);
      if (slot.withdrawn.length > WITHDRAWN_MEMORY) slot.withdrawn.shift();
      this.counters.tokensWithdrawn++;
    }
    slot.tokens.clear();
  }

  private startNext(slot: Slot): void {
    const q = slot.queue.shift();
    if (!q) return;
    slot.busy = true;
    const startedAt = this.now();
    const finish = (ok: boolean, result: Uint8Array, error: MessageInit<JobError> | null): void => {
      const end = this.now();
      this.counters.jobs++;
      if (!ok) this.counters.failed++;
      if (q.job.measure) {
        this.counters.measuredJobs++;
        this.counters.sojournMsSum += end - q.arrivedAt;
        this.counters.serviceMsSum += end - startedAt;
      }
      if (q.link.generation === q.generation) {
        q.link.channel?.send({
          done: {
            ticket: q.ticket,
            slot: slot.index,
            ok,
            result,
            error,
            sojournMs: end - q.arrivedAt,
            serviceMs: end - startedAt,
            raceBusy: q.raceBusy,
            raceWithdrawn: q.raceWithdrawn,
            assignMs: q.assignMs,
            sentAtMs: this.stamp(q.link),
            // Piggybacked for jsq-d-stale: the jobs this slot still holds.
            queueLength: slot.queue.length,
          },
        });
      }
      slot.busy = false;
      if (slot.queue.length > 0) this.startNext(slot);
      else this.becameIdle(slot);
    };
    const handler = this.cfg.handler;
    if (!handler) {
      const ms = (q.job.size * this.cfg.meanServiceMs) / this.cfg.speeds[slot.index]!;
      setTimeout(() => finish(true, EMPTY, null), ms);
      return;
    }
    const ctx = { id: q.job.id, payload: q.job.payload, size: q.job.size, slot: slot.index, workerId: this.cfg.workerId };
    void (async () => {
      try {
        const out = await handler(ctx);
        finish(true, typeof out === 'string' ? Buffer.from(out, 'utf8') : (out ?? EMPTY), null);
      } catch (err) {
        finish(false, EMPTY, { code: ErrorCode.HANDLER_FAILED, message: err instanceof Error ? err.message : String(err) });
      }
    })();
  }

  // ------------------------------------------------------------------ tokens

  private becameIdle(slot: Slot): void {
    if (this.closing) {
      this.checkIdle();
      return;
    }
    if (!this.cfg.placeTokens) return;
    if (this.cfg.tokens === 'one' && slot.tokens.size > 0) {
      slot.owed = false;
      return;
    }
    slot.idleSinceMs = hopClockMs();
    void this.placeToken(slot);
  }

  private isIdle(slot: Slot): boolean {
    return !slot.busy && slot.queue.length === 0;
  }

  /** JIQ-SQ(d): probe d dispatchers, place at the shortest I-queue (ties at random). */
  private async placeToken(slot: Slot): Promise<void> {
    if (slot.placing) return;
    const m = this.ready.length;
    if (m === 0) {
      slot.owed = true;
      return;
    }
    slot.owed = false;
    const placement = this.placementFor(m);
    let target: Link;
    let probeRttMs = 0;
    if (placement.d === 1) {
      target = this.ready[placement.choose(m, this.cfg.rng, () => 0)]!;
    } else {
      // Copied: other slots may sample while this one waits for its probes.
      const probed = Array.from(placement.sampleProbes(m, this.cfg.rng), (i) => this.ready[i]!);
      slot.placing = true;
      const answers = await Promise.all(probed.map((l) => this.probe(l)));
      slot.placing = false;
      // The server must still be idle: in the model probing takes no time.
      if (!this.isIdle(slot) || this.closing) return;
      if (this.cfg.tokens === 'one' && slot.tokens.size > 0) return;
      const chosen = placement.pick(probed.map((_, i) => i), answers.map((a) => a.length), this.cfg.rng);
      target = probed[chosen]!;
      probeRttMs = answers[chosen]!.rttMs;
      if (!target.ready) {
        slot.owed = true;
        if (this.ready.length > 0) void this.placeToken(slot);
        return;
      }
    }
    const epoch = (slot.epoch = (slot.epoch + 1) >>> 0);
    slot.tokens.set(epoch, target);
    this.counters.tokensPlaced++;
    const offset = target.clockOffsetMs;
    target.channel?.send({
      place: {
        token: { workerId: this.cfg.workerId, slot: slot.index, epoch },
        sentAtMs: this.stamp(target),
        idleSinceMs: slot.idleSinceMs > 0 ? slot.idleSinceMs + offset : 0,
        probeRttMs,
      },
    });
  }

  private placementFor(m: number): SqdPlacement {
    const d = this.cfg.probe === 'distinct' ? Math.min(this.cfg.d, m) : this.cfg.d;
    let p = this.placements.get(d);
    if (!p) this.placements.set(d, (p = new SqdPlacement(d, this.cfg.probe)));
    return p;
  }

  /** The I-queue length (Infinity if unreachable) and the probe's round trip (0 if it failed). */
  private probe(link: Link): Promise<{ length: number; rttMs: number }> {
    const channel = link.channel;
    if (!channel || !link.ready) return Promise.resolve(NO_ANSWER);
    const id = link.nextProbeId;
    link.nextProbeId = (id + 1) >>> 0 || 1;
    const sentAt = this.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        link.probes.delete(id);
        resolve(NO_ANSWER);
      }, this.cfg.probeTimeoutMs);
      link.probes.set(id, (length) => {
        clearTimeout(timer);
        resolve(Number.isFinite(length) ? { length, rttMs: Math.max(1e-6, this.now() - sentAt) } : NO_ANSWER);
      });
      channel.send({ probe: { requestId: id } });
    });
  }

  // ------------------------------------------------------------------ shutdown

  /** Tokens currently outstanding per slot (epochs), for inspection. */
  outstandingTokens(): { slot: number; epoch: number; dispatcher: string }[] {
    return this.slots.flatMap((s) => [...s.tokens].map(([epoch, l]) => ({ slot: s.index, epoch, dispatcher: l.address })));
  }

  /**
   * Leaves every dispatcher (they drop its tokens), hands back the jobs it has not started (each
   * dispatcher re-dispatches them at once, instead of them waiting here or for a timeout),
   * finishes the jobs in service (up to drainTimeoutMs), then disconnects.
   */
  async close(drainTimeoutMs: number): Promise<boolean> {
    if (this.closed) return true;
    this.closing = true;
    for (const l of this.links) l.channel?.send({ leave: { reason: 'closing' } });
    for (const s of this.slots) {
      s.tokens.clear();
      for (const q of s.queue.splice(0)) if (q.link.generation === q.generation) this.handBack(q.link, q.ticket, s.index);
    }
    const drained = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), drainTimeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
      this.checkIdle();
    });
    this.closed = true;
    // Half-close every stream and wait (briefly) for the dispatcher's end, so the leave and the
    // last results are delivered before the connection is torn down.
    await Promise.all(
      this.links.map((l) => {
        const channel = l.channel;
        l.generation++;
        l.channel = undefined;
        if (!channel) return Promise.resolve();
        return new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, 2_000);
          channel.onClose(() => {
            clearTimeout(timer);
            resolve();
          });
          channel.close();
        });
      }),
    );
    return drained;
  }

  /** Gives a job back unstarted (after the leave on the same stream, so the dispatcher sends it elsewhere). */
  private handBack(link: Link, ticket: number, slot: number): void {
    this.counters.handedBack++;
    link.channel?.send({
      done: { ticket, slot, ok: false, handedBack: true, error: { code: ErrorCode.UNAVAILABLE, message: `worker ${this.cfg.workerId} is stopping; handed back unstarted` } },
    });
  }

  private checkIdle(): void {
    if (!this.slots.every((s) => this.isIdle(s))) return;
    const ws = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of ws) w();
  }
}

const EMPTY = new Uint8Array(0);
const NO_ANSWER = { length: Infinity, rttMs: 0 };

function newLink(address: string, index: number): Link {
  return { index, removed: false, address, channel: undefined, ready: false, generation: 0, probes: new Map(), nextProbeId: 1, onReady: undefined, clockOffsetMs: 0 };
}
