import { JiqConfigError } from '@jiq/core';

// Parsers for commander options: each names its flag and the rule in the error.

export function parseNumber(flag: string): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) throw new JiqConfigError(flag, 'must be a finite number', raw);
    return v;
  };
}

export function parsePositiveInt(flag: string): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < 1) {
      throw new JiqConfigError(flag, 'must be an integer >= 1', raw);
    }
    return v;
  };
}

export function parseNonNegativeInt(flag: string): (raw: string) => number {
  return (raw) => {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isInteger(v) || v < 0) {
      throw new JiqConfigError(flag, 'must be an integer >= 0', raw);
    }
    return v;
  };
}

export function parseChoice<T extends string>(flag: string, choices: readonly T[]): (raw: string) => T {
  return (raw) => {
    if (!(choices as readonly string[]).includes(raw)) {
      throw new JiqConfigError(flag, `must be one of ${choices.join(' | ')}`, raw);
    }
    return raw as T;
  };
}

export function parseAddressList(flag: string): (raw: string) => string[] {
  return (raw) => {
    const list = raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
    if (list.length === 0) throw new JiqConfigError(flag, 'must list at least one address', raw);
    for (const a of list) {
      if (!/^[^\s:]+:\d{1,5}$/.test(a) && !/^[A-Za-z0-9_-]+$/.test(a)) {
        throw new JiqConfigError(flag, 'each entry must be host:port (gRPC) or a dispatcher id (NATS)', a);
      }
    }
    return list;
  };
}
