import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runJiq } from './helpers/jiq-processes';

const COMMANDS = ['dispatcher', 'worker', 'cluster', 'load', 'stats', 'model', 'sim', 'experiment'];
const version = (JSON.parse(readFileSync(join(__dirname, '..', 'packages', 'cli', 'package.json'), 'utf8')) as { version: string }).version;

describe('the jiq command as a new user meets it', () => {
  it('--version prints the package version', async () => {
    const r = await runJiq(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it.each(COMMANDS)('jiq %s --help ends with a runnable example of that command', async (cmd) => {
    const r = await runJiq([cmd, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`\\nExamples?:\\n  \\$ jiq ${cmd} --`));
  });

  it.each([
    [['cluster', '--workers', '2'], "jiq: error: required option '--lambda <L>' not specified (see `jiq cluster --help`)"],
    [['worker', '--dispatchers'], "jiq: error: option '--dispatchers <list>' argument missing (see `jiq worker --help`)"],
    [['sim', '--n', '10', '--m', '3', '--lambda', '0.5'], 'jiq: error: --m: must divide --n (10): r = n/m servers per dispatcher must be an integer (got 3)'],
    [['bogus-command'], "jiq: error: unknown command 'bogus-command' (see `jiq --help`)"],
  ])('jiq %j fails with one line in jiq\'s error style, exit 2', async (args, line) => {
    const r = await runJiq(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`${line}\n`);
    expect(r.stdout).toBe('');
  });

  it('jiq sim accepts n divisible by m', async () => {
    const r = await runJiq(['sim', '--n', '12', '--m', '3', '--lambda', '0.5', '--horizon', '200', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { m: number }).m).toBe(3);
  });

  it('cluster output written to a pipe or file has no colour codes (the table is drawn)', async () => {
    const r = await runJiq(['cluster', '--dispatchers', '1', '--workers', '2', '--lambda', '0.3', '--duration', '1', '--mean-service-ms', '10'], 60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('┌');
    expect(r.stdout).not.toContain('\u001b[');
  });
});
