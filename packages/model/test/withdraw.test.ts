import { describe, expect, it } from 'vitest';
import { phaseTypeDistribution } from '@jiq/core';
import { solveModel, withdrawQ0 } from '../src/index';

// a mean-1 Coxian: phase 1 (rate 2) exits w.p. 1/2 or moves on to phase 2 (rate 1)
const COXIAN = phaseTypeDistribution(
  {
    alpha: [0.6, 0.4],
    T: [
      [-2, 1],
      [0, -1],
    ],
  },
  'ph:coxian',
);

describe('with withdrawals', () => {
  it('Theorem 5: q0 does not depend on the job-size law', () => {
    for (const [lambda, r, d] of [
      [0.85, 10, 1],
      [0.7, 5, 3],
      [0.3, 2, 2],
    ] as const) {
      const q0s = ['exp', 'det', 'hyperexp:10:0.1', 'hyperexp:3:0.5:alt', 'erlang:4', 'lognormal:2'].map(
        (jobs) => solveModel({ policy: 'withdraw', lambda, r, d, jobs }).q0,
      );
      const ph = solveModel({
        policy: 'withdraw',
        lambda,
        r,
        d,
        jobs: COXIAN,
      }).q0;
      for (const q of [...q0s, ph]) expect(q).toBe(q0s[0]);
    }
  });

  it('the mean number of tokens per I-queue is (1 − λ)r (eq. 6), also when q0 is tiny', () => {
    for (const [lambda, r, d] of [
      [0.85, 10, 1],
      [0.05, 50, 1],
      [0.05, 50, 2],
      [0.05, 50, 10],
      [0.99, 1, 1],
      [0.98, 5, 20],
    ] as const) {
      const res = solveModel({ policy: 'withdraw', lambda, r, d });
      expect(res.tokens!.mean).toBeCloseTo((1 - lambda) * r, 9);
      expect(res.tokens!.distribution[0]).toBe(res.q0);
      expect(res.q0).toBeGreaterThan(0);
    }
    expect(solveModel({ policy: 'withdraw', lambda: 0.05, r: 50, d: 2 }).q0).toBeLessThan(1e-14);
  });

  it('d = 1 matches the closed form q0·Σ_k Π_{l≤k} (1 − λq0)/(1 + l·q0/r) = 1 (remark after Theorem 2)', () => {
    const { q0 } = withdrawQ0(0.6, 3, 1);
    let sum = 0;
    let term = 1;
    for (let k = 0; k < 1000; k++) {
      sum += term;
      term *= (1 - 0.6 * q0) / (1 + ((k + 1) * q0) / 3);
    }
    expect(q0 * sum).toBeCloseTo(1, 13);
  });

  it('queue-length law (Theorems 1 and 4): s0 = 1 − λ, Σ s = 1, Σ k·s_k = λ·E[R]', () => {
    for (const jobs of ['exp', 'hyperexp:10:0.5', 'erlang:3']) {
      const res = solveModel({ policy: 'withdraw', lambda: 0.8, r: 4, d: 2, jobs });
      const s = res.queueLength!;
      expect(s[0]).toBeCloseTo(0.2, 14);
      expect(s.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
      expect(s.reduce((a, p, k) => a + k * p, 0)).toBeCloseTo(res.meanJobs, 8);
    }
  });

  it('exponential sizes: the response time is exponential with rate 1 − λq0', () => {
    const res = solveModel({ policy: 'withdraw', lambda: 0.85, r: 10, d: 1 });
    const rate = 1 - 0.85 * res.q0;
    expect(res.responseTime!.rate).toBeCloseTo(rate, 15);
    expect(1 / rate).toBeCloseTo(res.meanResponse, 12);
    expect(res.responseTime!.percentiles.p50).toBeCloseTo(Math.LN2 / rate, 12);
    expect(res.responseTime!.percentiles.p99).toBeCloseTo(Math.log(100) / rate, 12);
    expect(res.pWait).toBeCloseTo(0.85 * res.q0, 15);
  });

  it('Algorithm 1 stops on the tolerance or when the lower bound stops moving, never on the k limit', () => {
    for (const [lambda, r, d] of [
      [0.999, 50, 1],
      [0.05, 50, 2],
      [0.5, 0.01, 1],
      [0.01, 50, 5],
    ] as const) {
      const w = withdrawQ0(lambda, r, d);
      expect(w.stop).not.toBe('k-limit');
      expect(w.lower).toBeLessThanOrEqual(w.upper);
    }
  });
});

