// Simulator benchmark: `npm run bench -w packages/sim` (builds first).
//
// 1. Throughput, single thread: n = 500, r = 10, λ = 0.85, d = 1, exp, withdrawals, against a
//    baseline measured in the same run (reference.mjs, a bare specialised Markov-chain simulator).
// 2. The paper's Tables 2 and 3 at n = 5000 and the paper's horizon 10^7/m: wall time per row
//    (target < 60 s) and the paper rule |sim − paper| <= CI + 0.002 (q0), CI + 0.5% (E[R]).
//
// Flags: --quick (throughput only), --tables-only, --n 50,500,5000 (rows to run),
//        --horizon-scale X (fraction of the paper's horizon), --json (one JSON object on stdout).
import { loadavg } from 'node:os';
import process from 'node:process';
import { simulate } from '../dist/index.js';
import { referenceJiqRandom } from './reference.mjs';

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const value = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : def;
};
const json = flag('--json');
const log = (s) => (json ? process.stderr : process.stdout).write(`${s}\n`);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const out = { machine: { cpus: 2, loadAvgStart: loadavg() } };

if (!flag('--tables-only')) {
  log(`# throughput: n=500 r=10 λ=0.85 d=1 exp withdrawals (load average ${load()})`);
  const horizon = 40_000; // ~1.7e7 jobs per run
  const ref = [];
  const markov = [];
  const events = [];
  const markovCpu = [];
  for (let i = 0; i < 3; i++) {
    const t0 = process.hrtime.bigint();
    const r = referenceJiqRandom({ n: 500, m: 50, lambda: 0.85, horizon, seed: 11 + i });
    ref.push(r.jobs / (Number(process.hrtime.bigint() - t0) / 1e9));
    const opts = { n: 500, r: 10, lambda: 0.85, d: 1, withdraw: true, horizon, seed: 11 + i };
    const c0 = process.cpuUsage();
    const res = simulate(opts);
    const cpu = process.cpuUsage(c0);
    markov.push(res.jobsPerSecond);
    markovCpu.push(res.jobsSimulated / ((cpu.user + cpu.system) / 1e6));
    events.push(simulate({ ...opts, engine: 'events' }).jobsPerSecond);
    log(`  run ${i + 1}: reference ${(ref[i] / 1e6).toFixed(2)}  sim (markov) ${(markov[i] / 1e6).toFixed(2)}  sim (events) ${(events[i] / 1e6).toFixed(2)} M jobs/s; sim (markov) per CPU second ${(markovCpu[i] / 1e6).toFixed(2)}`);
  }
  const m = median(markov);
  const summary = {
    referenceJobsPerSecond: median(ref),
    markovJobsPerSecond: m,
    markovJobsPerCpuSecond: median(markovCpu),
    eventsJobsPerSecond: median(events),
    markovOverReference: m / median(ref),
    eventsOverReference: median(events) / median(ref),
    runs: { reference: ref, markov, markovCpu, events },
    loadAvgAfter: loadavg(),
  };
  out.throughput = summary;
  log(
    `  median: reference ${(summary.referenceJobsPerSecond / 1e6).toFixed(2)}, markov ${(m / 1e6).toFixed(2)} (${(100 * summary.markovOverReference).toFixed(0)}% of reference), events ${(summary.eventsJobsPerSecond / 1e6).toFixed(2)} (${(100 * summary.eventsOverReference).toFixed(0)}%) M jobs/s; target >= 4 M jobs/s: ${m >= 4e6 ? 'met' : 'NOT met'} (load average ${load()})`,
  );
}

// Paper rows: [table, λ, r, d, withdraw, select, probe, jobs, {n: [q0, E[R]]}]
const ROWS = [
  ['2', 0.7, 5, 3, true, 'fcfs', 'replace', 'exp', { 50: [0.1682, 1.1457], 500: [0.1482, 1.1173], 5000: [0.1463, 1.1141] }],
  ['2', 0.7, 5, 3, true, 'fcfs', 'replace', 'hyperexp:10:0.5', { 50: [0.1712, 1.8476], 500: [0.1477, 1.6428], 5000: [0.1458, 1.6271] }],
  ['2', 0.85, 10, 1, true, 'fcfs', 'replace', 'exp', { 50: [0.3738, 1.4878], 500: [0.3757, 1.4708], 5000: [0.3752, 1.4687] }],
  ['2', 0.85, 10, 1, true, 'fcfs', 'replace', 'hyperexp:10:0.1', { 50: [0.379, 3.848], 500: [0.3765, 3.6012], 5000: [0.3757, 3.5825] }],
  ['3', 0.8, 10, 2, false, 'lcfs', 'distinct', 'exp', { 50: [0.131, 1.1703], 500: [0.1269, 1.1366], 5000: [0.1275, 1.1339] }],
  ['3', 0.8, 10, 2, false, 'lcfs', 'distinct', 'hyperexp:10:0.5', { 50: [0.133, 2.0014], 500: [0.1291, 1.6838], 5000: [0.1287, 1.6558] }],
  ['3', 0.65, 5, 1, false, 'fcfs', 'distinct', 'exp', { 50: [0.307, 1.3433], 500: [0.3366, 1.3743], 5000: [0.3394, 1.3765] }],
  // Labelled f = 1/10 in the paper, but its n = ∞ line (q0 0.3452, E[R] 2.7033) is the mean-field
  // value for f = 1/2 (jiq model --policy fcfs --lambda 0.65 --r 5 --d 1: f = 1/2 gives 0.3454 and
  // 2.7033; f = 1/10 gives 0.3531 and 2.7732, its :alt root 0.3408 and 2.6619). Without
  // withdrawals the shape matters beyond the SCV, so this row is run at f = 1/2.
  ['3*', 0.65, 5, 1, false, 'fcfs', 'distinct', 'hyperexp:10:0.5', { 50: [0.314, 2.666], 500: [0.3418, 2.7025], 5000: [0.345, 2.702] }],
];

if (!flag('--quick')) {
  const ns = value('--n', '5000').split(',').map(Number);
  const scale = Number(value('--horizon-scale', '1'));
  out.tables = [];
  for (const n of ns) {
    log(`\n# Tables 2 and 3 at n=${n}, horizon ${scale === 1 ? '' : `${scale} × `}10^7/m, warm-up 1/3, one replication, CIs by 20 batch means`);
    log('table  λ     r  d  variant                 jobs             q0 sim ± CI (paper)        E[R] sim ± CI (paper)       time    rule');
    for (const [table, lambda, r, d, withdraw, select, probe, jobs, paper] of ROWS) {
      const [q0Paper, rPaper] = paper[n];
      const m = n / r;
      const res = simulate({ n, r, lambda, d, withdraw, select, probe, jobs, horizon: (scale * 1e7) / m, seed: 2024 });
      const q0Ok = Math.abs(res.q0 - q0Paper) <= res.q0Ci95 + 0.002;
      const rOk = Math.abs(res.meanResponse - rPaper) <= res.meanResponseCi95 + 0.005 * rPaper;
      const row = {
        table, n, lambda, r, d, withdraw, select, probe, jobs,
        q0: res.q0, q0Ci95: res.q0Ci95, q0Paper,
        meanResponse: res.meanResponse, meanResponseCi95: res.meanResponseCi95, meanResponsePaper: rPaper,
        seconds: res.wallSeconds, jobsPerSecond: res.jobsPerSecond, pass: q0Ok && rOk,
      };
      out.tables.push(row);
      const variant = `${withdraw ? 'withdraw' : 'no-wd'} ${select} ${probe}`.padEnd(23);
      log(
        `${table.padEnd(6)} ${String(lambda).padEnd(5)} ${String(r).padEnd(2)} ${d}  ${variant} ${jobs.padEnd(16)} ` +
          `${res.q0.toFixed(4)} ± ${res.q0Ci95.toFixed(4)} (${q0Paper.toFixed(4)})   ` +
          `${res.meanResponse.toFixed(4)} ± ${res.meanResponseCi95.toFixed(4)} (${rPaper.toFixed(4)})   ` +
          `${res.wallSeconds.toFixed(1).padStart(5)} s  ${q0Ok && rOk ? 'pass' : `FAIL${q0Ok ? '' : ' q0'}${rOk ? '' : ' E[R]'}`}`,
      );
    }
  }
  log('3*: labelled f = 1/10 in the paper; its values are those of f = 1/2 (see ROWS in bench.mjs).');
  log(`(load average ${load()})`);
}
out.machine.loadAvgEnd = loadavg();
if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
