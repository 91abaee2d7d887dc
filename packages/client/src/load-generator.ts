import {
  batchMeansCi95,
  createPrng,
  ErrorCode,
  JiqJobError,
  Samples,
  stationarityCheck,
  type JobSizeDistribution,
  type StationarityCheck,
} from '@jiq/core';
import { arrivalSchedule, type ArrivalProcess } from './arrival-schedule';
import type { JiqClient, SubmitResult } from './jiq-client';

export interface LoadOptions {
  /** Total arrival rate, jobs per second (λ·n / mean-service for the model's load λ). */
  ratePerSecond: number;
  durationMs: number;
  /** Jobs submitted before this are run but not measured. */
  warmupMs: number;
  jobs: JobSizeDistribution;
  seed: number;
  /** "poisson" (default) or "fixed-count": Poisson conditioned on its count (see arrival-schedule.ts). */
  arrivals?: ArrivalProcess;
  /** After the last submit, wait this long for outstanding replies; the rest count as lost. */
  drainTimeoutMs?: number;
  /** Called about once a second. */
  onProgress?: (p: LoadProgress) => void;
  /** Stop early (Ctrl-C). */
  signal?: AbortSignal;
  /** Every successful reply, warm-up included (the live dashboard's response times). */
  onReply?: (r: SubmitResult) => void;
  /** Every measured reply (after the warm-up), with its job's size: per-server breakdowns. */
  onMeasured?: (r: SubmitResult, size: number) => void;
}

export interface LoadProgress {
  elapsedMs: number;
  durationMs: number;
  submitted: number;
  completed: number;
  failed: number;
  inFlight: number;
}

export interface LoadResult {
  targetRatePerSecond: number;
  achievedRatePerSecond: number;
  durationMs: number;
  submitted: number;
  completed: number;
  failed: number;
  /** Submitted jobs that never got a reply. */
  lost: number;
  errors: Record<string, number>;
  measured: number;
  meanSojournMs: number;
  meanServiceMs: number;
  /** Mean sojourn at the worker in units of the measured mean service time. */
  meanResponse: number;
  responseP50: number;
  responseP90: number;
  responseP99: number;
  /** P(wait > 0): fraction of measured jobs that queued behind another at the worker. */
  pWait: number;
  meanLatencyMs: number;
  latencyP99Ms: number;
  /** Client latency minus worker sojourn: what the dispatch path adds. */
  dispatchOverheadMs: number;
  byTokenShare: number;
  raceBusy: number;
  redispatched: number;
  maxLagMs: number;
  /** Mean delay of a submission behind its scheduled time, and the share more than 2 ms late. */
  meanLagMs: number;
  lateShare: number;
  /** 95% half-widths by batch means over the measured jobs in submission order (q0 as seen by
   * the arrivals: a job not sent by token found its I-queue empty). */
  q0Ci95: number;
  meanResponseCi95: number;
  /** First against second half of the measured window. */
  stationarity: { q0: StationarityCheck; meanResponse: StationarityCheck };
  /** Empirical CDF of the measured sojourn times (units of the mean service time): points (x, P(R <= x)). */
  responseCdf?: { x: number; p: number }[];
}

const PAYLOAD = Buffer.from('jiq:synthetic', 'utf8');
/** Waits shorter than this are scheduling noise, not queueing. */
const WAIT_EPSILON_MS = 0.05;
/** Levels at which the empirical response-time CDF is reported. */
const CDF_LEVELS = [...Array.from({ length: 99 }, (_, i) => (i + 1) / 100), 0.995, 0.999];

/**
 * Open-loop Poisson load on an absolute schedule: arrival k is due at t0 + Σ exponential gaps,
 * and a late timer submits every job that is due, so event-loop lag never slows the rate.
 */
export async function runLoad(client: JiqClient, o: LoadOptions): Promise<LoadResult> {
  const rng = createPrng(o.seed);
  const sizeRng = createPrng(o.seed ^ 0x5bd1e995);
  const ratePerMs = o.ratePerSecond / 1000;
  const sojourn = new Samples();
  const service = new Samples();
  const latency = new Samples();
  const errors: Record<string, number> = {};
  let submitted = 0;
  let completed = 0;
  let failed = 0;
  let measured = 0;
  let byToken = 0;
  let raceBusy = 0;
  let redispatched = 0;
  let waited = 0;
  let maxLag = 0;
  let lagSum = 0;
  let late = 0;

  // Per measured job, by submission order (replies come back out of order): did it find the
  // I-queue empty, and its sojourn. NaN until (or unless) it replies.
  const foundEmpty: number[] = [];
  const sojournBySubmit: number[] = [];

  const onResult = (measure: boolean, seq: number, size: number) => (r: SubmitResult) => {
    completed++;
    o.onReply?.(r);
    if (r.info.attempts > 1) redispatched++;
    if (!measure) return;
    measured++;
    foundEmpty[seq] = r.info.byToken ? 0 : 1;
    sojournBySubmit[seq] = r.info.sojournMs;
    o.onMeasured?.(r, size);
    sojourn.add(r.info.sojournMs);
    service.add(r.info.serviceMs);
    latency.add(r.latencyMs);
    if (r.info.byToken) byToken++;
    if (r.info.raceBusy) raceBusy++;
    if (r.info.sojournMs - r.info.serviceMs > WAIT_EPSILON_MS) waited++;
  };
  const onError = (err: unknown) => {
    failed++;
    const code = err instanceof JiqJobError ? (ErrorCode[err.code] ?? String(err.code)) : ((err as Error).name ?? 'Error');
    errors[code] = (errors[code] ?? 0) + 1;
  };

  const schedule = arrivalSchedule(o.arrivals ?? 'poisson', ratePerMs, o.durationMs, rng);
  const t0 = performance.now();
  let next = t0 + schedule.next();
  const end = t0 + o.durationMs;
  const warmEnd = t0 + o.warmupMs;
  let lastProgress = t0;

  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = performance.now();
      if (o.signal?.aborted) return resolve();
      if (next < now) maxLag = Math.max(maxLag, now - next);
      while (next <= now && next < end) {
        const measure = next >= warmEnd;
        const seq = measure ? foundEmpty.push(NaN) - 1 : -1;
        if (measure) sojournBySubmit.push(NaN);
        submitted++;
        lagSum += now - next;
        if (now - next > 2) late++;
        const size = o.jobs.sample(sizeRng);
        client.send(PAYLOAD, { size, measure }).then(onResult(measure, seq, size), onError);
        next = t0 + schedule.next();
      }
      if (o.onProgress && now - lastProgress >= 1000) {
        lastProgress = now;
        o.onProgress({ elapsedMs: now - t0, durationMs: o.durationMs, submitted, completed, failed, inFlight: submitted - completed - failed });
      }
      if (next >= end) return resolve();
      setTimeout(tick, Math.max(0, next - performance.now()));
    };
    tick();
  });
  const elapsed = Math.min(performance.now(), end) - t0;

  // Drain: wait for replies of everything submitted.
  const drainUntil = performance.now() + (o.drainTimeoutMs ?? 30_000);
  while (completed + failed < submitted && performance.now() < drainUntil && !o.signal?.aborted) {
    await new Promise((r) => setTimeout(r, 20));
    if (o.onProgress && performance.now() - lastProgress >= 1000) {
      lastProgress = performance.now();
      o.onProgress({ elapsedMs: o.durationMs, durationMs: o.durationMs, submitted, completed, failed, inFlight: submitted - completed - failed });
    }
  }

  const meanService = service.mean();
  const norm = (x: number): number => x / meanService;
  const answered = (xs: number[]): number[] => xs.filter((x) => !Number.isNaN(x));
  const q0Series = answered(foundEmpty);
  const responseSeries = answered(sojournBySubmit).map(norm);
  return {
    targetRatePerSecond: o.ratePerSecond,
    achievedRatePerSecond: (submitted / elapsed) * 1000,
    durationMs: elapsed,
    submitted,
    completed,
    failed,
    lost: submitted - completed - failed,
    errors,
    measured,
    meanSojournMs: sojourn.mean(),
    meanServiceMs: meanService,
    meanResponse: norm(sojourn.mean()),
    responseP50: norm(sojourn.percentile(0.5)),
    responseP90: norm(sojourn.percentile(0.9)),
    responseP99: norm(sojourn.percentile(0.99)),
    pWait: measured > 0 ? waited / measured : NaN,
    meanLatencyMs: latency.mean(),
    latencyP99Ms: latency.percentile(0.99),
    dispatchOverheadMs: latency.mean() - sojourn.mean(),
    byTokenShare: measured > 0 ? byToken / measured : NaN,
    q0Ci95: batchMeansCi95(q0Series).ci95,
    meanResponseCi95: batchMeansCi95(responseSeries).ci95,
    stationarity: { q0: stationarityCheck(q0Series), meanResponse: stationarityCheck(responseSeries) },
    raceBusy,
    redispatched,
    maxLagMs: maxLag,
    meanLagMs: submitted > 0 ? lagSum / submitted : 0,
    lateShare: submitted > 0 ? late / submitted : 0,
    responseCdf: sojourn.count > 0 ? CDF_LEVELS.map((p) => ({ x: norm(sojourn.percentile(p)), p })) : [],
  };
}
