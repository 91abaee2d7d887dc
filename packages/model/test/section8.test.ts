import { describe, expect, it } from 'vitest';
import { solveModel } from '../src/index';

describe('Section 8: performance comparison', () => {
  it('random / withdraw mean response → r + 1 as λ → 1 (within 2% at λ = 0.999)', () => {
    for (const r of [5, 10]) {
      for (const d of [1, 2]) {
        for (const jobs of ['exp', 'hyperexp:10:0.5']) {
          const random = solveModel({ policy: 'random', lambda: 0.999, jobs }).meanResponse;
          const withdraw = solveModel({ policy: 'withdraw', lambda: 0.999, r, d, jobs }).meanResponse;
          expect(Math.abs(random / withdraw / (r + 1) - 1)).toBeLessThan(0.02);
        }
      }
    }
  });

  it('LCFS ≤ FCFS token selection, by less than 2.5% for d = 1', () => {
    for (const d of [1, 2]) {
      for (const jobs of ['exp', 'hyperexp:10:0.5']) {
        for (const lambda of [0.3, 0.7, 0.95]) {
          const fcfs = solveModel({ policy: 'fcfs', lambda, r: 10, d, jobs }).meanResponse;
          const lcfs = solveModel({ policy: 'lcfs', lambda, r: 10, d, jobs }).meanResponse;
          expect(lcfs).toBeLessThanOrEqual(fcfs * (1 + 1e-12));
          if (d === 1) expect(fcfs / lcfs - 1).toBeLessThan(0.025);
        }
      }
    }
  });

  it('random assignment is an M/G/1 queue at load λ', () => {
    const res = solveModel({ policy: 'random', lambda: 0.5, jobs: 'hyperexp:10:0.5' });
    expect(res.meanResponse).toBeCloseTo(1 + (0.5 * 11) / (2 * 0.5), 14);
    expect(res.q0).toBe(1);
  });
});
