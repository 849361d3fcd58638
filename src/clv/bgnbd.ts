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
import {
  type NelderMeadOptions,
  invertMatrix,
  minimizePositive,
  numericHessian,
  standardErrorsFromLogScale,
} from './optimize.js';
import { lgamma, logAddExp, logHyp2f1 } from './special.js';
import type { FitDiagnostics, TransactionModel } from './types.js';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/**
 * How the BG/NBD degenerates when its likelihood is maximised on the edge of
 * the parameter space (log-parameters running off to -inf or +inf). Drop-out
 * side (Beta(a, b) collapses; at most one of these):
 *  - 'no-dropout': a -> 0 (or b -> inf). Beta(a, b) -> point mass at p = 0:
 *    nobody drops out, the model is the NBD with (r, alpha), P(alive) = 1 and
 *    E[Y(t) | x, t_x, T] = (r+x) t / (alpha+T). a and b are not identified.
 *  - 'two-point': a, b -> 0 with a/(a+b) -> rho. Beta(a, b) -> rho at p = 1,
 *    1 - rho at p = 0: a share rho of customers drops out right after their
 *    first repeat purchase, the others never drop out. Only rho is identified.
 *  - 'dropout-at-first-repeat': b -> 0 (or a -> inf). Beta(a, b) -> point
 *    mass at p = 1: every customer drops out right after the first repeat
 *    purchase (possible only if no customer has x >= 2).
 *  - 'homogeneous-dropout': a, b -> inf with a/(a+b) -> p: every customer has
 *    the same drop-out probability p. Only p is identified.
 * Purchase side:
 *  - 'homogeneous-rate': r, alpha -> inf with r/alpha -> lambda: every
 *    customer buys at the same Poisson rate lambda. Only lambda is identified.
 */
export type BgnbdBoundaryKind =
  | 'no-dropout'
  | 'two-point'
  | 'dropout-at-first-repeat'
  | 'homogeneous-dropout'
  | 'homogeneous-rate';

export interface BgnbdBoundary {
  /** The limits the fit is at (at most one drop-out-side kind, plus possibly 'homogeneous-rate'). */
  kinds: BgnbdBoundaryKind[];
  /** a/(a+b) at the fit: the share of customers with p = 1 ('two-point'), or the common p ('homogeneous-dropout'). */
  dropoutShare: number;
  /** Its asymptotic standard error in the limiting model, for 'two-point' and 'homogeneous-dropout' when standard errors are requested. */
  dropoutShareSE?: number;
  /** r/alpha, the common purchase rate for 'homogeneous-rate' (the mean rate otherwise). */
  purchaseRate: number;
  /** Its asymptotic standard error, for 'homogeneous-rate' when standard errors are requested. */
  purchaseRateSE?: number;
  /** Sentences for users. */
  message: string;
}

export interface BgnbdFit extends BgnbdParams, FitDiagnostics {
  /**
   * Standard errors. At a boundary those of the parameters that are not
   * identified there are NaN, and the others are those of the limiting model
   * (see BgnbdBoundary, which also carries the SEs of the identified
   * combinations a/(a+b), r/alpha).
   */
  standardErrors?: BgnbdParams;
  /**
   * True when the likelihood has no interior maximum: moving the parameters
   * further towards one of the limits in BgnbdBoundaryKind does not lower it,
   * so the optimizer stopped somewhere on the way there (e.g. a ~ 1e-12) and
   * the fitted values matter only through the limit described in `boundary`.
   * Predictions (pAlive, conditionalExpected, expected) are accurate for the
   * fitted values, which equal the limiting model's to within the distance to
   * the limit. Typical cause: a calibration period too short to show drop-out.
   */
  atBoundary: boolean;
  boundary?: BgnbdBoundary;
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
 * log Gamma(v+n)/Gamma(v) = sum_{i<n} log(v+i) for integer n >= 0. The sum is
 * exact to rounding for any v; the difference of lgammas loses ~1e-16 v log v
 * absolutely, which becomes noise in the likelihood once v is large (r, alpha
 * -> inf or a, b -> inf: the boundary probes compare likelihoods to ~1e-9
 * relative), so the lgammas are used only where v is not large against n
 * (where the sum would be long).
 */
function logPochhammer(v: number, n: number): number {
  if (n > 16 && v <= 64 * n) return lgamma(v + n) - lgamma(v);
  let s = 0;
  for (let i = 0; i < n; i++) s += Math.log(v + i);
  return s;
}

/** log B(a, b+x)/B(a, b) = log (b)_x/(a+b)_x = -sum_{i<x} log1p(a/(b+i)), likewise. */
function logBetaRatio(a: number, b: number, x: number): number {
  if (x > 16 && a + b <= 64 * x) return lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  let s = 0;
  for (let i = 0; i < x; i++) s -= Math.log1p(a / (b + i));
  return s;
}

/**
 * The x-dependent part of eq. (6) without the alpha terms:
 * log Gamma(r+x)/Gamma(r) + log B(a, b+x)/B(a, b).
 */
function logBase(p: BgnbdParams, x: number): number {
  const { r, a, b } = p;
  if (!Number.isInteger(x) || x < 0) {
    return lgamma(r + x) - lgamma(r) + lgamma(a + b) + lgamma(b + x) - lgamma(b) - lgamma(a + b + x);
  }
  return logPochhammer(r, x) + logBetaRatio(a, b, x);
}

/**
 * Individual log-likelihood, eq. (6):
 *   L = Gamma(r+x) alpha^r / Gamma(r) * B(a, b+x)/B(a, b) * [ (alpha+T)^-(r+x)
 *       + delta(x>0) a/(b+x-1) (alpha+t_x)^-(r+x) ]
 * summed with log-sum-exp. alpha^r (alpha+T)^-(r+x) is formed as
 * exp(-r log1p(T/alpha) - x log(alpha+T)), and the Gamma and Beta ratios as
 * sums of logs (logBase), so that the likelihood stays accurate as parameters
 * run off to 0 or infinity (the boundary fits, see fitBgnbd).
 */
export function bgnbdLogLikelihoodIndividual(p: BgnbdParams, x: number, t_x: number, T: number): number {
  const { r, alpha, a, b } = p;
  const base = logBase(p, x);
  const l1 = base - r * Math.log1p(T / alpha) - x * Math.log(alpha + T);
  if (x === 0) return l1;
  const l2 = base + Math.log(a) - Math.log(b + (x - 1)) - r * Math.log1p(t_x / alpha) - x * Math.log(alpha + t_x);
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
  const lnA = Math.log(a);
  const nx = ps.xValues.length;
  const base = new Float64Array(nx);
  const drop = new Float64Array(nx); // log(a / (b + x - 1)) for x > 0; b + (x - 1) keeps tiny b exact at x = 1
  for (let k = 0; k < nx; k++) {
    const x = ps.xValues[k]!;
    base[k] = logBase(p, x);
    drop[k] = x > 0 ? lnA - Math.log(b + (x - 1)) : -Infinity;
  }
  // log(alpha+t) and r log((alpha+t)/alpha) per distinct T and t_x; the latter
  // via log1p where log(alpha+t) - log(alpha) would cancel (t << alpha).
  const lnAlpha = Math.log(alpha);
  const logTerms = (values: ArrayLike<number>): [Float64Array, Float64Array] => {
    const n = values.length;
    const l = new Float64Array(n);
    const rl = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const t = values[i]!;
      const v = Math.log(alpha + t);
      l[i] = v;
      rl[i] = r * (t < 0.25 * alpha ? Math.log1p(t / alpha) : v - lnAlpha);
    }
    return [l, rl];
  };
  const [lT, rT] = logTerms(ps.TValues);
  const [ltx, rtx] = logTerms(ps.txValues);
  let total = 0;
  for (let i = 0; i < ps.size; i++) {
    const k = ps.xIndex[i]!;
    const x = ps.x[i]!;
    const j = ps.TIndex[i]!;
    const l1 = base[k]! - rT[j]! - x * lT[j]!;
    let ll: number;
    if (x === 0) {
      ll = l1;
    } else {
      const jx = ps.txIndex[i]!;
      const l2 = base[k]! + drop[k]! - rtx[jx]! - x * ltx[jx]!;
      ll = l1 > l2 ? l1 + Math.log1p(Math.exp(l2 - l1)) : l2 + Math.log1p(Math.exp(l1 - l2));
    }
    total += ps.count[i]! * ll;
  }
  return total;
}

// Boundary probes: move parameters towards 0 by this factor, or towards
// infinity by its inverse ...
const BOUNDARY_SHRINK = 1e-4;
// ... and call the fit a boundary fit if the log-likelihood does not drop by
// more than this, relative to 1 + |LL| (rounding in the summed likelihood is
// ~1e-15 relative; any drop that matters statistically is >= 1e-2 absolute).
const BOUNDARY_LL_TOL = 1e-9;

/**
 * Maximum-likelihood fit (Nelder-Mead on log-parameters, with restarts).
 *
 * On log scale the edges of the parameter space (a -> 0, b -> 0, a, b -> inf,
 * r, alpha -> inf) are at infinity, so when the data cannot show what they
 * would identify (drop-out, in short histories) the optimizer walks towards
 * them until the likelihood is flat to its tolerance and reports a point such
 * as a ~ 1e-12. That is detected here by probing the likelihood further out
 * (parameters times 1e-4 or 1e4): if it is not lower, the fit is flagged
 * `atBoundary` with the kind of degeneration (see BgnbdBoundaryKind). The
 * estimates themselves are left as found (predictions are correct for them;
 * see expectedCore), so interior fits such as the published CDNOW one are
 * unchanged.
 */
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
  const ll = -res.fx;
  const boundary = detectBoundary(ps, { r, alpha, a, b }, ll);
  const fit: BgnbdFit = {
    r,
    alpha,
    a,
    b,
    logLikelihood: ll,
    iterations: res.iterations,
    evaluations: res.evaluations,
    converged: res.converged,
    customers: ps.customers,
    patterns: ps.size,
    atBoundary: boundary !== undefined,
  };
  if (boundary) fit.boundary = boundary;
  if (opts.standardErrors) {
    if (!boundary) {
      const se = standardErrorsFromLogScale(negLL, res.params);
      fit.standardErrors = { r: se[0]!, alpha: se[1]!, a: se[2]!, b: se[3]! };
    } else {
      fit.standardErrors = boundaryStandardErrors(ps, fit, boundary);
    }
  }
  return fit;
}

function detectBoundary(ps: PatternSet, p: BgnbdParams, ll: number): BgnbdBoundary | undefined {
  const tol = BOUNDARY_LL_TOL * (1 + Math.abs(ll));
  const notWorse = (q: Partial<BgnbdParams>): boolean => {
    const v = bgnbdLogLikelihood({ ...p, ...q }, ps);
    return Number.isFinite(v) && v >= ll - tol;
  };
  const { r, alpha, a, b } = p;
  const k = BOUNDARY_SHRINK;
  const K = 1 / BOUNDARY_SHRINK;
  const kinds: BgnbdBoundaryKind[] = [];
  // Beta(a, b) tends to a point mass at 0 (1) iff its mean a/(a+b) tends to 0
  // (1): probe by moving the mean. With the mean fixed it tends to two points
  // as a + b -> 0 and to one inner point as a + b -> inf; far out on either
  // side the likelihood is flat in both directions, so a + b picks the side.
  if (notWorse({ a: a * k }) || notWorse({ b: b * K })) kinds.push('no-dropout');
  else if (notWorse({ b: b * k }) || notWorse({ a: a * K })) kinds.push('dropout-at-first-repeat');
  else if (a + b < 1 && notWorse({ a: a * k, b: b * k })) kinds.push('two-point');
  else if (a + b >= 1 && notWorse({ a: a * K, b: b * K })) kinds.push('homogeneous-dropout');
  if (notWorse({ r: r * K, alpha: alpha * K })) kinds.push('homogeneous-rate');
  if (kinds.length === 0) return undefined;
  const rho = a / (a + b);
  const lambda = r / alpha;
  const fmt = (v: number): string => v.toPrecision(3);
  const parts = [
    `BG/NBD: the maximum likelihood is on the boundary of the parameter space ` +
      `(r = ${fmt(r)}, alpha = ${fmt(alpha)}, a = ${fmt(a)}, b = ${fmt(b)}).`,
  ];
  for (const kind of kinds) {
    if (kind === 'no-dropout') {
      parts.push(
        'No drop-out is detectable in this history (a -> 0): the model reduces to the NBD and treats every ' +
          'customer as alive. a and b are not identified.',
      );
    } else if (kind === 'two-point') {
      parts.push(
        `No gradual drop-out is detectable in this history (a, b -> 0 with a/(a+b) = ${fmt(rho)}): ` +
          `${fmt(100 * rho)}% of customers drop out right after their first repeat purchase, the others never ` +
          '(NBD). Only a/(a+b) is identified, not a and b.',
      );
    } else if (kind === 'dropout-at-first-repeat') {
      parts.push('Every customer drops out right after the first repeat purchase (b -> 0). a and b are not identified.');
    } else if (kind === 'homogeneous-dropout') {
      parts.push(
        `No heterogeneity in drop-out is detectable (a, b -> infinity): every customer drops out after each ` +
          `repeat purchase with the same probability ${fmt(rho)}. Only a/(a+b) is identified, not a and b.`,
      );
    } else {
      parts.push(
        `No heterogeneity in purchase rates is detectable (r, alpha -> infinity): every customer buys at the ` +
          `same rate ${fmt(lambda)} per period while alive. Only r/alpha is identified, not r and alpha.`,
      );
    }
  }
  return { kinds, dropoutShare: rho, purchaseRate: lambda, message: parts.join(' ') };
}

/**
 * Standard errors at a boundary, from the Hessian of the limiting model in
 * its identified coordinates: log r, log alpha (or log(r/alpha) with r held
 * for 'homogeneous-rate'), plus logit(a/(a+b)) with a + b held for
 * 'two-point' and 'homogeneous-dropout'. The parameters that are not
 * identified get NaN.
 */
function boundaryStandardErrors(ps: PatternSet, fit: BgnbdFit, boundary: BgnbdBoundary): BgnbdParams {
  const { r, alpha, a, b } = fit;
  const homRate = boundary.kinds.includes('homogeneous-rate');
  const withRho = boundary.kinds.includes('two-point') || boundary.kinds.includes('homogeneous-dropout');
  const sum = a + b;
  const rho = a / sum;
  const params = (u: number[]): BgnbdParams => {
    let i = 0;
    let rr = r;
    let al = alpha;
    if (homRate) al = r / Math.exp(u[i++]!);
    else {
      rr = Math.exp(u[i++]!);
      al = Math.exp(u[i++]!);
    }
    if (!withRho) return { r: rr, alpha: al, a, b };
    const q = 1 / (1 + Math.exp(-u[i]!));
    return { r: rr, alpha: al, a: q * sum, b: (1 - q) * sum };
  };
  const u0 = homRate ? [Math.log(r / alpha)] : [Math.log(r), Math.log(alpha)];
  if (withRho) u0.push(Math.log(rho / (1 - rho)));
  const sd = (cov: number[][], i: number): number => Math.sqrt(Math.max(cov[i]![i]!, 0));
  const se: BgnbdParams = { r: NaN, alpha: NaN, a: NaN, b: NaN };
  try {
    const cov = invertMatrix(numericHessian((u) => -bgnbdLogLikelihood(params(u), ps), u0));
    if (homRate) boundary.purchaseRateSE = boundary.purchaseRate * sd(cov, 0);
    else {
      se.r = r * sd(cov, 0);
      se.alpha = alpha * sd(cov, 1);
    }
    if (withRho) boundary.dropoutShareSE = rho * (1 - rho) * sd(cov, u0.length - 1);
  } catch {
    // Singular Hessian: leave NaN.
  }
  return se;
}

/**
 * P(alive | x, t_x, T) (Fader, Hardie & Lee 2005, and their note "Computing
 * P(alive) Using the BG/NBD Model"):
 *   1 / (1 + delta(x>0) a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).
 * Customers without repeat purchases cannot have dropped out (drop-out happens
 * only right after a repeat purchase), so P(alive) = 1 for x = 0.
 *
 * Limits: a -> 0 (b fixed) gives 1 (no drop-out: the NBD). a, b -> 0 with
 * a/b -> kappa keeps x = 1 finite, 1 / (1 + kappa ((alpha+T)/(alpha+t_x))^(r+1))
 * (the prior puts mass a/(a+b) on p = 1), and gives 1 for x >= 2. b + (x - 1)
 * is formed so that a tiny b stays exact at x = 1 ((b + 1) - 1 would round it).
 */
export function bgnbdPAlive(p: BgnbdParams, x: number, t_x: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = p;
  // log((alpha+T)/(alpha+t_x)) as log1p: no cancellation when alpha >> T - t_x
  // (large r and alpha), where (r + x) multiplies the error.
  const lnOdds = Math.log(a) - Math.log(b + (x - 1)) + (r + x) * Math.log1p((T - t_x) / (alpha + t_x));
  // 1 / (1 + e^z) computed without overflow.
  return lnOdds > 0 ? Math.exp(-lnOdds) / (1 + Math.exp(-lnOdds)) : 1 / (1 + Math.exp(lnOdds));
}

/**
 * Expected purchases in (0, t] of a customer who is alive at time 0 with
 * lambda ~ Gamma(R, A), R = r + x, and p ~ Beta(a, B), B = b + x:
 *
 *   N = E[(1 - exp(-lambda p t)) / p] = E_p[g(p)],  g(p) = (1 - (A/(A+pt))^R) / p
 *     = (a+B-1)/(a-1) * [1 - (A/(A+t))^R 2F1(R, B; a+B-1; t/(A+t))]
 *
 * (the inner expectation is eq. (2) of the paper). With A = alpha + T this is
 * the numerator of eq. (10); with x = 0, A = alpha it is eq. (7). g is smooth
 * and decreasing on [0, 1] (g(0) = R t/A, g(1) = 1 - (A/(A+t))^R), so N is
 * finite and smooth in a, b > 0 and has limits at the edges:
 *   a -> 0 (b fixed):                 N -> g(0) = R t/A            (the NBD)
 *   a, B -> 0, a/(a+B) -> rho (x = 0): N -> rho g(1) + (1-rho) g(0)
 *   b -> 0 (a fixed, x = 0):          N -> g(1)
 *   a, B -> inf, a/(a+B) -> p0:       N -> g(p0)
 * The 2F1 form, on the other hand, has poles at c = a+B-1 in {0, -1} (x = 0
 * with a+b -> 0 or a+b = 1; x = 1 with a+b -> 0), a removable singularity at
 * a = 1, and catastrophic cancellation in its z -> 1 connection formula for
 * large a. Two representations are used instead:
 *
 * 1. Negative-binomial mixture (nbMixtureSeries). With w = t/(A+t),
 *      1 - (1 + p t/A)^-R = (1-w)^R sum_j (R)_j w^j / j! (1 - (1-p)^j),
 *    and (1 - (1-p)^j)/p = sum_{i<j} (1-p)^i, E[(1-p)^i] = (B)_i/(a+B)_i, so
 *      N = sum_{j>=1} P_j M_j,  P_j = (1-w)^R (R)_j w^j / j!  (NB(R, w) pmf),
 *                               M_j = sum_{i<j} (B)_i / (a+B)_i.
 *    All terms are positive and a, B enter only through (B+i)/(a+B+i): no
 *    poles, no cancellation, exact for every a, b > 0 including the limits
 *    above (a -> 0: M_j -> j and N -> R w/(1-w) = R t/A). Its length is the
 *    range of NB(R, w), ~ R t/A + 12 sd + 40/(-log w) terms, so it is used
 *    whenever that is below NB_BUDGET (nearly always), and whenever the
 *    hypergeometric form below is inaccurate (a > 2, or r w > 3).
 *
 * 2. Otherwise (heavy buyers with a long horizon: many terms) the 2F1 form
 *    with Euler's transformation (expectedHypergeometric), whose parameters do
 *    not grow with x. Where c < 1 it is first moved to c >= 1 by the Beta
 *    mixture identity (see there).
 */
function expectedCore(p: BgnbdParams, t: number, x: number, A: number): number {
  if (t <= 0) return 0;
  const { r, a, b } = p;
  const R = r + x;
  const u = t / A;
  const w = t / (A + t);
  const mean = R * u; // NB(R, w) mean
  const sd = Math.sqrt(mean * (1 + u)); // sqrt(R w)/(1-w)
  const estimate = mean + 12 * sd + 40 / Math.max(-Math.log(w), 1e-300);
  // The hypergeometric form needs a <= 2 (else its terms grow and its z -> 1
  // connection formula cancels catastrophically) and r w <= 3 (else its first
  // parameter a+b-1-r is large and negative and the series alternates with
  // terms up to ~e^(r w)).
  const hypOk = a <= 2 && r * w <= 3;
  if (estimate <= NB_BUDGET || !hypOk) {
    const v = nbMixtureSeries(a, b + x, R, w, hypOk ? NB_BUDGET * 2 : NB_MAX_TERMS);
    if (v !== undefined) return v;
  }
  return expectedHypergeometric(p, t, x, A);
}

// Estimated terms up to which the negative-binomial mixture series is used.
const NB_BUDGET = 2000;
// Hard cap for it when it is the only accurate choice (a > 2 or r w > 3).
const NB_MAX_TERMS = 5_000_000;
const RESCALE = 1e250;
const LN_RESCALE = Math.log(RESCALE);

/**
 * sum_j P_j M_j as described at expectedCore; undefined if it needs more than
 * maxTerms terms. P_j is formed by its recurrence from P_0 = (1-w)^R, scaled
 * so that neither underflow (large R) nor overflow near the mode can occur.
 *
 * For a > 1, M_j increases to M_inf = (a+B-1)/(a-1) and M_inf - M_j =
 * m_j (a+B+j-1)/(a-1) (Gosper's sum of sum_{i>=j} m_i). Once that is below
 * 1e-17 M_inf the remaining terms are M_inf P_j to double precision, and the
 * sum stops with M_inf (1 - F_j), F_j = P_0 + ... + P_j, provided 1 - F_j >=
 * 0.01 (so it is formed accurately). This keeps large a (the drop-out
 * probability concentrated away from 0) fast when w is near 1, where the NB
 * tail itself decays only like w^j.
 */
function nbMixtureSeries(a: number, B: number, R: number, w: number, maxTerms: number): number | undefined {
  // log (1-w)^R from the rounded w itself (not from u): the recurrence
  // multiplies by w ~R u times, so a normalisation inconsistent with w by one
  // rounding would cost ~R u * 1e-16 relative.
  const logP0 = R * Math.log1p(-w);
  const Minf = a > 1 ? (a + B - 1) / (a - 1) : Infinity;
  let P = 1; // P_j / exp(logP0 + logScale)
  let F = 1; // F_j / exp(logP0 + logScale)
  let logScale = 0;
  let m = 1; // m_j = (B)_j / (a+B)_j
  let M = 0; // M_j = m_0 + ... + m_{j-1}
  let S = 0;
  for (let j = 0; j < maxTerms; j++) {
    // Step to j + 1.
    M += m;
    m *= (B + j) / (a + B + j);
    P *= ((R + j) * w) / (j + 1);
    S += P * M;
    F += P;
    if (P > RESCALE) {
      P /= RESCALE;
      S /= RESCALE;
      F /= RESCALE;
      logScale += LN_RESCALE;
    }
    if (P === 0) return S * Math.exp(logP0 + logScale); // underflow: the rest is below 1e-308 of S
    // Past the mode the pmf ratio (R+k) w/(k+1) tends monotonically to w, so
    // it stays below q; M grows by at most 1 per step: the tail is below
    // P (M q/(1-q) + q/(1-q)^2).
    const q = Math.max(((R + j + 1) * w) / (j + 2), w);
    if (q < 1 && S > 0) {
      const tail = P * ((M * q) / (1 - q) + q / ((1 - q) * (1 - q)));
      if (tail <= 1e-17 * S) return S * Math.exp(logP0 + logScale);
    }
    if (a > 1 && (m * (a + B + j)) / (a - 1) <= 1e-17 * Minf) {
      const e = Math.exp(logP0 + logScale);
      const rest = 1 - F * e;
      if (rest >= 0.01) return S * e + Minf * rest;
    }
  }
  return undefined;
}

/**
 * The 2F1 form of N (see expectedCore), for the cases too long for the NB
 * series. The poles at c = a+b+x-1 in {0, -1} are not poles of N, which is a
 * Beta mixture of the smooth g: where c < 1 (a+b+x < 2, so only for x <= 1)
 * N is computed from the Beta mixture identity
 *   Beta(a, B) = B/(a+B) Beta(a, B+1) + a/(a+B) Beta(a+1, B)
 * (p^(a-1) (1-p)^(B-1) = p^(a-1) (1-p)^B + p^a (1-p)^(B-1)), applied once or
 * twice, as a convex combination of N at shifted parameters whose c is >= 1:
 *   a+B >= 1:  N(a, B) = [B N(a, B+1) + a N(a+1, B)] / (a+B)
 *   a+B <  1:  N(a, B) = [B(B+1) N(a, B+2) + 2aB N(a+1, B+1) + a(a+1) N(a+2, B)]
 *                        / ((a+B)(a+B+1))
 * The weights are positive and formed from a and B directly, so a, b -> 0
 * loses nothing to forming c + 1 = (a+b-1) + 1 in floating point. (For a
 * below ~1e-16, a - 1 == -1 and the 2F1 below terminates, returning the NBD
 * value R t/A: the neglected terms are O(a).)
 */
function expectedHypergeometric(p: BgnbdParams, t: number, x: number, A: number): number {
  const { a, b } = p;
  const s = a + b + x; // a + B
  if (s < 1) {
    const B = b + x;
    const k = 1 / (s * (s + 1));
    return (
      B * (B + 1) * k * expectedHypergeometric({ ...p, b: b + 2 }, t, x, A) +
      2 * a * B * k * expectedHypergeometric({ ...p, a: a + 1, b: b + 1 }, t, x, A) +
      a * (a + 1) * k * expectedHypergeometric({ ...p, a: a + 2 }, t, x, A)
    );
  }
  if (s < 2) {
    const B = b + x;
    return (
      (B / s) * expectedHypergeometric({ ...p, b: b + 1 }, t, x, A) +
      (a / s) * expectedHypergeometric({ ...p, a: a + 1 }, t, x, A)
    );
  }
  return expectedHyp(p, t, x, A);
}

// Below this z = t/(A+t) the Euler-transformed 2F1 is summed here as a power
// series (as logHyp2f1 would); above it logHyp2f1's connection formula in
// 1 - z is used.
const SERIES_Z_MAX = 0.9;
// a = 1 is a removable singularity of the z > SERIES_Z_MAX form: inside
// |a - 1| < A_ONE_BAND it is interpolated at A_ONE_NODES Chebyshev points.
const A_ONE_BAND = 0.01;
const A_ONE_NODES = 10;

/**
 * N for c = a+b+x-1 >= 1 via Euler's transformation 2F1(a',b';c;z) =
 * (1-z)^(c-a'-b') 2F1(c-a', c-b'; c; z), which turns the bracket into
 *   1 - (A/(A+t))^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; t/(A+t)),
 * whose parameters no longer grow with x: the remedy for the #NUM! problem
 * (Fader & Hardie 2013, "Overcoming the BG/NBD Model's #NUM! Error Problem").
 * a = 1 is a removable singularity (the bracket is O(a-1)).
 */
function expectedHyp(p: BgnbdParams, t: number, x: number, A: number): number {
  const z = t / (A + t);
  if (z <= SERIES_Z_MAX) return expectedSeries(p, t, x, A, z);
  const u = p.a - 1;
  if (Math.abs(u) < A_ONE_BAND) {
    // With the connection formula the bracket carries an absolute error of a
    // few 1e-16 (that of F), i.e. ~1e-15/|a-1| relative. N is analytic in a:
    // interpolate it in a - 1 at the 10 Chebyshev points of [-h, h], h = 0.01
    // (barycentric form). The nearest node is 0.156 h from a = 1, so the nodes
    // are good to ~1e-13, the Lebesgue constant is ~2.5, and the interpolation
    // error ~ (h log(1 + t/A) / 2)^10 / 10! is negligible.
    const h = A_ONE_BAND;
    let num = 0;
    let den = 0;
    for (let k = 0; k < A_ONE_NODES; k++) {
      const theta = ((2 * k + 1) * Math.PI) / (2 * A_ONE_NODES);
      const node = h * Math.cos(theta);
      const f = expectedConnection({ ...p, a: 1 + node }, t, x, A, z);
      if (u === node) return f;
      const wk = (((k & 1) === 0 ? 1 : -1) * Math.sin(theta)) / (u - node);
      num += wk * f;
      den += wk;
    }
    return num / den;
  }
  return expectedConnection(p, t, x, A, z);
}

/**
 * z <= 0.9: with d = a - 1, F = 1 + d G where
 *   G = sum_{j>=1} (a+b-1-r)_j (a)_{j-1} / ((c)_j j!) z^j
 * ((d)_j = d (a)_{j-1}), so the bracket is -expm1(d Lambda) with
 *   Lambda = log(A/(A+t)) + log1p(d G) / d,
 * and N = -c expm1(d Lambda) / d, which tends to -c Lambda = -c (log(A/(A+t)) + G)
 * as a -> 1. Formed this way there is no cancellation for small d or small z
 * (where 1 - e^L would lose ~1e-16/|d z| relative).
 */
function expectedSeries(p: BgnbdParams, t: number, x: number, A: number, z: number): number {
  const { r, a, b } = p;
  const c = a + b + x - 1;
  const cr = a + b - 1 - r;
  const d = a - 1;
  const lnq = -Math.log1p(t / A); // log(A/(A+t))
  let term = (cr / c) * z;
  let G = term;
  let scale = 0;
  for (let j = 1; j < 1_000_000 && term !== 0; j++) {
    const ratio = ((cr + j) / (c + j)) * ((a + j - 1) / (j + 1)) * z;
    term *= ratio;
    G += term;
    if (Math.abs(G) > RESCALE) {
      // Only for a > 2 (growing terms), which the NB series normally takes.
      G /= RESCALE;
      term /= RESCALE;
      scale += LN_RESCALE;
    }
    // The ratio tends to z; once below 1 the tail is bounded by a geometric
    // series in q.
    const q = Math.max(Math.abs(ratio), z);
    if (q < 1 && Math.abs(term) * (q / (1 - q)) <= 1e-17 * Math.abs(scale > 0 ? G : lnq + G)) break;
  }
  if (scale > 0) return expectedConnectionFromLogF(p, t, x, A, Math.log(Math.abs(d * G)) + scale, d * G > 0 ? 1 : -1);
  const dG = d * G;
  // log1p(y)/y -> 1 as y -> 0; the division by d is exact in the limit.
  const lam = lnq + (dG === 0 ? G : (Math.log1p(dG) / dG) * G);
  const dl = d * lam;
  return -c * (dl === 0 ? lam : (Math.expm1(dl) / dl) * lam);
}

/** z > 0.9: the 2F1 from logHyp2f1 (connection formula in 1 - z). */
function expectedConnection(p: BgnbdParams, t: number, x: number, A: number, z: number): number {
  const { r, a, b } = p;
  const F = logHyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z);
  return expectedConnectionFromLogF(p, t, x, A, F.logAbs, F.sign);
}

/** N = c/(a-1) [1 - (A/(A+t))^(a-1) F] from log|F| and its sign. */
function expectedConnectionFromLogF(p: BgnbdParams, t: number, x: number, A: number, logF: number, sign: number): number {
  const { a, b } = p;
  // F > 0 for c > 0 (the bracket is (a-1)/c N with 0 < N < c/(a-1) for a > 1),
  // but keep the sign general: 1 - sign e^L.
  const L = (a - 1) * Math.log(A / (A + t)) + logF;
  const bracket = sign > 0 ? -Math.expm1(L) : sign < 0 ? 1 + Math.exp(L) : 1;
  return ((a + b + x - 1) / (a - 1)) * bracket;
}

/** E[X(t)], eq. (7): expected repeat purchases in (0, t] for a new customer. */
export function bgnbdExpected(p: BgnbdParams, t: number): number {
  return expectedCore(p, t, 0, p.alpha);
}

/** E[Y(t) | x, t_x, T], eq. (10): expected purchases in (T, T + t] (= P(alive) times the alive expectation). */
export function bgnbdConditionalExpected(p: BgnbdParams, t: number, x: number, t_x: number, T: number): number {
  const num = expectedCore(p, t, x, p.alpha + T);
  if (x === 0) return num;
  return num * bgnbdPAlive(p, x, t_x, T);
}

/**
 * P(X(t) = x), eq. (8): probability of exactly x repeat purchases in (0, t]:
 *   B(a, b+x)/B(a, b) NBD_t(x) + delta(x>0) B(a+1, b+x-1)/B(a, b) P(NBD_t >= x),
 * NBD_t(j) = (r)_j / j! (alpha/(alpha+t))^r (t/(alpha+t))^j. The Beta ratios
 * are (b)_x/(a+b)_x and a/(b+x-1) times that (logBetaRatio: accurate for
 * a, b -> 0 or inf), and the NBD tail is summed directly when it is the
 * smaller part (1 - cdf would cancel).
 */
export function bgnbdPmf(p: BgnbdParams, t: number, x: number): number {
  const { r, alpha, a, b } = p;
  if (t <= 0) return x === 0 ? 1 : 0;
  const lnq = -Math.log1p(t / alpha); // log(alpha/(alpha+t))
  const z = t / (alpha + t);
  const lnz = Math.log(z);
  const nbd = (j: number): number => Math.exp(logPochhammer(r, j) - lgamma(j + 1) + r * lnq + j * lnz);
  const lnB1 = logBetaRatio(a, b, x);
  const px = nbd(x);
  let res = Math.exp(lnB1) * px;
  if (x > 0) {
    const lnB2 = lnB1 + Math.log(a) - Math.log(b + (x - 1));
    // cdf below x by the recurrence NBD(j+1) = NBD(j) (r+j) z/(j+1), from NBD(0).
    const p0 = Math.exp(r * lnq);
    let cdf = 0;
    let term = p0;
    for (let j = 0; j < x && p0 > 0; j++) {
      cdf += term;
      term *= ((r + j) * z) / (j + 1);
    }
    let tail: number;
    if (p0 > 0 && cdf < 0.5) {
      tail = 1 - cdf;
    } else {
      // Sum the tail from x up (also when NBD(0) underflows): past the mode
      // the ratio falls towards z < 1.
      tail = 0;
      let v = px;
      for (let j = x; j < x + 10_000_000; j++) {
        tail += v;
        const ratio = ((r + j) * z) / (j + 1);
        v *= ratio;
        const q = Math.max(ratio, z);
        if (q < 1 && v * (q / (1 - q)) <= 1e-17 * tail) break;
      }
    }
    res += Math.exp(lnB2) * tail;
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
