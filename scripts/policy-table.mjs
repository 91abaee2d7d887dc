#!/usr/bin/env node
// The policy table of docs/experiments.md (issue 10): E[R] and P(wait) of every dispatch policy on
// the real cluster beside the simulator at the same n and m, at λ = 0.8 and 0.9, with equal speeds
// and with two speed classes. It only runs `jiq experiment --json` (the command's own code path)
// and formats what it returns; every invocation and the load average are printed with the table.
//
//   npm run policy-table -- [--n 50] [--m 5] [--slots 5] [--duration 40] [--mean-service-ms 100]
//                           [--speeds classes:1@0.5,2@0.5] [--out DIR] [--only equal|speeds]
//   node scripts/policy-table.mjs --from DIR/policy-table.json   (the tables again, from a saved run)
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const BIN = resolve(import.meta.dirname, '../packages/cli/dist/bin.js');
const { values: o } = parseArgs({
  options: {
    n: { type: 'string', default: '50' },
    m: { type: 'string', default: '5' },
    slots: { type: 'string', default: '5' },
    lambda: { type: 'string', default: '0.8,0.9' },
    duration: { type: 'string', default: '30' },
    warmup: { type: 'string', default: '6' },
    'mean-service-ms': { type: 'string', default: '100' },
    'sim-horizon': { type: 'string', default: '20000' },
    speeds: { type: 'string', default: 'classes:1@0.5,2@0.5' },
    seed: { type: 'string', default: '1' },
    only: { type: 'string' },
    out: { type: 'string' },
    from: { type: 'string' },
  },
});

const common = [
  '--n', o.n, '--m', o.m, '--slots', o.slots, '--lambda', o.lambda, '--duration', o.duration, '--warmup', o.warmup,
  '--mean-service-ms', o['mean-service-ms'], '--sim-horizon', o['sim-horizon'], '--seed', o.seed, '--json',
];
const speeds = ['--speeds', o.speeds];
// JSQ(2) is jsq-d at its default d = 2; JIQ-Pod probes 2 servers when its I-queue is empty.
const runs = [
  { table: 'equal', args: ['--policy', 'random,round-robin,jsq-d,jiq-pod,jfsq'] },
  { table: 'equal', args: ['--policy', 'jiq', '--d', '1,2'] },
  // random and round-robin are unstable on these speeds: a slow server gets λ·mean speed > 1.
  { table: 'speeds', args: ['--policy', 'jsq-d,jiq-pod,jfsq', ...speeds] },
  { table: 'speeds', args: ['--policy', 'jiq', '--d', '1,2', ...speeds] },
  { table: 'speeds', args: ['--policy', 'jiq', '--select', 'fastest', ...speeds] },
].filter((r) => o.only === undefined || r.table === o.only);

function experiment(args) {
  return new Promise((done, fail) => {
    execFile(process.execPath, [BIN, 'experiment', ...args], { maxBuffer: 256 << 20, env: { ...process.env, JIQ_LOG_LEVEL: 'error' } }, (err, stdout, stderr) => {
      if (err) fail(new Error(`jiq experiment ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else done(JSON.parse(stdout).rows);
    });
  });
}

const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const f = (x, d = 3) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(d) : 'n/a');
const pm = (x, ci) => (typeof x === 'number' && Number.isFinite(x) ? `${f(x)} ± ${f(ci)}` : 'n/a');

/** The policy as the table names it. */
function name(p) {
  if (p.policy === 'jsq-d') return `JSQ(${p.d})`;
  if (p.policy === 'jiq') return `JIQ d=${p.d}${p.select === 'fastest' ? ' fastest' : ''}`;
  return { random: 'random', 'round-robin': 'round-robin', 'jiq-pod': 'JIQ-Pod (d=1, fallback 2)', jfsq: 'JFSQ' }[p.policy] ?? p.policy;
}

// One invocation per point: a point that fails (a process not ready on a saturated host) is
// retried once, then left out and said so, without losing the others.
const saved = o.from === undefined ? null : JSON.parse(readFileSync(o.from, 'utf8'));
// The run's own options describe its tables (a saved run carries them; the flags are for new runs).
const opts = saved?.options ?? o;
const rows = saved?.rows ?? { equal: [], speeds: [] };
const log = saved?.log ?? [];
const failed = saved?.failed ?? [];
const save = () => o.out && (mkdirSync(o.out, { recursive: true }), writeFileSync(join(o.out, 'policy-table.json'), JSON.stringify({ options: opts, rows, log, failed }, null, 1)));
for (const run of saved === null ? runs : []) {
  for (const lambda of o.lambda.split(',')) {
    const args = [...run.args, ...common.map((a, i) => (common[i - 1] === '--lambda' ? lambda : a))];
    for (let attempt = 1; attempt <= 2; attempt++) {
      const before = load();
      const started = Date.now();
      process.stderr.write(`policy-table: jiq experiment ${args.join(' ')} (load ${before})\n`);
      try {
        const out = await experiment(args);
        const line = `jiq experiment ${args.filter((a) => a !== '--json').join(' ')}  # ${((Date.now() - started) / 1000).toFixed(0)} s, load average ${before} -> ${load()}`;
        log.push(line);
        process.stderr.write(`${line}\n`);
        rows[run.table].push(...out);
        break;
      } catch (err) {
        process.stderr.write(`policy-table: attempt ${attempt} failed (load ${load()}): ${String(err.message).split('\n').slice(-3).join(' ')}\n`);
        if (attempt === 2) failed.push(`${args.join(' ')} (load ${load()})`);
      }
    }
    save();
  }
}

function table(list) {
  const head = ['policy', 'λ', 'E[R] cluster', 'E[R] sim', 'E[R] simDelayed', 'P(wait) cluster', 'P(wait) sim', 'by token', 'overhead ms', 'jobs'];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`];
  const sorted = [...list].sort((a, b) => a.params.lambda - b.params.lambda);
  for (const r of sorted) {
    const c = r.cluster;
    lines.push(
      `| ${name(r.params)} | ${r.params.lambda} | ${pm(c.meanResponse, c.meanResponseCi95)} | ${pm(r.sim.meanResponse, r.sim.meanResponseCi95)} | ` +
        `${pm(r.simDelayed?.meanResponse, r.simDelayed?.meanResponseCi95)} | ` +
        `${f(c.pWait)} | ${f(r.sim.pWait)} | ${f(c.byTokenShare, 2)} | ${f(c.dispatchOverheadMs, 2)} | ${c.jobs} |`,
    );
  }
  return lines.join('\n');
}

/** Per speed class on the cluster (the simulator reports no per-class figures yet). */
function classes(list) {
  const lines = ['| policy | λ | cluster: share of jobs slow / fast | utilisation slow / fast | E[R] slow / fast |', '| --- | --- | --- | --- | --- |'];
  for (const r of [...list].sort((a, b) => a.params.lambda - b.params.lambda)) {
    const cc = [...(r.cluster.speedClasses ?? [])].sort((a, b) => a.speed - b.speed);
    const both = (k) => cc.map((c) => f(c[k])).join(' / ');
    lines.push(`| ${name(r.params)} | ${r.params.lambda} | ${both('jobShare')} | ${both('utilisation')} | ${both('meanResponse')} |`);
  }
  return lines.join('\n');
}

const md = [
  `n = ${opts.n} servers (${Number(opts.n) / Number(opts.slots)} worker processes × ${opts.slots} slots), m = ${opts.m} dispatchers, ` +
    `${opts['mean-service-ms']} ms mean jobs (exp), ${opts.duration} s of load per point (warm-up ${opts.warmup} s), seed ${opts.seed}. ` +
    'E[R] in units of the mean job (with speeds: of a size-1 job at speed 1); cluster ± batch-means 95% CI, simulator ± 95% CI. ' +
    'sim: zero message delay at the nominal load; simDelayed: the simulator at the hop delays and the mean service time the cluster measured.',
  '',
  '```sh',
  ...log,
  '```',
  '',
  ...(failed.length ? ['Points that failed twice (left out):', '', ...failed.map((x) => `- ${x}`), ''] : []),
  ...(rows.equal.length ? ['Equal speeds:', '', table(rows.equal), ''] : []),
  ...(rows.speeds.length ? [`Two speed classes (\`--speeds ${opts.speeds}\`):`, '', table(rows.speeds), '', classes(rows.speeds), ''] : []),
].join('\n');
process.stdout.write(`${md}\n`);
if (o.out) {
  save();
  writeFileSync(join(o.out, 'policy-table.md'), `${md}\n`);
}
