import { Samples } from '@jiq/core';
import type { ResponseView } from './state';

/** One reply the load generator of this process received. */
export interface ReplySample {
  latencyMs: number;
  sojournMs: number;
  serviceMs: number;
}

/**
 * Replies collected between two polls. Sojourns are normalised by the mean service time of
 * every reply so far (as `jiq cluster` does over the whole run), so the percentiles are in
 * units of the mean job size like the model's.
 */
export class ResponseWindow {
  private sojourn = new Samples();
  private latencySum = 0;
  private serviceSum = 0;
  private serviceCount = 0;

  add(r: ReplySample): void {
    this.sojourn.add(r.sojournMs);
    this.latencySum += r.latencyMs;
    this.serviceSum += r.serviceMs;
    this.serviceCount++;
  }

  /** Mean service time of every reply so far, ms (null before the first). */
  meanServiceMs(): number | null {
    return this.serviceCount > 0 ? this.serviceSum / this.serviceCount : null;
  }

  /** The interval's figures; starts a new interval. */
  take(): ResponseView {
    const s = this.sojourn;
    const meanService = this.serviceCount > 0 ? this.serviceSum / this.serviceCount : NaN;
    const norm = (x: number): number | null => (s.count > 0 && meanService > 0 ? x / meanService : null);
    const out: ResponseView = {
      samples: s.count,
      p50: norm(s.percentile(0.5)),
      p90: norm(s.percentile(0.9)),
      p99: norm(s.percentile(0.99)),
      meanResponse: norm(s.mean()),
      dispatchOverheadMs: s.count > 0 ? (this.latencySum - s.sum) / s.count : null,
    };
    this.sojourn = new Samples();
    this.latencySum = 0;
    return out;
  }
}
