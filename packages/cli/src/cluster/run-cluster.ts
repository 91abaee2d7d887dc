import { JiqClient, runLoad, type LoadProgress, type LoadResult } from '@jiq/client';
import { deriveSeed, JiqConfigError } from '@jiq/core';
import type { DashboardHandle, RunParams } from '@jiq/dashboard';
import { generateAuthToken, readTlsClientFiles, type Connector, type DispatcherStats, type Logger } from '@jiq/shared';
import { childMetricsPort, type MetricsEndpoint } from '../metrics-flags';
import { createConnector, type ScaleOut } from '../scale-out';
import { spawnJiq, type JiqChild } from './child-process';
import { childSecurity, childTlsArgs } from './child-security';
import { makeEphemeralCerts, type EphemeralCerts } from './ephemeral-certs';
import { INVISIBLE_SHARE_WARNING, mergeHopMs, tokenInvisibleShare, type HopMs } from './hop-delays';
import { totalRatePerSecond, type ClusterParams } from './cluster-params';
import { SpeedClassTally, type SpeedClassFigures } from './speed-classes';

export interface ClusterRunOptions {
  log: Logger;
  /** Log level of the spawned processes (their logs go to this process's stderr). */
  childLogLevel?: string;
  onPhase?: (phase: string) => void;
  onProgress?: (p: LoadProgress) => void;
  signal?: AbortSignal;
  /** Runs after the load has drained, before the processes stop (tests inspect the cluster here). */
  afterLoad?: (cluster: RunningCluster) => Promise<void>;
  /** Extra environment for children. */
  env?: NodeJS.ProcessEnv;
  /** NATS / Redis settings (default: gRPC, static member lists). */
  scaleOut?: ScaleOut;
  /** A live dashboard to show this run on (it watches the dispatchers and the load's replies). */
  dashboard?: DashboardHandle;
  /** The shared secret of the run (default: a fresh random one, so no other local process can join). */
  authToken?: string;
  /** --metrics-port: every child serves /metrics, /healthz, /readyz (see childMetricsPort for the ports). */
  metrics?: { port: number; host: string };
  /** Called once every child is up, with where each serves its metrics (only with `metrics`). */
  onMetrics?: (endpoints: MetricsEndpoint[]) => void;
  /** gRPC over TLS: a CA made for this run, dispatchers serving its certificate, workers and the load trusting it. */
  tls?: boolean;
}

export interface RunningCluster {
  readonly dispatcherAddresses: string[];
  readonly dispatchers: JiqChild[];
  readonly workers: JiqChild[];
  readonly connector: Connector;
  stats(): Promise<DispatcherStats[]>;
}

export interface DispatcherSummary {
  id: string;
  arrivals: number;
  q0: number;
  q0Time: number;
  meanTokens: number;
}

export interface ClusterResult {
  params: Record<string, unknown>;
  /** Fraction of measured arrivals that found their dispatcher's I-queue empty. */
  q0: number;
  /** Time-average fraction of time the I-queues were empty (equal to q0 by PASTA). */
  q0Time: number;
  /** 95% half-widths by batch means over the measured window (submission order). */
  q0Ci95: number;
  meanResponse: number;
  meanResponseCi95: number;
  /** Message hop delays (ms) measured by the processes: mean / p50 / p99 and how many. */
  hopMs: HopMs;
  /** Token time in flight over server idle time (the zero-delay model assumes 0). */
  tokenInvisibleShare: number;
  /** First against second half of the window: `drift` above 1.5 half-widths = not stationary. */
  stationarity: LoadResult['stationarity'];
  /** What the run's user should know (also printed on stderr by `jiq cluster`). */
  warnings: string[];
  jobs: number;
  completed: number;
  failed: number;
  lost: number;
  errors: Record<string, number>;
  targetLambda: number;
  achievedLambda: number;
  byTokenShare: number;
  raceBusy: number;
  raceWithdrawn: number;
  staleWithdrawals: number;
  pWait: number;
  responseP50: number;
  responseP90: number;
  responseP99: number;
  meanServiceMs: number;
  /**
   * Measured ms of a size-1 job at speed 1 (the unit of meanResponse): meanServiceMs without
   * speeds; with speeds Σ service·speed / Σ size, whatever share the fast servers got.
   */
  nominalServiceMs: number;
  meanSojournMs: number;
  meanLatencyMs: number;
  latencyP99Ms: number;
  dispatchOverheadMs: number;
  tokensPerQueue: number;
  maxLagMs: number;
  meanLagMs: number;
  lateShare: number;
  redispatched: number;
  dispatchers: DispatcherSummary[];
  /** Empirical CDF of the measured response times (units of the mean service time): (x, P(R <= x)). */
  responseCdf?: { x: number; p: number }[];
  /** With --speeds: per speed class, the share of jobs, utilisation and E[R] (as the simulator's). */
  speedClasses?: SpeedClassFigures[];
  /** With --metrics-port: where each child served /metrics, /healthz and /readyz. */
  metrics?: MetricsEndpoint[];
}

const SPAWN_CONCURRENCY = 6;

async function inBatches<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(runners);
  return out;
}

/**
 * `jiq cluster`: M dispatcher and N worker processes on loopback, an open-loop Poisson load
 * from this process, then the measurements gathered from the dispatchers and the replies.
 */
export async function runCluster(p: ClusterParams, o: ClusterRunOptions): Promise<ClusterResult> {
  const children: JiqChild[] = [];
  const scale: ScaleOut = o.scaleOut ?? { transport: 'grpc', natsUrl: undefined, redisUrl: undefined, prefix: 'jiq', membershipTtlMs: 3000 };
  const authToken = o.authToken ?? generateAuthToken();
  if (o.tls && scale.transport !== 'grpc') {
    throw new JiqConfigError('--tls', 'applies to gRPC; over NATS, TLS is between each process and the NATS server (--nats-tls-ca)');
  }
  const certs: EphemeralCerts | undefined = o.tls ? makeEphemeralCerts() : undefined;
  const tls = certs ? readTlsClientFiles({ caFile: certs.caFile }) : undefined;
  const connector = await createConnector(scale, 'jiq-cluster', o.log, { authToken, tls }).catch((err: unknown) => {
    certs?.remove();
    throw err;
  });
  const secured = childSecurity(scale, authToken, o.env);
  // A child serves metrics only when asked here: an inherited JIQ_METRICS_PORT (set in the image)
  // would make every child bind the same port.
  const env: NodeJS.ProcessEnv = { ...secured.env, JIQ_METRICS_PORT: undefined, JIQ_METRICS_HOST: undefined };
  const metricsArgs = (role: 'dispatcher' | 'worker', i: number): string[] =>
    o.metrics ? ['--metrics-port', String(childMetricsPort(o.metrics.port, role, i, p.dispatchers)), '--metrics-host', o.metrics.host] : [];
  const scaleArgs = ['--transport', scale.transport, '--cluster', scale.prefix, '--membership-ttl-ms', String(scale.membershipTtlMs), ...secured.args];
  const childLog = ['--log-level', o.childLogLevel ?? 'warn', ...scaleArgs];
  const forward = (line: string): void => {
    process.stderr.write(`${line}\n`);
  };
  const stopAll = async (): Promise<void> => {
    // Workers first (they leave the dispatchers and drain), then dispatchers.
    const workers = children.filter((c) => c.ready.role === 'worker');
    const dispatchers = children.filter((c) => c.ready.role === 'dispatcher');
    await Promise.all(workers.map((c) => c.stop()));
    await Promise.all(dispatchers.map((c) => c.stop()));
  };
  const abort = (): void => {
    for (const c of children) c.kill();
  };
  o.signal?.addEventListener('abort', abort);
  let client: JiqClient | undefined;
  try {
    o.onPhase?.(`starting ${p.dispatchers} dispatchers`);
    const dispatchers = await inBatches(Array.from({ length: p.dispatchers }), SPAWN_CONCURRENCY, async (_, i) => {
      const c = await spawnJiq(
        [
          'dispatcher', '--port', '0', '--id', `d${i}`, '--policy', p.policy, '--select', p.select,
          ...(!p.usesTokens && p.d !== 1 ? ['--d', String(p.d)] : []), '--fallback-d', String(p.fallbackD),
          '--seed', String(deriveSeed(p.seed, 1, i)), ...childTlsArgs('dispatcher', certs), ...metricsArgs('dispatcher', i), ...childLog,
        ],
        { timeoutMs: 30_000, env, onStderr: forward },
      );
      children.push(c);
      return c;
    });
    const addresses = dispatchers.map((c) => c.ready.address!);
    o.dashboard?.watch({ connector, dispatchers: () => addresses, params: runParams(p), meanServiceMs: p.meanServiceMs });
    o.onPhase?.(`starting ${p.workers} workers`);
    // Workers place tokens only for the token policies; their --d is the token placement's.
    const workerArgs = [
      '--dispatchers', addresses.join(','), '--slots', String(p.slots), '--policy', p.policy,
      '--d', String(p.usesTokens ? p.d : 1), '--probe', p.probe,
      p.withdraw ? '--withdraw' : '--no-withdraw', ...(p.multiToken ? ['--multi-token'] : []),
      '--mean-service-ms', String(p.meanServiceMs), ...childTlsArgs('worker', certs), ...childLog,
    ];
    const workers = await inBatches(Array.from({ length: p.workers }), SPAWN_CONCURRENCY, async (_, i) => {
      if (o.signal?.aborted) throw new Error('aborted');
      const speed = p.speeds ? ['--speed', p.speeds.slice(i * p.slots, (i + 1) * p.slots).join(',')] : [];
      const c = await spawnJiq(['worker', ...workerArgs, ...speed, '--id', `w${i}`, '--seed', String(deriveSeed(p.seed, 2, i)), ...metricsArgs('worker', i)], {
        timeoutMs: 30_000,
        env,
        onStderr: forward,
      });
      children.push(c);
      return c;
    });
    const metrics: MetricsEndpoint[] | undefined = o.metrics
      ? [
          ...dispatchers.map((c) => ({ role: 'dispatcher' as const, id: c.ready.id, address: c.ready.metrics ?? '' })),
          ...workers.map((c) => ({ role: 'worker' as const, id: c.ready.id, address: c.ready.metrics ?? '' })),
        ]
      : undefined;
    if (metrics) o.onMetrics?.(metrics);
    const stats = (reset = false): Promise<DispatcherStats[]> =>
      Promise.all(addresses.map((a) => connector.stats(a, { reset }, 5_000)));
    o.onPhase?.('waiting for every worker to join every dispatcher');
    const joinDeadline = performance.now() + 30_000;
    for (;;) {
      const s = await stats();
      if (s.every((x) => x.workers === p.workers)) break;
      if (performance.now() > joinDeadline) throw new Error(`workers did not all join: ${s.map((x) => x.workers).join(',')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    await stats(true);

    client = new JiqClient({ dispatchers: addresses, connector, seed: deriveSeed(p.seed, 3), logger: o.log });
    await client.connect();
    const rate = totalRatePerSecond(p);
    const speedTally = p.speeds ? new SpeedClassTally(p.speeds, p.slots) : undefined;
    o.onPhase?.(`load: ${rate.toFixed(1)} jobs/s for ${p.durationSec} s (warm-up ${p.warmupSec} s)`);
    const load: LoadResult = await runLoad(client, {
      ratePerSecond: rate,
      durationMs: p.durationSec * 1000,
      warmupMs: p.warmupSec * 1000,
      jobs: p.jobs,
      seed: deriveSeed(p.seed, 4),
      arrivals: p.arrivals,
      onProgress: o.onProgress,
      signal: o.signal,
      ...(o.dashboard ? { onReply: (r) => o.dashboard!.recordReply({ latencyMs: r.latencyMs, sojournMs: r.info.sojournMs, serviceMs: r.info.serviceMs }) } : {}),
      onMeasured: speedTally ? (r, size) => speedTally.add(r, size) : undefined,
    });
    const final = await stats();
    await o.dashboard?.pollNow();
    const running: RunningCluster = { dispatcherAddresses: addresses, dispatchers, workers, connector, stats: () => stats() };
    if (o.afterLoad) await o.afterLoad(running);
    o.onPhase?.('stopping');
    const avoided = client.counters.unresponsive;
    await client.close(5_000);
    client = undefined;
    await stopAll();
    const result = summarise(p, load, final, speedTally);
    // The model sends each job to a uniformly random dispatcher; a dispatcher the load avoided
    // as silent (a stalled process on a loaded machine) bent that for a while.
    const warnings = avoided > 0
      ? [...result.warnings, `the load found a dispatcher silent for 1 s ${avoided} time(s) and sent its jobs elsewhere meanwhile: arrivals were not uniform over the dispatchers then`]
      : result.warnings;
    const tagged = { ...result, warnings, params: { ...result.params, tls: certs !== undefined } };
    return metrics ? { ...tagged, metrics } : tagged;
  } finally {
    o.dashboard?.unwatch();
    o.signal?.removeEventListener('abort', abort);
    if (client) await client.close(0);
    await stopAll().catch(() => abort());
    await connector.close();
    certs?.remove();
  }
}

/** The running point as the dashboard's predictions need it (none for selections the model lacks). */
function runParams(p: ClusterParams): RunParams | null {
  if (p.select === 'fastest') return null;
  return {
    n: p.workers * p.slots, m: p.dispatchers, lambda: p.lambda, d: p.d, withdraw: p.withdraw, select: p.select,
    probe: p.probe, jobs: p.jobs.spec,
  };
}

function summarise(p: ClusterParams, load: LoadResult, stats: DispatcherStats[], speedTally?: SpeedClassTally): ClusterResult {
  const sum = (f: (s: DispatcherStats) => number): number => stats.reduce((a, s) => a + f(s), 0);
  const arrivals = sum((s) => s.arrivals);
  const window = sum((s) => s.windowMs);
  const servers = p.workers * p.slots;
  const capacity = p.speeds ? p.speeds.reduce((a, v) => a + v, 0) : servers;
  const invisibleShare = tokenInvisibleShare(stats);
  return {
    params: {
      policy: p.policy, dispatchers: p.dispatchers, workers: p.workers, slots: p.slots, lambda: p.lambda, d: p.d,
      fallbackD: p.fallbackD, speeds: p.speedsSpec, withdraw: p.withdraw,
      select: p.select, probe: p.probe, multiToken: p.multiToken, jobs: p.jobs.spec, meanServiceMs: p.meanServiceMs,
      durationSec: p.durationSec, warmupSec: p.warmupSec, seed: p.seed, transport: p.transport, arrivals: p.arrivals, r: servers / p.dispatchers,
    },
    q0: arrivals > 0 ? sum((s) => s.emptyArrivals) / arrivals : NaN,
    q0Time: window > 0 ? sum((s) => s.emptyTimeMs) / window : NaN,
    q0Ci95: load.q0Ci95,
    // With speeds, in units of the nominal mean job (the measured mean service depends on the policy).
    meanResponse: speedTally ? speedTally.meanResponse : load.meanResponse,
    // The load's CI is in units of its measured mean service; rescaled to meanResponse's unit.
    meanResponseCi95: speedTally ? (load.meanResponseCi95 * speedTally.meanResponse) / load.meanResponse : load.meanResponseCi95,
    hopMs: mergeHopMs(stats),
    tokenInvisibleShare: invisibleShare,
    stationarity: load.stationarity,
    warnings: clusterWarnings(invisibleShare, load),
    jobs: load.submitted,
    completed: load.completed,
    failed: load.failed,
    lost: load.lost,
    errors: load.errors,
    targetLambda: p.lambda,
    achievedLambda: (load.achievedRatePerSecond * p.meanServiceMs) / (1000 * capacity),
    byTokenShare: load.byTokenShare,
    raceBusy: sum((s) => s.raceBusy),
    raceWithdrawn: sum((s) => s.raceWithdrawn),
    staleWithdrawals: sum((s) => s.staleWithdrawals),
    pWait: load.pWait,
    responseP50: load.responseP50,
    responseP90: load.responseP90,
    responseP99: load.responseP99,
    meanServiceMs: load.meanServiceMs,
    nominalServiceMs: speedTally ? speedTally.unitMs : load.meanServiceMs,
    meanSojournMs: load.meanSojournMs,
    meanLatencyMs: load.meanLatencyMs,
    latencyP99Ms: load.latencyP99Ms,
    dispatchOverheadMs: load.dispatchOverheadMs,
    tokensPerQueue: window > 0 ? sum((s) => s.tokenTimeMs) / window : NaN,
    maxLagMs: load.maxLagMs,
    meanLagMs: load.meanLagMs,
    lateShare: load.lateShare,
    redispatched: load.redispatched,
    dispatchers: stats.map((s) => ({
      id: s.dispatcherId,
      arrivals: s.arrivals,
      q0: s.arrivals > 0 ? s.emptyArrivals / s.arrivals : NaN,
      q0Time: s.windowMs > 0 ? s.emptyTimeMs / s.windowMs : NaN,
      meanTokens: s.windowMs > 0 ? s.tokenTimeMs / s.windowMs : NaN,
    })),
    ...(load.responseCdf ? { responseCdf: load.responseCdf } : {}),
    ...(speedTally ? { speedClasses: speedTally.figures((p.durationSec - p.warmupSec) * 1000) } : {}),
  };
}

function clusterWarnings(invisibleShare: number, load: LoadResult): string[] {
  const out: string[] = [];
  if (invisibleShare > INVISIBLE_SHARE_WARNING) {
    out.push(
      `tokens were in flight for ${(invisibleShare * 100).toFixed(1)}% of server idle time (above ${INVISIBLE_SHARE_WARNING * 100}%): ` +
        'message delay is not negligible against the idle periods, expect q0 above the zero-delay model (longer jobs shrink the share)',
    );
  }
  const drifting = (['q0', 'meanResponse'] as const).filter((k) => !load.stationarity[k].stationary);
  if (drifting.length > 0) {
    const detail = drifting
      .map((k) => `${k} ${load.stationarity[k].firstHalf.toFixed(4)} -> ${load.stationarity[k].secondHalf.toFixed(4)}`)
      .join(', ');
    out.push(`the first and second halves of the measured window differ (${detail}): the run is too short for its load; raise --duration (or --warmup)`);
  }
  return out;
}
