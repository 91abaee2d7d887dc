import { createPrng, createRouter, resolvePolicyConfig, type PolicyOptions } from '@jiq/core';
import {
  codecs,
  createLogger,
  memoryChannelPair,
  type Assign,
  type Channel,
  type DispatcherMessage,
  type Job,
  type MessageInit,
  type SubmitReply,
  type SubmitRequest,
  type WorkerMessage,
} from '@jiq/shared';
import { DispatcherCore, type DispatcherCoreConfig } from '../src/index';

/** Lets every message already sent (microtasks) be delivered. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/** A DispatcherCore with a policy from @jiq/core and a clock that vitest's fake timers drive. */
export function dispatcherCore(policy: PolicyOptions = {}, config: Partial<DispatcherCoreConfig> = {}): DispatcherCore {
  const cfg = resolvePolicyConfig(policy);
  const ref: { core?: DispatcherCore } = {};
  const core = new DispatcherCore(
    {
      id: 'd0',
      router: createRouter(cfg, { start: 0, speedOf: (s) => ref.core!.registry.speedOf(s) }),
      rng: createPrng(7),
      probeTimeoutMs: 500,
      maxPayloadBytes: 1024,
      maxAttempts: 2,
      noWorkerWaitMs: 1_000,
      idempotencyCacheSize: 100,
      maxSlotsPerWorker: 16,
      jobTimeoutMs: 0,
      maxWorkerTimeouts: 3,
      maxInFlight: 10_000,
      maxParked: 1_000,
      maxStreams: 1_000,
      ...config,
    },
    createLogger('test', 'silent'),
    () => Date.now(),
  );
  ref.core = core;
  return core;
}

/** A worker process as the dispatcher sees it, played by the test over a memory channel. */
export class ScriptedWorker {
  readonly inbox: DispatcherMessage[] = [];
  readonly channel: Channel<DispatcherMessage, WorkerMessage>;
  closed = false;

  constructor(
    core: DispatcherCore,
    readonly id: string,
    /** Queue length answered per slot to ProbeServers; undefined: never answer. */
    public lengths: number[] | undefined = undefined,
    slots = 1,
    speeds: number[] = [],
  ) {
    const [worker, dispatcher] = memoryChannelPair<WorkerMessage, DispatcherMessage>(codecs.WorkerMessage, codecs.DispatcherMessage);
    this.channel = worker;
    core.onWorker(dispatcher);
    worker.onMessage((m) => {
      this.inbox.push(m);
      if (m.probeServers && this.lengths) {
        const lengths = m.probeServers.slots.map((s) => this.lengths![s]!);
        worker.send({ lengths: { requestId: m.probeServers.requestId, lengths } });
      }
    });
    worker.onClose(() => (this.closed = true));
    worker.send({ hello: { workerId: id, slots, speed: speeds[0] ?? 1, slotSpeeds: speeds } });
  }

  get assigns(): Assign[] {
    return this.inbox.flatMap((m) => (m.assign ? [m.assign] : []));
  }

  get probes(): number {
    return this.inbox.filter((m) => m.probeServers).length;
  }

  place(slot: number, epoch: number): void {
    this.channel.send({ place: { token: { workerId: this.id, slot, epoch } } });
  }

  withdraw(slot: number, epoch: number): void {
    this.channel.send({ withdraw: { token: { workerId: this.id, slot, epoch } } });
  }

  finish(a: Assign, extra: Partial<MessageInit<WorkerMessage>['done']> = {}): void {
    this.channel.send({ done: { ticket: a.ticket, slot: a.slot, ok: true, result: Buffer.from('ok'), sojournMs: 1, serviceMs: 1, ...extra } });
  }
}

/** A client connection to the dispatcher. */
export class ScriptedClient {
  readonly replies: SubmitReply[] = [];
  private readonly channel: Channel<SubmitReply, SubmitRequest>;
  private nextId = 1;

  constructor(core: DispatcherCore) {
    const [client, dispatcher] = memoryChannelPair<SubmitRequest, SubmitReply>(codecs.SubmitRequest, codecs.SubmitReply);
    this.channel = client;
    core.onClient(dispatcher);
    client.onMessage((r) => this.replies.push(r));
  }

  submit(job: Partial<MessageInit<Job>> = {}): number {
    const requestId = this.nextId++;
    this.channel.send({ requestId, job: { id: `j${requestId}`, payload: Buffer.from('x'), size: 1, measure: true, ...job } });
    return requestId;
  }

  reply(requestId: number): SubmitReply | undefined {
    return this.replies.find((r) => r.requestId === requestId);
  }
}
