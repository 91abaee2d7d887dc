import { JiqConfigError } from '@jiq/core';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../src/program';
import { clusterParams, simOptions } from '../src/experiment/run-point';
import { solvePoint } from '../src/experiment/model-point';
import { configLabel, expandSweep, type SweepLists } from '../src/experiment/sweep';
import type { ExperimentSettings } from '../src/experiment/types';

const base: SweepLists = { n: 10, m: 2, lambda: [0.5], policy: ['jiq'], select: ['fcfs'], withdraw: [false], speeds: [null], probe: 'distinct', jobs: 'exp' };
const settings = { meanServiceMs: 50, durationSec: 10, seed: 1, simReps: 1, slots: 2 } as ExperimentSettings;

describe('jiq experiment: --policy and --speeds sweep like the other axes', () => {
  it('crosses a policy only with the axes it uses', () => {
    const pts = expandSweep({ ...base, policy: ['random', 'jsq-d', 'jiq'], d: [1, 2], select: ['fcfs', 'fastest'], lambda: [0.5, 0.8] });
    const labels = pts.map((p) => `${configLabel(p)} λ=${p.lambda}`);
    expect(labels).toEqual([
      'random n=10 r=5 λ=0.5', 'random n=10 r=5 λ=0.8',
      'jsq-d n=10 r=5 d=1 λ=0.5', 'jsq-d n=10 r=5 d=1 λ=0.8', 'jsq-d n=10 r=5 d=2 λ=0.5', 'jsq-d n=10 r=5 d=2 λ=0.8',
      'jiq n=10 r=5 d=1 no-withdraw FCFS λ=0.5', 'jiq n=10 r=5 d=1 no-withdraw FCFS λ=0.8', 'jiq n=10 r=5 d=2 no-withdraw FCFS λ=0.5', 'jiq n=10 r=5 d=2 no-withdraw FCFS λ=0.8',
      'jiq n=10 r=5 d=1 no-withdraw FASTEST λ=0.5', 'jiq n=10 r=5 d=1 no-withdraw FASTEST λ=0.8', 'jiq n=10 r=5 d=2 no-withdraw FASTEST λ=0.5', 'jiq n=10 r=5 d=2 no-withdraw FASTEST λ=0.8',
    ]);
  });

  it('takes each policy\'s default d and labels speeds', () => {
    const pts = expandSweep({ ...base, policy: ['jsq-d', 'jiq-pod', 'jsq-d-stale'], speeds: [null, 'classes:1@0.5,3@0.5'] });
    expect(pts.map((p) => [p.policy, p.d, p.speeds])).toEqual([
      ['jsq-d', 2, null], ['jiq-pod', 1, null], ['jsq-d-stale', 2, null],
      ['jsq-d', 2, 'classes:1@0.5,3@0.5'], ['jiq-pod', 1, 'classes:1@0.5,3@0.5'], ['jsq-d-stale', 2, 'classes:1@0.5,3@0.5'],
    ]);
    expect(configLabel(pts[3]!)).toBe('jsq-d n=10 r=5 d=2 speeds=classes:1@0.5,3@0.5');
    // The simulator runs a cluster-only variant as the policy it varies, at the same d.
    expect(simOptions(pts[2]!, settings)).toMatchObject({ policy: 'jsq-d', d: 2 });
  });

  it('the cluster, the simulator and the model get the point\'s policy, speeds and slots', () => {
    const [p] = expandSweep({ ...base, policy: ['jfsq'], speeds: ['1,4'] });
    const c = clusterParams(p!, settings);
    expect([c.policy, c.workers, c.slots, c.speeds]).toEqual(['jfsq', 5, 2, [1, 4, 1, 4, 1, 4, 1, 4, 1, 4]]);
    expect(simOptions(p!, settings)).toMatchObject({ policy: 'jfsq', speeds: '1,4', n: 10, m: 2 });
    expect(solvePoint(p!).model).toBeNull();
    expect(solvePoint(p!).note).toMatch(/jiq only/);
    expect(() => clusterParams({ ...p!, n: 9 }, settings)).toThrow(JiqConfigError);
  });

  it.each([
    [['--policy', 'random,jsq', '--select', 'lcfs'], '--select'],
    [['--policy', 'random', '--d', '2'], '--d'],
    [['--policy', 'jiq,nope'], '--policy'],
  ])('refuses an axis no policy of the sweep uses: %j', async (args, field) => {
    let error: unknown;
    const program = buildProgram().exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
    try {
      await program.parseAsync(['node', 'jiq', 'experiment', '--lambda', '0.5', '--n', '4', '--m', '2', ...args, '--json']);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(JiqConfigError);
    expect((error as JiqConfigError).field).toBe(field);
  });
});
