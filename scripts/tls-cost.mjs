#!/usr/bin/env node
// What TLS costs a measured cluster: the same `jiq cluster` point run plaintext and with --tls
// (both with the run's auth token, which jiq cluster always uses), alternating, --runs times each.
// Per run: CPU ms per completed job of every process (dispatchers + workers from /proc/<pid>/stat,
// the load from process.cpuUsage), read at the start and the end of the load, and the client's
// latency p50 / p99. Prints one JSON object. Usage:
//   node scripts/tls-cost.mjs [--runs 2] [--workers 10] [--dispatchers 2] [--lambda 0.7] [--duration 20] [--mean-service-ms 20]
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { runCluster, validateClusterFlags } = await import(join(root, 'packages', 'cli', 'dist', 'index.js'));
const { createLogger } = await import(join(root, 'packages', 'shared', 'dist', 'index.js'));

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v <= 0) {
    process.stderr.write(`tls-cost: --${name}: must be a number > 0 (got ${args[i + 1]})\n`);
    process.exit(2);
  }
  return v;
};
const runs = flag('runs', 2);
const point = {
  workers: flag('workers', 10), dispatchers: flag('dispatchers', 2), lambda: flag('lambda', 0.7),
  duration: flag('duration', 20), meanServiceMs: flag('mean-service-ms', 20), warmup: 2, seed: 1,
};
const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuMs(pid) {
  try {
    const rest = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = rest.slice(rest.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / ticks;
  } catch {
    return null;
  }
}
const children = () => execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' }).split('\n').map(Number).filter((p) => p > 0 && p !== process.pid);
const percentile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(q * s.length))] : NaN;
};

async function once(tls) {
  const p = validateClusterFlags({ ...point, warmup: point.warmup, seed: point.seed }, { dispatchers: 2, workers: 10 });
  const latencies = [];
  let before;
  let cpuBefore;
  let after;
  let cpuAfter;
  // Only the reply hook of the dashboard interface is used: it sees every reply's latency.
  const recorder = { watch: () => undefined, unwatch: () => undefined, pollNow: async () => undefined, recordReply: (r) => latencies.push(r.latencyMs) };
  const result = await runCluster(p, {
    log: createLogger('tls-cost', 'warn'),
    tls,
    dashboard: recorder,
    onPhase: (phase) => {
      if (!phase.startsWith('load:')) return;
      before = new Map(children().map((pid) => [pid, cpuMs(pid)]));
      cpuBefore = process.cpuUsage();
    },
    afterLoad: async () => {
      after = new Map([...before.keys()].map((pid) => [pid, cpuMs(pid)]));
      cpuAfter = process.cpuUsage(cpuBefore);
    },
  });
  let processes = 0;
  for (const [pid, b] of before) {
    const a = after.get(pid);
    if (a != null && b != null) processes += a - b;
  }
  const load = (cpuAfter.user + cpuAfter.system) / 1000;
  const jobs = result.completed;
  const measured = latencies.slice(Math.floor(latencies.length * 0.1));
  return {
    tls,
    jobs,
    failed: result.failed,
    lost: result.lost,
    achievedJobsPerS: Number((result.achievedLambda * p.workers * p.slots * 1000 / p.meanServiceMs).toFixed(1)),
    cpuMsPerJob: { processes: Number((processes / jobs).toFixed(3)), load: Number((load / jobs).toFixed(3)), total: Number(((processes + load) / jobs).toFixed(3)) },
    latencyMs: { p50: Number(percentile(measured, 0.5).toFixed(2)), p99: Number(percentile(measured, 0.99).toFixed(2)), mean: Number(result.meanLatencyMs.toFixed(2)) },
    dispatchOverheadMs: Number(result.dispatchOverheadMs.toFixed(2)),
  };
}

const out = [];
for (let i = 0; i < runs; i++) for (const tls of [false, true]) out.push(await once(tls));
const mean = (tls, f) => {
  const xs = out.filter((r) => r.tls === tls).map(f);
  return Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(3));
};
const summary = Object.fromEntries([false, true].map((tls) => [tls ? 'tls' : 'plaintext', {
  cpuMsPerJob: mean(tls, (r) => r.cpuMsPerJob.total), latencyP50Ms: mean(tls, (r) => r.latencyMs.p50), latencyP99Ms: mean(tls, (r) => r.latencyMs.p99),
}]));
process.stdout.write(`${JSON.stringify({ point, runs: out, summary }, null, 1)}\n`);
