#!/usr/bin/env node
// CPU per job of a whole `jiq cluster` run: the dispatcher and worker processes' utime + stime
// (from /proc/<pid>/stat) over the load phase only, divided by the jobs submitted, plus the
// load generator's own CPU. Startup and shutdown are excluded (module loading dominates them).
// Also the wake-ups per job: the voluntary context switches of each process's main thread (one
// per sleep of its event loop), the count that packages/cli/bench/wake-floor.cjs prices.
// Usage: node packages/cli/bench/cluster-cpu.cjs [jiq cluster flags]   (Linux only)
//   e.g. -- --dispatchers 3 --workers 12 --lambda 0.7 --d 2 --no-withdraw --select lcfs --mean-service-ms 20
const { readFileSync, readdirSync } = require('node:fs');
const { runCluster, validateClusterFlags } = require('@jiq/cli');
const { createLogger } = require('@jiq/shared');

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

function parseFlags(argv) {
  const flags = { dispatchers: 3, workers: 12, lambda: 0.7, d: 2, withdraw: false, select: 'lcfs', meanServiceMs: 20, duration: 20 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-withdraw') flags.withdraw = false;
    else if (a === '--withdraw') flags.withdraw = true;
    else if (a.startsWith('--')) {
      const key = a.slice(2).replace(/-([a-z])/g, (_, c) => c.toUpperCase());
      const v = argv[++i];
      flags[key === 'meanServiceMs' ? 'meanServiceMs' : key] = Number.isNaN(Number(v)) ? v : Number(v);
    }
  }
  return flags;
}

/** Voluntary context switches of a process's main thread: the times its event loop slept. */
function mainThreadSleeps(pid) {
  try {
    const m = /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/task/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0; // exited
  }
}

/** CPU ms and main-thread sleeps of every descendant of this process, by pid. */
function descendants() {
  const parent = new Map();
  const cpu = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(name), Number(f[1]));
      cpu.set(Number(name), ((Number(f[11]) + Number(f[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // exited while listed
    }
  }
  const out = new Map();
  for (const [pid, cpuMs] of cpu) {
    for (let p = parent.get(pid); p !== undefined && p > 1; p = parent.get(p)) {
      if (p === process.pid) {
        out.set(pid, { cpuMs, sleeps: mainThreadSleeps(pid) });
        break;
      }
    }
  }
  return out;
}

function roleOf(pid) {
  try {
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    if (argv.includes('dispatcher')) return 'dispatcher';
    if (argv.includes('worker')) return 'worker';
  } catch {
    // exited
  }
  return 'other';
}

async function main() {
  const p = validateClusterFlags(parseFlags(process.argv.slice(2)));
  let start;
  let end;
  let selfStart;
  let selfEnd;
  let tStart;
  let tEnd;
  /** pid -> dispatcher | worker | other, read while the processes run. */
  const roles = new Map();
  const result = await runCluster(p, {
    log: createLogger('bench', 'warn'),
    onPhase: (t) => {
      if (t.startsWith('load:')) {
        start = descendants();
        for (const pid of start.keys()) roles.set(pid, roleOf(pid));
        selfStart = process.cpuUsage();
        tStart = performance.now();
      }
    },
    afterLoad: async () => {
      end = descendants();
      selfEnd = process.cpuUsage(selfStart);
      tEnd = performance.now();
    },
  });
  let clusterMs = 0;
  // By role (the command line says `dispatcher` or `worker`): which side a change moved.
  const byRole = { dispatcher: 0, worker: 0, other: 0 };
  const wakeUpsByRole = { dispatcher: 0, worker: 0, other: 0 };
  for (const [pid, e] of end) {
    const s = start.get(pid) ?? { cpuMs: 0, sleeps: 0 };
    const role = roles.get(pid) ?? 'other';
    clusterMs += e.cpuMs - s.cpuMs;
    byRole[role] += e.cpuMs - s.cpuMs;
    wakeUpsByRole[role] += e.sleeps - s.sleeps;
  }
  const loadGenMs = (selfEnd.user + selfEnd.system) / 1000;
  const wallS = (tEnd - tStart) / 1000;
  const out = {
    params: result.params,
    jobs: result.jobs,
    wallSeconds: wallS,
    clusterCpuMsPerJob: clusterMs / result.jobs,
    clusterCores: clusterMs / 1000 / wallS,
    cpuMsPerJobByRole: Object.fromEntries(Object.entries(byRole).map(([k, ms]) => [k, ms / result.jobs])),
    wakeUpsPerJobByRole: Object.fromEntries(Object.entries(wakeUpsByRole).map(([k, n]) => [k, n / result.jobs])),
    loadGeneratorCpuMsPerJob: loadGenMs / result.jobs,
    q0: result.q0,
    q0Ci95: result.q0Ci95,
    dispatchOverheadMs: result.dispatchOverheadMs,
    tokenInvisibleShare: result.tokenInvisibleShare,
    hopMs: result.hopMs,
    maxLagMs: result.maxLagMs,
    loadAverage: readFileSync('/proc/loadavg', 'utf8').trim(),
  };
  process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
