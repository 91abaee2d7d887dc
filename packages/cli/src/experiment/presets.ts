import { JiqConfigError } from '@jiq/core';
import type { ExperimentPoint } from './types';

export const PRESETS = ['table2', 'table3', 'fig5'] as const;
export type PresetName = (typeof PRESETS)[number];

/** The paper's n = 50 simulation values (Van Houdt, Tables 2 and 3), for the report. */
export interface PaperValue {
  q0: number;
  meanResponse: number;
}

const N = 50;

function point(r: number, lambda: number, d: number, withdraw: boolean, select: 'fcfs' | 'lcfs', probe: 'distinct' | 'replace', jobs: string): ExperimentPoint {
  return { policy: 'jiq', n: N, m: N / r, lambda, d, withdraw, select, probe, jobs, speeds: null };
}

/** Points of a preset, each at n = 50, with the paper's n = 50 values where it gives them. */
export function presetPoints(name: string): { points: ExperimentPoint[]; paper: (PaperValue | null)[] } {
  switch (name) {
    case 'table2':
      // Table 2: with withdrawals, probes with replacement; exp and hyperexp (SCV 10).
      return {
        points: [
          point(5, 0.7, 3, true, 'fcfs', 'replace', 'exp'),
          point(5, 0.7, 3, true, 'fcfs', 'replace', 'hyperexp:10:0.5'),
          point(10, 0.85, 1, true, 'fcfs', 'replace', 'exp'),
          point(10, 0.85, 1, true, 'fcfs', 'replace', 'hyperexp:10:0.1'),
        ],
        paper: [
          { q0: 0.1682, meanResponse: 1.1457 },
          { q0: 0.1712, meanResponse: 1.8476 },
          { q0: 0.3738, meanResponse: 1.4878 },
          { q0: 0.379, meanResponse: 3.848 },
        ],
      };
    case 'table3':
      // Table 3: without withdrawals, probes without replacement.
      return {
        points: [
          point(10, 0.8, 2, false, 'lcfs', 'distinct', 'exp'),
          point(10, 0.8, 2, false, 'lcfs', 'distinct', 'hyperexp:10:0.5'),
          point(5, 0.65, 1, false, 'fcfs', 'distinct', 'exp'),
          // Printed as f = 1/10, but its n = ∞ values are those of f = 1/2 (the model gives
          // 0.3454 / 2.7033 for f = 1/2 and 0.3531 / 2.7732 for f = 1/10; packages/model README).
          point(5, 0.65, 1, false, 'fcfs', 'distinct', 'hyperexp:10:0.5'),
        ],
        paper: [
          { q0: 0.131, meanResponse: 1.1703 },
          { q0: 0.133, meanResponse: 2.0014 },
          { q0: 0.307, meanResponse: 1.3433 },
          { q0: 0.314, meanResponse: 2.666 },
        ],
      };
    case 'fig5': {
      // Fig. 5: E[R] without (FCFS) / with withdrawals, exp jobs, against λ, for r = 5 and d = 1, 2.
      const points: ExperimentPoint[] = [];
      for (const withdraw of [true, false])
        for (const d of [1, 2])
          for (const lambda of [0.5, 0.7, 0.9]) points.push(point(5, lambda, d, withdraw, 'fcfs', 'distinct', 'exp'));
      return { points, paper: points.map(() => null) };
    }
    default:
      throw new JiqConfigError('--preset', `must be one of ${PRESETS.join(' | ')}`, name);
  }
}
