// One bench run: start the brokers and every system once, then interleave them (each rep runs
// every system back to back at each level, in a rotated order) so machine noise hits all alike;
// each figure is the median over the reps.
import { loadavg } from 'node:os';
import { getNats, getRedis, type ServiceHandle } from '../../../e2e/helpers/services';
import { closedLoop, openLoop, type Measurement } from './load';
import type { PeersOptions, SystemName } from './options';
import { track } from './processes';
import { median, quantile } from './stats';
import { startBullmq } from './systems/bullmq';
import { startGrpcEcho } from './systems/grpc-echo';
import { startJiq } from './systems/jiq';
import { startNatsQueueGroup } from './systems/nats-queue-group';
import type { RunningSystem, SystemContext } from './systems/system';

export interface ClosedRow {
  readonly system: SystemName;
  readonly inFlight: number;
  readonly jobsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU ms per job of each process role and their total (medians over the reps). */
  readonly cpuMsPerJob: Record<string, number | null>;
  /** Jobs completed in the measured windows, all reps together. */
  readonly jobs: number;
  /** Each repetition's figures, in rep order (for ratios paired within a rep). */
  readonly perRep: PerRep;
}

export interface PerRep {
  readonly jobsPerSec: number[];
  readonly p50Ms: number[];
}

export interface OpenRow {
  readonly system: SystemName;
  readonly ratePerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMsPerJob: Record<string, number | null>;
  readonly jobs: number;
  readonly perRep: PerRep;
}

export interface PeersRun {
  readonly rows: ClosedRow[];
  readonly openLoop: OpenRow[];
  /** The OS pids of every system's processes (so a caller can check they are all gone). */
  readonly processes: Record<string, Record<string, number>>;
  readonly loadAverage: { readonly start: number[]; readonly end: number[] };
  readonly durationSec: number;
}

export type Progress = (line: string) => void;

const NEEDS_NATS: readonly SystemName[] = ['jiq-nats', 'nats-queue-group'];
const NEEDS_REDIS: readonly SystemName[] = ['bullmq-c1', 'bullmq-c10', 'bullmq-c50'];

function start(name: SystemName, ctx: SystemContext): Promise<RunningSystem> {
  switch (name) {
    case 'jiq-grpc':
      return startJiq(ctx, 'grpc');
    case 'jiq-nats':
      return startJiq(ctx, 'nats');
    case 'bullmq-c1':
      return startBullmq(ctx, 1);
    case 'bullmq-c10':
      return startBullmq(ctx, 10);
    case 'bullmq-c50':
      return startBullmq(ctx, 50);
    case 'nats-queue-group':
      return startNatsQueueGroup(ctx);
    case 'grpc-echo':
      return startGrpcEcho(ctx);
  }
}

async function service(needed: boolean, get: () => Promise<ServiceHandle>): Promise<ServiceHandle | undefined> {
  if (!needed) return undefined;
  const s = await get();
  track({ stop: () => s.stop(), killNow: () => void s.stop() });
  return s;
}

const rotate = <T>(xs: readonly T[], by: number): T[] => xs.map((_, i) => xs[(i + by) % xs.length]!);

function medianCpu(ms: readonly Measurement[]): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const role of Object.keys(ms[0]?.cpuMsPerJob ?? {})) {
    const xs = ms.map((m) => m.cpuMsPerJob[role]).filter((v): v is number => v != null);
    out[role] = xs.length === ms.length ? median(xs) : null;
  }
  return out;
}

function summarise(ms: readonly Measurement[]): { jobsPerSec: number; p50Ms: number; p99Ms: number; cpuMsPerJob: Record<string, number | null>; jobs: number; perRep: PerRep } {
  const perRep = { jobsPerSec: ms.map((m) => (m.jobs * 1_000) / m.windowMs), p50Ms: ms.map((m) => quantile(m.latenciesMs, 0.5)) };
  return {
    jobsPerSec: median(perRep.jobsPerSec),
    p50Ms: median(perRep.p50Ms),
    p99Ms: median(ms.map((m) => quantile(m.latenciesMs, 0.99))),
    cpuMsPerJob: medianCpu(ms),
    jobs: ms.reduce((n, m) => n + m.jobs, 0),
    perRep,
  };
}

const fmt = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');

export async function runPeers(o: PeersOptions, progress: Progress): Promise<PeersRun> {
  const startedAt = performance.now();
  const loadStart = loadavg();
  const [nats, redis] = await Promise.all([
    service(o.systems.some((s) => NEEDS_NATS.includes(s)), () => getNats()),
    service(o.systems.some((s) => NEEDS_REDIS.includes(s)), () => getRedis()),
  ]);
  if (nats) progress(`nats-server ${nats.url} (${nats.source}${nats.pid ? `, pid ${nats.pid}` : ''})`);
  if (redis) progress(`redis-server ${redis.url} (${redis.source}${redis.pid ? `, pid ${redis.pid}` : ''})`);
  const ctx: SystemContext = {
    payload: Buffer.alloc(o.payloadBytes, 'x'),
    natsUrl: nats?.url ?? '',
    natsPid: nats?.pid,
    redisHost: redis?.host ?? '',
    redisPort: redis?.port ?? 0,
    redisPid: redis?.pid,
  };
  const systems: RunningSystem[] = [];
  for (const name of o.systems) {
    const s = await start(name, ctx);
    track({ stop: () => s.stop(), killNow: () => undefined });
    // One job end to end before any window: connections are up and the system works.
    await s.call();
    systems.push(s);
    progress(`started ${name}: ${Object.entries(s.pids).map(([role, pid]) => `${role} pid ${pid}`).join(', ')}`);
  }

  const closed = new Map<string, Measurement[]>();
  const open = new Map<SystemName, Measurement[]>();
  for (let rep = 0; rep < o.reps; rep++) {
    const order = rotate(systems, rep);
    for (const inFlight of o.inFlight) {
      for (const s of order) {
        const m = await closedLoop(s, inFlight, o.warmupMs, o.windowMs);
        const key = `${s.name}@${inFlight}`;
        closed.set(key, [...(closed.get(key) ?? []), m]);
        progress(
          `rep ${rep + 1}/${o.reps}, ${inFlight} in flight: ${s.name} ${fmt((m.jobs * 1_000) / m.windowMs, 0)} jobs/s, ` +
            `p50 ${fmt(quantile(m.latenciesMs, 0.5))} ms, p99 ${fmt(quantile(m.latenciesMs, 0.99))} ms, ` +
            `CPU ${fmt(m.cpuMsPerJob.total ?? Number.NaN, 3)} ms/job`,
        );
      }
    }
  }
  for (let rep = 0; rep < o.reps; rep++) {
    for (const s of rotate(systems, rep)) {
      const m = await openLoop(s, o.openRate, o.warmupMs, o.openWindowMs);
      open.set(s.name, [...(open.get(s.name) ?? []), m]);
      progress(`rep ${rep + 1}/${o.reps}, open loop ${o.openRate} jobs/s: ${s.name} p50 ${fmt(quantile(m.latenciesMs, 0.5))} ms, p99 ${fmt(quantile(m.latenciesMs, 0.99))} ms`);
    }
  }

  const rows: ClosedRow[] = [];
  for (const inFlight of o.inFlight) {
    for (const s of systems) rows.push({ system: s.name, inFlight, ...summarise(closed.get(`${s.name}@${inFlight}`) ?? []) });
  }
  const openLoopRows: OpenRow[] = systems.map((s) => {
    const { p50Ms, p99Ms, cpuMsPerJob, jobs, perRep } = summarise(open.get(s.name) ?? []);
    return { system: s.name, ratePerSec: o.openRate, p50Ms, p99Ms, cpuMsPerJob, jobs, perRep };
  });
  return {
    rows,
    openLoop: openLoopRows,
    processes: Object.fromEntries(systems.map((s) => [s.name, { ...s.pids }])),
    loadAverage: { start: loadStart, end: loadavg() },
    durationSec: (performance.now() - startedAt) / 1_000,
  };
}
