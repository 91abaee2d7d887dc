// `npm run fidelity-table`: issue 9's first point (n = 12, m = 3, λ = 0.7, d = 2, LCFS, no
// withdrawals, exponential jobs) on the real cluster at 5, 20 and 100 ms jobs, beside the
// zero-delay simulator, the simulator run with the hop delays the cluster measured (simDelayed)
// and the mean-field model. It only drives the `jiq` CLI: one `jiq experiment --json` per job
// time (cluster, sim, simDelayed, model), then `jiq sim --delays` with the measured delays to
// show that the prediction is reproduced by a plain command. Prints the commands and a markdown
// table on stdout, progress on stderr.
//
// Flags: --ms 5,20,100 (job times), --duration 60,120,480 (seconds per job time: a CI of about
// ±0.02 on q0 needs ~5,000 mean job times in the window), --seed 9, --sim-horizon 100000.
import { execFileSync, spawn } from 'node:child_process';
import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BIN = resolve(ROOT, 'packages/cli/dist/bin.js');

const argv = process.argv.slice(2);
const value = (name, def) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : def;
};
const list = (name, def) => value(name, def).split(',').map(Number);
const jobMs = list('--ms', '5,20,100');
const durations = list('--duration', '60,120,480');
const seed = value('--seed', '9');
const simHorizon = value('--sim-horizon', '100000');
for (const [name, xs] of [['--ms', jobMs], ['--duration', durations]]) {
  if (xs.some((x) => !(Number.isFinite(x) && x > 0))) {
    process.stderr.write(`${name}: must be a comma list of positive numbers\n`);
    process.exit(2);
  }
}
if (durations.length !== jobMs.length) {
  process.stderr.write(`--duration: must give one duration per --ms value (${jobMs.length})\n`);
  process.exit(2);
}

const POINT = ['--workers', '12', '--dispatchers', '3', '--lambda', '0.7', '--d', '2', '--withdraw', 'off', '--select', 'lcfs', '--jobs', 'exp'];
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const log = (s) => process.stderr.write(`${s}\n`);
const show = (args) => `jiq ${args.map((a) => (/^[\w.,:=/-]+$/.test(a) ? a : `'${a}'`)).join(' ')}`;
const f = (x, digits = 3) => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));
const pm = (x, ci, digits = 3) => `${f(x, digits)} ± ${f(ci, digits)}`;

/** Runs `jiq experiment`, passing its progress (stderr) through; resolves to its JSON. */
function experiment(args) {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, JIQ_LOG_LEVEL: 'error' } });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s) => (out += s));
    child.on('error', fail);
    child.on('close', (code) => (code === 0 ? done(JSON.parse(out)) : fail(new Error(`${show(args)} exited with ${code}`))));
  });
}

const rows = [];
for (let i = 0; i < jobMs.length; i++) {
  const ms = jobMs[i];
  const args = ['experiment', ...POINT, '--mean-service-ms', String(ms), '--duration', String(durations[i]), '--sim-horizon', simHorizon, '--seed', seed, '--json'];
  const loadBefore = load();
  log(`\n# ${ms} ms jobs, ${durations[i]} s (load average ${loadBefore}): ${show(args)}`);
  const result = await experiment(args);
  const loadAfter = load();
  const row = result.rows[0];
  const sd = row.simDelayed;
  // The same prediction from a plain `jiq sim`: the measured delays (job units) and the load the
  // servers carried, the experiment's seed and horizon. Its q0 must equal simDelayed's.
  let simArgs = null;
  let simCheck = null;
  if (sd.q0 !== null) {
    const d = sd.delays;
    const hop = (x) => (d.law === 'exp' ? `exp:${x}` : String(x));
    simArgs = [
      'sim', '--n', '12', '--m', '3', '--lambda', String(sd.lambda), '--d', '2', '--no-withdraw', '--select', 'lcfs', '--jobs', 'exp',
      '--delays', `place=${hop(d.place)},probe=${hop(d.probe)},assign=${hop(d.assign)},withdraw=${hop(d.withdraw)}`,
      '--horizon', simHorizon, '--seed', seed, '--json',
    ];
    log(`  ${show(simArgs)}`);
    simCheck = JSON.parse(execFileSync(process.execPath, [BIN, ...simArgs], { encoding: 'utf8', maxBuffer: 64 << 20 }));
  }
  rows.push({ ms, duration: durations[i], args, simArgs, row, simCheck, loadBefore, loadAfter });
  log(`  cluster q0 ${pm(row.cluster.q0, row.cluster.q0Ci95)}, simDelayed q0 ${pm(sd.q0, sd.q0Ci95)}, sim q0 ${f(row.sim.q0)} (load average ${loadAfter})`);
}

const out = [];
out.push('Commands:', '', '```sh');
for (const r of rows) {
  out.push(show(r.args));
  if (r.simArgs) out.push(show(r.simArgs));
}
out.push('```', '');
out.push(
  '| job | window | cluster q0 | cluster E[R] | sim (zero delay) q0 / E[R] | simDelayed q0 | simDelayed E[R] | model q0 / E[R] | hops mean ms: probe RTT / place / assign | token invisible | carried λ | load avg before → after |',
  '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
);
for (const { ms, duration, row, simCheck, loadBefore, loadAfter } of rows) {
  const c = row.cluster;
  const sd = row.simDelayed;
  const h = c.hopMs;
  const same = simCheck === null ? '' : simCheck.q0 === sd.q0 ? '' : ` (jiq sim: ${f(simCheck.q0)})`;
  out.push(
    `| ${ms} ms | ${duration} s, ${c.jobs} jobs | ${pm(c.q0, c.q0Ci95)} | ${pm(c.meanResponse, c.meanResponseCi95)} | ${f(row.sim.q0)} / ${f(row.sim.meanResponse)} | ` +
      `${pm(sd.q0, sd.q0Ci95)}${same} | ${pm(sd.meanResponse, sd.meanResponseCi95)} | ${f(row.model?.q0)} / ${f(row.model?.meanResponse)} | ` +
      `${f(h.probeRtt.mean, 2)} / ${f(h.place.mean, 2)} / ${f(h.assign.mean, 2)} | ${f(c.tokenInvisibleShare)} | ${f(sd.lambda)} | ${loadBefore} → ${loadAfter} |`,
  );
}
out.push('', 'E[R] in units of the mean job size; ± are 95% half-widths (batch means). carried λ = achieved λ × measured / nominal mean service time, the load simDelayed runs at.');
process.stdout.write(`${out.join('\n')}\n`);
