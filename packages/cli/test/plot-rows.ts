import type { ExperimentRow } from '../src/experiment/types';

// Experiment rows as `jiq experiment` writes them, for the plot tests: only the fields the
// plots read are filled (a renderer test needs no cluster run).

export interface RowSpec {
  lambda: number;
  d: number;
  m: number;
  withdraw: boolean;
  select?: 'fcfs' | 'lcfs';
  q0: number;
  meanResponse: number;
}

export function row(s: RowSpec): ExperimentRow {
  const n = 20;
  const select = s.select ?? 'fcfs';
  const delays = { law: 'exp' as const, place: 0.01, probe: 0.01, assign: 0.01, withdraw: 0.01, meanServiceMs: 200 };
  const cdf = Array.from({ length: 50 }, (_, i) => ({ x: i * 0.1, p: 1 - Math.exp(-(1 - s.lambda * s.q0) * i * 0.1) }));
  return {
    params: {
      policy: 'jiq', speeds: null, n, m: s.m, lambda: s.lambda, d: s.d, withdraw: s.withdraw, select, probe: 'distinct', jobs: 'exp',
      r: n / s.m, label: `n=${n} r=${n / s.m} d=${s.d}`, modelPolicy: s.withdraw ? 'withdraw' : select,
      meanServiceMs: 200, durationSec: 70, seed: 3, arrivals: 'fixed-count',
    },
    cluster: { q0: s.q0 + 0.01, q0Ci95: 0.01, meanResponse: s.meanResponse * 1.02, meanResponseCi95: 0.03, responseCdf: cdf } as unknown as ExperimentRow['cluster'],
    sim: { q0: s.q0, q0Ci95: 0.004, meanResponse: s.meanResponse, meanResponseCi95: 0.01 } as unknown as ExperimentRow['sim'],
    simDelayed: { q0: s.q0 + 0.008, q0Ci95: 0.005, meanResponse: s.meanResponse * 1.01, meanResponseCi95: 0.012, lambda: s.lambda, delays },
    model: { policy: s.withdraw ? 'withdraw' : select, q0: s.q0 - 0.002, meanResponse: s.meanResponse * 0.99 },
    relErr: {
      q0ClusterVsSim: null, q0ClusterVsModel: null, q0SimVsModel: null, meanResponseClusterVsSim: null, meanResponseClusterVsModel: null,
      meanResponseSimVsModel: null, q0ClusterVsSimDelayed: null, meanResponseClusterVsSimDelayed: null,
    },
  };
}
