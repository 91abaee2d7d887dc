import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { JiqConfigError } from '@jiq/core';
import type { JobHandler } from './options';

/**
 * Loads a user's job handler for `jiq worker --handler`: an ES module or CommonJS file (a path,
 * relative to `cwd`) or an installed package name, whose default export or named export
 * `handler` is the function. It gets the same JobContext as `startWorker({ handler })`.
 */
export async function loadHandler(specifier: string, cwd: string = process.cwd()): Promise<JobHandler> {
  if (specifier.trim() === '') throw new JiqConfigError('handler', 'must name a module file or package', specifier);
  const file = locate(specifier, cwd);
  let mod: unknown;
  try {
    mod = await import(pathToFileURL(file).href);
  } catch (err) {
    throw new JiqConfigError('handler', `could not load ${file}: ${err instanceof Error ? err.message : String(err)}`, undefined, { cause: err });
  }
  const handler = pick(mod);
  if (!handler) {
    throw new JiqConfigError(
      'handler',
      `${file} exports no function (expected a default export or a named export "handler")`,
    );
  }
  return handler;
}

function locate(specifier: string, cwd: string): string {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier) || /\.[cm]?js$/.test(specifier);
  if (isPath) {
    const file = resolve(cwd, specifier);
    if (!existsSync(file)) throw new JiqConfigError('handler', `module not found: ${file}`, specifier);
    return file;
  }
  try {
    return createRequire(join(cwd, 'noop.js')).resolve(specifier);
  } catch (err) {
    throw new JiqConfigError('handler', `package not found from ${cwd} (install it, or give a path like ./handler.mjs)`, specifier, { cause: err });
  }
}

/** ESM: `export default fn` or `export function handler`; CommonJS: `module.exports = fn` or `exports.handler = fn`. */
function pick(mod: unknown): JobHandler | undefined {
  const m = mod as { default?: unknown; handler?: unknown };
  if (typeof m.handler === 'function') return m.handler as JobHandler;
  if (typeof m.default === 'function') return m.default as JobHandler;
  const d = m.default as { handler?: unknown; default?: unknown } | null | undefined;
  if (typeof d?.handler === 'function') return d.handler as JobHandler;
  // A CommonJS module compiled from ESM (exports.default = fn, with __esModule).
  if (typeof d?.default === 'function') return d.default as JobHandler;
  return undefined;
}
