// The comparisons the project is judged on (issue 9): jiq against BullMQ at its best
// concurrency and against the raw grpc-js echo, at each level, and p50 at the open-loop rate.
import type { SystemName } from './options';
import type { ClosedRow, OpenRow } from './run';
import { median } from './stats';

export interface LevelRatios {
  readonly inFlight: number;
  /** The BullMQ concurrency with the most jobs/s at this level. */
  readonly bestBullmq: SystemName | null;
  readonly jiqGrpcOverBestBullmq: number;
  readonly jiqNatsOverBestBullmq: number;
  readonly jiqGrpcOverEcho: number;
  readonly jiqNatsOverEcho: number;
  readonly jiqGrpcOverNatsQueueGroup: number;
  /** The same ratios taken within each rep, then the median: slow swings of the machine's load cancel. */
  readonly paired: PairedThroughput;
}

export interface PairedThroughput {
  readonly jiqGrpcOverBestBullmq: number;
  readonly jiqNatsOverBestBullmq: number;
  readonly jiqGrpcOverEcho: number;
  readonly jiqNatsOverEcho: number;
}

export interface OpenRatios {
  readonly ratePerSec: number;
  /** The BullMQ concurrency with the lowest p50 at this rate. */
  readonly bestBullmq: SystemName | null;
  readonly jiqGrpcP50OverBullmqP50: number;
  readonly jiqNatsP50OverBullmqP50: number;
  readonly paired: { readonly jiqGrpcP50OverBullmqP50: number; readonly jiqNatsP50OverBullmqP50: number };
}

export interface Target {
  readonly name: string;
  readonly value: number;
  /** 'atLeast': value >= threshold passes; 'atMost': value <= threshold. */
  readonly rule: 'atLeast' | 'atMost';
  readonly threshold: number;
  readonly goal: number | null;
  readonly met: boolean;
  /** The ratio paired within each rep (median), as a check on `value`. */
  readonly paired: number;
}

export interface Ratios {
  readonly byInFlight: LevelRatios[];
  readonly openLoop: OpenRatios | null;
  readonly targets: Target[];
}

const BULLMQ: readonly SystemName[] = ['bullmq-c1', 'bullmq-c10', 'bullmq-c50'];

function best<R extends { system: SystemName }>(rows: readonly R[], score: (r: R) => number, better: (a: number, b: number) => boolean): R | undefined {
  let out: R | undefined;
  for (const r of rows) if (BULLMQ.includes(r.system) && Number.isFinite(score(r)) && (out === undefined || better(score(r), score(out)))) out = r;
  return out;
}

/** Median over reps of a[rep] / b[rep]; NaN without data. */
function paired(a: readonly number[] | undefined, b: readonly number[] | undefined): number {
  if (!a || !b || a.length === 0 || a.length !== b.length) return Number.NaN;
  return median(a.map((x, i) => x / b[i]!));
}

export function computeRatios(rows: readonly ClosedRow[], open: readonly OpenRow[]): Ratios {
  const levels = [...new Set(rows.map((r) => r.inFlight))];
  const byInFlight = levels.map((inFlight): LevelRatios => {
    const at = rows.filter((r) => r.inFlight === inFlight);
    const rate = (s: SystemName): number => at.find((r) => r.system === s)?.jobsPerSec ?? Number.NaN;
    const reps = (s: SystemName | undefined): number[] | undefined => at.find((r) => r.system === s)?.perRep.jobsPerSec;
    const bull = best(at, (r) => r.jobsPerSec, (a, b) => a > b);
    const bullRate = bull?.jobsPerSec ?? Number.NaN;
    return {
      inFlight,
      bestBullmq: bull?.system ?? null,
      jiqGrpcOverBestBullmq: rate('jiq-grpc') / bullRate,
      jiqNatsOverBestBullmq: rate('jiq-nats') / bullRate,
      jiqGrpcOverEcho: rate('jiq-grpc') / rate('grpc-echo'),
      jiqNatsOverEcho: rate('jiq-nats') / rate('grpc-echo'),
      jiqGrpcOverNatsQueueGroup: rate('jiq-grpc') / rate('nats-queue-group'),
      paired: {
        jiqGrpcOverBestBullmq: paired(reps('jiq-grpc'), bull?.perRep.jobsPerSec),
        jiqNatsOverBestBullmq: paired(reps('jiq-nats'), bull?.perRep.jobsPerSec),
        jiqGrpcOverEcho: paired(reps('jiq-grpc'), reps('grpc-echo')),
        jiqNatsOverEcho: paired(reps('jiq-nats'), reps('grpc-echo')),
      },
    };
  });
  let openLoop: OpenRatios | null = null;
  if (open.length > 0) {
    const p50 = (s: SystemName): number => open.find((r) => r.system === s)?.p50Ms ?? Number.NaN;
    const bull = best(open, (r) => r.p50Ms, (a, b) => a < b);
    openLoop = {
      ratePerSec: open[0]!.ratePerSec,
      bestBullmq: bull?.system ?? null,
      jiqGrpcP50OverBullmqP50: p50('jiq-grpc') / (bull?.p50Ms ?? Number.NaN),
      jiqNatsP50OverBullmqP50: p50('jiq-nats') / (bull?.p50Ms ?? Number.NaN),
      paired: {
        jiqGrpcP50OverBullmqP50: paired(open.find((r) => r.system === 'jiq-grpc')?.perRep.p50Ms, bull?.perRep.p50Ms),
        jiqNatsP50OverBullmqP50: paired(open.find((r) => r.system === 'jiq-nats')?.perRep.p50Ms, bull?.perRep.p50Ms),
      },
    };
  }
  const at64 = byInFlight.find((r) => r.inFlight === 64);
  const target = (name: string, value: number | undefined, pairedValue: number | undefined, rule: Target['rule'], threshold: number, goal: number | null): Target[] => {
    if (value === undefined || !Number.isFinite(value)) return [];
    const met = rule === 'atLeast' ? value >= threshold : value <= threshold;
    return [{ name, value, rule, threshold, goal, met, paired: pairedValue ?? Number.NaN }];
  };
  const targets = [
    ...target('jiq-grpc jobs/s at 64 in flight / best BullMQ', at64?.jiqGrpcOverBestBullmq, at64?.paired.jiqGrpcOverBestBullmq, 'atLeast', 2, 3),
    ...target('jiq-grpc jobs/s at 64 in flight / raw grpc-js echo', at64?.jiqGrpcOverEcho, at64?.paired.jiqGrpcOverEcho, 'atLeast', 0.35, 0.5),
    ...target(
      `jiq-grpc p50 at ${openLoop?.ratePerSec ?? 100} jobs/s / best BullMQ p50`,
      openLoop?.jiqGrpcP50OverBullmqP50,
      openLoop?.paired.jiqGrpcP50OverBullmqP50,
      'atMost',
      0.5,
      null,
    ),
  ];
  return { byInFlight, openLoop, targets };
}
