import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPrng,
  hyperexponential,
  JiqConfigError,
  parseJobSpec,
  phaseTypeMoments,
  type JobSizeDistribution,
} from '../src/index';
import { meanScv } from './stats';

const readFile = (p: string): string => readFileSync(p, 'utf8');

const N = 1_000_000;

function sampled(dist: JobSizeDistribution, seed: number, n = N): { mean: number; scv: number } {
  const rng = createPrng(seed);
  return meanScv(n, () => dist.sample(rng));
}

function expectWithin(actual: number, target: number, relTol: number): void {
  expect(Math.abs(actual - target) / target, `${actual} vs ${target}`).toBeLessThanOrEqual(relTol);
}

/** Exact mean and SCV of an order-2 hyperexponential from its parameters. */
function h2Moments(h: { p: number; mu1: number; mu2: number }): { mean: number; scv: number } {
  const mean = h.p / h.mu1 + (1 - h.p) / h.mu2;
  const m2 = (2 * h.p) / h.mu1 ** 2 + (2 * (1 - h.p)) / h.mu2 ** 2;
  return { mean, scv: m2 / mean ** 2 - 1 };
}

/** Expects parseJobSpec(spec) to throw a JiqConfigError naming the field and matching the rule. */
function expectRejected(spec: string, rule: RegExp, field = '--jobs'): JiqConfigError {
  let caught: unknown;
  try {
    parseJobSpec(spec, field === '--jobs' ? { readFile } : { field, readFile });
  } catch (err) {
    caught = err;
  }
  expect(caught, `spec ${JSON.stringify(spec)} was accepted`).toBeInstanceOf(JiqConfigError);
  const err = caught as JiqConfigError;
  expect(err.field).toBe(field);
  expect(err.message.startsWith(`${field}: `)).toBe(true);
  expect(err.message).toMatch(rule);
  return err;
}

describe('hyperexponential job sizes (10^6 seeded draws)', () => {
  it.each([
    ['hyperexp:10:0.5', 101],
    ['hyperexp:10:0.1', 102],
  ])('%s: sample mean and SCV within 2% of 1 and 10', (spec, seed) => {
    const dist = parseJobSpec(spec);
    expect(dist.kind).toBe('hyperexp');
    expect(dist.spec).toBe(spec);
    expect(dist.mean).toBe(1);
    expect(dist.scv).toBe(10);
    const { mean, scv } = sampled(dist, seed);
    expectWithin(mean, 1, 0.02);
    expectWithin(scv, 10, 0.02);
  });

  it.each([
    [10, 0.5],
    [10, 0.1],
    [10, 0.9],
    [4, 0.3],
    [100, 0.01],
    [1.5, 0.7],
  ])('SCV %d, f = %d: both roots have mean 1, that SCV and p/μ1 = f exactly; the default is the larger p', (s, f) => {
    const a = hyperexponential(s, f).hyperexp!;
    const b = hyperexponential(s, f, true).hyperexp!;
    for (const h of [a, b]) {
      const m = h2Moments(h);
      expect(m.mean).toBeCloseTo(1, 10);
      expect(m.scv).toBeCloseTo(s, 8);
      expect(h.p / h.mu1).toBeCloseTo(f, 12);
      expect(h.p).toBeGreaterThan(0);
      expect(h.p).toBeLessThan(1);
    }
    expect(a.p).toBeGreaterThan(b.p);
    // The two roots of c·p² + (1 − 2f − c)·p + f² = 0 with c = (SCV + 1)/2: product f²/c.
    expect(a.p * b.p).toBeCloseTo((f * f) / ((s + 1) / 2), 12);
  });

  it('balanced means (f = 1/2): p = (1 + sqrt((SCV - 1)/(SCV + 1)))/2, and :alt swaps the phases', () => {
    const h = parseJobSpec('hyperexp:10:0.5').hyperexp!;
    const alt = parseJobSpec('hyperexp:10:0.5:alt').hyperexp!;
    expect(h.p).toBeCloseTo((1 + Math.sqrt(9 / 11)) / 2, 12);
    expect(alt.p).toBeCloseTo(1 - h.p, 12);
    expect(alt.mu1).toBeCloseTo(h.mu2, 10);
    expect(alt.mu2).toBeCloseTo(h.mu1, 10);
  });

  it('hyperexp:10:0.1:alt is the other root (p ≈ 0.00213), and sampling follows it', () => {
    const dist = parseJobSpec('hyperexp:10:0.1:alt');
    expect(dist.spec).toBe('hyperexp:10:0.1:alt');
    const h = dist.hyperexp!;
    // c = 5.5: p = (4.7 ± sqrt(4.7² − 0.22))/11.
    expect(h.p).toBeCloseTo((4.7 - Math.sqrt(4.7 * 4.7 - 0.22)) / 11, 12);
    expect(parseJobSpec('hyperexp:10:0.1').hyperexp!.p).toBeCloseTo((4.7 + Math.sqrt(4.7 * 4.7 - 0.22)) / 11, 12);
    // The rare phase has mean 1/μ1 ≈ 47: the sample SCV converges slowly, the mean does not.
    const { mean } = sampled(dist, 103);
    expectWithin(mean, 1, 0.02);
    // Fraction of draws from phase 1 (p) via the long jobs it produces: P(X > 20) ≈ p·e^{−20μ1}.
    const rng = createPrng(104);
    let long = 0;
    for (let i = 0; i < N; i++) if (dist.sample(rng) > 20) long++;
    const expected = h.p * Math.exp(-20 * h.mu1) + (1 - h.p) * Math.exp(-20 * h.mu2);
    expectWithin(long / N, expected, 0.1); // ~1,400 events: ±10% is > 3.5 sigma
  });

  it('SCV = 1 is the exponential law for every f (the discriminant is 0; no rounding failure)', () => {
    for (const f of [0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9, 0.95]) {
      const h = hyperexponential(1, f).hyperexp!;
      expect(h.mu1).toBeCloseTo(1, 9);
      expect(h.mu2).toBeCloseTo(1, 9);
      expect(h.p).toBeCloseTo(f, 9);
    }
  });

  it('its phase-type representation has the same mean and SCV', () => {
    for (const spec of ['hyperexp:10:0.5', 'hyperexp:10:0.1', 'hyperexp:10:0.1:alt']) {
      const d = parseJobSpec(spec);
      const m = phaseTypeMoments(d.phaseType!);
      expect(m.mean).toBeCloseTo(1, 10);
      expect(m.secondMoment - 1).toBeCloseTo(d.scv, 8);
    }
  });
});

describe('other job-size laws', () => {
  it('exp: mean 1, SCV 1', () => {
    const d = parseJobSpec('exp');
    expect([d.kind, d.mean, d.scv]).toEqual(['exp', 1, 1]);
    const s = sampled(d, 201);
    expectWithin(s.mean, 1, 0.01);
    expectWithin(s.scv, 1, 0.02);
    // Memoryless tail: P(X > 3) = e^{-3}.
    const rng = createPrng(202);
    let tail = 0;
    for (let i = 0; i < 200_000; i++) if (d.sample(rng) > 3) tail++;
    expectWithin(tail / 200_000, Math.exp(-3), 0.05);
  });

  it('det: always exactly 1', () => {
    const d = parseJobSpec('det');
    expect([d.kind, d.mean, d.scv]).toEqual(['det', 1, 0]);
    const rng = createPrng(203);
    for (let i = 0; i < 1000; i++) expect(d.sample(rng)).toBe(1);
  });

  it('erlang:4: mean 1, SCV 1/4', () => {
    const d = parseJobSpec('erlang:4');
    expect([d.kind, d.mean, d.scv]).toEqual(['erlang', 1, 0.25]);
    const s = sampled(d, 204);
    expectWithin(s.mean, 1, 0.01);
    expectWithin(s.scv, 0.25, 0.02);
    const m = phaseTypeMoments(d.phaseType!);
    expect(m.mean).toBeCloseTo(1, 12);
    expect(m.secondMoment - 1).toBeCloseTo(0.25, 12);
  });

  it('lognormal:4 and pareto:3: mean 1 (and the declared SCV where it is finite)', () => {
    const ln = parseJobSpec('lognormal:4');
    expect(ln.scv).toBe(4);
    expectWithin(sampled(ln, 205).mean, 1, 0.02);
    const pa = parseJobSpec('pareto:3');
    expect(pa.scv).toBeCloseTo(1 / 3, 12);
    expectWithin(sampled(pa, 206).mean, 1, 0.02);
    expect(parseJobSpec('pareto:1.5').scv).toBe(Infinity);
  });

  it('is deterministic for a fixed seed', () => {
    const d = parseJobSpec('hyperexp:10:0.1');
    const a = createPrng(7);
    const b = createPrng(7);
    for (let i = 0; i < 1000; i++) expect(d.sample(a)).toBe(d.sample(b));
  });
});

describe('phase-type files', () => {
  let dir = '';
  const file = (name: string, content: string): string => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'jiq-ph-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('accepts an Erlang-2 with mean 1 and samples it', () => {
    const path = file('erlang2.json', JSON.stringify({ alpha: [1, 0], T: [[-2, 2], [0, -2]] }));
    const d = parseJobSpec(`ph:${path}`, { readFile });
    expect(d.kind).toBe('ph');
    expect(d.spec).toBe(`ph:${path}`);
    expect(d.scv).toBeCloseTo(0.5, 12);
    const s = sampled(d, 301, 300_000);
    expectWithin(s.mean, 1, 0.01);
    expectWithin(s.scv, 0.5, 0.03);
  });

  it('honours an atom at zero (alpha sums to less than 1)', () => {
    // Half the jobs are empty, the other half Exp(1/2): mean 1, E[X²] = 0.5·2·4 = 4, SCV 3.
    const path = file('atom.json', JSON.stringify({ alpha: [0.5], T: [[-0.5]] }));
    const d = parseJobSpec(`ph:${path}`, { readFile });
    expect(d.scv).toBeCloseTo(3, 12);
    const rng = createPrng(302);
    let zeros = 0;
    for (let i = 0; i < 100_000; i++) if (d.sample(rng) === 0) zeros++;
    expectWithin(zeros / 100_000, 0.5, 0.02);
  });

  it('rejects a file whose mean is not 1', () => {
    const path = file('mean2.json', JSON.stringify({ alpha: [1], T: [[-0.5]] }));
    const err = expectRejected(`ph:${path}`, /must have mean 1/);
    expect(err.value).toBeCloseTo(2, 12);
  });

  it('rejects malformed JSON, a missing file and a wrong shape, naming the field', () => {
    expectRejected(`ph:${file('bad.json', '{"alpha": [1], "T": [[-1]')}`, /cannot read phase-type file .*bad\.json/);
    expectRejected(`ph:${join(dir, 'missing.json')}`, /cannot read phase-type file .*missing\.json/);
    expectRejected(`ph:${file('shape.json', JSON.stringify({ alpha: [1, 0], T: [[-1]] }))}`, /T must be a 2x2 matrix/);
    expectRejected(`ph:${file('noT.json', JSON.stringify({ alpha: [1] }))}`, /needs \{"alpha"/);
    expectRejected(`ph:${file('sign.json', JSON.stringify({ alpha: [1], T: [[1]] }))}`, /T\[0\]\[0\] must be < 0/);
    expectRejected(`ph:${file('alpha.json', JSON.stringify({ alpha: [0.8, 0.8], T: [[-1, 0], [0, -1]] }))}`, /alpha must sum/);
    expectRejected('ph:', /needs a file/);
    expectRejected(`ph:${file('bad2.json', 'nope')}`, /cannot read/, 'options.jobs');
  });
});

describe('parse errors name --jobs and the rule', () => {
  it('unknown specs list the syntax', () => {
    for (const spec of ['weibull:2', 'hyper:10:0.5', '', 'EXP', 'expo']) {
      expectRejected(spec, /unknown job-size spec; expected exp \| det \| hyperexp:SCV:F\[:alt\]/);
    }
  });

  it('hyperexp: SCV < 1', () => {
    expectRejected('hyperexp:0.5:0.5', /hyperexp needs SCV >= 1/);
    expectRejected('hyperexp:-3:0.5', /hyperexp needs SCV >= 1/);
  });

  it('hyperexp: f outside (0, 1)', () => {
    for (const f of ['0', '1', '1.5', '-0.2']) expectRejected(`hyperexp:10:${f}`, /hyperexp needs 0 < F < 1/);
  });

  it('hyperexp: not numbers, wrong arity, a bad 4th part', () => {
    expectRejected('hyperexp:x:0.5', /SCV must be a number/);
    expectRejected('hyperexp:10:', /F must be a number/);
    expectRejected('hyperexp:10', /expected exp \| det/);
    expectRejected('hyperexp:10:0.5:alt:x', /expected exp \| det/);
    expectRejected('hyperexp:10:0.5:other', /4th part of hyperexp must be "alt"/);
  });

  it('every SCV >= 1 with f in (0, 1) has a hyperexponential (no "no root" error is reachable)', () => {
    // The discriminant is (c − 1)(c − (1 − 2f)²) >= 0 for c = (SCV + 1)/2 >= 1.
    for (const s of [1, 1.0001, 2, 10, 1000]) {
      for (let f = 0.01; f < 1; f += 0.01) expect(() => hyperexponential(s, f)).not.toThrow();
    }
  });

  it('exp/det take no arguments; erlang needs an integer K >= 1; other laws check their parameter', () => {
    expectRejected('exp:2', /expected exp \| det/);
    expectRejected('det:1', /expected exp \| det/);
    expectRejected('erlang:0', /erlang:K needs an integer K >= 1/);
    expectRejected('erlang:2.5', /erlang:K needs an integer K >= 1/);
    expectRejected('erlang', /expected exp \| det/);
    expectRejected('lognormal:0', /lognormal:SCV needs SCV > 0/);
    expectRejected('pareto:1', /pareto:ALPHA needs ALPHA > 1/);
  });

  it('uses the field it is given', () => {
    expectRejected('nope', /unknown job-size spec/, 'options.jobs');
    expect(parseJobSpec('  exp  ').kind).toBe('exp');
  });
});
