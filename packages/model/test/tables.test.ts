import { describe, expect, it } from 'vitest';
import { solveModel } from '../src/index';

// The n = ∞ rows of Tables 1–3 of Van Houdt, to the 4 printed decimals.
const f4 = (x: number): string => x.toFixed(4);

describe('Tables 1 and 2: JIQ-SQ(d) with withdrawals', () => {
  it('λ = 0.85, r = 10, d = 1, exponential: q0 = 0.3753, E[R] = 1.4684', () => {
    const res = solveModel({ policy: 'withdraw', lambda: 0.85, r: 10, d: 1, jobs: 'exp' });
    expect(f4(res.q0)).toBe('0.3753');
    expect(f4(res.meanResponse)).toBe('1.4684');
  });
  it('λ = 0.85, r = 10, d = 1, hyperexp SCV = 10, f = 1/10: q0 = 0.3753, E[R] = 3.5761', () => {
    const res = solveModel({ policy: 'withdraw', lambda: 0.85, r: 10, d: 1, jobs: 'hyperexp:10:0.1' });
    expect(f4(res.q0)).toBe('0.3753');
    expect(f4(res.meanResponse)).toBe('3.5761');
  });
  it('Lu et al. at λ = 0.85, r = 10, d = 1: q0 = 0.4000, E[R] = 1.5152', () => {
    const res = solveModel({ policy: 'lu', lambda: 0.85, r: 10, d: 1 });
    expect(f4(res.q0)).toBe('0.4000');
    expect(f4(res.meanResponse)).toBe('1.5152');
  });
  it('λ = 0.7, r = 5, d = 3, exponential: q0 = 0.1460, E[R] = 1.1138', () => {
    const res = solveModel({ policy: 'withdraw', lambda: 0.7, r: 5, d: 3 });
    expect(f4(res.q0)).toBe('0.1460');
    expect(f4(res.meanResponse)).toBe('1.1138');
  });
  it('λ = 0.7, r = 5, d = 3, hyperexp SCV = 10, f = 1/2: q0 = 0.1460, E[R] = 1.6259', () => {
    const res = solveModel({ policy: 'withdraw', lambda: 0.7, r: 5, d: 3, jobs: 'hyperexp:10:0.5' });
    expect(f4(res.q0)).toBe('0.1460');
    expect(f4(res.meanResponse)).toBe('1.6259');
  });
});

describe('Table 3: JIQ-SQ(d) without withdrawals', () => {
  it('LCFS, λ = 0.8, r = 10, d = 2, exponential: q0 = 0.1277, E[R] = 1.1341', () => {
    const res = solveModel({ policy: 'lcfs', lambda: 0.8, r: 10, d: 2 });
    expect(f4(res.q0)).toBe('0.1277');
    expect(f4(res.meanResponse)).toBe('1.1341');
  });
  it('LCFS, λ = 0.8, r = 10, d = 2, hyperexp SCV = 10, f = 1/2: q0 = 0.1290, E[R] = 1.6555', () => {
    const res = solveModel({ policy: 'lcfs', lambda: 0.8, r: 10, d: 2, jobs: 'hyperexp:10:0.5' });
    expect(f4(res.q0)).toBe('0.1290');
    expect(f4(res.meanResponse)).toBe('1.6555');
  });
  it('FCFS, λ = 0.65, r = 5, d = 1, exponential: q0 = 0.3398, E[R] = 1.3768', () => {
    const res = solveModel({ policy: 'fcfs', lambda: 0.65, r: 5, d: 1 });
    expect(f4(res.q0)).toBe('0.3398');
    expect(f4(res.meanResponse)).toBe('1.3768');
  });
  it('FCFS, λ = 0.65, r = 5, d = 1, hyperexp SCV = 10 read as f = 1/2 (printed f = 1/10 is a typo): E[R] = 2.7033', () => {
    const res = solveModel({ policy: 'fcfs', lambda: 0.65, r: 5, d: 1, jobs: 'hyperexp:10:0.5' });
    expect(f4(res.meanResponse)).toBe('2.7033');
    expect(f4(res.q0)).toBe('0.3454'); // the paper prints 0.3452
  });
  it('the printed f = 1/10 is not reproducible by either hyperexponential root', () => {
    for (const jobs of ['hyperexp:10:0.1', 'hyperexp:10:0.1:alt']) {
      const res = solveModel({ policy: 'fcfs', lambda: 0.65, r: 5, d: 1, jobs });
      expect(f4(res.meanResponse)).not.toBe('2.7033');
      expect(f4(res.q0)).not.toBe('0.3452');
    }
  });
});
