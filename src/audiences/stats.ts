import { lgamma } from '../clv/special.js';

/**
 * Welch's two-sample comparison of means (unequal variances): the difference, its standard
 * error, the Welch–Satterthwaite degrees of freedom and a two-sided confidence interval from
 * Student's t. Used for revenue per customer and response rate (a mean of 0/1) of target vs
 * control. With fewer than two customers in a group there is no variance, hence no interval.
 */
export interface GroupStats {
  n: number;
  mean: number;
  /** Sample variance (n - 1 in the denominator). */
  variance: number;
}

export interface WelchResult {
  difference: number;
  standardError: number | null;
  degreesOfFreedom: number | null;
  low: number | null;
  high: number | null;
  /** Two-sided p-value of "no difference". */
  pValue: number | null;
}

export function welch(target: GroupStats, control: GroupStats, confidence = 0.95): WelchResult {
  const difference = target.mean - control.mean;
  if (target.n < 2 || control.n < 2) return { difference, standardError: null, degreesOfFreedom: null, low: null, high: null, pValue: null };
  const vt = target.variance / target.n;
  const vc = control.variance / control.n;
  const standardError = Math.sqrt(vt + vc);
  if (standardError === 0) {
    // Both groups constant: the difference is exact.
    return { difference, standardError: 0, degreesOfFreedom: null, low: difference, high: difference, pValue: difference === 0 ? 1 : 0 };
  }
  const degreesOfFreedom = (vt + vc) ** 2 / (vt ** 2 / (target.n - 1) + vc ** 2 / (control.n - 1));
  const t = studentTQuantile(1 - (1 - confidence) / 2, degreesOfFreedom);
  const pValue = 2 * (1 - studentTCdf(Math.abs(difference) / standardError, degreesOfFreedom));
  return { difference, standardError, degreesOfFreedom, low: difference - t * standardError, high: difference + t * standardError, pValue };
}

/** Student's t distribution function, through the regularized incomplete beta function. */
export function studentTCdf(t: number, df: number): number {
  const x = df / (df + t * t);
  const tail = 0.5 * incompleteBeta(x, df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The p-quantile of Student's t (bisection on the distribution function; 1e-12 precise). */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`quantile probability must be in (0, 1), not ${p}`);
  let lo = -1e3;
  let hi = 1e3;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Regularized incomplete beta I_x(a, b) by Lentz's continued fraction (Numerical Recipes 6.4). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const front = Math.exp(lgamma(a + b) - lgamma(a) - lgamma(b) + a * Math.log(x) + b * Math.log(1 - x));
  if (x < (a + 1) / (a + b + 2)) return (front * betaFraction(x, a, b)) / a;
  return 1 - (front * betaFraction(1 - x, b, a)) / b;
}

function betaFraction(x: number, a: number, b: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-15) break;
  }
  return h;
}
