import { dispatchPolicy, JiqConfigError, type DispatchPolicyName, type ProbeMode, type TokenSelectionName } from '@jiq/core';
import type { ExperimentPoint } from './types';

/** Splits a comma list; an empty list or an empty item is an error naming the flag. */
export function splitList(flag: string, raw: string): string[] {
  const items = raw.split(',').map((s) => s.trim());
  if (raw.trim() === '' || items.some((s) => s === '')) {
    throw new JiqConfigError(flag, 'must be a comma list with no empty items (e.g. 0.5,0.7,0.9)', raw);
  }
  return items;
}

export function parseNumberList(flag: string, rule: (v: number) => string | null): (raw: string) => number[] {
  return (raw) =>
    splitList(flag, raw).map((s) => {
      const v = Number(s);
      const broken = Number.isFinite(v) ? rule(v) : 'must be a finite number';
      if (broken !== null) throw new JiqConfigError(flag, `each item ${broken}`, s);
      return v;
    });
}

export function parseChoiceList<T extends string>(flag: string, choices: readonly T[]): (raw: string) => T[] {
  return (raw) =>
    splitList(flag, raw).map((s) => {
      if (!(choices as readonly string[]).includes(s)) {
        throw new JiqConfigError(flag, `each item must be one of ${choices.join(' | ')}`, s);
      }
      return s as T;
    });
}

const ON = ['on', 'true', 'yes', 'withdraw', '1'];
const OFF = ['off', 'false', 'no', 'no-withdraw', '0'];

/** `--withdraw` alone is on; `--withdraw on,off` sweeps; `--no-withdraw` (the default) is off. */
export function parseWithdrawList(raw: boolean | string | undefined): boolean[] {
  if (raw === true) return [true];
  if (raw === undefined) return [false];
  if (raw === false) return [false];
  return splitList('--withdraw', raw).map((s) => {
    const v = s.toLowerCase();
    if (ON.includes(v)) return true;
    if (OFF.includes(v)) return false;
    throw new JiqConfigError('--withdraw', 'each item must be on | off (or true | false)', s);
  });
}

export interface SweepLists {
  n: number;
  /** Dispatchers given directly (--dispatchers/--m); used when no --r list is given. */
  m?: number;
  r?: number[];
  lambda: number[];
  policy: DispatchPolicyName[];
  /** Undefined: each policy's default (2 for jsq-d and jsq-d-stale, else 1). */
  d?: number[];
  select: TokenSelectionName[];
  withdraw: boolean[];
  /** Server speeds specs (the simulator's syntax); null: all 1. */
  speeds: (string | null)[];
  probe: ProbeMode;
  jobs: string;
}

/**
 * The cross product of the sweep lists, in a stable order (λ varies fastest). An axis a policy
 * does not use (d for random, the token options for the token-less policies) is not crossed
 * with it: `--policy random,jiq --d 1,2` runs random once and jiq at d = 1 and 2.
 */
export function expandSweep(s: SweepLists): ExperimentPoint[] {
  let ms: number[];
  if (s.r !== undefined) {
    ms = s.r.map((r) => {
      const m = s.n / r;
      if (!Number.isInteger(m) || m < 1) {
        throw new JiqConfigError('--r', `each item must divide n = ${s.n} into a whole number of dispatchers (n/r = ${m})`, r);
      }
      if (s.m !== undefined && s.m !== m) {
        throw new JiqConfigError('--r', `disagrees with --dispatchers ${s.m} (n/r = ${m}); give one of them`, r);
      }
      return m;
    });
  } else {
    ms = [s.m ?? 4];
  }
  const points: ExperimentPoint[] = [];
  const seen = new Set<string>();
  for (const speeds of s.speeds)
    for (const policy of s.policy) {
      const def = dispatchPolicy(policy);
      const usesD = def.tokens || def.pickerD === 'd';
      const ds = usesD ? (s.d ?? [def.tokens ? 1 : 2]) : [1];
      for (const withdraw of def.tokens ? s.withdraw : [false])
        for (const select of def.tokens ? s.select : ['fcfs' as const])
          for (const m of ms)
            for (const d of ds)
              for (const lambda of s.lambda) {
                const p: ExperimentPoint = { policy, n: s.n, m, lambda, d, withdraw, select, probe: def.tokens ? s.probe : 'distinct', jobs: s.jobs, speeds };
                const key = JSON.stringify(p);
                if (seen.has(key)) continue;
                seen.add(key);
                points.push(p);
              }
    }
  return points;
}

/** A short human label of a point's configuration (λ excluded: it is the x axis of the plots). */
export function configLabel(p: ExperimentPoint): string {
  const def = dispatchPolicy(p.policy);
  const parts = [p.policy, `n=${p.n}`, `r=${p.n / p.m}`];
  if (def.tokens || def.pickerD === 'd') parts.push(`d=${p.d}`);
  if (def.tokens) parts.push(p.withdraw ? 'withdraw' : `no-withdraw ${p.select.toUpperCase()}`);
  if (p.jobs !== 'exp') parts.push(p.jobs);
  if (p.speeds !== null) parts.push(`speeds=${p.speeds}`);
  return parts.join(' ');
}
