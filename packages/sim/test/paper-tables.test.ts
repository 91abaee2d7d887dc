import { describe, expect, it } from 'vitest';
import { simulate, type SimOptions } from '../src/index';

// Rows of Van Houdt's Tables 2 (with withdrawals, probes with replacement) and 3 (without
// withdrawals, distinct probes) that a faithful simulation reproduces: the n = 500 rows with
// withdrawals and the n = 5000 rows (exponential sizes). Rule: |sim − paper| within our 95% CI
// plus 0.002 on q0 and plus 0.5% on E[R]. The paper's horizon is 10^7/m; these horizons are
// shorter to fit CI, and the full-horizon runs are in the benchmark (npm run bench -w packages/sim).

interface Row {
  name: string;
  options: SimOptions;
  q0: number;
  meanResponse: number;
}

const rows: Row[] = [
  {
    name: 'Table 1/2: n=500, λ=0.85, r=10, d=1, withdrawals, exp',
    options: { n: 500, r: 10, lambda: 0.85, d: 1, withdraw: true, probe: 'replace', horizon: 24_000 },
    q0: 0.3757,
    meanResponse: 1.4708,
  },
  {
    name: 'Table 2: n=500, λ=0.7, r=5, d=3, withdrawals, exp',
    options: { n: 500, r: 5, lambda: 0.7, d: 3, withdraw: true, probe: 'replace', horizon: 24_000 },
    q0: 0.1482,
    meanResponse: 1.1173,
  },
  {
    name: 'Table 2: n=5000, λ=0.85, r=10, d=1, withdrawals, exp',
    options: { n: 5000, r: 10, lambda: 0.85, d: 1, withdraw: true, probe: 'replace', horizon: 2_400 },
    q0: 0.3752,
    meanResponse: 1.4687,
  },
  {
    name: 'Table 2: n=5000, λ=0.7, r=5, d=3, withdrawals, exp',
    options: { n: 5000, r: 5, lambda: 0.7, d: 3, withdraw: true, probe: 'replace', horizon: 2_400 },
    q0: 0.1463,
    meanResponse: 1.1141,
  },
  {
    name: 'Table 3: n=5000, λ=0.8, r=10, d=2, no withdrawals, LCFS, exp',
    options: { n: 5000, r: 10, lambda: 0.8, d: 2, withdraw: false, select: 'lcfs', horizon: 2_400 },
    q0: 0.1275,
    meanResponse: 1.1339,
  },
  {
    name: 'Table 3: n=5000, λ=0.65, r=5, d=1, no withdrawals, FCFS, exp',
    options: { n: 5000, r: 5, lambda: 0.65, d: 1, withdraw: false, select: 'fcfs', horizon: 2_400 },
    q0: 0.3394,
    meanResponse: 1.3765,
  },
];

describe("the paper's simulation rows that a faithful simulator reproduces", () => {
  for (const row of rows) {
    it(row.name, () => {
      const r = simulate({ seed: 20240501, timing: false, ...row.options });
      const report = `${row.name}: sim q0 ${r.q0} ± ${r.q0Ci95} (paper ${row.q0}), E[R] ${r.meanResponse} ± ${r.meanResponseCi95} (paper ${row.meanResponse}), ${r.jobs} jobs`;
      console.log(report);
      // Tight enough that the rule means something.
      expect(r.q0Ci95!).toBeLessThan(0.004);
      expect(r.meanResponseCi95! / row.meanResponse).toBeLessThan(0.006);
      expect(Math.abs(r.q0! - row.q0), report).toBeLessThanOrEqual(r.q0Ci95! + 0.002);
      expect(Math.abs(r.meanResponse! - row.meanResponse), report).toBeLessThanOrEqual(
        r.meanResponseCi95! + 0.005 * row.meanResponse,
      );
    });
  }
});
