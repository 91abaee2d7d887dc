import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 9's acceptance: at short jobs the cluster departs from the zero-delay simulator because
// tokens, probes and jobs take time in flight; the simulator run with the delays the cluster
// measured (simDelayed) must predict it. The point: n = 12, m = 3, λ = 0.7, d = 2, no
// withdrawals, LCFS, exponential jobs of 10 ms, where hops of a fraction of a ms hide a
// sizeable share of each ~6 ms idle period (the cluster's q0 measured 0.39 against the
// zero-delay 0.263 at 20 ms jobs). Bound: the two 95% CIs + 0.02 on q0, + 5% on E[R].

const BIN = resolve(__dirname, '../packages/cli/dist/bin.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function jiq(args: string[], timeoutMs: number): Promise<Run> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, JIQ_LOG_LEVEL: 'error' } }, (err, stdout, stderr) => {
      done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

interface Estimate {
  q0: number;
  q0Ci95: number;
  meanResponse: number;
  meanResponseCi95: number;
}

describe('fidelity: the cluster at 10 ms jobs is predicted by the simulator with its measured delays', () => {
  it('n=12 m=3 λ=0.7 d=2 no withdrawals LCFS: cluster ≈ simDelayed, and the delays matter there', async () => {
    const run = await jiq(
      [
        'experiment', '--workers', '12', '--dispatchers', '3', '--lambda', '0.7', '--d', '2', '--withdraw', 'off',
        '--select', 'lcfs', '--jobs', 'exp', '--mean-service-ms', '10', '--duration', '45', '--sim-horizon', '100000',
        '--seed', '9', '--json',
      ],
      170_000,
    );
    expect(run.code, run.stderr).toBe(0);
    const row = (JSON.parse(run.stdout) as { rows: Record<string, unknown>[] }).rows[0]!;
    const c = row.cluster as Estimate & {
      lost: number;
      jobs: number;
      tokenInvisibleShare: number;
      achievedLambda: number;
      maxLagMs: number;
      stationarity: Record<'q0' | 'meanResponse', { firstHalf: number; secondHalf: number; stationary: boolean }>;
    };
    const zero = row.sim as Estimate;
    const sd = row.simDelayed as Estimate & { lambda: number; delays: Record<string, number> };
    // What a failure needs to be read: on an overloaded host (load average 35–45 here) the
    // servers carry λ >= 1 (simDelayed null) or the message path backs up (E[R] of hundreds of
    // job sizes, second half of the window above the first): the point is then not stationary.
    const st = c.stationarity;
    const report =
      `cluster q0 ${c.q0} ± ${c.q0Ci95}, E[R] ${c.meanResponse} ± ${c.meanResponseCi95} (token invisible ${c.tokenInvisibleShare}; ` +
      `achieved λ ${c.achievedLambda}, carried λ ${sd.lambda}, load generator max lag ${c.maxLagMs} ms; E[R] halves ${st.meanResponse.firstHalf} -> ${st.meanResponse.secondHalf}); ` +
      `simDelayed q0 ${sd.q0} ± ${sd.q0Ci95}, E[R] ${sd.meanResponse} ± ${sd.meanResponseCi95}, delays ${JSON.stringify(sd.delays)}; zero-delay sim q0 ${zero.q0} ± ${zero.q0Ci95}, E[R] ${zero.meanResponse}`;
    console.log(report);
    expect(c.lost).toBe(0);
    expect(c.jobs).toBeGreaterThan(10_000);
    // The delays matter here: the prediction moves well away from the zero-delay simulator.
    expect(sd.q0 - zero.q0, report).toBeGreaterThan(2 * (sd.q0Ci95 + zero.q0Ci95) + 0.01);
    expect(Math.abs(c.q0 - sd.q0), report).toBeLessThanOrEqual(c.q0Ci95 + sd.q0Ci95 + 0.02);
    expect(Math.abs(c.meanResponse - sd.meanResponse), report).toBeLessThanOrEqual(c.meanResponseCi95 + sd.meanResponseCi95 + 0.05 * sd.meanResponse);
  }, 200_000);
});
