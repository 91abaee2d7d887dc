import type { PhaseType } from '@jiq/core';
import { mph1Decay } from '../mg1';
import { solveServerChain, type ChainMethod, type ServerChainSolution } from './server-chain';
import { buildTokenChain, TOKEN_EPSILON, type TokenChain } from './token-model';

/**
 * JIQ-SQ(d) without withdrawals (Sections 6.3–6.4): the fixed point is the q0 at which the
 * server chain's idle probability equals 1 − λ (π_0·1 decreases in q0). The paper bisects on
 * [0, 1]; we bracket the root starting from a guess and then use the Illinois variant of
 * regula falsi on log q0 — still a bracketing method (the root never leaves the bracket) but
 * with superlinear convergence, so about a dozen chain solves instead of fifty — with loose
 * truncations, and finish with two or three secant steps at full precision.
 */
export interface NoWithdrawOptions {
  select: 'fcfs' | 'lcfs';
  lambda: number;
  r: number;
  d: number;
  ph: PhaseType;
  /** Starting guess for q0 (e.g. the with-withdrawal q0). */
  guess?: number;
  /** Relative tolerance on q0. */
  relTol?: number;
  /** Tail mass allowed at the queue truncation B. */
  tailTol?: number;
  /** Keep the paper's position chain for FCFS d = 1 (tests). */
  collapse?: boolean;
  /** Force a server-chain method (tests). */
  method?: ChainMethod;
}

export interface NoWithdrawSolution {
  q0: number;
  chain: ServerChainSolution;
  tokens: TokenChain;
  B: number;
  /** Chain solves used. */
  evaluations: number;
  /** Final bracket on q0. */
  bracket: [number, number];
}

const MAX_B = 1_000_000;
const LOOSE = 1e-13;

/** Queue truncation for a given q0: where the M/PH/1 tail at rate λq0 falls below tailTol. */
export function queueTruncation(ph: PhaseType, nu: number, tailTol: number): number {
  const eta = mph1Decay(ph, nu);
  if (!(eta > 0)) return 4;
  const b = Math.ceil(Math.log(tailTol * (1 - eta)) / Math.log(eta)) + 4;
  return Math.min(MAX_B, Math.max(4, b));
}

interface Evaluation {
  q0: number;
  f: number;
  chain: ServerChainSolution;
  tokens: TokenChain;
  B: number;
}

export function solveNoWithdraw(o: NoWithdrawOptions): NoWithdrawSolution {
  const relTol = o.relTol ?? 1e-12;
  const tailTol = o.tailTol ?? 1e-16;
  let evaluations = 0;
  // The root is first found with looser truncations (positions: q̂_K^d < 1e-13, queue tail
  // 1e-13), which makes each chain solve several times cheaper, then polished by secant steps
  // with the full truncations (q̂_K^d < 1e-20 as in the paper, tail 1e-16); the reported
  // solution is always a full-precision one.
  let precise = false;
  const evaluate = (q0: number): Evaluation => {
    evaluations++;
    const tokens = buildTokenChain(o.select, o.lambda, o.r, o.d, q0, {
      ...(o.collapse === undefined ? {} : { collapse: o.collapse }),
      eps: precise ? TOKEN_EPSILON : LOOSE,
    });
    const tail = precise ? tailTol : Math.max(tailTol, LOOSE);
    let B = queueTruncation(o.ph, o.lambda * q0, tail);
    for (;;) {
      const chain = solveServerChain({
        ph: o.ph,
        nu: o.lambda * q0,
        tokens,
        B,
        homogeneousPositions: o.select === 'lcfs' && o.d === 1,
        ...(o.method ? { method: o.method } : {}),
      });
      const top = chain.truncated ? chain.queueLength[B]! : 0;
      // B is chosen for a tail of tailTol; the mass computed at B cannot go below rounding
      // (~1e-16), so the check only catches a truncation that is clearly too small
      if (top <= Math.max(tail, 1e-13) || B >= MAX_B) {
        return { q0, f: chain.idle - (1 - o.lambda), chain, tokens, B };
      }
      B = Math.min(MAX_B, 2 * B);
    }
  };
  // bracket: f decreases in q0; f(lo) > 0 > f(hi)
  const clamp = (q: number): number => Math.min(1 - 1e-12, Math.max(1e-300, q));
  let a = evaluate(clamp(o.guess ?? 0.5));
  let lo: Evaluation | undefined;
  let hi: Evaluation | undefined;
  if (a.f === 0) return polish(a, a, a);
  if (a.f > 0) lo = a;
  else hi = a;
  let step = 1;
  while (!lo || !hi) {
    if (!hi) {
      // q0 too small: move towards 1
      const next = clamp(a.q0 * 2 ** step >= 1 ? 1 - (1 - a.q0) / 2 ** step : a.q0 * 2 ** step);
      if (next === a.q0) throw new Error(`no-withdrawal fixed point: cannot bracket q0 above ${a.q0}`);
      a = evaluate(next);
      if (a.f > 0) lo = a;
      else hi = a;
    } else {
      const next = clamp(a.q0 / 2 ** step);
      if (next === a.q0) throw new Error(`no-withdrawal fixed point: cannot bracket q0 below ${a.q0}`);
      a = evaluate(next);
      if (a.f > 0) lo = a;
      else hi = a;
    }
    step = Math.min(step * 2, 64);
    if (a.f === 0) return polish(a, a, a);
  }
  // Illinois on u = log q0
  let side = 0;
  let flo = lo.f;
  let fhi = hi.f;
  let best = Math.abs(lo.f) < Math.abs(hi.f) ? lo : hi;
  for (let it = 0; it < 200; it++) {
    if (hi.q0 - lo.q0 <= relTol * hi.q0) break;
    const ulo = Math.log(lo.q0);
    const uhi = Math.log(hi.q0);
    let u = uhi - (fhi * (uhi - ulo)) / (fhi - flo);
    // keep strictly inside; fall back to bisection if the secant stalls at an end
    if (!(u > ulo && u < uhi)) u = (ulo + uhi) / 2;
    let q = Math.exp(u);
    if (!(q > lo.q0 && q < hi.q0)) q = lo.q0 + (hi.q0 - lo.q0) / 2;
    if (!(q > lo.q0 && q < hi.q0)) break;
    const c = evaluate(q);
    if (Math.abs(c.f) < Math.abs(best.f)) best = c;
    if (c.f === 0) {
      lo = c;
      hi = c;
      break;
    }
    if (c.f > 0) {
      lo = c;
      flo = c.f;
      if (side === -1) fhi /= 2;
      side = -1;
    } else {
      hi = c;
      fhi = c.f;
      if (side === 1) flo /= 2;
      side = 1;
    }
  }
  return polish(best, lo, hi);

  /** Secant steps on log q0 with the full truncations, from the loose root and slope. */
  function polish(loose: Evaluation, lo: Evaluation, hi: Evaluation): NoWithdrawSolution {
    precise = true;
    // when the full truncations equal the loose ones, the loose solve already is the precise one
    const K = buildTokenChain(o.select, o.lambda, o.r, o.d, loose.q0, {
      ...(o.collapse === undefined ? {} : { collapse: o.collapse }),
    }).K;
    if (K === loose.tokens.K && (!loose.chain.truncated || queueTruncation(o.ph, o.lambda * loose.q0, tailTol) <= loose.B)) {
      return finish(loose, [lo.q0, hi.q0]);
    }
    const slope = hi.q0 > lo.q0 ? (hi.f - lo.f) / (Math.log(hi.q0) - Math.log(lo.q0)) : NaN;
    let prev = evaluate(loose.q0);
    if (prev.f === 0 || !(slope < 0)) return finish(prev, [prev.q0, prev.q0]);
    let cur = evaluate(clamp(Math.exp(Math.log(prev.q0) - prev.f / slope)));
    let best = Math.abs(cur.f) < Math.abs(prev.f) ? cur : prev;
    for (let it = 0; it < 6; it++) {
      if (cur.f === 0 || prev.f === cur.f || Math.abs(cur.q0 - prev.q0) <= relTol * cur.q0) break;
      const u = Math.log(cur.q0) - (cur.f * (Math.log(cur.q0) - Math.log(prev.q0))) / (cur.f - prev.f);
      prev = cur;
      cur = evaluate(clamp(Math.exp(u)));
      if (Math.abs(cur.f) < Math.abs(best.f)) best = cur;
    }
    return finish(best, [Math.min(prev.q0, cur.q0), Math.max(prev.q0, cur.q0)]);
  }

  function finish(e: Evaluation, bracket: [number, number]): NoWithdrawSolution {
    return { q0: e.q0, chain: e.chain, tokens: e.tokens, B: e.B, evaluations, bracket };
  }
}
