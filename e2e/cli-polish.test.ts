import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { JiqClient } from '@jiq/client';
import { spawnJiq, type JiqChild } from '@jiq/cli';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { JIQ_BIN, runJiq } from './helpers/jiq-processes';
import { requireService, type ServiceHandle } from './helpers/services';

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

/** Runs a command to its end (a 30 s guard kills it); returns its exit code and what it printed. */
function run(cmd: string, args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JIQ_LOG_LEVEL: 'warn' } });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    const guard = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      resolve({ code, stdout });
    });
  });
}

// A real dispatcher and worker publishing to a real Redis every 200 ms while a client keeps
// submitting; `jiq stats --watch` reads them once as a pipe sees it and once on a terminal
// (a pty from util-linux `script`).
describe('jiq stats --watch: rates and I-queue lengths, in place on a terminal, plain lines otherwise', () => {
  let redis: ServiceHandle | null = null;
  const children: JiqChild[] = [];
  let client: JiqClient | undefined;
  let submitting = true;
  let load: Promise<void> | undefined;
  const prefix = `watch${process.pid}`;

  beforeAll(async () => {
    redis = await requireService('redis');
    if (!redis) return;
    const common = ['--redis', redis.url, '--cluster', prefix, '--metrics-interval-ms', '200', '--log-level', 'warn'];
    const d = await spawnJiq(['dispatcher', '--port', '0', '--id', 'd0', ...common], { timeoutMs: 20_000 });
    children.push(d);
    children.push(await spawnJiq(['worker', '--dispatchers', d.ready.address!, '--id', 'w0', '--slots', '2', '--mean-service-ms', '5', ...common], { timeoutMs: 20_000 }));
    client = new JiqClient({ dispatchers: [d.ready.address!] });
    await client.connect();
    load = (async () => {
      while (submitting) {
        await client!.submit('x');
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
  }, 60_000);
  beforeEach((ctx) => {
    if (!redis) ctx.skip();
  });
  afterAll(async () => {
    submitting = false;
    await load;
    await client?.close();
    for (const c of children.reverse()) await c.stop(5_000);
    await redis?.stop();
  });

  // Eight refreshes 300 ms apart, publications every 200 ms: several new publications to take rates over.
  const REFRESHES = 8;
  const watchArgs = (): string[] => [JIQ_BIN, 'stats', '--redis', redis!.url, '--cluster', prefix, '--watch', '--interval-ms', '300', '--count', String(REFRESHES)];

  it('not a terminal: one plain line per interval with rates per second and the I-queue lengths', async () => {
    const r = await run(process.execPath, watchArgs());
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain('\u001b');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(REFRESHES);
    console.log(`jiq stats --watch | cat:\n${lines.slice(-2).join('\n')}`);
    for (const l of lines) {
      expect(l).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z arrivals=\d+ arrivals\/s=(\d+\.\d|-) jobs\/s=(\d+\.\d|-) tokens_used\/s=(\d+\.\d|-) tokens_placed\/s=(\d+\.\d|-) races\/s=(\d+\.\d|-) q0=(\d\.\d{3}|-) q0_interval=(\d\.\d{3}|-) iqueues=d0=\d+$/);
    }
    // The client keeps submitting: once two publications were seen, the rate is positive.
    const rates = lines.map((l) => /arrivals\/s=([\d.]+)/.exec(l)?.[1]).filter((x) => x !== undefined).map(Number);
    expect(rates.length).toBeGreaterThan(0);
    expect(Math.max(...rates)).toBeGreaterThan(0);
  }, 30_000);

  it('on a terminal: the frame is redrawn in place (cursor up over the last frame, clear below), with rates', async () => {
    const cmd = [process.execPath, ...watchArgs()].map((a) => `'${a}'`).join(' ');
    const r = await run('script', ['-q', '-e', '-c', cmd, '/dev/null']);
    expect(r.code).toBe(0);
    const out = r.stdout;
    console.log(`jiq stats --watch on a pty, the last frame:\n${out.slice(out.lastIndexOf('jiq stats --watch: cluster')).replace(/\r/g, '')}`);
    const frames = out.split('jiq stats --watch: cluster').length - 1;
    expect(frames, out).toBe(REFRESHES);
    // Each redraw moves the cursor up by the previous frame's height, then clears below it.
    const ESC = '\u001b';
    const ups = [...out.matchAll(new RegExp(`${ESC}\\[(\\d+)A${ESC}\\[0J`, 'g'))].map((m) => Number(m[1]));
    expect(ups.length).toBe(frames - 1);
    const firstFrame = out.slice(0, out.indexOf('\u001b[')).replace(/\r/g, '').trimEnd().split('\n');
    expect(ups[0]).toBe(firstFrame.length);
    expect(out).toMatch(/I-queue lengths:\r?\n\s+d0\s+\d+/);
    expect([...out.matchAll(/^arrivals\s+\d+\s+([\d.]+)\/s/gm)].map((m) => Number(m[1])).some((v) => v > 0)).toBe(true);
  }, 30_000);
});
