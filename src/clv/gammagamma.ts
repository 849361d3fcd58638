/**
 * Gamma-Gamma model of monetary value: Fader, Hardie & Lee (2005), "RFM and
 * CLV: Using Iso-Value Curves for Customer Base Analysis", Journal of
 * Marketing Research 42(4); Fader & Hardie (2013), "The Gamma-Gamma Model of
 * Monetary Value" (the note's equation numbers are used below).
 *
 * A customer's transaction values z_i ~ Gamma(p, nu) (shape p, rate nu),
 * nu ~ Gamma(q, v) across customers (the note calls v gamma). Only the mean
 * z-bar of a customer's x transactions is used; it is independent of the
 * transaction process, so the model is fitted on customers with x > 0 alone.
 */

import { type NelderMeadOptions, minimizePositive, standardErrorsFromLogScale } from './optimize.js';
import { lgamma } from './special.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  v: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  logLikelihood: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Customers used (x > 0 and a positive mean value). */
  customers: number;
  standardErrors?: GammaGammaParams;
}

/** Frequency and mean repeat-transaction value of one customer. */
export interface SpendObservation {
  x: number;
  monetary_value: number;
}

export interface GammaGammaFitOptions {
  start?: Partial<GammaGammaParams>;
  optimizer?: NelderMeadOptions;
  standardErrors?: boolean;
}

/**
 * Log density of the observed mean z-bar = m of x transactions (eq. 4 of the note):
 *   f(m | p, q, v, x) = Gamma(px+q) / (Gamma(px) Gamma(q)) * v^q x^(px) m^(px-1) / (v + x m)^(px+q).
 * This is what lifetimes and CLVTools maximise, so the log-likelihoods are comparable.
 */
export function gammaGammaLogLikelihoodIndividual(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = params;
  const px = p * x;
  return (
    lgamma(px + q) -
    lgamma(px) -
    lgamma(q) +
    q * Math.log(v) +
    px * Math.log(x) +
    (px - 1) * Math.log(m) -
    (px + q) * Math.log(v + x * m)
  );
}

/** Customers usable by the spend model: at least one repeat transaction and a positive mean value. */
export function spendSample(customers: ArrayLike<SpendObservation>): { x: Float64Array; m: Float64Array } {
  const xs: number[] = [];
  const ms: number[] = [];
  for (let i = 0; i < customers.length; i++) {
    const c = customers[i]!;
    if (c.x > 0 && c.monetary_value > 0) {
      xs.push(c.x);
      ms.push(c.monetary_value);
    }
  }
  return { x: Float64Array.from(xs), m: Float64Array.from(ms) };
}

/** Total log-likelihood over customers with x > 0 (others are ignored). */
export function gammaGammaLogLikelihood(params: GammaGammaParams, customers: ArrayLike<SpendObservation>): number {
  const { x, m } = spendSample(customers);
  return sampleLogLik(params, prepareSample(x, m));
}

/** Per-customer quantities that do not depend on the parameters, computed once per fit. */
interface PreparedSample {
  n: number;
  xValues: Float64Array;
  lnXValues: Float64Array;
  xIndex: Int32Array;
  x: Float64Array;
  lnM: Float64Array;
  xm: Float64Array;
}

function prepareSample(x: Float64Array, m: Float64Array): PreparedSample {
  const map = new Map<number, number>();
  const xv: number[] = [];
  const xIndex = new Int32Array(x.length);
  const lnM = new Float64Array(x.length);
  const xm = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let k = map.get(x[i]!);
    if (k === undefined) {
      k = xv.length;
      map.set(x[i]!, k);
      xv.push(x[i]!);
    }
    xIndex[i] = k;
    lnM[i] = Math.log(m[i]!);
    xm[i] = x[i]! * m[i]!;
  }
  const xValues = Float64Array.from(xv);
  return { n: x.length, xValues, lnXValues: xValues.map(Math.log), xIndex, x, lnM, xm };
}

function sampleLogLik(params: GammaGammaParams, s: PreparedSample): number {
  const { p, q, v } = params;
  if (!(p > 0 && q > 0 && v > 0)) return NaN;
  // Gamma-function terms depend on x only: once per distinct x.
  const lgq = lgamma(q);
  const qlv = q * Math.log(v);
  const g = new Float64Array(s.xValues.length);
  for (let k = 0; k < g.length; k++) {
    const px = p * s.xValues[k]!;
    g[k] = lgamma(px + q) - lgamma(px) - lgq + qlv + px * s.lnXValues[k]!;
  }
  let total = 0;
  for (let i = 0; i < s.n; i++) {
    const px = p * s.x[i]!;
    total += g[s.xIndex[i]!]! + (px - 1) * s.lnM[i]! - (px + q) * Math.log(v + s.xm[i]!);
  }
  return total;
}

/** Maximum-likelihood fit on customers with x > 0. */
export function fitGammaGamma(customers: ArrayLike<SpendObservation>, opts: GammaGammaFitOptions = {}): GammaGammaFit {
  const { x, m } = spendSample(customers);
  if (x.length === 0) throw new Error('fitGammaGamma: no customers with repeat transactions and positive value');
  let mean = 0;
  for (let i = 0; i < m.length; i++) mean += m[i]!;
  mean /= m.length;
  // Start at p = 1, q = 2, v = mean: population mean p v/(q-1) equals the sample mean.
  const st = { p: 1, q: 2, v: mean, ...opts.start };
  const sample = prepareSample(x, m);
  const negLL = (u: number[]): number => -sampleLogLik({ p: u[0]!, q: u[1]!, v: u[2]! }, sample);
  const res = minimizePositive(negLL, [st.p, st.q, st.v], opts.optimizer);
  const [p, q, v] = res.params as [number, number, number];
  const fit: GammaGammaFit = {
    p,
    q,
    v,
    logLikelihood: -res.fx,
    iterations: res.iterations,
    evaluations: res.evaluations,
    converged: res.converged,
    customers: x.length,
  };
  if (opts.standardErrors) {
    const se = standardErrorsFromLogScale(negLL, res.params);
    fit.standardErrors = { p: se[0]!, q: se[1]!, v: se[2]! };
  }
  return fit;
}

/**
 * E[M | p, q, v, m_x, x] (eq. 5 of the note):
 *   (q - 1)/(px + q - 1) * p v/(q - 1) + px/(px + q - 1) * m_x
 *   = p (v + x m_x) / (px + q - 1),
 * a weighted average of the population mean and the customer's own mean. For
 * x = 0 it is the population mean p v / (q - 1) (finite only for q > 1).
 */
export function gammaGammaConditionalExpectedValue(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, v } = params;
  if (x === 0) return gammaGammaPopulationMean(params);
  return (p * (v + x * m)) / (p * x + q - 1);
}

/** E[Z] = p v / (q - 1), the mean transaction value across customers (q > 1). */
export function gammaGammaPopulationMean(params: GammaGammaParams): number {
  const { p, q, v } = params;
  return q > 1 ? (p * v) / (q - 1) : Infinity;
}
