// Benchmark of the mean-field solvers (run `npm run bench -w packages/model` after a build).
// Reports per-solve medians and maxima over parameter grids, against the targets of issue 3:
// with-withdrawal solve < 1 ms median; no-withdrawal solve < 50 ms for d >= 2 and < 500 ms for
// d = 1 across λ ∈ [0.05, 0.99], r ∈ [1, 50]. Usage: node bench/bench.cjs [--hyperexp] [--json]
'use strict';
const { solveModel, withdrawQ0 } = require('../dist/index.js');

const args = new Set(process.argv.slice(2));
const LAMBDAS = [0.05, 0.2, 0.5, 0.8, 0.9, 0.95, 0.99];
const RS = [1, 5, 10, 20, 50];

function time(fn, reps) {
  const t = [];
  for (let i = 0; i < reps; i++) {
    const s = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - s) / 1e6);
  }
  return median(t);
}
function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}
function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

function group(name, points, solve, reps, targetMs, on) {
  // warm up the JIT on the first point
  solve(points[0]);
  const times = points.map((p) => ({ p, ms: time(() => solve(p), reps) }));
  const ms = times.map((t) => t.ms);
  const worst = times.reduce((a, b) => (b.ms > a.ms ? b : a));
  const row = {
    group: name,
    solves: points.length,
    medianMs: +median(ms).toFixed(3),
    p90Ms: +quantile(ms, 0.9).toFixed(3),
    maxMs: +worst.ms.toFixed(3),
    worst: worst.p,
    targetMs,
    target: on,
    pass: (on === 'median' ? median(ms) : worst.ms) < targetMs,
  };
  return row;
}

const grid = (ds) => ds.flatMap((d) => LAMBDAS.flatMap((lambda) => RS.map((r) => ({ lambda, r, d }))));
const rows = [];
rows.push(group('withdraw: Algorithm 1 (q0 only)', grid([1, 2, 3, 5]), (p) => withdrawQ0(p.lambda, p.r, p.d), 9, 1, 'median'));
rows.push(group('withdraw: solveModel, exp', grid([1, 2, 3, 5]), (p) => solveModel({ policy: 'withdraw', ...p }), 9, 1, 'median'));
for (const policy of ['fcfs', 'lcfs']) {
  rows.push(group(`${policy}, d = 1, exp`, grid([1]), (p) => solveModel({ policy, ...p }), 3, 500, 'max'));
  rows.push(group(`${policy}, d = 2, 3, exp`, grid([2, 3]), (p) => solveModel({ policy, ...p }), 3, 50, 'max'));
}
if (args.has('--hyperexp')) {
  const jobs = 'hyperexp:10:0.5';
  for (const policy of ['fcfs', 'lcfs']) {
    rows.push(group(`${policy}, d = 1, ${jobs}`, grid([1]), (p) => solveModel({ policy, ...p, jobs }), 1, 500, 'max'));
    rows.push(group(`${policy}, d = 2, 3, ${jobs}`, grid([2, 3]), (p) => solveModel({ policy, ...p, jobs }), 1, 50, 'max'));
  }
}

if (args.has('--json')) {
  process.stdout.write(`${JSON.stringify({ rows })}\n`);
} else {
  console.log(`λ ∈ {${LAMBDAS.join(', ')}}, r ∈ {${RS.join(', ')}}; per-solve times in ms (median of repeats per point)`);
  for (const r of rows) {
    const w = `λ=${r.worst.lambda} r=${r.worst.r} d=${r.worst.d}`;
    console.log(
      `${r.group.padEnd(34)} n=${String(r.solves).padStart(3)}  median ${r.medianMs.toFixed(3).padStart(8)}  p90 ${r.p90Ms
        .toFixed(3)
        .padStart(8)}  max ${r.maxMs.toFixed(3).padStart(9)} (${w})  target ${r.target} < ${r.targetMs} ms: ${r.pass ? 'ok' : 'MISSED'}`,
    );
  }
}
