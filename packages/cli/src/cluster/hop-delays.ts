import { HopHistogram, type HopSummary } from '@jiq/core';
import type { DispatcherStats } from '@jiq/shared';

export const HOPS = ['probeRtt', 'place', 'assign', 'withdraw', 'done'] as const;
export type Hop = (typeof HOPS)[number];

/** Per hop mean / p50 / p99 in ms over every dispatcher's measured window. */
export type HopMs = Record<Hop, HopSummary & { count: number }>;

/** Above this share of idle time spent with the token in flight, the cluster departs from the
 * zero-delay model noticeably (q0 moves by about as much): say so. */
export const INVISIBLE_SHARE_WARNING = 0.05;

/** Merges the dispatchers' hop histograms. */
export function mergeHopMs(stats: DispatcherStats[]): HopMs {
  const out = {} as HopMs;
  for (const hop of HOPS) {
    const h = new HopHistogram();
    for (const s of stats) h.merge(s.hops?.[hop]);
    out[hop] = { ...h.summary(), count: h.count };
  }
  return out;
}

/**
 * Token time in flight over idle time: an idle server is invisible to arrivals while its token
 * travels (probe round trip, then place) and while the job its token attracted travels to it
 * (assign). Idle time = that invisible time + the time tokens sat in I-queues (visible).
 */
export function tokenInvisibleShare(stats: DispatcherStats[]): number {
  let invisible = 0;
  let visible = 0;
  for (const s of stats) {
    invisible += s.tokenInvisibleMs;
    visible += s.tokenTimeMs;
  }
  return invisible + visible > 0 ? invisible / (invisible + visible) : NaN;
}
