/**
 * BG/NBD model: Fader, Hardie & Lee (2005), "'Counting Your Customers' the
 * Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2).
 * Equation numbers below refer to that paper.
 *
 * Transactions while alive ~ Poisson(lambda), lambda ~ Gamma(r, alpha);
 * after each repeat transaction the customer drops out with probability p,
 * p ~ Beta(a, b).
 */

import { type PatternSet, type RFT, type RFTColumns, toPatternSet } from './data.js';
import { type NelderMeadOptions, minimizePositive, standardErrorsFromLogScale } from './optimize.js';
import { lgamma, logAddExp, logHyp2f1 } from './special.js';
import type { FitDiagnostics, TransactionModel } from './types.js';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgnbdFit extends BgnbdParams, FitDiagnostics {
  standardErrors?: BgnbdParams;
}

export interface BgnbdFitOptions {
  start?: Partial<BgnbdParams>;
  optimizer?: NelderMeadOptions;
  /** Also return asymptotic standard errors (numeric Hessian; a few dozen extra evaluations). */
  standardErrors?: boolean;
}

function check(p: BgnbdParams): void {
  if (!(p.r > 0 && p.alpha > 0 && p.a > 0 && p.b > 0)) {
    throw new Error(`BG/NBD parameters must be positive: ${JSON.stringify(p)}`);
  }
}

/**
 * Individual log-likelihood, eq. (6):
 *   L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x)/B(a, b) * [ (alpha+T)^-(r+x)
 *       + delta(x>0) a/(b+x-1) (alpha+t_x)^-(r+x) ]
 * summed with log-sum-exp.
 */
export function bgnbdLogLikelihoodIndividual(p: BgnbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const base =
    lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  const l1 = base - (r + x) * Math.log(alpha + T);
  if (x === 0) return l1;
  const l2 = base + Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + t_x);
  return logAddExp(l1, l2);
}

/**
 * Total log-likelihood over customers (or compressed patterns, weighted by
 * their counts). Terms depending on one coordinate only are computed once per
 * distinct value.
 */
export function bgnbdLogLikelihood(p: BgnbdParams, data: PatternSet | ArrayLike<RFT> | RFTColumns): number {
  const ps = toPatternSet(data);
  const { r, alpha, a, b } = p;
  if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return NaN;
  const lnAlpha = Math.log(alpha);
  const lgR = lgamma(r);
  const lgB = lgamma(b);
  const lgAB = lgamma(a + b);
  const lnA = Math.log(a);
  const nx = ps.xValues.length;
  const base = new Float64Array(nx);
  const drop = new Float64Array(nx); // log(a / (b + x - 1)) for x > 0
  for (let k = 0; k < nx; k++) {
    const x = ps.xValues[k]!;
    base[k] = lgamma(r + x) - lgR + r * lnAlpha + lgAB + lgamma(b + x) - lgB - lgamma(a + b + x);
    drop[k] = x > 0 ? lnA - Math.log(b + x - 1) : -Infinity;
  }
  const lT = ps.TValues.map((T) => Math.log(alpha + T));
  const ltx = ps.txValues.map((t) => Math.log(alpha + t));
  let total = 0;
  for (let i = 0; i < ps.size; i++) {
    const k = ps.xIndex[i]!;
    const x = ps.x[i]!;
    const rx = r + x;
    const l1 = base[k]! - rx * lT[ps.TIndex[i]!]!;
    let ll: number;
    if (x === 0) {
      ll = l1;
    } else {
      const l2 = base[k]! + drop[k]! - rx * ltx[ps.txIndex[i]!]!;
      ll = l1 > l2 ? l1 + Math.log1p(Math.exp(l2 - l1)) : l2 + Math.log1p(Math.exp(l1 - l2));
    }
    total += ps.count[i]! * ll;
  }
  return total;
}

/** Maximum-likelihood fit (Nelder-Mead on log-parameters, with restarts). */
export function fitBgnbd(data: PatternSet | ArrayLike<RFT> | RFTColumns, opts: BgnbdFitOptions = {}): BgnbdFit {
  const ps = toPatternSet(data);
  if (ps.customers === 0) throw new Error('fitBgnbd: no customers');
  // alpha is a time scale (periods); start it near the mean customer age so the
  // same defaults work in days and weeks.
  let meanT = 0;
  for (let i = 0; i < ps.size; i++) meanT += ps.count[i]! * ps.T[i]!;
  meanT /= ps.customers;
  const s = { r: 1, alpha: Math.max(meanT / 4, 1e-3), a: 1, b: 1, ...opts.start };
  const negLL = (v: number[]): number => -bgnbdLogLikelihood({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! }, ps);
  const res = minimizePositive(negLL, [s.r, s.alpha, s.a, s.b], opts.optimizer);
  const [r, alpha, a, b] = res.params as [number, number, number, number];
  const fit: BgnbdFit = {
    r,
    alpha,
    a,
    b,
    logLikelihood: -res.fx,
    iterations: res.iterations,
    evaluations: res.evaluations,
    converged: res.converged,
    customers: ps.customers,
    patterns: ps.size,
  };
  if (opts.standardErrors) {
    const se = standardErrorsFromLogScale(negLL, res.params);
    fit.standardErrors = { r: se[0]!, alpha: se[1]!, a: se[2]!, b: se[3]! };
  }
  return fit;
}

/**
 * P(alive | x, t_x, T) (Fader, Hardie & Lee 2005, and their note "Computing
 * P(alive) Using the BG/NBD Model"):
 *   1 / (1 + delta(x>0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
 * Customers without repeat purchases cannot have dropped out (drop-out happens
 * only right after a repeat purchase), so P(alive) = 1 for x = 0.
 */
export function bgnbdPAlive(p: BgnbdParams, x: number, t_x: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = p;
  const lnOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + t_x));
  // 1 / (1 + e^z) computed without overflow.
  return lnOdds > 0 ? Math.exp(-lnOdds) / (1 + Math.exp(-lnOdds)) : 1 / (1 + Math.exp(lnOdds));
}

/**
 * (a+b+x-1)/(a-1) * [1 - ((A)/(A+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(A+t))]
 * with A = alpha + T: the numerator of eq. (10), and eq. (7) when x = 0, A = alpha.
 *
 * Evaluated via Euler's transformation 2F1(a',b';c;z) = (1-z)^(c-a'-b')
 * 2F1(c-a', c-b'; c; z), which turns it into
 *   1 - (A/(A+t))^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; t/(A+t)),
 * whose parameters no longer grow with x: the remedy for the #NUM! problem
 * (Fader & Hardie 2013, "Overcoming the BG/NBD Model's #NUM! Error Problem").
 */
function expectedCore(p: BgnbdParams, t: number, x: number, A: number): number {
  if (t <= 0) return 0;
  const { r, a, b } = p;
  if (Math.abs(a - 1) < 1e-7) {
    // Removable singularity at a = 1: average the two sides.
    return 0.5 * (expectedCore({ ...p, a: 1 + 1e-5 }, t, x, A) + expectedCore({ ...p, a: 1 - 1e-5 }, t, x, A));
  }
  const z = t / (A + t);
  const F = logHyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  if (F.sign <= 0) return NaN;
  const L = (a - 1) * Math.log(A / (A + t)) + F.logAbs;
  // 1 - e^L = -expm1(L), accurate for small t where L ~ 0.
  return ((a + b + x - 1) / (a - 1)) * -Math.expm1(L);
}

/** E[X(t)], eq. (7): expected repeat purchases in (0, t] for a new customer. */
export function bgnbdExpected(p: BgnbdParams, t: number): number {
  return expectedCore(p, t, 0, p.alpha);
}

/** E[Y(t) | x, t_x, T], eq. (10): expected purchases in (T, T + t]. */
export function bgnbdConditionalExpected(p: BgnbdParams, t: number, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const num = expectedCore(p, t, x, alpha + T);
  if (x === 0) return num;
  const lnOdds = Math.log(a) - Math.log(b + x - 1) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + t_x));
  // num / (1 + e^lnOdds) = num * P(alive)
  return num * (lnOdds > 0 ? Math.exp(-lnOdds) / (1 + Math.exp(-lnOdds)) : 1 / (1 + Math.exp(lnOdds)));
}

/**
 * P(X(t) = x), eq. (8): probability of exactly x repeat purchases in (0, t].
 */
export function bgnbdPmf(p: BgnbdParams, t: number, x: number): number {
  const { r, alpha, a, b } = p;
  const lnBab = lgamma(a) + lgamma(b) - lgamma(a + b);
  const lnq = Math.log(alpha / (alpha + t));
  const lnz = Math.log(t / (alpha + t));
  const lnB1 = lgamma(a) + lgamma(b + x) - lgamma(a + b + x) - lnBab;
  let res = Math.exp(lnB1 + lgamma(r + x) - lgamma(r) - lgamma(x + 1) + r * lnq + x * lnz);
  if (x > 0) {
    const lnB2 = lgamma(a + 1) + lgamma(b + x - 1) - lgamma(a + b + x) - lnBab;
    // 1 - sum_{j<x} NBD(j): the NBD tail beyond x-1.
    let cdf = 0;
    for (let j = 0; j < x; j++) cdf += Math.exp(lgamma(r + j) - lgamma(r) - lgamma(j + 1) + r * lnq + j * lnz);
    res += Math.exp(lnB2) * Math.max(0, 1 - cdf);
  }
  return res;
}

/** The BG/NBD as a TransactionModel. */
export function bgnbdModel(p: BgnbdParams): TransactionModel {
  check(p);
  const params = { r: p.r, alpha: p.alpha, a: p.a, b: p.b };
  return {
    name: 'bgnbd',
    params,
    logLikelihood: (x, t_x, T) => bgnbdLogLikelihoodIndividual(params, x, t_x, T),
    pAlive: (x, t_x, T) => bgnbdPAlive(params, x, t_x, T),
    conditionalExpected: (t, x, t_x, T) => bgnbdConditionalExpected(params, t, x, t_x, T),
    expected: (t) => bgnbdExpected(params, t),
  };
}
