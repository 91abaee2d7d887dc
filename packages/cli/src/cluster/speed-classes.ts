import type { SubmitResult } from '@jiq/client';

/** What the servers of one speed did during the measured window. */
export interface SpeedClassFigures {
  speed: number;
  servers: number;
  /** Share of the measured jobs served there. */
  jobShare: number;
  /** Busy fraction: service time there over servers x measured window. */
  utilisation: number;
  /** Mean sojourn there, in units of the nominal mean job (size 1 at speed 1). */
  meanResponse: number;
}

/**
 * Per-speed-class figures of a heterogeneous run (the simulator's per-class output), from the
 * replies: which worker slot served each job, how long it took. Times are normalised by the
 * measured work rate Σ service·speed / Σ size (the nominal mean service time plus what timers
 * add), so that E[R] is in the simulator's unit whatever share the fast servers got.
 */
export class SpeedClassTally {
  private readonly jobs = new Map<number, { count: number; sojournMs: number; serviceMs: number }>();
  private workMs = 0;
  private size = 0;
  private count = 0;
  private sojournMs = 0;

  /** `speeds[i·slots + k]` is the speed of worker `w<i>`, slot k. */
  constructor(
    private readonly speeds: readonly number[],
    private readonly slots: number,
  ) {}

  private speedOf(workerId: string, slot: number): number | undefined {
    const m = /^w(\d+)$/.exec(workerId);
    return m ? this.speeds[Number(m[1]) * this.slots + slot] : undefined;
  }

  add(r: SubmitResult, size: number): void {
    const speed = this.speedOf(r.info.workerId, r.info.slot);
    if (speed === undefined) return;
    let c = this.jobs.get(speed);
    if (!c) this.jobs.set(speed, (c = { count: 0, sojournMs: 0, serviceMs: 0 }));
    c.count++;
    c.sojournMs += r.info.sojournMs;
    c.serviceMs += r.info.serviceMs;
    this.count++;
    this.sojournMs += r.info.sojournMs;
    this.workMs += r.info.serviceMs * speed;
    this.size += size;
  }

  /** Nominal ms per unit of job size, as measured. */
  get unitMs(): number {
    return this.size > 0 ? this.workMs / this.size : NaN;
  }

  /** Mean response of every measured job, in units of the nominal mean job. */
  get meanResponse(): number {
    return this.count > 0 ? this.sojournMs / this.count / this.unitMs : NaN;
  }

  figures(windowMs: number): SpeedClassFigures[] {
    const servers = new Map<number, number>();
    for (const v of this.speeds) servers.set(v, (servers.get(v) ?? 0) + 1);
    return [...servers.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([speed, k]) => {
        const c = this.jobs.get(speed) ?? { count: 0, sojournMs: 0, serviceMs: 0 };
        return {
          speed,
          servers: k,
          jobShare: this.count > 0 ? c.count / this.count : NaN,
          utilisation: windowMs > 0 ? c.serviceMs / (k * windowMs) : NaN,
          meanResponse: c.count > 0 ? c.sojournMs / c.count / this.unitMs : NaN,
        };
      });
  }
}
