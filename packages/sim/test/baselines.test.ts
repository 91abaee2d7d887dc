import { describe, expect, it } from 'vitest';
import { simulate } from '../src/index';

// Baseline policies against closed forms. Fixed seeds; tolerances are the 95% CI plus a small
// allowance where a finite n or a histogram bin is involved.

const within = (x: number | null, target: number, ci: number | null, extra = 0): void => {
  expect(x).not.toBeNull();
  expect(Math.abs(x! - target), `${x} vs ${target} (CI ${ci}, allowance ${extra})`).toBeLessThanOrEqual((ci ?? 0) + extra);
};

describe('random assignment', () => {
  it('is M/M/1 at load λ: E[R] = 1/(1−λ), P(wait) = λ, R exponential', () => {
    const lambda = 0.8;
    const r = simulate({ policy: 'random', n: 100, m: 1, lambda, horizon: 30_000, seed: 5, timing: false });
    within(r.meanResponse, 1 / (1 - lambda), r.meanResponseCi95);
    within(r.pWait, lambda, r.pWaitCi95);
    // Response time is exponential with rate 1 − λ: p = 1 − e^{−(1−λ)x}.
    within(r.p50, Math.log(2) / (1 - lambda), null, 0.02 * 3.47);
    within(r.p90, Math.log(10) / (1 - lambda), null, 0.02 * 11.5);
    within(r.p99, Math.log(100) / (1 - lambda), null, 0.03 * 23);
    expect(r.q0).toBeNull();
    expect(r.engine).toBe('markov');
  });

  it('with deterministic sizes is M/D/1: E[R] = 1 + λ/(2(1−λ)) (event engine)', () => {
    const lambda = 0.7;
    const r = simulate({ policy: 'random', n: 100, m: 1, lambda, jobs: 'det', horizon: 20_000, seed: 6, timing: false });
    expect(r.engine).toBe('events');
    within(r.meanResponse, 1 + lambda / (2 * (1 - lambda)), r.meanResponseCi95);
    within(r.pWait, lambda, r.pWaitCi95);
  });

  it('on heterogeneous servers: each server is M/M/1 with rate λ·(mean speed) and speed μ_s', () => {
    // speeds 1 and 3 (mean 2), λ = 0.4: arrivals 0.8 per server; R_s = 1/(μ_s − 0.8).
    const r = simulate({ policy: 'random', n: 100, m: 1, lambda: 0.4, speeds: '1,3', horizon: 20_000, seed: 7, timing: false });
    const expected = (1 / (1 - 0.8) + 1 / (3 - 0.8)) / 2;
    within(r.meanResponse, expected, r.meanResponseCi95);
  });
});

describe('round robin', () => {
  it('with one dispatcher is E_n/M/1 at each server: E[R] = 1/(1−σ), σ = (nλ/(nλ+1−σ))^n', () => {
    const n = 10;
    const lambda = 0.8;
    let sigma = lambda;
    for (let i = 0; i < 200; i++) sigma = Math.pow((n * lambda) / (n * lambda + 1 - sigma), n);
    const r = simulate({ policy: 'round-robin', n, m: 1, lambda, horizon: 200_000, seed: 8, timing: false });
    within(r.meanResponse, 1 / (1 - sigma), r.meanResponseCi95);
    within(r.pWait, sigma, r.pWaitCi95);
  });
});

describe('JSQ(d) and JSQ', () => {
  it('JSQ(2) at n = 2000 approaches the supermarket fixed point: s_i = λ^(2^i − 1)', () => {
    const lambda = 0.9;
    const d = 2;
    let jobs = 0;
    for (let i = 1; i < 30; i++) jobs += Math.pow(lambda, (Math.pow(d, i) - 1) / (d - 1));
    const expected = jobs / lambda; // Little: E[R] = E[jobs per server] / λ
    const r = simulate({ policy: 'jsq-d', n: 2000, m: 1, lambda, d, horizon: 1_500, seed: 9, timing: false });
    // Finite-n bias is O(1/n); allow 0.5% on top of the CI.
    within(r.meanResponse, expected, r.meanResponseCi95, 0.005 * expected);
    // P(wait) = s_1 fraction... an arrival waits iff the shortest of d is busy: s_1^d = λ^d.
    within(r.pWait, Math.pow(lambda, d), r.pWaitCi95, 0.003);
  });

  it('exact JSQ beats JSQ(2), which beats random; at n = 1000, λ = 0.9 JSQ hardly waits', () => {
    const base = { n: 1000, m: 1, lambda: 0.9, horizon: 1_000, seed: 10, timing: false };
    const jsq = simulate({ ...base, policy: 'jsq' });
    const pod = simulate({ ...base, policy: 'jsq-d', d: 2 });
    expect(jsq.pWait!).toBeLessThan(0.01);
    expect(jsq.meanResponse!).toBeLessThan(1.01);
    expect(jsq.meanResponse! + jsq.meanResponseCi95!).toBeLessThan(pod.meanResponse! - pod.meanResponseCi95!);
    expect(pod.meanResponse!).toBeLessThan(1 / (1 - 0.9) / 2);
  });

  it('JSQ on one server is M/M/1', () => {
    const r = simulate({ policy: 'jsq', n: 1, m: 1, lambda: 0.5, horizon: 400_000, seed: 11, timing: false });
    within(r.meanResponse, 2, r.meanResponseCi95);
  });
});

describe('heterogeneous servers', () => {
  it('JFSQ on equal speeds is JSQ', () => {
    const base = { n: 20, m: 1, lambda: 0.95, horizon: 100_000, timing: false };
    const jsq = simulate({ ...base, policy: 'jsq', seed: 12 });
    const jfsq = simulate({ ...base, policy: 'jfsq', seed: 13 });
    const gap = Math.abs(jsq.meanResponse! - jfsq.meanResponse!);
    expect(gap).toBeLessThanOrEqual(Math.hypot(jsq.meanResponseCi95!, jfsq.meanResponseCi95!) * 1.5);
  });

  it('JFSQ beats speed-blind JSQ, and JIQ preferring the fastest token beats FCFS tokens', () => {
    const speeds = 'classes:1@0.8,4@0.2';
    const base = { n: 100, m: 1, lambda: 0.6, speeds, horizon: 20_000, timing: false };
    const jsq = simulate({ ...base, policy: 'jsq', seed: 14 });
    const jfsq = simulate({ ...base, policy: 'jfsq', seed: 15 });
    expect(jfsq.meanResponse! + jfsq.meanResponseCi95!).toBeLessThan(jsq.meanResponse! - jsq.meanResponseCi95!);
    const jiq = { ...base, policy: 'jiq' as const, m: 10, withdraw: true };
    const fcfs = simulate({ ...jiq, select: 'fcfs', seed: 16 });
    const fastest = simulate({ ...jiq, select: 'fastest', seed: 17 });
    expect(fastest.meanResponse! + fastest.meanResponseCi95!).toBeLessThan(fcfs.meanResponse! - fcfs.meanResponseCi95!);
  });
});

describe('JIQ invariants and variants', () => {
  it('with withdrawals: tokens are the idle servers, (1−λ)r per I-queue; PASTA: q0 by arrivals = time average', () => {
    const r = simulate({ n: 500, r: 10, lambda: 0.8, d: 2, withdraw: true, horizon: 4_000, seed: 18, timing: false });
    // Exactly: tokens held = idle servers at every instant, so mean tokens = (1 − utilization) r.
    within(r.meanTokensPerIQueue, (1 - r.utilization) * 10, null, 1e-9);
    // And utilization = λ up to the arrival fluctuation over the window (this seed: +3.5‰).
    within(r.utilization, 0.8, null, 0.004);
    within(r.q0TimeAverage, r.q0!, r.q0Ci95);
    expect(r.tokenToBusy).toBe(0);
    expect(r.withdrawals).toBeGreaterThan(0);
    expect(r.tokensPerIQueue!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // By token iff the I-queue was not empty.
    expect(r.byTokenFraction! + r.q0!).toBeCloseTo(1, 9);
  });

  it('without withdrawals tokens reach busy servers; the multi-token rule holds more tokens and finds fewer empty I-queues', () => {
    // r = 1 at λ = 0.9, where the rules differ most.
    const base = { n: 500, r: 1, lambda: 0.9, d: 1, withdraw: false, horizon: 4_000, timing: false };
    const one = simulate({ ...base, seed: 19 });
    const multi = simulate({ ...base, tokens: 'multi', seed: 20 });
    expect(one.tokenToBusy).toBeGreaterThan(0);
    expect(one.withdrawals).toBe(0);
    expect(multi.meanTokensPerIQueue!).toBeGreaterThan(one.meanTokensPerIQueue! + 0.03);
    expect(multi.tokenToBusy / multi.jobs).toBeGreaterThan((1.3 * one.tokenToBusy) / one.jobs);
    expect(multi.q0! + multi.q0Ci95!).toBeLessThan(one.q0! - one.q0Ci95!);
  });

  it('JIQ-Pod (power-of-2 fallback) beats JIQ at high load', () => {
    const base = { n: 500, r: 10, lambda: 0.95, d: 1, withdraw: true, horizon: 4_000, timing: false };
    const jiq = simulate({ ...base, seed: 21 });
    const pod = simulate({ ...base, policy: 'jiq-pod', fallbackD: 2, seed: 22 });
    expect(pod.meanResponse! + pod.meanResponseCi95!).toBeLessThan(jiq.meanResponse! - jiq.meanResponseCi95!);
  });
});
