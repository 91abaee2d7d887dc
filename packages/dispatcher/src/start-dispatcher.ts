import { createPrng, createRouter } from '@jiq/core';
import {
  silentLogger,
  exposition,
  startGrpcDispatcherServer,
  startOpsServer,
  type OpsServer,
  type DispatcherStats,
  type MessageInit,
  type TlsServerConfig,
} from '@jiq/shared';
import { createAuthGuard } from './auth-guard';
import { DispatcherCore } from './dispatcher-core';
import { dispatcherMetrics } from './metrics-prometheus';
import { joinMembership, type DispatcherMembership } from './membership';
import { resolveDispatcherOptions, type DispatcherOptions, type DispatcherTransportFactory } from './options';

/** A running dispatcher. */
export interface DispatcherHandle {
  readonly id: string;
  /** Where workers and clients connect (host:port for gRPC). */
  readonly address: string;
  /** host:port of /metrics, /healthz and /readyz, when `metrics` was given. */
  readonly metricsAddress: string | undefined;
  stats(reset?: boolean): MessageInit<DispatcherStats>;
  /** Refuses new jobs, waits for in-flight ones (up to drainTimeoutMs), then stops serving. */
  close(): Promise<void>;
}

/** The numeric fields of a stats message (the counters published to Redis). */
function numericFields(stats: object): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(stats)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** A transport that counts the malformed messages it drops (NATS). */
function countsMalformed<T extends object>(server: T): server is T & { counters: { malformed: number } } {
  const c = (server as { counters?: { malformed?: unknown } }).counters;
  return typeof c?.malformed === 'number';
}

function grpcTransport(tls: TlsServerConfig | undefined): DispatcherTransportFactory {
  return (handlers, o) =>
    startGrpcDispatcherServer(handlers, { host: o.host, port: o.port, maxMessageBytes: o.maxMessageBytes, tls, authorize: o.authorize });
}

export async function startDispatcher(options: DispatcherOptions = {}): Promise<DispatcherHandle> {
  const o = resolveDispatcherOptions(options);
  const authorize = createAuthGuard(o.auth);
  const log = o.logger ?? silentLogger();
  const rng = createPrng(o.seed);
  const core: DispatcherCore = new DispatcherCore(
    {
      id: o.id,
      router: createRouter(o.policy, { start: rng.next(), speedOf: (s) => core.registry.speedOf(s) }),
      rng,
      probeTimeoutMs: o.probeTimeoutMs,
      maxPayloadBytes: o.maxPayloadBytes,
      maxAttempts: o.maxAttempts,
      noWorkerWaitMs: o.noWorkerWaitMs,
      idempotencyCacheSize: o.idempotencyCacheSize,
      maxSlotsPerWorker: o.maxSlotsPerWorker,
      jobTimeoutMs: o.jobTimeoutMs,
      maxWorkerTimeouts: o.maxWorkerTimeouts,
      maxInFlight: o.maxInFlight,
      maxParked: o.maxParked,
      maxStreams: o.maxStreams,
    },
    log.child({ dispatcherId: o.id }),
  );
  let state: 'starting' | 'serving' | 'draining' | 'closed' = 'starting';
  let ops: OpsServer | undefined;
  if (o.metrics) {
    const registry = await dispatcherMetrics(core, o.id);
    ops = await startOpsServer({
      host: o.metrics.host ?? o.host,
      port: o.metrics.port,
      metrics: () => exposition(registry),
      ready: () => (state === 'serving' ? true : state),
    });
  }
  const membership: DispatcherMembership | undefined = o.membership
    ? await joinMembership(o.membership, (w) => core.dropWorker(w), log.child({ dispatcherId: o.id }), {
      id: o.id,
      read: () => numericFields(core.stats({ reset: false, includeTokens: false, authToken: '', includeSlots: false })),
    }).catch(async (err: unknown) => {
      await ops?.close();
      throw err;
    })
    : undefined;
  let server;
  try {
    server = await (o.transport ?? grpcTransport(o.tls))(core, {
      id: o.id,
      host: o.host,
      port: o.port,
      maxMessageBytes: o.maxPayloadBytes,
      authorize,
    });
    if (countsMalformed(server)) {
      const counted = server;
      core.countTransportMalformed(() => counted.counters.malformed);
    }
    await membership?.register(server.address);
  } catch (err) {
    await membership?.close();
    await server?.close();
    await ops?.close();
    throw err;
  }
  state = 'serving';
  log.info({
    dispatcherId: o.id, address: server.address, policy: o.policy.policy, select: o.policy.select,
    auth: authorize !== undefined, tls: o.tls !== undefined && o.transport === undefined,
  }, 'dispatcher listening');
  let closing: Promise<void> | undefined;
  return {
    id: o.id,
    address: server.address,
    metricsAddress: ops?.address,
    stats: (reset = false) => core.stats({ reset, includeTokens: false, authToken: '', includeSlots: false }),
    close: () => {
      closing ??= (async () => {
        state = 'draining';
        const drained = await core.drain(o.drainTimeoutMs);
        if (!drained) log.warn({ inFlight: core.inFlightCount }, 'drain timed out; closing with jobs in flight');
        // Leave the membership only after the drain, so workers keep serving our in-flight jobs.
        await membership?.close();
        core.disconnectAll();
        await server.close();
        state = 'closed';
        await ops?.close();
        log.info({ dispatcherId: o.id }, 'dispatcher closed');
      })();
      return closing;
    },
  };
}
