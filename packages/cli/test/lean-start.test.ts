import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `jiq cluster` starts dozens of `jiq worker` / `jiq dispatcher` processes at once; each must
// load only what it runs (docs/performance.md, start-up). These run the built bin with a
// require hook that reports every package the process loaded.
const BIN = join(__dirname, '..', 'dist', 'bin.js');
const HOOK = `
const Module = require('node:module');
const load = Module._load;
const seen = new Set();
Module._load = function (request, ...rest) {
  if (!request.startsWith('.') && !request.startsWith('/') && !request.startsWith('node:')) seen.add(request);
  return load.call(this, request, ...rest);
};
process.on('exit', () => process.stderr.write('LOADED ' + JSON.stringify([...seen]) + '\\n'));
`;

function loadedBy(args: string[]): { loaded: string[]; stdout: string; status: number | null } {
  const hook = join(mkdtempSync(join(tmpdir(), 'jiq-lean-')), 'hook.cjs');
  writeFileSync(hook, HOOK);
  const r = spawnSync(process.execPath, ['-r', hook, BIN, ...args], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const line = r.stderr.split('\n').find((l) => l.startsWith('LOADED '));
  if (!line) throw new Error(`no LOADED line; stderr: ${r.stderr}`);
  return { loaded: JSON.parse(line.slice('LOADED '.length)) as string[], stdout: r.stdout, status: r.status };
}

/** What a worker or dispatcher never needs (unless asked: /metrics loads prom-client on demand). */
const HEAVY = ['prom-client', '@jiq/sim', '@jiq/model', '@jiq/dashboard', '@resvg/resvg-js', 'cli-progress', '@jiq/client'];

describe('lean start of the long-running commands', () => {
  it.each(['worker', 'dispatcher'])('jiq %s loads its own command only', (command) => {
    const r = loadedBy([command, '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`Usage: jiq ${command} [options]`);
    expect(r.loaded).toContain(`@jiq/${command}`);
    for (const heavy of HEAVY) expect(r.loaded).not.toContain(heavy);
  });

  it('every other invocation builds the whole program', () => {
    const r = loadedBy(['--help']);
    expect(r.status).toBe(0);
    for (const command of ['dispatcher', 'worker', 'cluster', 'sim', 'model', 'experiment', 'dashboard']) expect(r.stdout).toContain(command);
    expect(r.loaded).toContain('@jiq/sim');
  });
});
