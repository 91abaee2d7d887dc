import { describe, expect, it } from 'vitest';
import { createPrng, IQueueMeter, meanCi95, Samples, sampleExp, sampleNormal, tQuantile975 } from '../src/index';

/** A clock the test moves by hand. */
function scriptedClock(): { now: () => number; set: (t: number) => void } {
  let t = 0;
  return { now: () => t, set: (x: number) => void (t = x) };
}

describe('IQueueMeter', () => {
  it('measures q0 by arrivals and by time over the window of measured arrivals (scripted clock)', () => {
    const clock = scriptedClock();
    const m = new IQueueMeter(clock.now);
    // Warm-up: length changes and an unmeasured arrival count for nothing.
    clock.set(0);
    m.setLength(2);
    clock.set(10);
    m.arrival(2, false);
    m.setLength(0);
    expect(m.snapshot()).toEqual({ arrivals: 0, emptyArrivals: 0, emptyTimeMs: 0, windowMs: 0, tokenTimeMs: 0 });

    clock.set(20);
    m.arrival(0, true); // window starts; found empty
    clock.set(25);
    m.setLength(1); // a token arrives: empty over [20, 25)
    clock.set(30);
    m.arrival(1, true); // found one token, uses it
    m.setLength(0);
    clock.set(40);
    m.arrival(0, true); // found empty: empty over [30, 40)
    clock.set(45);
    m.setLength(3); // empty over [40, 45)
    clock.set(50);
    m.arrival(3, true); // window ends here for now
    m.setLength(2);

    const s = m.snapshot();
    expect(s.arrivals).toBe(4);
    expect(s.emptyArrivals).toBe(2);
    expect(s.windowMs).toBe(30);
    expect(s.emptyTimeMs).toBe(20); // [20,25) + [30,45)
    expect(s.tokenTimeMs).toBe(1 * 5 + 3 * 5); // one token over [25,30), three over [45,50)
    expect(m.arrivals).toBe(4);
    expect(m.emptyArrivals).toBe(2);

    // Time after the last measured arrival (the drain) is not in the snapshot...
    clock.set(100);
    m.setLength(0);
    clock.set(120);
    m.arrival(0, false);
    expect(m.snapshot()).toEqual(s);
    // ...until another measured arrival extends the window: [50,100) two tokens, [100,130) empty.
    clock.set(130);
    m.arrival(0, true);
    const t = m.snapshot();
    expect(t.windowMs).toBe(110);
    expect(t.emptyTimeMs).toBe(20 + 30);
    expect(t.tokenTimeMs).toBe(20 + 2 * 50);
    expect(t.emptyArrivals).toBe(3);
  });

  it('takes the I-queue length from what an arrival found, even without a setLength() before it', () => {
    const clock = scriptedClock();
    const m = new IQueueMeter(clock.now);
    m.arrival(0, true);
    clock.set(10);
    m.arrival(2, false); // an unmeasured arrival still tells the meter the length
    clock.set(20);
    m.arrival(2, true);
    clock.set(30);
    m.arrival(0, true);
    // Empty over [0, 10), two tokens over [10, 30).
    expect(m.snapshot()).toEqual({ arrivals: 3, emptyArrivals: 2, emptyTimeMs: 10, windowMs: 30, tokenTimeMs: 40 });
  });

  it('reset() starts a new measurement window', () => {
    const clock = scriptedClock();
    const m = new IQueueMeter(clock.now);
    m.arrival(0, true);
    clock.set(10);
    m.arrival(0, true);
    m.reset();
    expect(m.snapshot()).toEqual({ arrivals: 0, emptyArrivals: 0, emptyTimeMs: 0, windowMs: 0, tokenTimeMs: 0 });
    clock.set(50);
    m.arrival(0, true);
    m.setLength(1);
    clock.set(60);
    m.arrival(1, true);
    expect(m.snapshot()).toEqual({ arrivals: 2, emptyArrivals: 1, emptyTimeMs: 0, windowMs: 10, tokenTimeMs: 10 });
  });

  it('the two q0 estimates agree for Poisson arrivals (PASTA), on a simulated I-queue', () => {
    // Tokens arrive at rate 1 and leave by themselves at rate 0.5 each (an M/M/∞-like I-queue);
    // jobs arrive at rate 0.8 and take a token if there is one. Both estimates of q0 converge
    // to the same value; a meter that sampled the length after the pop would not.
    const clock = scriptedClock();
    const m = new IQueueMeter(clock.now);
    const rng = createPrng(77);
    let t = 0;
    let len = 0;
    const tokenRate = 1;
    const jobRate = 0.8;
    const leaveRate = 0.5;
    for (let i = 0; i < 400_000; i++) {
      const total = tokenRate + jobRate + leaveRate * len;
      t += sampleExp(rng, total);
      clock.set(t);
      const u = rng.next() * total;
      if (u < tokenRate) {
        m.setLength(len + 1);
        len++;
      } else if (u < tokenRate + jobRate) {
        m.arrival(len, i > 10_000);
        if (len > 0) {
          len--;
          m.setLength(len);
        }
      } else {
        len--;
        m.setLength(len);
      }
    }
    const s = m.snapshot();
    const byArrivals = s.emptyArrivals / s.arrivals;
    const byTime = s.emptyTimeMs / s.windowMs;
    expect(s.arrivals).toBeGreaterThan(100_000);
    expect(byArrivals).toBeGreaterThan(0.05);
    expect(byArrivals).toBeLessThan(0.95);
    expect(Math.abs(byArrivals - byTime)).toBeLessThan(0.01);
  });
});

describe('Samples', () => {
  it('gives nearest-rank percentiles, numerically sorted', () => {
    const s = new Samples();
    const rng = createPrng(5);
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    // Shuffle, so the order of insertion does not matter.
    for (let i = values.length - 1; i > 0; i--) {
      const j = Math.floor(rng.next() * (i + 1));
      [values[i], values[j]] = [values[j]!, values[i]!];
    }
    for (const v of values) s.add(v);
    expect(s.count).toBe(100);
    expect(s.sum).toBe(5050);
    expect(s.mean()).toBe(50.5);
    expect(s.percentile(0)).toBe(1);
    expect(s.percentile(0.01)).toBe(1);
    expect(s.percentile(0.5)).toBe(50);
    expect(s.percentile(0.505)).toBe(51);
    expect(s.percentile(0.9)).toBe(90);
    expect(s.percentile(0.99)).toBe(99);
    expect(s.percentile(0.999)).toBe(100);
    expect(s.percentile(1)).toBe(100);
  });

  it('sorts numbers as numbers (not as strings), negatives included', () => {
    const s = new Samples();
    for (const v of [10, 9, 100, -5, 2.5, 1000, -20]) s.add(v);
    expect(s.percentile(0)).toBe(-20);
    expect(s.percentile(2 / 7)).toBe(-5);
    expect(s.percentile(3 / 7)).toBe(2.5);
    expect(s.percentile(4 / 7)).toBe(9);
    expect(s.percentile(5 / 7)).toBe(10);
    expect(s.percentile(6 / 7)).toBe(100);
    expect(s.percentile(1)).toBe(1000);
  });

  it('grows past its initial buffer, re-sorts after new samples, and is empty-safe', () => {
    const s = new Samples();
    expect(s.mean()).toBeNaN();
    expect(s.percentile(0.5)).toBeNaN();
    for (let i = 5000; i >= 1; i--) s.add(i);
    expect(s.count).toBe(5000);
    expect(s.percentile(0.5)).toBe(2500);
    expect(s.values().length).toBe(5000);
    expect(s.values()[0]).toBe(5000); // insertion order kept in values()
    s.add(0);
    s.add(-1);
    expect(s.percentile(0)).toBe(-1);
    expect(s.count).toBe(5002);
  });
});

describe('meanCi95 and tQuantile975', () => {
  it('computes mean and the Student-t half-width on a known sample', () => {
    const { mean, ci95 } = meanCi95([1, 2, 3, 4, 5]);
    expect(mean).toBe(3);
    // sd = sqrt(2.5), t(4) = 2.776, n = 5.
    expect(ci95).toBeCloseTo((2.776 * Math.sqrt(2.5)) / Math.sqrt(5), 10);
    expect(meanCi95(new Float64Array([2, 2, 2]))).toEqual({ mean: 2, ci95: 0 });
    const one = meanCi95([7]);
    expect(one.mean).toBe(7);
    expect(one.ci95).toBeNaN();
    expect(meanCi95([]).mean).toBeNaN();
  });

  it('tQuantile975 matches tables for small and large df', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(9)).toBe(2.262);
    expect(tQuantile975(30)).toBe(2.042);
    expect(Math.abs(tQuantile975(40) - 2.021)).toBeLessThan(0.005);
    expect(Math.abs(tQuantile975(60) - 2.0)).toBeLessThan(0.005);
    expect(Math.abs(tQuantile975(120) - 1.98)).toBeLessThan(0.005);
    expect(Math.abs(tQuantile975(100_000) - 1.96)).toBeLessThan(0.001);
    expect(tQuantile975(0)).toBeNaN();
  });

  it('covers the true mean 95% of the time with 10 replications (a normal quantile would give ~92%)', () => {
    const rng = createPrng(31337);
    const trials = 4000;
    let covered = 0;
    const xs = new Float64Array(10);
    for (let k = 0; k < trials; k++) {
      for (let i = 0; i < xs.length; i++) xs[i] = 3 + 2 * sampleNormal(rng);
      const { mean, ci95 } = meanCi95(xs);
      if (Math.abs(mean - 3) <= ci95) covered++;
    }
    // sd of the coverage estimate is sqrt(0.95·0.05/4000) ≈ 0.0034.
    expect(Math.abs(covered / trials - 0.95)).toBeLessThan(0.015);
  });
});
