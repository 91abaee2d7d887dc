import { JiqConfigError } from '@jiq/core';

/**
 * The packages only some deployments need: declared as optional peer dependencies of
 * @jiq/shared and loaded on first use, so a gRPC-only install needs neither.
 */
const OPTIONAL = {
  nats: { range: '^2.29.3', for: 'the NATS transport (--transport nats)' },
  ioredis: { range: '^6.0.0', for: 'Redis membership and metrics (--redis)' },
} as const;

export type OptionalDependency = keyof typeof OPTIONAL;

/** Imports an optional dependency, or says which package to install and why. */
export async function loadOptional<T>(name: OptionalDependency, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') throw err;
    const o = OPTIONAL[name];
    throw new JiqConfigError(name, `is needed for ${o.for}; install it next to jiq: npm install ${name}@${o.range}`, undefined, { cause: err });
  }
}
