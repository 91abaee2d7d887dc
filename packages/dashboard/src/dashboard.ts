import type { AddressInfo } from 'node:net';
import { JiqConfigError } from '@jiq/core';
import type { Connector, DispatcherStats, Logger } from '@jiq/shared';
import { createDashboardHttp } from './http-server';
import { delayedInput, delayedSimOptions } from './delay-prediction';
import { modelPrediction, simPrediction, simulateInThread } from './predictions';
import { ResponseWindow, type ReplySample } from './response-window';
import type { DashboardState, Predictions, RunParams } from './state';
import { StateTracker, type Poll } from './tracker';

export interface DashboardOptions {
  /** TCP port of the page (0: any free port). */
  port: number;
  /** Interface to listen on; loopback unless asked otherwise (the page has no authentication). */
  host?: string;
  /** The cluster to watch from the start (jiq cluster and experiment attach theirs later with watch()). */
  target?: DashboardTarget;
  /** Poll period, ms (default 1000). */
  intervalMs?: number;
  /** Polls kept in the history (default 300: five minutes at one a second). */
  historyLength?: number;
  /** Run the simulator for the prediction (default true; it takes one core for ~0.3 s). */
  simulate?: boolean;
  log?: Logger;
}

/** What the dashboard watches. */
export interface DashboardTarget {
  connector: Connector;
  /** The dispatchers' addresses, read again at every poll (a static list, or Redis membership). */
  dispatchers: () => Promise<string[]> | string[];
  /** The running point, for the model's and the simulator's predictions. */
  params: RunParams | null;
  /** The nominal service time of a size-1 job (--mean-service-ms): the delay-aware prediction stretches λ by measured / nominal. */
  meanServiceMs?: number;
}

export interface DashboardHandle {
  /** http://host:port/ */
  readonly url: string;
  readonly port: number;
  state(): DashboardState;
  /** A reply of this process's load generator (response-time percentiles, dispatch overhead). */
  recordReply(r: ReplySample): void;
  /** Watches a (new) cluster: history starts afresh, predictions are recomputed for its parameters. */
  watch(target: DashboardTarget): void;
  /** Stops polling the current cluster (the page keeps its last state). */
  unwatch(): void;
  /** Polls now (tests and shutdown use it to see the final counters). */
  pollNow(): Promise<DashboardState>;
  close(): Promise<void>;
}

type State = { kind: 'running'; timer: NodeJS.Timeout } | { kind: 'closing' } | { kind: 'closed' };

const STATS_TIMEOUT_MS = 2_000;
/** The delay-aware prediction is run again this often while hop delays keep being measured. */
const DELAYED_REFRESH_MS = 15_000;

/** Starts the live dashboard: polls the dispatchers' Stats and serves the page, /api/state and /api/events. */
export async function startDashboard(o: DashboardOptions): Promise<DashboardHandle> {
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw new JiqConfigError('--dashboard-port', 'must be an integer in [0, 65535]', o.port);
  const intervalMs = o.intervalMs ?? 1000;
  if (!(intervalMs >= 100)) throw new JiqConfigError('--interval-ms', 'must be >= 100', intervalMs);
  const historyLength = o.historyLength ?? 300;
  let tracker = new StateTracker(historyLength);
  let target: DashboardTarget | undefined;
  let responses = new ResponseWindow();
  let repliesSeen = false;
  const http = createDashboardHttp(() => tracker.current);
  await new Promise<void>((resolve, reject) => {
    http.server.once('error', reject);
    http.server.listen(o.port, o.host ?? '127.0.0.1', () => {
      http.server.off('error', reject);
      resolve();
    });
  });
  const port = (http.server.address() as AddressInfo).port;
  const host = o.host ?? '127.0.0.1';

  let predictionsFor = 0;
  let predictions: Predictions | null = null;
  let delayed = { running: false, lastAt: 0 };
  // Results of simulations started for an earlier cluster are dropped (ticket).
  const updatePredictions = (ticket: number, part: Partial<Predictions>): void => {
    if (ticket !== predictionsFor || !predictions) return;
    predictions = { ...predictions, ...part };
    tracker.setPredictions(predictions);
  };
  const predict = (p: RunParams | null): void => {
    const ticket = ++predictionsFor;
    delayed = { running: false, lastAt: 0 };
    tracker.setParams(p);
    predictions = null;
    if (!p) return tracker.setPredictions(null);
    const model = modelPrediction(p);
    predictions = {
      ...model, simQ0: null, simQ0Ci95: null, simMeanResponse: null, simNote: 'running',
      simDelayedQ0: null, simDelayedQ0Ci95: null, simDelayedMeanResponse: null, simDelayedNote: 'waiting for measured hop delays',
    };
    tracker.setPredictions(predictions);
    if (o.simulate === false) return;
    void simPrediction(p).then((sim) => updatePredictions(ticket, { simNote: undefined, ...sim }));
  };

  // The delay-aware prediction needs the cluster's measured hops, so it is made from the polls.
  const predictDelayed = (stats: DispatcherStats[], at: number): void => {
    const p = target?.params;
    if (!p || o.simulate === false || delayed.running || at - delayed.lastAt < DELAYED_REFRESH_MS) return;
    const input = delayedInput(p, stats, responses.meanServiceMs(), target?.meanServiceMs);
    const ticket = predictionsFor;
    if (typeof input === 'string') {
      // Figures already shown stay: the note only explains their absence.
      if (predictions?.simDelayedQ0 === null) updatePredictions(ticket, { simDelayedNote: input });
      return;
    }
    delayed = { running: true, lastAt: at };
    void simulateInThread(delayedSimOptions(p, input)).then((r) => {
      if (ticket === predictionsFor) delayed.running = false;
      updatePredictions(ticket, {
        simDelayedQ0: r.q0, simDelayedQ0Ci95: r.q0Ci95, simDelayedMeanResponse: r.meanResponse, simDelayedInput: input,
        simDelayedNote: r.error,
      });
    });
  };

  let polling: Promise<DashboardState> | undefined;
  const poll = (): Promise<DashboardState> => {
    const t = target;
    if (!t) return Promise.resolve(tracker.current);
    polling ??= (async () => {
      try {
        const addresses = await t.dispatchers();
        const dispatchers: Poll['dispatchers'] = await Promise.all(
          addresses.map(async (address) => {
            try {
              const stats: DispatcherStats = await t.connector.stats(address, { includeTokens: true, includeSlots: true }, STATS_TIMEOUT_MS);
              return { address, stats };
            } catch (err) {
              return { address, error: err instanceof Error ? err.message : String(err) };
            }
          }),
        );
        if (t !== target) return tracker.current; // a new cluster was attached meanwhile
        const at = Date.now();
        const state = tracker.ingest({ at, dispatchers, response: repliesSeen ? responses.take() : null });
        predictDelayed(dispatchers.flatMap((d) => (d.stats ? [d.stats] : [])), at);
        http.broadcast(state);
        return state;
      } catch (err) {
        o.log?.warn({ err: err instanceof Error ? err.message : String(err) }, 'dashboard poll failed');
        return tracker.current;
      } finally {
        polling = undefined;
      }
    })();
    return polling;
  };

  const watch = (next: DashboardTarget): void => {
    target = next;
    tracker = new StateTracker(historyLength);
    responses = new ResponseWindow();
    repliesSeen = false;
    predict(next.params);
    void poll();
  };
  let state: State = { kind: 'running', timer: setInterval(() => void poll(), intervalMs) };
  if (o.target) watch(o.target);
  o.log?.info({ url: `http://${host}:${port}/` }, 'dashboard listening');

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    port,
    state: () => tracker.current,
    recordReply(r) {
      repliesSeen = true;
      responses.add(r);
    },
    watch,
    unwatch() {
      target = undefined;
    },
    pollNow: poll,
    async close() {
      if (state.kind !== 'running') return;
      clearInterval(state.timer);
      state = { kind: 'closing' };
      await polling;
      await http.close();
      state = { kind: 'closed' };
    },
  };
}
