import { JiqConfigError } from '@jiq/core';
import { loadHandler } from '@jiq/worker';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'jiq-load-handler-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx = { id: 'j1', payload: new Uint8Array([104, 105]), size: 1, slot: 3, workerId: 'w' };

describe('loadHandler: every module shape a user may write', () => {
  it.each([
    ['esm-default.mjs', "export default (job) => `default:${job.id}:${job.slot}`;"],
    ['esm-named.mjs', "export const handler = async (job) => `named:${job.id}:${job.slot}`;"],
    // A named handler wins over a default export that is not a function.
    ['esm-both.mjs', "export const handler = (job) => `named:${job.id}:${job.slot}`; export default { note: 'config' };"],
    ['cjs-module-exports.cjs', 'module.exports = (job) => `default:${job.id}:${job.slot}`;'],
    ['cjs-named.cjs', 'exports.handler = (job) => `named:${job.id}:${job.slot}`;'],
    ['cjs-from-ts.cjs', "Object.defineProperty(exports, '__esModule', { value: true }); exports.default = (job) => `default:${job.id}:${job.slot}`;"],
  ])('%s', async (file, source) => {
    writeFileSync(join(dir, file), `${source}\n`);
    const handler = await loadHandler(`./${file}`, dir);
    const out = await handler(ctx);
    expect(out).toBe(`${file.includes('named') || file.includes('both') ? 'named' : 'default'}:j1:3`);
  });

  it('resolves an installed package by name from the working directory', async () => {
    const pkg = join(dir, 'node_modules', 'my-jiq-handler');
    mkdirSync(pkg, { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'my-jiq-handler', main: 'index.js' }));
    writeFileSync(join(pkg, 'index.js'), 'exports.handler = (job) => Buffer.from(job.payload).toString();\n');
    const handler = await loadHandler('my-jiq-handler', dir);
    expect(await handler(ctx)).toBe('hi');
  });

  it.each([
    ['./absent.mjs', undefined, /^handler: module not found: .*absent\.mjs/],
    ['./no-fn.mjs', 'export const x = 1;', /exports no function \(expected a default export or a named export "handler"\)/],
    ['./object.cjs', 'module.exports = { run() {} };', /exports no function/],
    ['./throws-at-load.mjs', "throw new Error('missing DATABASE_URL');", /could not load .*: missing DATABASE_URL/],
    ['not-installed-pkg', undefined, /package not found from/],
    ['  ', undefined, /must name a module file or package/],
  ])('%j is refused with a JiqConfigError naming the field', async (spec, source, message) => {
    if (source !== undefined) writeFileSync(join(dir, spec), `${source}\n`);
    const err = await loadHandler(spec, dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(JiqConfigError);
    expect((err as JiqConfigError).field).toBe('handler');
    expect((err as Error).message).toMatch(message);
  });
});
