import { JiqConfigError } from './errors';

/** `value` if it is one of `choices`, `def` if absent; else a JiqConfigError naming the field. */
export function choiceOf<T extends string>(field: string, value: string | undefined, choices: readonly T[], def: T): T {
  if (value === undefined) return def;
  if (!(choices as readonly string[]).includes(value)) {
    throw new JiqConfigError(field, `must be one of ${choices.join(' | ')}`, value);
  }
  return value as T;
}

/** `v` if it is an integer >= 1; else a JiqConfigError naming the field. */
export function positiveInteger(field: string, v: number): number {
  if (!Number.isInteger(v) || v < 1) throw new JiqConfigError(field, 'must be an integer >= 1', v);
  return v;
}
