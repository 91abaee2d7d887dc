import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JiqConfigError } from '@jiq/core';
import { simulate, type SimOptions } from '../src/index';

// Message delays (`delays`): all zero is exactly the zero-delay simulator; bad specs are
// refused naming the field and the rule; the races are counted as the cluster counts them.
// Exactness against the Markov chain with messages in flight is in exact-delays.test.ts.

const zeroSpecs = ['place=0,probe=0,assign=0,withdraw=0', 'assign=0', 'probe=exp:0', { place: 0, withdraw: '0' }] as const;

describe('all delays 0 is exactly the zero-delay simulator (same seed, same output)', () => {
  const configs: [string, SimOptions][] = [
    ['Markov engine, SQ(2), LCFS, no withdrawals', { n: 12, m: 3, lambda: 0.7, d: 2, select: 'lcfs', horizon: 3_000, seed: 5, timing: false }],
    ['Markov engine, withdrawals, 3 replications', { n: 20, m: 4, lambda: 0.8, d: 1, withdraw: true, horizon: 2_000, reps: 3, seed: 6, timing: false }],
    ['event engine, hyperexp sizes, speeds', { n: 12, m: 3, lambda: 0.6, d: 2, jobs: 'hyperexp:4:0.5', speeds: '1,2', horizon: 2_000, seed: 7, timing: false }],
  ];
  for (const [name, o] of configs) {
    it(name, () => {
      const plain = JSON.stringify(simulate(o));
      for (const delays of zeroSpecs) expect(JSON.stringify(simulate({ ...o, delays }))).toBe(plain);
    });
  }
});

describe('bad delay specs: JiqConfigError("delays", rule)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jiq-delays-'));
  const empty = join(dir, 'empty.txt');
  writeFileSync(empty, '\n# nothing\n');
  const negative = join(dir, 'negative.txt');
  writeFileSync(negative, '0.1\n-0.2\n');
  const cases: [string, SimOptions['delays'], RegExp][] = [
    ['unknown hop', 'done=0.1', /unknown hop "done"/],
    ['not hop=value', 'place', /is not hop=value/],
    ['negative', 'assign=-0.1', /assign: a delay must be a finite number >= 0/],
    ['not a number', 'probe=fast', /probe: a delay must be a finite number >= 0/],
    ['exp without a mean', 'probe=exp:', /probe: a delay must be/],
    ['infinite', 'place=Infinity', /place: a delay must be/],
    ['hop twice', 'place=0.1,place=0.2', /given twice/],
    ['empty spec', '', /expected place=X/],
    ['missing file', `assign=file:${join(dir, 'nope.txt')}`, /assign: cannot read the sample file/],
    ['empty file', `assign=file:${empty}`, /holds no numbers/],
    ['negative sample', `assign=file:${negative}`, /line 2 of .* is not a finite number >= 0/],
    ['object with a bad hop', { probe: -1 }, /probe: a delay must be/],
  ];
  for (const [name, delays, rule] of cases) {
    it(name, () => {
      let error: unknown;
      try {
        simulate({ n: 6, m: 2, lambda: 0.5, horizon: 10, delays });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(JiqConfigError);
      expect((error as JiqConfigError).field).toBe('delays');
      expect((error as JiqConfigError).message).toMatch(rule);
    });
  }

  it('delays on a policy without tokens, or with the Markov engine, are refused', () => {
    expect(() => simulate({ policy: 'jsq', n: 6, m: 1, lambda: 0.5, horizon: 10, delays: 'assign=0.1' })).toThrow(/delays: message delays apply to the token policies/);
    expect(() => simulate({ n: 6, m: 2, lambda: 0.5, horizon: 10, delays: 'assign=0.1', engine: 'markov' })).toThrow(JiqConfigError);
  });
});

describe('messages in flight', () => {
  // The point (n = 12, m = 3, λ = 0.7, d = 2, LCFS, no withdrawals): hops of ~0.65 ms at
  // 20 ms jobs are ~0.033 job units each.
  const point: SimOptions = { n: 12, m: 3, lambda: 0.7, d: 2, select: 'lcfs', horizon: 60_000, seed: 11, timing: false };

  it('hide idle servers: q0 rises with each hop and E[R] with the assign delay; output is deterministic', () => {
    const zero = simulate(point);
    const place = simulate({ ...point, delays: 'place=0.05' });
    const probe = simulate({ ...point, delays: 'probe=0.05' });
    const all = simulate({ ...point, delays: 'place=0.05,probe=0.05,assign=0.05' });
    const gap = (a: typeof zero, b: typeof zero): number => a.q0! - b.q0! - 2 * (a.q0Ci95! + b.q0Ci95!);
    expect(gap(place, zero)).toBeGreaterThan(0);
    expect(gap(probe, zero)).toBeGreaterThan(0);
    expect(gap(all, place)).toBeGreaterThan(0);
    expect(all.meanResponse! - zero.meanResponse! - 2 * (all.meanResponseCi95! + zero.meanResponseCi95!)).toBeGreaterThan(0);
    expect(all.engine).toBe('delays');
    expect(all.delays).toEqual({
      place: { kind: 'const', mean: 0.05 },
      probe: { kind: 'const', mean: 0.05 },
      assign: { kind: 'const', mean: 0.05 },
      withdraw: { kind: 'const', mean: 0 },
    });
    expect(JSON.stringify(simulate({ ...point, delays: 'place=0.05,probe=0.05,assign=0.05' }))).toBe(JSON.stringify(all));
    // Without withdrawals nothing is withdrawn, so no race with a withdrawal.
    expect(all.withdrawals).toBe(0);
    expect(all.raceWithdrawn).toBe(0);
    expect(all.staleWithdrawals).toBe(0);
    // A job can reach a server its token put back to work meanwhile... but only by fallback
    // first: without withdrawals, token→busy happens with or without delays.
    expect(all.tokenToBusy).toBeGreaterThan(0);
  });

  it('a withdrawal crossing a job in flight: every stale withdrawal is a job by a withdrawn token', () => {
    const o: SimOptions = { n: 10, m: 2, lambda: 0.8, d: 1, withdraw: true, horizon: 20_000, seed: 3, timing: false };
    const zero = simulate(o);
    expect(zero.raceWithdrawn).toBeUndefined();
    const r = simulate({ ...o, delays: 'place=0.03,assign=0.03,withdraw=0.03' });
    expect(r.raceWithdrawn).toBeGreaterThan(100);
    // One-token rule, one dispatcher holding each token: a crossing is seen once on each side.
    expect(r.staleWithdrawals).toBe(r.raceWithdrawn);
    expect(r.withdrawals).toBeGreaterThan(r.staleWithdrawals!);
    // No withdrawal delay: the token leaves its I-queue before any job can take it... except
    // that the job that triggers the withdrawal was itself in flight: still no stale withdrawal
    // without an assign delay either.
    const instant = simulate({ ...o, delays: 'place=0.03' });
    expect(instant.staleWithdrawals).toBe(0);
    expect(instant.raceWithdrawn).toBe(0);
  });

  it('an empirical sample file with one value is that constant (statistically); exp differs from the constant', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jiq-delays-'));
    const file = join(dir, 'place.txt');
    writeFileSync(file, '0.25\n0.25\n0.25\n');
    const constant = simulate({ ...point, delays: 'place=0.25,assign=0.1' });
    const sampled = simulate({ ...point, delays: `place=file:${file},assign=0.1` });
    expect(sampled.delays!.place).toEqual({ kind: 'empirical', mean: 0.25, source: file });
    expect(Math.abs(sampled.q0! - constant.q0!)).toBeLessThanOrEqual(1.5 * (sampled.q0Ci95! + constant.q0Ci95!));
    const exp = simulate({ ...point, delays: 'place=exp:0.1,assign=exp:0.1' });
    expect(exp.delays!.assign).toEqual({ kind: 'exp', mean: 0.1 });
    expect(Number.isFinite(exp.q0)).toBe(true);
  });
});

const bin = resolve(__dirname, '../../cli/dist/bin.js');
describe.runIf(existsSync(bin))('jiq sim --delays (the command)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'sim', ...args], { encoding: 'utf8' });
  const args = ['--n', '12', '--m', '3', '--lambda', '0.7', '--d', '2', '--select', 'lcfs', '--horizon', '2000', '--seed', '4', '--deterministic', '--json'];

  it('all zero prints exactly the zero-delay JSON; delays are reported; bad specs name --delays', () => {
    const plain = run(...args);
    expect(plain.status).toBe(0);
    expect(run(...args, '--delays', 'place=0,probe=0,assign=0,withdraw=0').stdout).toBe(plain.stdout);
    const delayed = JSON.parse(run(...args, '--delays', 'place=0.03,probe=exp:0.03,assign=0.03').stdout) as Record<string, unknown>;
    expect(delayed.delays).toMatchObject({ probe: { kind: 'exp', mean: 0.03 } });
    const bad = run(...args, '--delays', 'assign=-1');
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--delays: assign: a delay must be a finite number >= 0/);
    expect(bad.stdout).toBe('');
  });
});
