/**
 * Special functions for the CLV models: log-gamma, digamma, log-beta and the
 * Gauss hypergeometric function 2F1.
 *
 * Everything that can overflow is computed in log space: the Pareto/NBD and
 * BG/NBD expressions raise (alpha + T) to powers of order r + s + x, which is
 * exactly what produces Excel's #NUM! (Fader & Hardie 2013, "Overcoming the
 * BG/NBD Model's #NUM! Error Problem").
 */

const LN_PI = Math.log(Math.PI);
const HALF_LN_2PI = 0.5 * Math.log(2 * Math.PI);

// Lanczos approximation, g = 607/128, 15 terms (Godfrey's coefficients, as used
// by Boost/R's "lanczos" variants). Relative error of Gamma ~1e-15 for x >= 0.5.
const LANCZOS_G = 607 / 128;
const LANCZOS_C = [
  0.99999999999999709182, 57.156235665862923517, -59.597960355475491248, 14.136097974741747174,
  -0.49191381609762019978, 0.33994649984811888699e-4, 0.46523628927048575665e-4,
  -0.98374475304879564677e-4, 0.15808870322491248884e-3, -0.21026444172410488319e-3,
  0.2174396181152126432e-3, -0.16431810653676389022e-3, 0.84418223983852743293e-4,
  -0.2619083840158140867e-4, 0.36899182659531622704e-5,
];

/**
 * sin(pi x), exact at integers (so the reflection formula finds the poles) and
 * with full relative accuracy near them: the argument is reduced with exact
 * operations (fmod, and 1 - y / y - 1 by Sterbenz) before calling Math.sin.
 */
export function sinPi(x: number): number {
  if (x < 0) {
    const v = sinPi(-x);
    return v === 0 ? 0 : -v;
  }
  let y = x % 2; // [0, 2), exact
  let sign = 1;
  if (y >= 1) {
    y -= 1; // exact
    sign = -1;
  }
  if (y === 0) return 0;
  if (y > 0.5) y = 1 - y; // exact for y in (0.5, 1)
  return sign * Math.sin(Math.PI * y);
}

function lanczosLogGamma(x: number): number {
  // Valid for x >= 0.5.
  const z = x - 1;
  let sum = LANCZOS_C[0]!;
  for (let i = 1; i < LANCZOS_C.length; i++) sum += LANCZOS_C[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LN_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * log|Gamma(x)| and the sign of Gamma(x). At the poles (x = 0, -1, -2, ...)
 * returns { value: +Infinity, sign: 0 } so that 1/Gamma evaluates to 0.
 */
export function lgammaSigned(x: number): { value: number; sign: number } {
  if (Number.isNaN(x)) return { value: NaN, sign: NaN };
  if (x === Infinity) return { value: Infinity, sign: 1 };
  if (x >= 0.5) return { value: lanczosLogGamma(x), sign: 1 };
  // Reflection: Gamma(x) Gamma(1-x) = pi / sin(pi x).
  const s = sinPi(x);
  if (s === 0) return { value: Infinity, sign: 0 };
  return { value: LN_PI - Math.log(Math.abs(s)) - lanczosLogGamma(1 - x), sign: s > 0 ? 1 : -1 };
}

/** log|Gamma(x)|. */
export function lgamma(x: number): number {
  return lgammaSigned(x).value;
}

/** Gamma(x) (overflows to Infinity for x > ~171.6, use lgamma there). */
export function gamma(x: number): number {
  const { value, sign } = lgammaSigned(x);
  return sign === 0 ? NaN : sign * Math.exp(value);
}

/** 1 / Gamma(x), zero at the poles. */
export function rgamma(x: number): number {
  const { value, sign } = lgammaSigned(x);
  return sign === 0 ? 0 : sign * Math.exp(-value);
}

/** log B(a, b) for a, b > 0. */
export function lbeta(a: number, b: number): number {
  return lgamma(a) + lgamma(b) - lgamma(a + b);
}

/** Digamma psi(x) = d/dx log Gamma(x). */
export function digamma(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x <= 0 && Number.isInteger(x)) return NaN;
  let result = 0;
  if (x < 0) {
    // Reflection: psi(1-x) - psi(x) = pi cot(pi x).
    const s = sinPi(x);
    const c = Math.cos(Math.PI * (x % 2));
    return digamma(1 - x) - (Math.PI * c) / s;
  }
  // Recurrence up to where the asymptotic series is accurate to double precision.
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  // Bernoulli terms B_{2k}/(2k x^{2k}).
  const series =
    inv2 *
    (1 / 12 -
      inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - inv2 * (691 / 32760 - inv2 / 12))))));
  return result + Math.log(x) - 0.5 * inv - series;
}

/** log(exp(a) + exp(b)) without overflow. */
export function logAddExp(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** log(exp(a) - exp(b)) for a >= b; -Infinity when they are equal (or b > a by rounding). */
export function logSubExp(a: number, b: number): number {
  if (b === -Infinity) return a;
  if (!(a > b)) return -Infinity;
  const d = b - a; // < 0
  // log1p(-exp(d)) loses accuracy for d near 0; use log(-expm1(d)) there.
  return a + (d > -Math.LN2 ? Math.log(-Math.expm1(d)) : Math.log1p(-Math.exp(d)));
}

/** log(sum(exp(values))). */
export function logSumExp(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  if (m === -Infinity || m === Infinity) return m;
  let s = 0;
  for (let i = 0; i < values.length; i++) s += Math.exp(values[i]! - m);
  return m + Math.log(s);
}

/** A real number as (log|value|, sign), so huge or tiny values survive. */
export interface SignedLog {
  logAbs: number;
  sign: number; // -1, 0 or 1
}

function signedAdd(x: SignedLog, y: SignedLog): SignedLog {
  if (x.sign === 0) return y;
  if (y.sign === 0) return x;
  if (x.sign === y.sign) return { logAbs: logAddExp(x.logAbs, y.logAbs), sign: x.sign };
  if (x.logAbs === y.logAbs) return { logAbs: -Infinity, sign: 0 };
  return x.logAbs > y.logAbs
    ? { logAbs: logSubExp(x.logAbs, y.logAbs), sign: x.sign }
    : { logAbs: logSubExp(y.logAbs, x.logAbs), sign: y.sign };
}

const SCALE_LOG = 600 * Math.LN2; // rescale the running sum by 2^-600 when it gets large
const SCALE = Math.pow(2, -600);
const BIG = Math.pow(2, 600);
const SERIES_EPS = 1e-17;

/** Thrown when 2F1 cannot be evaluated to working precision within the term budget. */
export class HypergeometricError extends Error {}

export interface Hyp2f1Options {
  /** Maximum number of series terms (default 1e6). */
  maxTerms?: number;
}

/**
 * Direct power series sum_j (a)_j (b)_j / ((c)_j j!) z^j for |z| < 1,
 * accumulated with a running scale factor so the partial sums cannot overflow
 * even when the terms first grow (large a, b from large x).
 */
function seriesLog(a: number, b: number, c: number, z: number, maxTerms: number): SignedLog {
  if (z === 0) return { logAbs: 0, sign: 1 };
  let term = 1;
  let sum = 1;
  let logScale = 0;
  const absZ = Math.abs(z);
  for (let j = 0; j < maxTerms; j++) {
    const ratio = ((a + j) / (c + j)) * ((b + j) / (j + 1)) * z;
    term *= ratio;
    if (term === 0) break; // a or b is a non-positive integer: the series terminates
    sum += term;
    const absSum = Math.abs(sum);
    if (absSum > BIG) {
      sum *= SCALE;
      term *= SCALE;
      logScale += SCALE_LOG;
    }
    // Tail bound: once |ratio| < 1 the remaining terms shrink at least like
    // q^k with q = max(|ratio|, |z|) (the ratio tends to z monotonically).
    const q = Math.max(Math.abs(ratio), absZ);
    if (q < 1 && Math.abs(term) * (q / (1 - q)) <= SERIES_EPS * Math.abs(sum)) {
      return toSignedLog(sum, logScale);
    }
    if (!Number.isFinite(sum)) throw new HypergeometricError(`2F1 series overflow at a=${a} b=${b} c=${c} z=${z}`);
  }
  if (term === 0) return toSignedLog(sum, logScale);
  throw new HypergeometricError(`2F1 series did not converge in ${maxTerms} terms at a=${a} b=${b} c=${c} z=${z}`);
}

function toSignedLog(sum: number, logScale: number): SignedLog {
  if (sum === 0) return { logAbs: -Infinity, sign: 0 };
  return { logAbs: Math.log(Math.abs(sum)) + logScale, sign: sum > 0 ? 1 : -1 };
}

function isNonPositiveInteger(x: number): boolean {
  return x <= 0 && Number.isInteger(x);
}

/**
 * Connection formula for z near 1 (Abramowitz & Stegun 15.3.6), valid when
 * c - a - b is not an integer:
 *   F(a,b;c;z) = G(c)G(c-a-b)/(G(c-a)G(c-b)) F(a,b;a+b-c+1;1-z)
 *              + (1-z)^(c-a-b) G(c)G(a+b-c)/(G(a)G(b)) F(c-a,c-b;c-a-b+1;1-z)
 */
function connectionLog(a: number, b: number, c: number, z: number, maxTerms: number): SignedLog {
  const w = 1 - z;
  const m = c - a - b;
  const gc = lgammaSigned(c);
  const g1 = lgammaSigned(m);
  const g2 = lgammaSigned(c - a);
  const g3 = lgammaSigned(c - b);
  let t1: SignedLog = { logAbs: -Infinity, sign: 0 };
  if (g2.sign !== 0 && g3.sign !== 0) {
    const f1 = seriesLog(a, b, 1 - m, w, maxTerms);
    t1 = {
      logAbs: gc.value + g1.value - g2.value - g3.value + f1.logAbs,
      sign: gc.sign * g1.sign * g2.sign * g3.sign * f1.sign,
    };
  }
  const h1 = lgammaSigned(-m);
  const h2 = lgammaSigned(a);
  const h3 = lgammaSigned(b);
  let t2: SignedLog = { logAbs: -Infinity, sign: 0 };
  if (h2.sign !== 0 && h3.sign !== 0) {
    const f2 = seriesLog(c - a, c - b, m + 1, w, maxTerms);
    t2 = {
      logAbs: m * Math.log(w) + gc.value + h1.value - h2.value - h3.value + f2.logAbs,
      sign: gc.sign * h1.sign * h2.sign * h3.sign * f2.sign,
    };
  }
  return signedAdd(t1, t2);
}

// Distance from an integer below which c-a-b is treated as integral: the two
// connection terms each scale like 1/distance and cancel.
const INTEGER_GUARD = 1e-4;
// Up to this z the plain series is still affordable (~4e4 terms at worst).
const SERIES_LIMIT_NEAR_INTEGER = 0.999;

function nearIntegerConnection(a: number, b: number, c: number, z: number, maxTerms: number): SignedLog {
  // F is analytic in b. Move b to b0 where c-a-b0 is exactly integral, evaluate
  // the connection formula at b0 +- h, b0 +- 2h (each point a distance >= h from
  // the singular case, so cancellation costs ~log10(1/h) ~ 4 digits) and
  // interpolate the cubic through them at b (|b - b0| < h/2). Interpolation
  // error is O(h^4 d^4F/db^4), ~1e-13 relative for h = 2e-4.
  const m = c - a - b;
  const delta = m - Math.round(m); // b0 = b + delta
  const h = 2e-4;
  const nodes = [-2 * h, -h, h, 2 * h];
  const evals = nodes.map((d) => connectionLog(a, b + delta + d, c, z, maxTerms));
  const norm = evals[1]!.logAbs;
  const vals = evals.map((e) => e.sign * Math.exp(e.logAbs - norm));
  const u = -delta; // target offset from b0
  let value = 0;
  for (let i = 0; i < 4; i++) {
    let li = 1;
    for (let j = 0; j < 4; j++) if (j !== i) li *= (u - nodes[j]!) / (nodes[i]! - nodes[j]!);
    value += li * vals[i]!;
  }
  if (value === 0) return { logAbs: -Infinity, sign: 0 };
  return { logAbs: Math.log(Math.abs(value)) + norm, sign: value > 0 ? 1 : -1 };
}

/**
 * log|2F1(a, b; c; z)| and its sign, for real z < 1 (and z = 1 when it converges).
 *
 * Strategy (see Abramowitz & Stegun 15.3):
 *  - z < -0.5: Pfaff transformation F = (1-z)^(-a) F(a, c-b; c; z/(z-1)) maps to (0, 1).
 *  - |z| <= 0.9: direct series, scaled to avoid overflow.
 *  - 0.9 < z < 1: connection formula in 1 - z (fast there). When c - a - b is
 *    (nearly) an integer the formula is singular: use the series up to
 *    z = 0.999, beyond that interpolate in b around the singular point.
 */
export function logHyp2f1(a: number, b: number, c: number, z: number, opts: Hyp2f1Options = {}): SignedLog {
  const maxTerms = opts.maxTerms ?? 1_000_000;
  if (Number.isNaN(a) || Number.isNaN(b) || Number.isNaN(c) || Number.isNaN(z)) return { logAbs: NaN, sign: NaN };
  if (isNonPositiveInteger(c) && !(isNonPositiveInteger(a) && a > c) && !(isNonPositiveInteger(b) && b > c)) {
    throw new HypergeometricError(`2F1 undefined for c = ${c}`);
  }
  if (z === 0 || a === 0 || b === 0) return { logAbs: 0, sign: 1 };
  if (z > 1) throw new HypergeometricError(`2F1 real branch requires z <= 1 (got ${z})`);
  // Terminating series (a or b a non-positive integer) are polynomials: sum directly.
  if (isNonPositiveInteger(a) || isNonPositiveInteger(b)) return seriesLog(a, b, c, z, maxTerms);
  if (z === 1) {
    const m = c - a - b;
    if (m <= 0) return { logAbs: Infinity, sign: 1 };
    const g = [lgammaSigned(c), lgammaSigned(m), lgammaSigned(c - a), lgammaSigned(c - b)];
    if (g[2]!.sign === 0 || g[3]!.sign === 0) return { logAbs: -Infinity, sign: 0 };
    return {
      logAbs: g[0]!.value + g[1]!.value - g[2]!.value - g[3]!.value,
      sign: g[0]!.sign * g[1]!.sign * g[2]!.sign * g[3]!.sign,
    };
  }
  if (z < -0.5) {
    const w = z / (z - 1); // in (1/3, 1)
    const inner = logHyp2f1(a, c - b, c, w, opts);
    return { logAbs: -a * Math.log1p(-z) + inner.logAbs, sign: inner.sign };
  }
  if (z <= 0.9) return seriesLog(a, b, c, z, maxTerms);
  const m = c - a - b;
  if (Math.abs(m - Math.round(m)) < INTEGER_GUARD) {
    return z <= SERIES_LIMIT_NEAR_INTEGER
      ? seriesLog(a, b, c, z, maxTerms)
      : nearIntegerConnection(a, b, c, z, maxTerms);
  }
  return connectionLog(a, b, c, z, maxTerms);
}

/** 2F1(a, b; c; z) as a plain number (may overflow; prefer logHyp2f1). */
export function hyp2f1(a: number, b: number, c: number, z: number, opts?: Hyp2f1Options): number {
  const r = logHyp2f1(a, b, c, z, opts);
  return r.sign * Math.exp(r.logAbs);
}
