import { parseJobSpec } from '@jiq/shared';
import { describe, expect, it } from 'vitest';
import { solveModel, solveNoWithdraw } from '../src/index';

const ph = (spec: string) => parseJobSpec(spec).phaseType!;

describe('without withdrawals', () => {
  it('FCFS, d = 1: the exponential token life equals the paper position chain', () => {
    for (const [lambda, r, jobs] of [
      [0.9, 2, 'exp'],
      [0.65, 5, 'hyperexp:3:0.5'],
    ] as const) {
      const a = solveNoWithdraw({ select: 'fcfs', lambda, r, d: 1, ph: ph(jobs), guess: 0.5 });
      const b = solveNoWithdraw({ select: 'fcfs', lambda, r, d: 1, ph: ph(jobs), guess: 0.5, collapse: false });
      expect(a.tokens.collapsed).toBe(true);
      expect(b.tokens.collapsed).toBe(false);
      expect(a.q0).toBeCloseTo(b.q0, 10);
      expect(a.chain.meanJobs).toBeCloseTo(b.chain.meanJobs, 10);
    }
  });

  it('both orientations of the server chain (levels = jobs, levels = token positions) agree', () => {
    for (const select of ['fcfs', 'lcfs'] as const) {
      for (const d of [1, 2]) {
        const o = { select, lambda: 0.7, r: 3, d, ph: ph('hyperexp:4:0.5'), guess: 0.3, collapse: false };
        const a = solveNoWithdraw({ ...o, orientation: 'jobs' });
        const b = solveNoWithdraw({ ...o, orientation: 'positions' });
        expect(a.chain.orientation).toBe('jobs');
        expect(b.chain.orientation).toBe('positions');
        expect(a.q0).toBeCloseTo(b.q0, 10);
        expect(a.chain.meanJobs).toBeCloseTo(b.chain.meanJobs, 10);
      }
    }
  });

  it('at the fixed point tokens are used at rate λ(1 − q0) and the server is idle w.p. 1 − λ', () => {
    for (const policy of ['fcfs', 'lcfs'] as const) {
      for (const [lambda, r, d] of [
        [0.3, 10, 1],
        [0.95, 2, 2],
        [0.6, 20, 3],
      ] as const) {
        const res = solveModel({ policy, lambda, r, d });
        expect(res.solver.tokenUseRate as number).toBeCloseTo(lambda * (1 - res.q0), 10);
        expect(res.queueLength![0]).toBeCloseTo(1 - lambda, 10);
        expect(res.queueLength!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
        expect(res.tokens!.distribution.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
    }
  });

  it('tokens per I-queue are geometric for d = 1 (q̂_k = (1 − q0)^k)', () => {
    const res = solveModel({ policy: 'fcfs', lambda: 0.65, r: 5, d: 1 });
    expect(res.tokens!.mean).toBeCloseTo((1 - res.q0) / res.q0, 9);
  });
});
