import type { DispatcherStats } from '@jiq/shared';
import { ratioCi95 } from './ratio-ci';
import type { DashboardState, DispatcherView, History, Predictions, ResponseView, RunParams, WorkerView } from './state';

/** One poll: each dispatcher's Stats (with tokens and slots), or why it could not be read. */
export interface Poll {
  /** Epoch ms. */
  at: number;
  dispatchers: { address: string; stats?: DispatcherStats; error?: string }[];
  response: ResponseView | null;
}

const sumOf = (list: DispatcherStats[], f: (s: DispatcherStats) => number): number => list.reduce((a, s) => a + f(s), 0);
const ratio = (x: number, y: number): number | null => (y > 0 ? x / y : null);

function emptyHistory(): History {
  return {
    t: [], q0: [], q0Lo: [], q0Hi: [], q0Time: [], q0Interval: [], throughput: [], byTokenShare: [],
    p50: [], p90: [], p99: [], dispatchOverheadMs: [], iqueue: {},
  };
}

/**
 * Turns successive polls of the dispatchers into the dashboard's state: the cluster now (taken
 * as the dispatchers report it, so /api/state agrees with their Stats) and its history over
 * the last `historyLength` polls. Pure: no timers, no I/O.
 */
export class StateTracker {
  private history = emptyHistory();
  private last = new Map<string, DispatcherStats>();
  /** The last good Stats by address, shown (with the error) while a dispatcher does not answer. */
  private lastByAddress = new Map<string, DispatcherStats>();
  /** (empty arrivals, arrivals) per interval since the counters' last reset: q0's CI batches. */
  private batches: { e: number; a: number }[] = [];
  private lastAt = 0;
  private state: DashboardState;

  constructor(
    private readonly historyLength: number,
    private params: RunParams | null = null,
  ) {
    this.state = this.build({ at: 0, dispatchers: [], response: null }, [], null);
    this.state.polls = 0;
  }

  get current(): DashboardState {
    return this.state;
  }

  setParams(params: RunParams | null): void {
    this.params = params;
    this.state = { ...this.state, params };
  }

  setPredictions(p: Predictions | null): void {
    this.state = { ...this.state, predictions: p, modelQ0: p?.modelQ0 ?? null };
  }

  ingest(poll: Poll): DashboardState {
    const good = poll.dispatchers.flatMap((d) => (d.stats ? [d.stats] : []));
    // Counters that went down were reset (jiq cluster resets after the workers join): start over.
    const wasReset = good.some((s) => {
      const prev = this.last.get(s.dispatcherId);
      return prev !== undefined && (s.arrivals < prev.arrivals || s.completed < prev.completed);
    });
    if (wasReset) this.batches = [];
    let deltaE = 0;
    let deltaA = 0;
    let deltaDone = 0;
    for (const s of good) {
      const prev = wasReset ? undefined : this.last.get(s.dispatcherId);
      deltaE += s.emptyArrivals - (prev?.emptyArrivals ?? 0);
      deltaA += s.arrivals - (prev?.arrivals ?? 0);
      deltaDone += s.completed + s.failed - (prev ? prev.completed + prev.failed : 0);
    }
    const seconds = this.lastAt > 0 ? (poll.at - this.lastAt) / 1000 : 0;
    const interval = { e: deltaE, a: deltaA, throughput: seconds > 0 && !wasReset ? deltaDone / seconds : null };
    if (deltaA > 0) this.batches.push({ e: deltaE, a: deltaA });
    for (const s of good) this.last.set(s.dispatcherId, s);
    for (const d of poll.dispatchers) if (d.stats) this.lastByAddress.set(d.address, d.stats);
    this.lastAt = poll.at;
    this.state = this.build(poll, good, interval);
    return this.state;
  }

  private build(poll: Poll, good: DispatcherStats[], interval: { e: number; a: number; throughput: number | null } | null): DashboardState {
    const dispatchers: DispatcherView[] = poll.dispatchers.map((d) => {
      const s = d.stats ?? this.lastByAddress.get(d.address);
      return {
        id: s?.dispatcherId ?? d.address,
        address: d.address,
        iqueueLength: s?.queueLength ?? 0,
        tokens: (s?.tokens ?? []).map((t) => ({ workerId: t.workerId, slot: t.slot, epoch: t.epoch })),
        arrivals: s?.arrivals ?? 0,
        q0: s ? ratio(s.emptyArrivals, s.arrivals) : null,
        q0Time: s ? ratio(s.emptyTimeMs, s.windowMs) : null,
        workers: s?.workers ?? 0,
        inFlight: s?.inFlight ?? 0,
        ...(d.error !== undefined ? { error: d.error } : {}),
      };
    });
    const q0 = ratio(sumOf(good, (s) => s.emptyArrivals), sumOf(good, (s) => s.arrivals));
    const q0Ci95 = ratioCi95(this.batches);
    const q0Time = ratio(sumOf(good, (s) => s.emptyTimeMs), sumOf(good, (s) => s.windowMs));
    const used = sumOf(good, (s) => s.tokensUsed);
    const byTokenShare = ratio(used, used + sumOf(good, (s) => s.fallbacks));
    // A quiet interval (no replies) keeps the last figures on show; the history gets a gap.
    const response = poll.response;
    const shownResponse = response !== null && response.samples > 0 ? response : (this.state?.response ?? null);
    if (interval) {
      const h = this.history;
      const push = <T>(list: T[], v: T): void => {
        list.push(v);
        if (list.length > this.historyLength) list.shift();
      };
      push(h.t, poll.at / 1000);
      push(h.q0, q0);
      push(h.q0Lo, q0 !== null && q0Ci95 !== null ? Math.max(0, q0 - q0Ci95) : null);
      push(h.q0Hi, q0 !== null && q0Ci95 !== null ? Math.min(1, q0 + q0Ci95) : null);
      push(h.q0Time, q0Time);
      push(h.q0Interval, ratio(interval.e, interval.a));
      push(h.throughput, interval.throughput);
      push(h.byTokenShare, byTokenShare);
      push(h.p50, response?.p50 ?? null);
      push(h.p90, response?.p90 ?? null);
      push(h.p99, response?.p99 ?? null);
      push(h.dispatchOverheadMs, response?.dispatchOverheadMs ?? null);
      // A dispatcher never read yet has only its address for an id: no series for it (it gets
      // one under its real id once it answers).
      const named = dispatchers.filter((_, i) => poll.dispatchers[i]!.stats !== undefined || this.lastByAddress.has(poll.dispatchers[i]!.address));
      const ids = new Set([...Object.keys(h.iqueue), ...named.map((d) => d.id)]);
      for (const id of ids) {
        const series = (h.iqueue[id] ??= new Array<number | null>(h.t.length - 1).fill(null));
        push(series, dispatchers.find((d) => d.id === id && d.error === undefined)?.iqueueLength ?? null);
      }
    }
    return {
      at: poll.at,
      polls: this.state ? this.state.polls + 1 : 0,
      params: this.params,
      dispatchers,
      workers: workerViews(good),
      q0,
      q0Ci95,
      q0Time,
      modelQ0: this.state?.predictions?.modelQ0 ?? null,
      predictions: this.state?.predictions ?? null,
      throughput: interval?.throughput ?? null,
      byTokenShare,
      races: {
        busy: sumOf(good, (s) => s.raceBusy),
        withdrawn: sumOf(good, (s) => s.raceWithdrawn),
        staleWithdrawals: sumOf(good, (s) => s.staleWithdrawals),
      },
      response: shownResponse,
      history: this.history,
    };
  }
}

/** Each server as the dispatchers together see it: jobs in flight summed, where its token is. */
function workerViews(stats: DispatcherStats[]): WorkerView[] {
  const workers = new Map<string, Map<number, WorkerView['slots'][number]>>();
  const slotOf = (workerId: string, slot: number): WorkerView['slots'][number] => {
    let slots = workers.get(workerId);
    if (!slots) workers.set(workerId, (slots = new Map()));
    let v = slots.get(slot);
    if (!v) slots.set(slot, (v = { slot, busy: false, queueLength: 0, tokenAt: [], assigned: 0, byToken: 0, raceBusy: 0 }));
    return v;
  };
  for (const s of stats) {
    for (const l of s.slots) {
      const v = slotOf(l.workerId, l.slot);
      v.queueLength += l.inFlight;
      v.busy = v.queueLength > 0;
      v.assigned += l.assigned;
      v.byToken += l.byToken;
      v.raceBusy += l.raceBusy;
    }
    for (const t of s.tokens) slotOf(t.workerId, t.slot).tokenAt.push(s.dispatcherId);
  }
  return [...workers.entries()]
    .sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true }))
    .map(([id, slots]) => ({ id, slots: [...slots.values()].sort((a, b) => a.slot - b.slot) }));
}
