/**
 * Midpoint for bisection on a probability in [0, 1] that may be astronomically small: the
 * arithmetic midpoint once lo and hi are within a factor 4, else the geometric one (so that a
 * root near 1e-30 takes a few dozen steps, not a thousand).
 */
export function probabilityMidpoint(lo: number, hi: number): number {
  if (lo > 0 && hi <= 4 * lo) return lo + (hi - lo) / 2;
  const l = Math.max(lo, 1e-300);
  if (hi <= l) return lo + (hi - lo) / 2;
  return Math.sqrt(l) * Math.sqrt(hi);
}

/**
 * Bisection on [lo, hi] for a predicate that is true below the root and false above it,
 * down to floating-point resolution. Returns the final bracket and the evaluation count.
 */
export function bisectProbability(
  lo: number,
  hi: number,
  below: (x: number) => boolean,
  maxIter = 400,
): { lo: number; hi: number; evaluations: number } {
  let evaluations = 0;
  for (let it = 0; it < maxIter; it++) {
    const mid = probabilityMidpoint(lo, hi);
    if (!(mid > lo && mid < hi)) break;
    evaluations++;
    if (below(mid)) lo = mid;
    else hi = mid;
  }
  return { lo, hi, evaluations };
}
