import type { DispatcherStats } from '@jiq/shared';
import type { SimOptions } from '@jiq/sim';
import { simOptionsFor } from './predictions';
import type { DelayedInput, RunParams } from './state';

/** Assign hops measured before the delay-aware prediction is first made (their mean settles). */
export const MIN_ASSIGN_HOPS = 200;

/** Mean of one hop over every dispatcher's window, ms (0 when the cluster never took it). */
function hopMeanMs(stats: DispatcherStats[], hop: 'probeRtt' | 'place' | 'assign' | 'withdraw'): { mean: number; count: number } {
  let count = 0;
  let sum = 0;
  for (const s of stats) {
    const h = s.hops?.[hop];
    if (!h) continue;
    count += h.count;
    sum += h.sumMs;
  }
  return { mean: count > 0 ? sum / count : 0, count };
}

/**
 * The simulator's input for the delay-aware prediction, by the rule of `jiq experiment`'s
 * simDelayed (docs/delays.md): each hop's measured mean over the measured mean service time,
 * a probe's one-way delay half its round trip, and the load the servers carried (λ stretched by
 * measured / nominal service time). A string says why there is none yet.
 */
export function delayedInput(p: RunParams, stats: DispatcherStats[], meanServiceMs: number | null, nominalServiceMs: number | undefined): DelayedInput | string {
  if (meanServiceMs === null || !(meanServiceMs > 0)) return 'needs measured service times (jiq cluster / experiment --dashboard-port)';
  const assign = hopMeanMs(stats, 'assign');
  if (assign.count < MIN_ASSIGN_HOPS) return `measuring hop delays (${assign.count}/${MIN_ASSIGN_HOPS} assignments)`;
  const stretch = nominalServiceMs !== undefined && nominalServiceMs > 0 ? meanServiceMs / nominalServiceMs : 1;
  const lambda = p.lambda * stretch;
  if (!(lambda < 1)) return `the servers carried λ = ${lambda.toFixed(3)} >= 1 (measured service ${meanServiceMs.toFixed(1)} ms): no stationary prediction`;
  return {
    lambda,
    meanServiceMs,
    place: hopMeanMs(stats, 'place').mean / meanServiceMs,
    probe: hopMeanMs(stats, 'probeRtt').mean / 2 / meanServiceMs,
    assign: assign.mean / meanServiceMs,
    withdraw: hopMeanMs(stats, 'withdraw').mean / meanServiceMs,
  };
}

/** The simulator options of the delay-aware prediction: the zero-delay run's, with exponential hop delays. */
export function delayedSimOptions(p: RunParams, input: DelayedInput): SimOptions {
  const exp = (x: number): string => `exp:${x}`;
  return {
    ...simOptionsFor({ ...p, lambda: input.lambda }),
    delays: { place: exp(input.place), probe: exp(input.probe), assign: exp(input.assign), withdraw: exp(input.withdraw) },
  };
}
