import { describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from '../src/index';
import { solveExact } from './helpers/exact-chain';
import { solveExactDelays, type DelayExactOptions, type DelayExactResult } from './helpers/exact-chain-delays';

// Messages in flight, exactly: with exponential delays the system stays Markov, and on tiny
// systems its chain (helpers/exact-chain-delays, written apart from the simulator) is solved
// exactly. The simulator with the same exponential delays must agree on q0, E[R] and P(wait);
// the same simulation must reject the chain of a variant that ignores one hop.
//
// Statistics: 2 cases × 3 quantities. Each comparison at the family-wise level 1.66 × the 95%
// half-width (as exact.test.ts), plus the chain's truncation mass (the stationary probability of
// the states where the truncation acts). The variants that ignore a hop fail that same check.

type Hops = DelayExactOptions['delays'];
const spec = (h: Hops): string => `place=exp:${h.place},probe=exp:${h.probe},assign=exp:${h.assign},withdraw=exp:${h.withdraw}`;

interface Case {
  name: string;
  exact: DelayExactOptions;
  sim: SimOptions;
}

function makeCase(name: string, exact: DelayExactOptions, horizon: number): Case {
  const { n, m, lambda, d, probe, withdraw, select, delays } = exact;
  return { name, exact, sim: { n, m, lambda, d, probe, withdraw, select, delays: spec(delays), horizon, seed: 2027, timing: false } };
}

const probing = makeCase(
  'n=2 m=2 d=2 distinct, no withdrawals, LCFS; place, probe and assign in flight',
  {
    n: 2, m: 2, lambda: 0.3, d: 2, probe: 'distinct', withdraw: false, select: 'lcfs',
    delays: { place: 0.15, probe: 0.15, assign: 0.15, withdraw: 0 },
    maxJobs: 5, maxInFlight: 2, maxMessages: 2,
  },
  4e5,
);
const withdrawing = makeCase(
  'n=1 m=2 d=1, withdrawals, FCFS; place, assign and withdraw in flight (jobs cross withdrawals)',
  {
    n: 1, m: 2, lambda: 0.4, d: 1, probe: 'distinct', withdraw: true, select: 'fcfs',
    delays: { place: 0.2, probe: 0, assign: 0.2, withdraw: 0.2 },
    maxJobs: 8, maxInFlight: 3, maxMessages: 3,
  },
  4e5,
);

const FAMILY = 1.66;
const solved = new Map<string, DelayExactResult>();
const exact = (o: DelayExactOptions): DelayExactResult => {
  const key = JSON.stringify(o);
  if (!solved.has(key)) solved.set(key, solveExactDelays(o));
  return solved.get(key)!;
};

describe('simulator with exponential message delays vs the exact chain with messages in flight', () => {
  it('the chain with every delay 0 is the zero-delay chain of exact.test.ts', () => {
    const base = { n: 2, m: 2, lambda: 0.5, d: 2, probe: 'distinct' as const, withdraw: false, select: 'lcfs' as const };
    const zero = solveExactDelays({ ...base, delays: { place: 0, probe: 0, assign: 0, withdraw: 0 }, maxJobs: 10, maxInFlight: 1, maxMessages: 1 });
    const plain = solveExact({ ...base, alpha: [1], T: [[-1]], maxJobs: 10 });
    expect(zero.q0).toBeCloseTo(plain.q0, 8);
    expect(zero.meanResponse).toBeCloseTo(plain.meanResponse, 6);
    expect(zero.states).toBe(plain.states);
  });

  for (const c of [probing, withdrawing]) {
    it(c.name, () => {
      const x = exact(c.exact);
      expect(x.boundaryMass).toBeLessThan(0.006);
      const r = simulate(c.sim);
      const report = `${c.name}: exact q0 ${x.q0.toFixed(5)} E[R] ${x.meanResponse.toFixed(5)} P(wait) ${x.pWait.toFixed(5)} (${x.states} states, boundary ${x.boundaryMass.toExponential(2)}); sim q0 ${r.q0} ± ${r.q0Ci95}, E[R] ${r.meanResponse} ± ${r.meanResponseCi95}, P(wait) ${r.pWait} ± ${r.pWaitCi95}`;
      console.log(report);
      expect(r.engine).toBe('delays');
      expect(r.q0Ci95!).toBeLessThan(0.005);
      const pairs: [number, number, number][] = [
        [r.q0!, x.q0, r.q0Ci95!],
        [r.meanResponse!, x.meanResponse, r.meanResponseCi95!],
        [r.pWait!, x.pWait, r.pWaitCi95!],
      ];
      for (const [sim, exactValue, ci] of pairs) expect(Math.abs(sim - exactValue), report).toBeLessThanOrEqual(FAMILY * ci + x.boundaryMass);
      if (c.exact.withdraw) {
        // Jobs did cross withdrawals, and each crossing is seen on both sides.
        expect(r.raceWithdrawn).toBeGreaterThan(100);
        expect(r.staleWithdrawals).toBe(r.raceWithdrawn);
      }
    }, 180_000); // ~20 s on a quiet host; CPU-bound, so several times that on a loaded one
  }

  it('fails on a variant that ignores one hop: the chain without the place delay, or without the probe delay', () => {
    const r = simulate(probing.sim);
    const tol = (x: DelayExactResult): number => FAMILY * r.q0Ci95! + x.boundaryMass;
    const right = exact(probing.exact);
    expect(Math.abs(r.q0! - right.q0)).toBeLessThanOrEqual(tol(right));
    for (const hop of ['place', 'probe'] as const) {
      const wrong = exact({ ...probing.exact, delays: { ...probing.exact.delays, [hop]: 0 } });
      console.log(`variant without the ${hop} delay: exact q0 ${wrong.q0.toFixed(5)} against sim ${r.q0} ± ${r.q0Ci95}`);
      expect(Math.abs(r.q0! - wrong.q0), hop).toBeGreaterThan(tol(wrong));
    }
  }, 300_000); // three chains and a simulation: 86 s at load average 36, past the default 60 s
});
