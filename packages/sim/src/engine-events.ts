import { EventHeap, type JobSizeDistribution, type Sfc32 } from '@jiq/core';
import type { Cluster } from './cluster';
import type { EngineStats } from './engine-markov';
import type { Measurement } from './measurement';

/**
 * The event engine, for any job-size law and heterogeneous server speeds. The next arrival is
 * a single time; departures are a binary heap of (time, server), one entry per job in the
 * system. A job's size is drawn when it arrives, so its departure time (FIFO: the later of now
 * and the server's current work end, plus size/speed) and response time are known at once.
 */
export function runEvents(
  cluster: Cluster,
  meas: Measurement,
  rng: Sfc32,
  jobs: JobSizeDistribution,
  speeds: Float64Array | null,
  arrivalRate: number,
  m: number,
): EngineStats {
  const n = cluster.len.length;
  const workEnd = new Float64Array(n);
  const heap = new EventHeap(Math.max(1024, 2 * n));
  const start = meas.start;
  const end = meas.end;
  let measuring = start <= 0;
  if (measuring) cluster.startLevels(0);
  let withdrawalsAtStart = 0;
  let tokenToBusyAtStart = 0;
  let events = 0;
  let nextArrival = rng.nextExp() / arrivalRate;
  for (;;) {
    const departure = heap.topKey();
    const t = departure <= nextArrival ? departure : nextArrival;
    if (t >= end) break;
    if (!measuring && t >= start) {
      measuring = true;
      cluster.startLevels(start);
      withdrawalsAtStart = cluster.withdrawals;
      tokenToBusyAtStart = cluster.tokenToBusy;
    }
    cluster.now = t;
    events++;
    if (departure <= nextArrival) {
      cluster.complete(heap.pop());
      continue;
    }
    const s = cluster.route(Math.floor(rng.next() * m));
    const size = jobs.sample(rng);
    const w = workEnd[s]!;
    const done = (w > t ? w : t) + (speeds ? size / speeds[s]! : size);
    workEnd[s] = done;
    heap.push(done, s);
    meas.arrival(t, cluster.foundEmpty, cluster.waited, cluster.byToken, cluster.foundLength);
    meas.response(t, done - t);
    nextArrival = t + rng.nextExp() / arrivalRate;
  }
  cluster.now = end;
  if (!measuring) cluster.startLevels(end);
  cluster.endLevels(end);
  return { events, withdrawalsAtStart, tokenToBusyAtStart };
}
