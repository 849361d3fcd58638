/**
 * Pareto/NBD model: Schmittlein, Morrison & Colombo (1987), "Counting Your
 * Customers: Who Are They and What Will They Do Next?", Management Science
 * 33(1); expressions as derived in Fader & Hardie (2005), "A Note on Deriving
 * the Pareto/NBD Model and Related Expressions": likelihood in Section 3
 * (eqs. 22-23), mean in Section 4, P(alive) in Section 5, conditional
 * expectation in Section 6.
 *
 * Transactions while alive ~ Poisson(lambda), lambda ~ Gamma(r, alpha);
 * lifetime ~ Exponential(mu), mu ~ Gamma(s, beta).
 */

import { type PatternSet, type RFT, type RFTColumns, toPatternSet } from './data.js';
import { type NelderMeadOptions, minimizePositive, standardErrorsFromLogScale } from './optimize.js';
import { lgamma, logAddExp, logHyp2f1, logSubExp } from './special.js';
import type { FitDiagnostics, TransactionModel } from './types.js';

export interface ParetoNbdParams {
  r: number;
  alpha: number;
  s: number;
  beta: number;
}

export interface ParetoNbdFit extends ParetoNbdParams, FitDiagnostics {
  standardErrors?: ParetoNbdParams;
}

export interface ParetoNbdFitOptions {
  start?: Partial<ParetoNbdParams>;
  optimizer?: NelderMeadOptions;
  standardErrors?: boolean;
}

/**
 * log 2F1(a, b; a+1; z) for 0 <= z < 1, the only 2F1 the likelihood needs.
 * With c = a + 1 the term ratio is (a+j)/(a+j+1) (b+j)/(j+1) z, all terms are
 * positive, and for moderate z a plain loop is several times faster than the
 * general routine; large z or huge partial sums go to logHyp2f1, which
 * switches to the 1 - z connection formula and rescales.
 */
function logHyp2f1APlusOne(a: number, b: number, z: number): number {
  if (z === 0) return 0;
  if (z <= 0.75) {
    let term = 1;
    let sum = 1;
    for (let j = 0; j < 100_000; j++) {
      const ratio = ((a + j) / (a + j + 1)) * ((b + j) / (j + 1)) * z;
      term *= ratio;
      sum += term;
      if (sum > 1e250) break;
      const q = ratio > z ? ratio : z;
      if (q < 1 && term * q <= 1e-17 * (1 - q) * sum) return Math.log(sum);
    }
  }
  return logHyp2f1(a, b, a + 1, z).logAbs;
}

/**
 * log of one 2F1 term of A0 (Section 3 of the note, eqs. 22-23):
 *  alpha >= beta: F(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+x)
 *  alpha <  beta: F(r+s+x, r+x; r+s+x+1; (beta-alpha)/(beta+t))  / (beta+t)^(r+s+x)
 * A0 = term(t_x) - term(T). Choosing the branch by the larger of alpha, beta
 * keeps the argument in [0, 1). Both terms are formed in log space (the
 * powers overflow for large x: the Excel #NUM! problem).
 */
function logA0Term(p: ParetoNbdParams, x: number, t: number): number {
  const { r, alpha, s, beta } = p;
  const a1 = r + s + x;
  if (alpha >= beta) {
    return logHyp2f1APlusOne(a1, s + 1, (alpha - beta) / (alpha + t)) - a1 * Math.log(alpha + t);
  }
  return logHyp2f1APlusOne(a1, r + x, (beta - alpha) / (beta + t)) - a1 * Math.log(beta + t);
}

/** log A0; -Infinity when t_x = T (A0 = 0). */
function logA0(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  if (t_x === T) return -Infinity;
  return logSubExp(logA0Term(p, x, t_x), logA0Term(p, x, T));
}

/**
 * log of Gamma(r+x) alpha^r beta^s / Gamma(r), the common factor of eq. (22)/(23),
 * and of the "still alive at T" term (alpha+T)^-(r+x) (beta+T)^-s.
 */
function logParts(p: ParetoNbdParams, x: number, t_x: number, T: number): { logC: number; logAlive: number; logDead: number } {
  const { r, alpha, s, beta } = p;
  const logC = lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta);
  const logAlive = -(r + x) * Math.log(alpha + T) - s * Math.log(beta + T);
  const logDead = Math.log(s) - Math.log(r + s + x) + logA0(p, x, t_x, T);
  return { logC, logAlive, logDead };
}

/**
 * Individual log-likelihood:
 *   L = Gamma(r+x) alpha^r beta^s / Gamma(r) * [ (alpha+T)^-(r+x) (beta+T)^-s + s/(r+s+x) A0 ].
 */
export function paretoNbdLogLikelihoodIndividual(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const { logC, logAlive, logDead } = logParts(p, x, t_x, T);
  return logC + logAddExp(logAlive, logDead);
}

/** Total log-likelihood over customers or weighted patterns. */
export function paretoNbdLogLikelihood(p: ParetoNbdParams, data: PatternSet | ArrayLike<RFT> | RFTColumns): number {
  const ps = toPatternSet(data);
  const { r, alpha, s, beta } = p;
  if (!(r > 0 && alpha > 0 && s > 0 && beta > 0)) return NaN;
  // The Gamma-function part depends on x only.
  const lgR = lgamma(r);
  const pre = r * Math.log(alpha) + s * Math.log(beta);
  const base = ps.xValues.map((x) => lgamma(r + x) - lgR + pre + Math.log(s) - Math.log(r + s + x));
  const lnAT = ps.TValues.map((T) => Math.log(alpha + T));
  const lnBT = ps.TValues.map((T) => Math.log(beta + T));
  // term(T) depends on (x, T) only and term(t_x) on (x, t_x) only: memoise
  // both per evaluation (all x = 0 customers share t_x = 0, for instance).
  const nx = ps.xValues.length;
  const nT = ps.TValues.length;
  const ntx = ps.txValues.length;
  const memoT = nx * nT <= 4_000_000 ? new Float64Array(nx * nT).fill(NaN) : null;
  const memoTx = nx * ntx <= 4_000_000 ? new Float64Array(nx * ntx).fill(NaN) : null;
  let total = 0;
  for (let i = 0; i < ps.size; i++) {
    const x = ps.x[i]!;
    const k = ps.xIndex[i]!;
    const j = ps.TIndex[i]!;
    // base includes log(s/(r+s+x)); undo it for the alive term.
    const logAlive = -(r + x) * lnAT[j]! - s * lnBT[j]! - Math.log(s) + Math.log(r + s + x);
    let lA0 = -Infinity;
    const tx = ps.t_x[i]!;
    const T = ps.T[i]!;
    if (tx !== T) {
      let lT: number;
      let lTx: number;
      if (memoT) {
        const key = k * nT + j;
        lT = memoT[key]!;
        if (Number.isNaN(lT)) lT = memoT[key] = logA0Term(p, x, T);
      } else lT = logA0Term(p, x, T);
      if (memoTx) {
        const key = k * ntx + ps.txIndex[i]!;
        lTx = memoTx[key]!;
        if (Number.isNaN(lTx)) lTx = memoTx[key] = logA0Term(p, x, tx);
      } else lTx = logA0Term(p, x, tx);
      lA0 = logSubExp(lTx, lT);
    }
    total += ps.count[i]! * (base[k]! + logAddExp(logAlive, lA0));
  }
  return total;
}

/** Maximum-likelihood fit (Nelder-Mead on log-parameters, with restarts). */
export function fitParetoNbd(
  data: PatternSet | ArrayLike<RFT> | RFTColumns,
  opts: ParetoNbdFitOptions = {},
): ParetoNbdFit {
  const ps = toPatternSet(data);
  if (ps.customers === 0) throw new Error('fitParetoNbd: no customers');
  let meanT = 0;
  for (let i = 0; i < ps.size; i++) meanT += ps.count[i]! * ps.T[i]!;
  meanT /= ps.customers;
  const scale = Math.max(meanT / 4, 1e-3);
  const st = { r: 1, alpha: scale, s: 1, beta: scale, ...opts.start };
  const negLL = (v: number[]): number =>
    -paretoNbdLogLikelihood({ r: v[0]!, alpha: v[1]!, s: v[2]!, beta: v[3]! }, ps);
  const res = minimizePositive(negLL, [st.r, st.alpha, st.s, st.beta], opts.optimizer);
  const [r, alpha, s, beta] = res.params as [number, number, number, number];
  const fit: ParetoNbdFit = {
    r,
    alpha,
    s,
    beta,
    logLikelihood: -res.fx,
    iterations: res.iterations,
    evaluations: res.evaluations,
    converged: res.converged,
    customers: ps.customers,
    patterns: ps.size,
  };
  if (opts.standardErrors) {
    const se = standardErrorsFromLogScale(negLL, res.params);
    fit.standardErrors = { r: se[0]!, alpha: se[1]!, s: se[2]!, beta: se[3]! };
  }
  return fit;
}

/**
 * P(alive | x, t_x, T) (Section 5 of the note):
 *   1 / (1 + s/(r+s+x) (alpha+T)^(r+x) (beta+T)^s A0)
 * i.e. the share of the likelihood contributed by "alive at T".
 */
export function paretoNbdPAlive(p: ParetoNbdParams, x: number, t_x: number, T: number): number {
  const { logAlive, logDead } = logParts(p, x, t_x, T);
  const d = logDead - logAlive;
  return d > 0 ? Math.exp(-d) / (1 + Math.exp(-d)) : 1 / (1 + Math.exp(d));
}

/**
 * (r+x)(beta+T)/((alpha+T)(s-1)) [1 - ((beta+T)/(beta+T+t))^(s-1)]: expected
 * purchases in (T, T+t] for a customer known to be alive at T; the s -> 1 limit
 * is (r+x)/(alpha+T) (beta+T) log((beta+T+t)/(beta+T)).
 */
function aliveExpected(p: ParetoNbdParams, t: number, x: number, T: number): number {
  const { r, alpha, s, beta } = p;
  if (t <= 0) return 0;
  const lead = (r + x) / (alpha + T);
  const lnRatio = Math.log1p(t / (beta + T)); // log((beta+T+t)/(beta+T))
  if (Math.abs(s - 1) < 1e-10) return lead * (beta + T) * lnRatio;
  // 1 - exp(-(s-1) lnRatio), stable for small t and s near 1.
  return (lead * (beta + T) * -Math.expm1(-(s - 1) * lnRatio)) / (s - 1);
}

/**
 * E[Y(t) | x, t_x, T] (Section 6 of the note; SMC 1987 eq. 22): P(alive) times
 * the expectation for a customer alive at T.
 */
export function paretoNbdConditionalExpected(
  p: ParetoNbdParams,
  t: number,
  x: number,
  t_x: number,
  T: number,
): number {
  return paretoNbdPAlive(p, x, t_x, T) * aliveExpected(p, t, x, T);
}

/** E[X(t)] = r beta / (alpha (s-1)) [1 - (beta/(beta+t))^(s-1)] (Section 4 of the note). */
export function paretoNbdExpected(p: ParetoNbdParams, t: number): number {
  return aliveExpected(p, t, 0, 0);
}

/** The Pareto/NBD as a TransactionModel. */
export function paretoNbdModel(p: ParetoNbdParams): TransactionModel {
  if (!(p.r > 0 && p.alpha > 0 && p.s > 0 && p.beta > 0)) {
    throw new Error(`Pareto/NBD parameters must be positive: ${JSON.stringify(p)}`);
  }
  const params = { r: p.r, alpha: p.alpha, s: p.s, beta: p.beta };
  return {
    name: 'pareto-nbd',
    params,
    logLikelihood: (x, t_x, T) => paretoNbdLogLikelihoodIndividual(params, x, t_x, T),
    pAlive: (x, t_x, T) => paretoNbdPAlive(params, x, t_x, T),
    conditionalExpected: (t, x, t_x, T) => paretoNbdConditionalExpected(params, t, x, t_x, T),
    expected: (t) => paretoNbdExpected(params, t),
  };
}
