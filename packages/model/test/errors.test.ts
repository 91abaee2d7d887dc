import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JiqConfigError } from '@jiq/core';
import { describe, expect, it } from 'vitest';
import { assertFinite, POLICIES, solveModel, type ModelInput } from '../src/index';

function configError(input: ModelInput): JiqConfigError {
  try {
    solveModel(input);
  } catch (err) {
    expect(err).toBeInstanceOf(JiqConfigError);
    return err as JiqConfigError;
  }
  throw new Error(`no error for ${JSON.stringify(input)}`);
}

describe('bad input names the parameter and the rule', () => {
  const ok = { policy: 'withdraw', lambda: 0.5, r: 5, d: 1 } as const;

  it('λ outside (0, 1)', () => {
    for (const lambda of [0, 1, -0.1, 1.5, NaN, Infinity]) {
      const e = configError({ ...ok, lambda });
      expect(e.field).toBe('--lambda');
      expect(e.message).toMatch(/^--lambda: must be in \(0, 1\)/);
    }
  });
  it('r ≤ 0', () => {
    for (const r of [0, -1, NaN, Infinity]) expect(configError({ ...ok, r }).field).toBe('--r');
    expect(configError({ policy: 'fcfs', lambda: 0.5, d: 1 }).message).toMatch(/--r: is required/);
  });
  it('d < 1 or not an integer', () => {
    for (const d of [0, -2, 1.5, NaN]) {
      const e = configError({ ...ok, d });
      expect(e.field).toBe('--d');
      expect(e.rule).toBe('must be an integer >= 1');
    }
  });
  it('hyperexp with SCV < 1, or an f that admits no hyperexponential', () => {
    expect(configError({ ...ok, jobs: 'hyperexp:0.5:0.5' }).message).toMatch(/^--jobs: hyperexp needs SCV >= 1/);
    // f = p/μ1 is the share of the mean carried by phase 1: any f in (0, 1) has a hyperexponential
    // for SCV >= 1 (both roots), f outside it has none
    for (const jobs of ['hyperexp:10:0', 'hyperexp:10:1', 'hyperexp:10:1.5', 'hyperexp:2:-0.1']) {
      const e = configError({ ...ok, jobs });
      expect(e.field).toBe('--jobs');
      expect(e.message).toMatch(/hyperexp|hyperexponential/);
    }
  });
  it('a phase-type file whose mean is not 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jiq-model-'));
    const file = join(dir, 'ph.json');
    writeFileSync(file, JSON.stringify({ alpha: [1], T: [[-2]] }));
    const e = configError({ ...ok, jobs: `ph:${file}` });
    expect(e.field).toBe('--jobs');
    expect(e.message).toMatch(/mean 1/);
  });
  it('fcfs/lcfs need a phase-type law; infinite second moments are refused', () => {
    expect(configError({ policy: 'fcfs', lambda: 0.5, r: 5, jobs: 'det' }).message).toMatch(/--jobs: policy fcfs needs a phase-type/);
    expect(configError({ ...ok, jobs: 'pareto:1.5' }).message).toMatch(/--jobs: .*finite second moment/);
  });
  it('an unknown policy', () => {
    expect(configError({ ...ok, policy: 'jsq' as never }).field).toBe('--policy');
  });
});

describe('never NaN or Infinity', () => {
  it('over a grid of policies, loads, r and d, every number in the result is finite', () => {
    for (const policy of POLICIES) {
      for (const lambda of [0.01, 0.5, 0.99]) {
        for (const r of [0.5, 7]) {
          for (const d of [1, 3]) {
            const res = solveModel({ policy, lambda, r, d, jobs: 'hyperexp:5:0.5' });
            expect(() => assertFinite(res, 'res')).not.toThrow();
            expect(JSON.stringify(res)).not.toMatch(/null|NaN|Infinity/);
            expect(res.meanResponse).toBeGreaterThanOrEqual(1);
            expect(res.q0).toBeGreaterThan(0);
            expect(res.q0).toBeLessThanOrEqual(1);
          }
        }
      }
    }
  });
  it('assertFinite rejects NaN and Infinity', () => {
    expect(() => assertFinite({ a: [1, NaN] }, 'x')).toThrow(/x\.a\[1\] is NaN/);
    expect(() => assertFinite({ a: Infinity }, 'x')).toThrow();
  });
});
