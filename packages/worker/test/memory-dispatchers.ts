import { createPrng, type ProbeMode, type TokenRule } from '@jiq/core';
import {
  ExponentialBackoff,
  MemoryConnector,
  createLogger,
  type Assign,
  type DispatcherMessage,
  type DispatcherStats,
  type MessageInit,
  type PlaceToken,
  type WithdrawToken,
  type WorkerChannel,
  type WorkerMessage,
  type JobDone,
} from '@jiq/shared';
import { WorkerCore, type WorkerCoreConfig } from '../src/worker-core';

/** Lets every message already sent (microtasks) be delivered. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await Promise.resolve();
}

/**
 * A dispatcher as the worker sees it, played by the test over a memory channel: it greets the
 * worker, answers I-queue probes with `iqueueLength` (undefined: never answers, a frozen
 * dispatcher), records tokens, withdrawals and results, and sends jobs when told.
 */
export class ScriptedDispatcher {
  channel: WorkerChannel | undefined;
  readonly inbox: WorkerMessage[] = [];
  probesAsked = 0;
  private nextTicket = 1;

  constructor(
    connector: MemoryConnector,
    readonly address: string,
    public iqueueLength: number | undefined = 0,
  ) {
    connector.serve(address, {
      onWorker: (channel) => {
        this.channel = channel;
        channel.onMessage((m) => this.received(m));
      },
      onClient: () => undefined,
      stats: () => ({}) as MessageInit<DispatcherStats>,
    });
  }

  private received(m: WorkerMessage): void {
    this.inbox.push(m);
    if (m.hello) this.channel!.send({ hello: { dispatcherId: this.address, echoSentAtMs: m.hello.sentAtMs, nowMs: Date.now() } });
    if (m.probe) {
      this.probesAsked++;
      if (this.iqueueLength !== undefined) this.channel!.send({ probeReply: { requestId: m.probe.requestId, length: this.iqueueLength } });
    }
  }

  get places(): PlaceToken[] {
    return this.inbox.flatMap((m) => (m.place ? [m.place] : []));
  }

  get withdrawals(): WithdrawToken[] {
    return this.inbox.flatMap((m) => (m.withdraw ? [m.withdraw] : []));
  }

  get done(): JobDone[] {
    return this.inbox.flatMap((m) => (m.done ? [m.done] : []));
  }

  /** Sends a job of `size` to slot `slot`, by token (with its epoch) or not. */
  assign(slot: number, a: { byToken?: boolean; epoch?: number; size?: number } = {}): number {
    const ticket = this.nextTicket++;
    const msg: MessageInit<Assign> = {
      ticket,
      slot,
      job: { id: `${this.address}-j${ticket}`, payload: Buffer.from('x'), size: a.size ?? 1, measure: true },
      byToken: a.byToken ?? false,
      epoch: a.epoch ?? 0,
    };
    this.channel!.send({ assign: msg } as MessageInit<DispatcherMessage>);
    return ticket;
  }
}

export interface TestWorker {
  core: WorkerCore;
  dispatchers: ScriptedDispatcher[];
}

/**
 * A WorkerCore connected to `m` scripted dispatchers over memory channels, with a clock that
 * vitest's fake timers drive (synthetic jobs of size 1 take `meanServiceMs`).
 */
export async function startTestWorker(
  o: { m?: number; slots?: number; d?: number; probe?: ProbeMode; withdraw?: boolean; tokens?: TokenRule; probeTimeoutMs?: number; seed?: number } = {},
): Promise<TestWorker> {
  const connector = new MemoryConnector();
  const dispatchers = Array.from({ length: o.m ?? 2 }, (_, i) => new ScriptedDispatcher(connector, `d${i}`));
  const cfg: WorkerCoreConfig = {
    workerId: 'w0',
    slots: o.slots ?? 1,
    d: o.d ?? 1,
    probe: o.probe ?? 'distinct',
    withdraw: o.withdraw ?? false,
    placeTokens: true,
    tokens: o.tokens ?? 'one',
    handler: undefined,
    meanServiceMs: 100,
    speeds: Array.from({ length: o.slots ?? 1 }, () => 1),
    connectTimeoutMs: 1_000,
    probeTimeoutMs: o.probeTimeoutMs ?? 200,
    rng: createPrng(o.seed ?? 11),
    backoff: new ExponentialBackoff(),
    connector,
  };
  const core = new WorkerCore(cfg, dispatchers.map((d) => d.address), createLogger('test', 'silent'), () => Date.now());
  const started = core.start();
  await settle();
  await started;
  await settle();
  return { core, dispatchers };
}
