import { createPrng, resolvePolicyConfig } from '@jiq/core';
import { ExponentialBackoff, exposition, GrpcConnector, silentLogger, startOpsServer, type OpsServer } from '@jiq/shared';
import { joinWorkerMembership } from './membership';
import { workerMetrics } from './metrics-prometheus';
import { slotSpeeds, validateWorkerOptions, type WorkerOptions } from './options';
import { WorkerCore, type WorkerCounters } from './worker-core';

/** A running worker process (or embedded worker). */
export interface WorkerHandle {
  readonly id: string;
  /** host:port of /metrics, /healthz and /readyz, when `metrics` was given. */
  readonly metricsAddress: string | undefined;
  counters(): Readonly<WorkerCounters>;
  /** Outstanding tokens (slot, epoch, dispatcher address). */
  outstandingTokens(): { slot: number; epoch: number; dispatcher: string }[];
  /** Dispatchers connected and greeted now (0: this worker serves no one). */
  readyDispatchers(): number;
  /** Leaves the dispatchers, finishes its jobs (up to drainTimeoutMs), disconnects. */
  close(): Promise<void>;
}

export async function startWorker(options: WorkerOptions): Promise<WorkerHandle> {
  validateWorkerOptions(options);
  const policy = resolvePolicyConfig({ policy: options.policy, tokens: options.tokens, withdraw: options.withdraw });
  const id = options.id ?? `worker-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const log = (options.logger ?? silentLogger()).child({ workerId: id });
  const membership = options.membership ? await joinWorkerMembership(options.membership, log) : undefined;
  const ownConnector = options.connector === undefined;
  const connector = options.connector ?? new GrpcConnector({ tls: options.tls, authToken: options.auth?.token });
  const core = new WorkerCore(
    {
      workerId: id,
      slots: options.slots ?? 1,
      d: options.d ?? 1,
      probe: options.probe ?? 'distinct',
      withdraw: policy.withdraw,
      placeTokens: policy.usesTokens,
      tokens: policy.tokens,
      handler: options.handler,
      meanServiceMs: options.meanServiceMs ?? 50,
      speeds: slotSpeeds(options.speed, options.slots ?? 1),
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      probeTimeoutMs: options.probeTimeoutMs ?? 1_000,
      rng: createPrng(options.seed ?? Math.floor(Math.random() * 2 ** 32)),
      backoff: options.backoff ?? new ExponentialBackoff(),
      connector,
    },
    options.dispatchers,
    log,
  );
  let state: 'starting' | 'serving' | 'closing' = 'starting';
  let ops: OpsServer | undefined;
  try {
    if (options.metrics) {
      const registry = await workerMetrics(core, id, options.slots ?? 1);
      ops = await startOpsServer({
        host: options.metrics.host,
        port: options.metrics.port,
        metrics: () => exposition(registry),
        ready: () => {
          if (state !== 'serving') return state;
          return core.readyDispatchers > 0 ? true : 'connected to no dispatcher';
        },
      });
    }
    await core.start();
    // Members from Redis may be stale (not yet expired): connect to them with retries, not at start.
    for (const a of membership?.dispatchers ?? []) core.addDispatcher(a);
    membership?.follow((joined, left) => {
      for (const a of left) core.removeDispatcher(a);
      for (const a of joined) core.addDispatcher(a);
    });
    const meanServiceMs = options.meanServiceMs ?? 50;
    await membership?.register(id, () => ({ ...core.counters, meanServiceMs, slots: options.slots ?? 1 }));
  } catch (err) {
    await ops?.close();
    await membership?.close();
    await core.close(0);
    if (ownConnector) await connector.close();
    throw err;
  }
  state = 'serving';
  log.info({ dispatchers: core.dispatcherAddresses().length, slots: options.slots ?? 1 }, 'worker started');
  let closing: Promise<void> | undefined;
  return {
    id,
    metricsAddress: ops?.address,
    counters: () => ({ ...core.counters }),
    outstandingTokens: () => core.outstandingTokens(),
    readyDispatchers: () => core.readyDispatchers,
    close: () => {
      closing ??= (async () => {
        state = 'closing';
        const drained = await core.close(options.drainTimeoutMs ?? 30_000);
        if (!drained) log.warn('drain timed out; closing with jobs unfinished');
        await membership?.close();
        if (ownConnector) await connector.close();
        await ops?.close();
        log.info('worker closed');
      })();
      return closing;
    },
  };
}
