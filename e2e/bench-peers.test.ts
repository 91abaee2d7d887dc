// The peers benchmark (npm run bench:peers) on real processes: a --quick --json run measures
// every system at every level and prints one JSON object with the agreed schema, stops every
// process it started, and does the same on Ctrl-C. No timing assertions: figures are only
// checked for being measured (jobs completed, CPU read), not for their size.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireService } from './helpers/services';

const MAIN = join(__dirname, '..', 'bench', 'peers', 'dist', 'bench', 'peers', 'src', 'main.js');
const SYSTEMS = ['jiq-grpc', 'jiq-nats', 'bullmq-c1', 'bullmq-c10', 'bullmq-c50', 'nats-queue-group', 'grpc-echo'];
/** The processes each system is charged CPU for (broker: the nats-server or redis-server the bench started). */
const ROLES: Record<string, string[]> = {
  'jiq-grpc': ['client', 'dispatcher', 'worker'],
  'jiq-nats': ['client', 'dispatcher', 'worker', 'broker'],
  'bullmq-c1': ['client', 'worker', 'broker'],
  'bullmq-c10': ['client', 'worker', 'broker'],
  'bullmq-c50': ['client', 'worker', 'broker'],
  'nats-queue-group': ['client', 'responder', 'broker'],
  'grpc-echo': ['client', 'server'],
};

interface Row {
  system: string;
  inFlight?: number;
  ratePerSec?: number;
  jobsPerSec?: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerJob: Record<string, number | null>;
  jobs: number;
  perRep: { p50Ms: number[] };
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Alive and not a zombie (a killed child whose parent has exited may linger unreaped). */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

async function allGone(pids: number[], withinMs = 5_000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const left = pids.filter(running);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Runs the bench; `onStderrLine` may interrupt it. */
function bench(args: string[], onStderrLine?: (line: string, child: ReturnType<typeof spawn>) => void, timeoutMs = 170_000): Promise<Run> {
  return new Promise((resolve) => {
    // JIQ_SERVICE_SOURCES: the bench starts its own servers (a NATS_URL/REDIS_URL would hide their pids).
    const child = spawn(process.execPath, [MAIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, JIQ_SERVICE_SOURCES: 'binary' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    createInterface({ input: child.stderr }).on('line', (line) => {
      stderr += `${line}\n`;
      onStderrLine?.(line, child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe('npm run bench:peers', () => {
  let available = false;
  beforeAll(async () => {
    // The same rule as every e2e test: skip without nats-server/redis-server, fail under CI.
    const [nats, redis] = await Promise.all([requireService('nats'), requireService('redis')]);
    available = nats?.source === 'binary' && redis?.source === 'binary';
    await Promise.all([nats?.stop(), redis?.stop()]);
  });

  it('--quick --json measures every system at every level, prints one JSON object, and leaves no process behind', async (ctx) => {
    if (!available) return ctx.skip();
    const run = await bench(['--quick', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const out = JSON.parse(lines[0]!) as {
      rows: Row[];
      openLoop: Row[];
      ratios: { byInFlight: { inFlight: number }[]; targets: { name: string; met: boolean; value: number; paired: number }[] };
      processes: Record<string, Record<string, number>>;
      meta: { loadAverage: { start: number[]; end: number[] }; options: { inFlight: number[]; warmupMs: number; openWindowMs: number; openRate: number } };
    };
    const levels = out.meta.options.inFlight;
    expect(levels).toEqual([1, 64]);
    expect(out.rows).toHaveLength(SYSTEMS.length * levels.length);
    for (const system of SYSTEMS) {
      for (const inFlight of levels) {
        const row = out.rows.find((r) => r.system === system && r.inFlight === inFlight);
        expect(row, `${system} at ${inFlight}`).toBeDefined();
        expect(row!.jobs, `${system} at ${inFlight}`).toBeGreaterThan(0);
        expect(row!.jobsPerSec).toBeGreaterThan(0);
        expect(row!.p50Ms).toBeGreaterThan(0);
        expect(row!.p99Ms).toBeGreaterThanOrEqual(row!.p50Ms);
        // Every process of the system was read, and the total is their sum.
        expect(Object.keys(row!.cpuMsPerJob).sort()).toEqual([...ROLES[system]!, 'total'].sort());
        for (const role of ROLES[system]!) expect(row!.cpuMsPerJob[role], `${system} ${role}`).toBeGreaterThanOrEqual(0);
        const sum = ROLES[system]!.reduce((s, role) => s + row!.cpuMsPerJob[role]!, 0);
        expect(row!.cpuMsPerJob.total).toBeCloseTo(sum, 9);
      }
    }
    // The open loop sends at its rate, whatever the replies: no more jobs than were scheduled.
    const o = out.meta.options;
    const scheduled = Math.ceil((o.openRate * (o.warmupMs + o.openWindowMs)) / 1_000) + 1;
    expect(out.openLoop.map((r) => r.system).sort()).toEqual([...SYSTEMS].sort());
    for (const r of out.openLoop) {
      expect(r.ratePerSec).toBe(100);
      expect(r.jobs, r.system).toBeGreaterThan(0);
      expect(r.jobs, r.system).toBeLessThanOrEqual(scheduled);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    }
    expect(out.ratios.byInFlight.map((r) => r.inFlight)).toEqual(levels);
    // One rep: each ratio paired within the rep is the ratio of the (single-rep) medians.
    expect(out.ratios.targets.map((t) => t.name)).toHaveLength(3);
    for (const t of out.ratios.targets) expect(t.paired).toBeCloseTo(t.value, 9);
    for (const r of [...out.rows, ...out.openLoop]) expect(r.perRep.p50Ms).toEqual([r.p50Ms]);
    expect(out.meta.loadAverage.start).toHaveLength(3);
    // Each system ran in its own processes, and every one of them is gone.
    const pids = Object.values(out.processes).flatMap((p) => Object.values(p));
    expect(new Set(Object.values(out.processes).map((p) => p.dispatcher ?? p.worker ?? p.responder ?? p.server)).size).toBe(SYSTEMS.length);
    expect(await allGone(pids)).toEqual([]);

    // The saved result renders again, as Markdown for the docs, without measuring.
    const saved = join(mkdtempSync(join(tmpdir(), 'jiq-bench-peers-')), 'run.json');
    writeFileSync(saved, run.stdout);
    const md = await bench(['--from', saved, '--markdown']);
    expect(md.code, md.stderr).toBe(0);
    expect(md.stderr).not.toMatch(/started/);
    expect(md.stdout).toMatch(/^\| jobs\/s \| 1 in flight \| 64 in flight \|$/m);
    for (const system of SYSTEMS) expect(md.stdout).toMatch(new RegExp(`^\\| ${system} \\| [\\d,]+ \\| [\\d,]+ \\|$`, 'm'));
    expect(md.stdout.match(/^- target (NOT )?MET: /gm)).toHaveLength(3);
    rmSync(dirname(saved), { recursive: true, force: true });
  }, 180_000);

  it('stops every process it started on Ctrl-C', async (ctx) => {
    if (!available) return ctx.skip();
    const pids: number[] = [];
    let interrupted = false;
    const run = await bench(['--systems', 'jiq-grpc,jiq-nats,bullmq-c10,nats-queue-group,grpc-echo', '--seconds', '60', '--in-flight', '10'], (line, child) => {
      for (const m of line.matchAll(/pid (\d+)/g)) pids.push(Number(m[1]));
      // Interrupt mid-measurement, with every system started.
      if (!interrupted && /started grpc-echo/.test(line)) {
        interrupted = true;
        setTimeout(() => child.kill('SIGINT'), 1_000);
      }
    });
    expect(interrupted, run.stderr).toBe(true);
    expect(run.code, run.stderr).toBe(130);
    const started = [...new Set(pids)].filter((p) => p !== 0);
    // nats-server, redis-server, 2 x (dispatcher + worker), BullMQ worker, responder, echo server, the bench.
    expect(started.length).toBeGreaterThanOrEqual(9);
    expect(await allGone(started)).toEqual([]);
  }, 120_000);

  it('refuses bad options, naming the option and the rule, before starting anything', async () => {
    const run = await bench(['--reps', '0']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--reps: must be an integer in \[1, 50\]/);
    const unknown = await bench(['--systems', 'jiq-grpc,kafka']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--systems: each must be one of .*grpc-echo.* \(got "?kafka"?\)/);
    expect(unknown.stderr).not.toMatch(/started/);
    const notAResult = await bench(['--from', join(__dirname, 'package.json')]);
    expect(notAResult.code).toBe(2);
    expect(notAResult.stderr).toMatch(/--from: must be the JSON object written by bench:peers --json/);
  });
});
