import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const BIN = resolve(__dirname, '../packages/cli/dist/bin.js');

interface Figures {
  meanResponse: number;
  meanResponseCi95: number;
}
interface Row {
  params: { policy: string; select: string; label: string };
  cluster: Figures & { failed: number; lost: number; byTokenShare: number; dispatchOverheadMs: number; meanServiceMs: number; speedClasses?: { speed: number; jobShare: number }[] };
  sim: Figures;
  simDelayed: Figures & { lambda: number };
}

/** `jiq experiment … --json`: the same code path as the command (cluster, simulator, simDelayed). */
function experiment(args: string[]): Promise<Row[]> {
  return new Promise((done, fail) => {
    execFile(process.execPath, [BIN, 'experiment', ...args, '--json'], { timeout: 170_000, maxBuffer: 64 << 20, env: { ...process.env, JIQ_LOG_LEVEL: 'error' } }, (err, stdout, stderr) => {
      if (err) fail(new Error(`jiq experiment failed: ${err.message}\n${stderr}`));
      else done((JSON.parse(stdout) as { rows: Row[] }).rows);
    });
  });
}

const f = (x: number | null | undefined): string => (typeof x === 'number' ? x.toFixed(3) : String(x));
const show = (r: Row): string =>
  `${r.params.label}: cluster E[R] ${f(r.cluster.meanResponse)} ± ${f(r.cluster.meanResponseCi95)}, ` +
  `simDelayed ${f(r.simDelayed.meanResponse)} ± ${f(r.simDelayed.meanResponseCi95)} (λ ${f(r.simDelayed.lambda)}), ` +
  `zero-delay sim ${f(r.sim.meanResponse)} ± ${f(r.sim.meanResponseCi95)}, overhead ${f(r.cluster.dispatchOverheadMs)} ms, ` +
  `service ${f(r.cluster.meanServiceMs)} ms`;

// Issue 10's acceptance on real processes (5 worker processes of 2 slots: n = 10 servers), with
// 100 ms jobs: at 60 ms a loaded host (load average 14) stretched service to 64-66 ms and JSQ(d)'s
// probe round trips to 86-128 ms per job, and the run measured the host, not the policy.
// The cluster is compared with simDelayed: the simulator at the same n, m and policy, at the load
// the cluster's servers carried and with the hop delays it measured (for the token-less JSQ(d) the
// probe round trip delays a job before it joins a queue, not the queue: the simulator runs
// without delays at the carried load). Bound: the two CIs + 8% of E[R] (the issue's).
describe('JSQ(d) and JIQ-Pod on the cluster agree with the simulator (n = 10, m = 5, λ = 0.8)', () => {
  let rows: Row[];
  beforeAll(async () => {
    rows = await experiment([
      '--policy', 'jsq-d,jiq-pod', '--n', '10', '--m', '5', '--slots', '2', '--lambda', '0.8',
      '--mean-service-ms', '100', '--duration', '16', '--warmup', '4', '--seed', '5', '--sim-horizon', '40000',
    ]);
    for (const r of rows) console.log(show(r));
  }, 180_000);

  it.each(['jsq-d', 'jiq-pod'])('%s: E[R] within the CIs + 8% of simDelayed', (policy) => {
    const r = rows.find((x) => x.params.policy === policy)!;
    expect(r.cluster.failed + r.cluster.lost).toBe(0);
    const sd = r.simDelayed;
    expect(sd.meanResponse, `the servers carried a load >= 1 (service stretched by a saturated host): ${show(r)}`).not.toBeNull();
    expect(Math.abs(r.cluster.meanResponse - sd.meanResponse), show(r)).toBeLessThanOrEqual(r.cluster.meanResponseCi95 + sd.meanResponseCi95 + 0.08 * sd.meanResponse);
  });

  it('the check can fail: at this point the simulator separates each policy from its wrong twin', () => {
    // JSQ(2) that ignored lengths would be random (E[R] = 1/(1 − λ) = 5); JIQ-Pod whose fallback
    // ignored lengths would be JIQ (2.49 ± 0.04 simulated here against 1.88 ± 0.03 for JIQ-Pod).
    const jsqd = rows.find((x) => x.params.policy === 'jsq-d')!;
    const pod = rows.find((x) => x.params.policy === 'jiq-pod')!;
    expect(jsqd.sim.meanResponse).toBeLessThan(5 / 1.5);
    expect(pod.sim.meanResponse * 1.2).toBeLessThan(2.49);
    expect(jsqd.cluster.byTokenShare).toBe(0);
    expect(pod.cluster.byTokenShare).toBeGreaterThan(0.2);
  });
});

// Two speed classes (half the servers 4× faster), λ = 0.4 of the total capacity. Speed-blind JIQ
// uses the oldest token and sends a fallback job to a slow server as often as to a fast one;
// `--select fastest` uses the fast servers' tokens first; JFSQ reads every queue and prefers the
// fast. Simulated at this point: E[R] 0.64 (jiq), 0.48 (fastest), 0.30 (jfsq). The check is the
// order, on the cluster as in the simulator (same seed: the same arrivals and job sizes), and
// that the better policy sends the fast servers more of the jobs.
describe('on heterogeneous speeds, JFSQ and --select fastest beat speed-blind JIQ (n = 10, m = 2, λ = 0.4)', () => {
  let rows: Row[];
  beforeAll(async () => {
    rows = await experiment([
      '--policy', 'jiq,jfsq', '--select', 'fcfs,fastest', '--speeds', 'classes:1@0.5,4@0.5', '--n', '10', '--m', '2', '--slots', '2',
      '--lambda', '0.4', '--mean-service-ms', '80', '--duration', '14', '--warmup', '3', '--seed', '5', '--sim-horizon', '30000',
    ]);
    for (const r of rows) console.log(show(r), JSON.stringify(r.cluster.speedClasses));
  }, 180_000);

  const row = (policy: string, select: string): Row => rows.find((x) => x.params.policy === policy && x.params.select === select)!;

  it('three points ran: jiq fcfs, jiq fastest, jfsq', () => {
    expect(rows.map((r) => `${r.params.policy}/${r.params.select}`)).toEqual(['jiq/fcfs', 'jiq/fastest', 'jfsq/fcfs']);
    for (const r of rows) expect(r.cluster.failed + r.cluster.lost, r.params.label).toBe(0);
  });

  it.each([
    ['jfsq', 'fcfs'],
    ['jiq', 'fastest'],
  ])('%s (select %s) has a lower E[R] than speed-blind JIQ, on the cluster as in the simulator', (policy, select) => {
    const blind = row('jiq', 'fcfs');
    const better = row(policy, select);
    expect(better.sim.meanResponse + better.sim.meanResponseCi95).toBeLessThan(blind.sim.meanResponse - blind.sim.meanResponseCi95);
    expect(better.cluster.meanResponse, `${show(better)}\n${show(blind)}`).toBeLessThan(blind.cluster.meanResponse);
    // And it does so by sending the fast servers more of the jobs.
    const fastShare = (r: Row): number => r.cluster.speedClasses!.find((c) => c.speed === 4)!.jobShare;
    expect(fastShare(better)).toBeGreaterThan(fastShare(blind));
  });
});
