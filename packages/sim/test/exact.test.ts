import { describe, expect, it } from 'vitest';
import { hyperexponential } from '@jiq/core';
import { simulate, type SimOptions } from '../src/index';
import { solveExact, type ExactOptions, type ExactResult } from './helpers/exact-chain';

// Exactness on small systems: the simulator's q0, E[R] and P(wait > 0) agree within their 95%
// CI with the stationary solution of the full Markov chain (enumerated in helpers/exact-chain).
// n = 4 and n = 3 with exponential sizes, n = 2 with hyperexponential sizes (SCV 3, f = 1/2):
// their heavier queue tails need a high truncation level, which only n = 2 affords.

const EXP = { alpha: [1], T: [[-1]] };
const he = hyperexponential(3, 0.5);
const HYPEREXP = { alpha: he.phaseType!.alpha, T: he.phaseType!.T };

interface Case {
  name: string;
  sim: SimOptions;
  exact: ExactOptions;
}

function makeCase(
  n: number,
  m: number,
  d: number,
  probe: 'distinct' | 'replace',
  withdraw: boolean,
  select: 'fcfs' | 'lcfs',
  jobs: 'exp' | 'hyperexp',
  extra: Partial<SimOptions> = {},
): Case {
  const lambda = 0.5;
  const sizes = jobs === 'exp' ? EXP : HYPEREXP;
  return {
    name: `n=${n} m=${m} d=${d}${d > 1 ? ` ${probe}` : ''} ${withdraw ? 'withdraw' : 'no-withdraw'} ${select} ${jobs}${extra.engine ? ` (${extra.engine} engine)` : ''}`,
    sim: {
      n,
      m,
      lambda,
      d,
      probe,
      withdraw,
      select,
      jobs: jobs === 'exp' ? 'exp' : 'hyperexp:3:0.5',
      horizon: 8e6 / n,
      timing: false,
      seed: 4242,
      ...extra,
    },
    exact: { n, m, lambda, d, probe, withdraw, select, ...sizes, maxJobs: jobs === 'exp' ? 10 : 30 },
  };
}

const cases: Case[] = [
  makeCase(4, 2, 1, 'distinct', true, 'fcfs', 'exp'),
  makeCase(4, 2, 2, 'distinct', true, 'lcfs', 'exp'),
  makeCase(3, 2, 1, 'distinct', false, 'fcfs', 'exp'),
  makeCase(3, 2, 1, 'distinct', false, 'lcfs', 'exp'),
  makeCase(3, 2, 2, 'distinct', false, 'lcfs', 'exp'),
  makeCase(3, 2, 2, 'replace', false, 'fcfs', 'exp'),
  makeCase(2, 2, 1, 'distinct', true, 'fcfs', 'hyperexp'),
  makeCase(2, 2, 2, 'replace', true, 'lcfs', 'hyperexp', { engine: 'events' }),
  makeCase(2, 2, 1, 'distinct', false, 'fcfs', 'hyperexp', { engine: 'events' }),
  makeCase(2, 2, 2, 'replace', false, 'lcfs', 'hyperexp'),
];

const exactCache = new Map<string, ExactResult>();
function exact(o: ExactOptions): ExactResult {
  const key = JSON.stringify(o);
  let r = exactCache.get(key);
  if (!r) {
    r = solveExact(o);
    exactCache.set(key, r);
  }
  return r;
}

// Statistics: 10 cases × 3 quantities = 30 comparisons. At a plain 95% level, one seed would
// fail some of them by chance (P(all 30 pass) ≈ 21%), so each comparison uses the family-wise
// (Bonferroni) level, 1 − 0.05/30: t(0.99917, 19 df) / t(0.975, 19 df) ≈ 1.66 times the reported
// 95% half-width; and the coverage of the plain 95% CIs is checked at the end (≥ 24 of 30;
// expected 28.5). The CIs themselves must be tight, and the last test shows they separate the
// variants, so a wrong implementation cannot pass.
const FAMILY = 1.66;
const within95: boolean[] = [];

describe('simulator vs the exact Markov chain (n <= 4)', () => {
  for (const c of cases) {
    it(c.name, () => {
      const x = exact(c.exact);
      // The truncation of the exact chain must be negligible against the CIs.
      expect(x.boundaryMass).toBeLessThan(1e-4);
      const r = simulate(c.sim);
      const report = `${c.name}: exact q0 ${x.q0.toFixed(5)} E[R] ${x.meanResponse.toFixed(5)} P(wait) ${x.pWait.toFixed(5)}; sim q0 ${r.q0} ± ${r.q0Ci95}, E[R] ${r.meanResponse} ± ${r.meanResponseCi95}, P(wait) ${r.pWait} ± ${r.pWaitCi95}`;
      console.log(report);
      // CIs small enough to tell FCFS from LCFS and withdrawals from none (see below).
      expect(r.q0Ci95!).toBeLessThan(0.0025);
      expect(r.meanResponseCi95! / x.meanResponse).toBeLessThan(c.exact.alpha.length === 1 ? 0.006 : 0.01);
      const pairs: [number, number, number][] = [
        [r.q0!, x.q0, r.q0Ci95!],
        [r.meanResponse!, x.meanResponse, r.meanResponseCi95!],
        [r.pWait!, x.pWait, r.pWaitCi95!],
      ];
      for (const [sim, exactValue, ci] of pairs) {
        within95.push(Math.abs(sim - exactValue) <= ci);
        expect(Math.abs(sim - exactValue), report).toBeLessThanOrEqual(FAMILY * ci);
      }
    });
  }

  it('covers: most exact values lie inside the plain 95% CIs', () => {
    expect(within95).toHaveLength(3 * cases.length);
    expect(within95.filter(Boolean).length).toBeGreaterThanOrEqual(24);
  });

  it('has the power to tell the variants apart: FCFS vs LCFS, withdrawals vs none', () => {
    // The same simulation that matches one variant's exact solution excludes the other's.
    const fcfs = makeCase(3, 2, 1, 'distinct', false, 'fcfs', 'exp');
    const lcfs = makeCase(3, 2, 1, 'distinct', false, 'lcfs', 'exp');
    const sim = simulate(fcfs.sim);
    const other = exact(lcfs.exact);
    expect(Math.abs(sim.pWait! - other.pWait)).toBeGreaterThan(3 * sim.pWaitCi95!);
    expect(Math.abs(sim.meanResponse! - other.meanResponse)).toBeGreaterThan(2 * sim.meanResponseCi95!);
    const withdraw = makeCase(3, 2, 1, 'distinct', true, 'fcfs', 'exp');
    const w = exact(withdraw.exact);
    expect(Math.abs(sim.q0! - w.q0)).toBeGreaterThan(3 * sim.q0Ci95!);
  });
});
