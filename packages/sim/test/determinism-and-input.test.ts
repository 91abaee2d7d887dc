import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JiqConfigError } from '@jiq/core';
import { simulate, type SimOptions } from '../src/index';

const small: SimOptions = { n: 50, r: 10, lambda: 0.85, d: 2, withdraw: true, horizon: 2_000, reps: 3, timing: false };

describe('determinism', () => {
  it('the same seed gives identical JSON; another seed differs', () => {
    const a = JSON.stringify(simulate({ ...small, seed: 77 }));
    const b = JSON.stringify(simulate({ ...small, seed: 77 }));
    const c = JSON.stringify(simulate({ ...small, seed: 78 }));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    // Wall-clock figures only with timing on.
    expect(JSON.parse(a)).not.toHaveProperty('jobsPerSecond');
    expect(simulate({ ...small, reps: 1, seed: 77, timing: true }).jobsPerSecond).toBeGreaterThan(0);
  });

  it('is deterministic in the event engine and with heterogeneous speeds too', () => {
    const o: SimOptions = { ...small, jobs: 'lognormal:4', speeds: 'uniform:0.5:2', seed: 5 };
    expect(JSON.stringify(simulate(o))).toBe(JSON.stringify(simulate(o)));
  });
});

describe('job sizes: every spec of the shared parser', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jiq-sim-'));
  const ph = join(dir, 'erlang2.json');
  writeFileSync(ph, JSON.stringify({ alpha: [1, 0], T: [[-2, 2], [0, -2]] }));
  const trace = join(dir, 'sizes.txt');
  writeFileSync(trace, '1 3 0.5 2.5\n');

  it('phase-type from JSON is Erlang-2, whichever engine; its M/E2/1 mean response matches', () => {
    // random routing: each server is M/E2/1 at load λ: E[R] = 1 + λ(1 + SCV)/(2(1 − λ)), SCV = 1/2.
    const base: SimOptions = { policy: 'random', n: 100, m: 1, lambda: 0.7, horizon: 20_000, timing: false };
    const expected = 1 + (0.7 * 1.5) / (2 * 0.3);
    const markov = simulate({ ...base, jobs: `ph:${ph}`, seed: 1 });
    const events = simulate({ ...base, jobs: 'erlang:2', engine: 'events', seed: 2 });
    expect(markov.engine).toBe('markov');
    expect(Math.abs(markov.meanResponse! - expected)).toBeLessThanOrEqual(markov.meanResponseCi95!);
    expect(Math.abs(events.meanResponse! - expected)).toBeLessThanOrEqual(events.meanResponseCi95!);
  });

  it('runs det, hyperexp:alt, lognormal, pareto and trace sizes', () => {
    for (const jobs of ['det', 'hyperexp:10:0.1:alt', 'lognormal:2', 'pareto:2.5', `trace:${trace}`]) {
      const r = simulate({ ...small, reps: 1, jobs, seed: 3 });
      expect(r.jobSizes.split(':')[0]).toBe(jobs.split(':')[0]);
      expect(r.meanResponse).toBeGreaterThan(1);
      expect(r.q0).toBeGreaterThan(0);
    }
  });
});

describe('bad input: a JiqConfigError naming the option and the rule', () => {
  const cases: [string, SimOptions, string][] = [
    ['n not divisible by r', { n: 50, r: 7, lambda: 0.5 }, 'r'],
    ['r <= 0', { n: 50, r: 0, lambda: 0.5 }, 'r'],
    ['neither m nor r', { n: 50, lambda: 0.5 }, 'm'],
    ['λ <= 0', { n: 50, r: 10, lambda: 0 }, 'lambda'],
    ['λ >= 1', { n: 50, r: 10, lambda: 1 }, 'lambda'],
    ['d < 1', { n: 50, r: 10, lambda: 0.5, d: 0 }, 'd'],
    ['d not an integer', { n: 50, r: 10, lambda: 0.5, d: 1.5 }, 'd'],
    ['d > m distinct', { n: 50, r: 10, lambda: 0.5, d: 6 }, 'd'],
    ['n zero', { n: 0, m: 1, lambda: 0.5 }, 'n'],
    ['n not an integer', { n: 2.5, m: 1, lambda: 0.5 }, 'n'],
    ['horizon 0', { n: 50, r: 10, lambda: 0.5, horizon: 0 }, 'horizon'],
    ['horizon < 0', { n: 50, r: 10, lambda: 0.5, horizon: -5 }, 'horizon'],
    ['reps 0', { n: 50, r: 10, lambda: 0.5, reps: 0 }, 'reps'],
    ['warm-up 1', { n: 50, r: 10, lambda: 0.5, warmup: 1 }, 'warmup'],
    ['warm-up < 0', { n: 50, r: 10, lambda: 0.5, warmup: -0.1 }, 'warmup'],
    ['SCV < 1', { n: 50, r: 10, lambda: 0.5, jobs: 'hyperexp:0.5:0.5' }, 'jobs'],
    ['f outside (0, 1): no hyperexponential', { n: 50, r: 10, lambda: 0.5, jobs: 'hyperexp:3:1' }, 'jobs'],
    ['unknown job spec', { n: 50, r: 10, lambda: 0.5, jobs: 'gamma:2' }, 'jobs'],
    ['multi-token with withdrawals', { n: 50, r: 10, lambda: 0.5, withdraw: true, tokens: 'multi' }, 'tokens'],
    ['speeds <= 0', { n: 50, r: 10, lambda: 0.5, speeds: '1,0' }, 'speeds'],
    ['unknown policy', { n: 50, r: 10, lambda: 0.5, policy: 'best' as never }, 'policy'],
  ];
  for (const [name, options, field] of cases) {
    it(name, () => {
      let error: unknown;
      try {
        simulate({ horizon: 10, ...options });
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(JiqConfigError);
      expect((error as JiqConfigError).field).toBe(field);
    });
  }

  it('a phase-type whose mean is not 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'jiq-sim-'));
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ alpha: [1], T: [[-2]] }));
    expect(() => simulate({ n: 50, r: 10, lambda: 0.5, horizon: 10, jobs: `ph:${file}` })).toThrow(/mean 1/);
  });
});

// The command itself (built by `npm run build`, which `npm test` runs first).
const bin = resolve(__dirname, '../../cli/dist/bin.js');
describe.runIf(existsSync(bin))('jiq sim (the command)', () => {
  const run = (...args: string[]) => spawnSync(process.execPath, [bin, 'sim', ...args], { encoding: 'utf8' });
  const args = ['--n', '50', '--r', '10', '--lambda', '0.85', '--d', '2', '--withdraw', '--probe', 'replace', '--horizon', '3000'];

  it('--json prints exactly one JSON object; --deterministic output is byte-identical for one seed', () => {
    const a = run(...args, '--seed', '9', '--json', '--deterministic');
    const b = run(...args, '--seed', '9', '--json', '--deterministic');
    expect(a.status).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout.trim().split('\n')).toHaveLength(1);
    const r = JSON.parse(a.stdout) as Record<string, unknown>;
    for (const key of ['q0', 'q0Ci95', 'meanResponse', 'meanResponseCi95', 'jobs', 'pWait', 'p50', 'p90', 'p99', 'tokensPerIQueue']) {
      expect(r).toHaveProperty(key);
    }
    expect(r.withdraw).toBe(true);
    expect(r.probe).toBe('replace');
    const timed = JSON.parse(run(...args, '--json').stdout) as Record<string, unknown>;
    expect(timed.jobsPerSecond).toBeGreaterThan(0);
  });

  it('bad input exits 2 with an error naming the flag and the rule', () => {
    const cases: [string[], RegExp][] = [
      [['--n', '50', '--r', '7', '--lambda', '0.5'], /--r: n = 50 is not divisible by r/],
      [['--n', '50', '--r', '10', '--lambda', '0.5', '--horizon', '0'], /--horizon: must be a finite number > 0/],
      [['--n', '50', '--r', '10', '--lambda', '0.5', '--reps', '0'], /--reps: must be an integer >= 1/],
      [['--n', '50', '--r', '10', '--lambda', '0.5', '--warmup', '1'], /--warmup: must be a fraction in \[0, 1\)/],
      [['--n', '50', '--r', '10', '--lambda', '1.2'], /--lambda: must be a number in \(0, 1\)/],
      [['--n', '50', '--r', '10', '--lambda', '0.5', '--d', '0'], /--d: must be an integer >= 1/],
      [['--n', '50', '--r', '10', '--lambda', '0.5', '--jobs', 'hyperexp:0.5:0.5'], /--jobs: hyperexp needs SCV >= 1/],
      [['--n', '50', '--r', '10', '--lambda', '0.5', '--fallback-d', 'x'], /--fallback-d/],
      [['--r', '10', '--lambda', '0.5'], /--n: is required/],
    ];
    for (const [argv, message] of cases) {
      const r = run(...argv, '--json');
      expect(r.status, argv.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });
});
