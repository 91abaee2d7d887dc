import { parseJobSpec } from '@jiq/core';
import { describe, expect, it } from 'vitest';
import { solveModel, solveNoWithdraw } from '../src/index';
import { solveServerChain, type ChainMethod } from '../src/no-withdraw/server-chain';
import { queueTruncation } from '../src/no-withdraw/solve';
import { buildTokenChain } from '../src/no-withdraw/token-model';

const ph = (spec: string) => parseJobSpec(spec).phaseType!;

describe('without withdrawals', () => {
  it('FCFS, d = 1: the exponential token life equals the paper position chain', () => {
    for (const [lambda, r, jobs] of [
      [0.9, 2, 'exp'],
      [0.8, 1, 'hyperexp:3:0.5'],
    ] as const) {
      const a = solveNoWithdraw({ select: 'fcfs', lambda, r, d: 1, ph: ph(jobs), guess: 0.5 });
      const b = solveNoWithdraw({ select: 'fcfs', lambda, r, d: 1, ph: ph(jobs), guess: 0.5, collapse: false });
      expect(a.tokens.collapsed).toBe(true);
      expect(b.tokens.collapsed).toBe(false);
      expect(a.q0).toBeCloseTo(b.q0, 10);
      expect(a.chain.meanJobs).toBeCloseTo(b.chain.meanJobs, 10);
    }
  });

  it('all server-chain methods agree at a given q0 (QBD in jobs, QBD in positions, token cycle, truncated chains)', () => {
    for (const [select, d, jobs, q0] of [
      ['fcfs', 1, 'hyperexp:4:0.5', 0.3],
      ['fcfs', 2, 'hyperexp:4:0.5', 0.2],
      ['lcfs', 1, 'exp', 0.3],
      ['lcfs', 1, 'hyperexp:4:0.5', 0.5],
      ['lcfs', 3, 'hyperexp:4:0.5', 0.1],
    ] as const) {
      const lambda = 0.7;
      const tokens = buildTokenChain(select, lambda, 3, d, q0, { collapse: false });
      const B = queueTruncation(ph(jobs), lambda * q0, 1e-16);
      const methods: ChainMethod[] = ['jobs-qbd', 'jobs-finite', 'positions-finite'];
      if (select === 'lcfs' && d === 1) methods.push('positions-qbd', 'token-cycle');
      const sols = methods.map((method) => solveServerChain({ ph: ph(jobs), nu: lambda * q0, tokens, B, method }));
      sols.forEach((s, i) => expect(s.method).toBe(methods[i]));
      for (const s of sols) {
        expect(s.idle).toBeCloseTo(sols[0]!.idle, 12);
        expect(s.meanJobs).toBeCloseTo(sols[0]!.meanJobs, 10);
        expect(s.tokenUseRate).toBeCloseTo(sols[0]!.tokenUseRate, 12);
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
