import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type BgnbdParams,
  type RFT,
  type Transaction,
  bgnbdConditionalExpected,
  bgnbdExpected,
  bgnbdLogLikelihood,
  bgnbdModel,
  bgnbdPAlive,
  bgnbdPmf,
  compressPatterns,
  customerLifetimeValue,
  fitBgnbd,
  mulberry32,
  prepareTransactions,
  randomExponential,
  randomGamma,
  simulateBgnbd,
} from '../../src/clv/index.js';
import { readRecords } from '../../src/feeds/records.js';
import { relErr } from './helpers.js';

/**
 * The BG/NBD at and near the edges of its parameter space: a -> 0 (no
 * drop-out: the NBD), a, b -> 0 (drop-out probability 0 or 1), c = a+b+x-1 at
 * or near the poles 0 and -1 of the 2F1 in eq. (10), a, b -> inf and
 * r, alpha -> inf; and fits that end there (short histories).
 */

/** E[Y(t) | x, t_x, T] (t_x, T given) or E[X(t)] (T = null). */
function ce(p: BgnbdParams, t: number, x: number, tx: number, T: number | null): number {
  return T === null ? bgnbdExpected(p, t) : bgnbdConditionalExpected(p, t, x, tx, T);
}

// Closed-form limits (see expectedCore in bgnbd.ts). With A = alpha + T and
// lambda ~ Gamma(r+x, A), a customer alive at T buys (1 - exp(-lambda p t))/p
// in expectation given p, i.e. g(p) = (1 - (A/(A+pt))^(r+x)) / p.
function g(p: BgnbdParams, t: number, x: number, T: number | null, prob: number): number {
  const A = p.alpha + (T ?? 0);
  const R = p.r + x;
  return prob === 0 ? (R * t) / A : -Math.expm1(-R * Math.log1p((prob * t) / A)) / prob;
}
/** a -> 0 (b fixed): the NBD. P(alive) = 1. */
function nbdLimit(p: BgnbdParams, t: number, x: number, T: number | null): number {
  return g(p, t, x, T, 0);
}
/**
 * a, b -> 0 with a/(a+b) = rho: p = 1 with probability rho, else 0. Only
 * x = 0 customers can have p = 1 and be alive; x = 1 ones are alive with
 * probability 1/(1 + rho/(1-rho) ((alpha+T)/(alpha+t_x))^(r+1)) and then have p = 0.
 */
function twoPointLimit(p: BgnbdParams, rho: number, t: number, x: number, tx: number, T: number | null): number {
  if (x === 0) return rho * g(p, t, 0, T, 1) + (1 - rho) * g(p, t, 0, T, 0);
  if (x >= 2) return g(p, t, x, T, 0);
  const pAlive = 1 / (1 + (rho / (1 - rho)) * Math.pow((p.alpha + T!) / (p.alpha + tx), p.r + 1));
  return pAlive * g(p, t, 1, T, 0);
}

/**
 * Reference values: Python mpmath (50 digits) of N = E_p[g(p)], p ~ Beta(a, b+x),
 * as R t/A 3F2(1, R+1, a; 2, a+b+x; -t/A) (pole-free; equal to the paper's
 * (a+b+x-1)/(a-1) [1 - (A/(A+t))^R 2F1(R, b+x; a+b+x-1; t/(A+t))] wherever that
 * is defined), or by quadrature over logit(p) for large a, b; times P(alive).
 * Columns: label, [r, alpha, a, b], [t, x, t_x, T (null: E[X(t)])], value, P(alive).
 */
const REFERENCE: [string, number[], (number | null)[], number, number][] = [
  // Online-Retail-like boundary fit (weeks): a, b -> 0 with a/(a+b) ~ 0.15
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [52, 0, 0, 1], 6.1678860286616654104, 1.0],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [52, 0, 0, 3], 4.3372822995209024368, 1.0],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [4.345, 0, 0, 2.5], 0.42587431735606422867, 1.0],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [52, 1, 1, 3], 9.6746360804845088614, 0.75409668014184970042],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [52, 1, 2.5, 3], 10.637535501304561088, 0.82915058919953768445],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [52, 4, 2.9, 3], 36.355300417762078167, 0.99999999792555801891],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [1000, 0, 0, 2], 95.763587006018964779, 1.0],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [52, 0, 0, null], 7.8370686113904982063, 1.0],
  ['OR', [0.636, 3.631, 5.8e-9, 3.2e-8], [1000, 0, 0, null], 148.43134641993571734, 1.0],
  // c = a+b+x-1 = 0 exactly (a + b = 1, x = 0), and either side of it
  ['c0', [0.243, 4.414, 0.25, 0.75], [39, 0, 0, 30], 0.24247211297470789465, 1.0],
  ['c0', [0.243, 4.414, 0.25, 0.75], [1000, 0, 0, 30], 3.5513234741641580379, 1.0],
  ['c0', [0.243, 4.414, 0.25, 0.75], [39, 0, 0, null], 1.3912311883733334841, 1.0],
  ['c0', [0.243, 4.414, 0.25, 0.75], [5000, 0, 0, null], 57.017101599558974453, 1.0],
  ['c0+', [0.243, 4.414, 0.25, 0.7500000001], [39, 0, 0, 30], 0.24247211297743992799, 1.0],
  ['c0-', [0.243, 4.414, 0.25, 0.7499999999], [39, 0, 0, 30], 0.24247211297197586131, 1.0],
  // c near -1 (x = 0) and near 0 (x = 1) with a + b -> 0
  ['c-1', [0.243, 4.414, 1e-10, 3e-10], [39, 0, 0, 30], 0.24857535198271126977, 1.0],
  ['c-1', [0.243, 4.414, 1e-10, 3e-10], [5000, 0, 0, null], 206.65014327486361678, 1.0],
  ['c0x1', [0.243, 4.414, 1e-10, 3e-10], [39, 1, 10, 30], 0.71026339659828144275, 0.50421858886803375166],
  ['c0x1', [0.243, 4.414, 1e-10, 3e-10], [5000, 1, 10, 30], 91.059409781112222864, 0.50421858886803375166],
  // a -> 0 with b fixed; b = 1 makes c = a at x = 0
  ['a0', [0.5, 2, 1e-6, 0.5], [52, 0, 0, 1], 8.6666342455358761388, 1.0],
  ['a0', [0.5, 2, 1e-12, 1], [52, 0, 0, 1], 8.6666666666444491847, 1.0],
  ['a0', [0.5, 2, 1e-12, 1], [52, 3, 0.5, 1], 60.666666666495773403, 0.99999999999936902361],
  // large a, b (homogeneous drop-out; the old 2F1 connection formula returned
  // 2e23 or Infinity here) and large r, alpha (homogeneous purchase rate)
  ['big', [0.5, 3, 500, 1400], [52, 0, 0, 2], 1.835296439424885022, 1.0],
  ['big', [0.5, 3, 500, 1400], [52, 5, 1.5, 2], 2.330977765842592689, 0.61134981446472058558],
  ['big', [0.5, 3, 10, 10000.0], [52, 1, 1, 2], 15.378593774012799116, 0.9986044079132968371],
  ['big', [0.5, 3, 3, 100], [52, 5, 1.5, 2], 27.992369901088944443, 0.95102804544491639066],
  ['rate', [20000.0, 100000.0, 0.8, 2.4], [52, 3, 20, 30], 2.8211476335635004971, 0.42676751607628386245],
  // a near 1 (removable singularity of the 2F1 form)
  ['a1', [0.7, 10, 1.0000000001, 0.5], [52, 0, 0, 3], 1.0272122055941577988, 1.0],
  ['a1', [0.7, 10, 1.0000000001, 0.5], [0.01, 1, 1, 3], 0.00035745283174001935575, 0.2734598125509895485],
];

const params = (v: number[]): BgnbdParams => ({ r: v[0]!, alpha: v[1]!, a: v[2]!, b: v[3]! });

describe('BG/NBD expressions at the edges of the parameter space', () => {
  it('match mpmath near a, b -> 0, at c = 0, near c = -1, for large a, b and r, alpha', () => {
    for (const [label, pv, [t, x, tx, T], want, wantAlive] of REFERENCE) {
      const p = params(pv);
      const got = ce(p, t!, x!, tx!, T);
      expect(Number.isFinite(got), label).toBe(true);
      expect(relErr(got, want), `${label} ${JSON.stringify([t, x, tx, T])}`).toBeLessThan(1e-12);
      if (T !== null) expect(relErr(bgnbdPAlive(p, x!, tx!, T!), wantAlive), label).toBeLessThan(1e-14);
    }
  });

  const cases: [number, number, number, number | null][] = [
    [52, 0, 0, 1],
    [4.345, 0, 0, 2],
    [520, 0, 0, 0.5],
    [52, 1, 0.5, 2],
    [52, 1, 2, 2],
    [52, 3, 1.5, 2],
    [1000, 20, 1.9, 2],
    [52, 0, 0, null],
    [2000, 0, 0, null],
  ];

  it('a -> 0 with b fixed: the NBD, (r+x) t/(alpha+T), with an error O(a); P(alive) -> 1', () => {
    for (const b of [0.3, 1, 4]) {
      for (const [t, x, tx, T] of cases) {
        let prevErr = Infinity;
        for (const a of [1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-13, 1e-20, 1e-300]) {
          const p = { r: 0.6, alpha: 3.6, a, b };
          const lim = nbdLimit(p, t, x, T);
          const err = relErr(ce(p, t, x, tx, T), lim);
          expect(err, `a ${a} b ${b} ${[t, x, tx, T]}`).toBeLessThan(30 * a + 5e-14);
          // First order in a: 100 times smaller a, ~100 times smaller error.
          if (err > 1e-12) expect(err).toBeLessThan(prevErr / 50);
          prevErr = err;
          if (T !== null && x > 0) {
            // 1 - P(alive) < a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)
            const bound = (a / (b + x - 1)) * Math.pow((p.alpha + T) / (p.alpha + tx), p.r + x);
            // (plus one rounding of P(alive) near 1)
            expect(1 - bgnbdPAlive(p, x, tx, T)).toBeLessThanOrEqual(bound * (1 + 1e-12) + 2.3e-16);
          }
        }
      }
    }
  });

  it('a, b -> 0 with a/(a+b) = rho: drop-out probability 1 (share rho) or 0', () => {
    for (const rho of [0.1, 0.5, 0.9]) {
      for (const [t, x, tx, T] of cases) {
        for (const eps of [1e-3, 1e-6, 1e-9, 1e-12, 1e-16, 1e-100, 1e-300]) {
          const p = { r: 0.6, alpha: 3.6, a: rho * eps, b: (1 - rho) * eps };
          const lim = twoPointLimit(p, rho, t, x, tx, T);
          expect(relErr(ce(p, t, x, tx, T), lim), `rho ${rho} eps ${eps} ${[t, x, tx, T]}`).toBeLessThan(50 * eps + 5e-14);
        }
      }
    }
    // c = a+b+x-1 is -1 in floating point here (a+b = 4e-300): still finite and the limit.
    const p = { r: 0.6, alpha: 3.6, a: 1e-300, b: 3e-300 };
    expect(p.a + p.b - 1).toBe(-1);
    expect(relErr(bgnbdExpected(p, 52), twoPointLimit(p, 0.25, 52, 0, 0, null))).toBeLessThan(1e-14);
  });

  it('a, b -> inf with a/(a+b) = p0: every customer has drop-out probability p0', () => {
    for (const p0 of [0.05, 0.3, 0.9]) {
      for (const [t, x, tx, T] of cases) {
        for (const S of [1e4, 1e7, 1e10, 1e14]) {
          const p = { r: 0.6, alpha: 3.6, a: p0 * S, b: (1 - p0) * S };
          const pAlive =
            T === null || x === 0 ? 1 : 1 / (1 + (p0 / (1 - p0)) * Math.pow((p.alpha + T) / (p.alpha + tx), p.r + x));
          const lim = pAlive * g(p, t, x, T, p0);
          expect(relErr(ce(p, t, x, tx, T), lim)).toBeLessThan(1000 / S + 1e-13);
        }
      }
    }
  });

  it('r, alpha -> inf with r/alpha = lambda: Poisson purchases', () => {
    // E_p[(1 - exp(-lambda p t))/p] = sum_k>=1 (-1)^(k+1) (lambda t)^k / k! E[p^(k-1)].
    const a = 0.8;
    const b = 2.4;
    const lambda = 0.1;
    for (const t of [5, 39]) {
      const mu = lambda * t;
      let lim = 0;
      let term = 1; // mu^k / k! E[p^(k-1)] with sign
      for (let k = 1; k < 200; k++) {
        term *= mu / k;
        if (k > 1) term *= -(a + k - 2) / (a + b + k - 2);
        lim += term;
      }
      for (const r of [1e3, 1e6, 1e9]) {
        const p = { r, alpha: r / lambda, a, b };
        expect(relErr(bgnbdExpected(p, t), lim)).toBeLessThan(20 / r + 1e-13);
      }
    }
  });

  it('continuous across c = 0 and across the switches of representation', () => {
    // c = a+b-1 = 0 at x = 0: a + b = 1 - d, 1, 1 + d.
    for (const t of [1, 39, 1000]) {
      const mid = bgnbdExpected({ r: 0.5, alpha: 3, a: 0.4, b: 0.6 }, t);
      for (const d of [1e-15, 1e-12, 1e-9]) {
        for (const s of [-1, 1]) {
          expect(relErr(bgnbdExpected({ r: 0.5, alpha: 3, a: 0.4, b: 0.6 + s * d }, t), mid)).toBeLessThan(10 * d + 1e-14);
        }
      }
      // a + b = 2 (c = 1) and a = 1 and a = 2.
      for (const [a, b] of [
        [0.9, 1.1],
        [1, 0.5],
        [2, 0.5],
      ] as const) {
        const m = bgnbdExpected({ r: 0.5, alpha: 3, a, b }, t);
        for (const s of [-1, 1]) {
          expect(relErr(bgnbdExpected({ r: 0.5, alpha: 3, a: a + s * 1e-12, b }, t), m)).toBeLessThan(1e-11);
        }
      }
    }
  });

  it('eq. (8) agrees: P(X(t) = x) sums to 1 with mean E[X(t)] at the edges', () => {
    // bgnbdPmf is computed independently of E[X(t)] (Beta ratios and NBD terms).
    const edge: BgnbdParams[] = [
      { r: 0.636, alpha: 3.631, a: 5.8e-9, b: 3.2e-8 },
      { r: 0.5, alpha: 3, a: 1e-300, b: 2 },
      { r: 0.243, alpha: 4.414, a: 0.25, b: 0.75 },
      { r: 0.5, alpha: 3, a: 3e11, b: 7e11 },
      { r: 1e5, alpha: 2e5, a: 0.5, b: 3 },
    ];
    for (const p of edge) {
      for (const t of [1, 39, 300]) {
        let total = 0;
        let mean = 0;
        for (let x = 0; x < 5000; x++) {
          const v = bgnbdPmf(p, t, x);
          total += v;
          mean += x * v;
          if (x > 20 && v < 1e-20 * total && x > 2 * mean) break;
        }
        expect(total).toBeCloseTo(1, 12);
        expect(relErr(mean, bgnbdExpected(p, t))).toBeLessThan(1e-12);
      }
    }
  });

  it('the likelihood tends to that of the limiting models', () => {
    const data: RFT[] = [
      { x: 0, t_x: 0, T: 3 },
      { x: 1, t_x: 0.5, T: 2 },
      { x: 1, t_x: 2.5, T: 3 },
      { x: 4, t_x: 2.8, T: 3 },
    ];
    const r = 0.6;
    const alpha = 3.6;
    const nbd = (x: number, T: number): number =>
      Array.from({ length: x }, (_, i) => Math.log(r + i)).reduce((s, v) => s + v, 0) +
      r * Math.log(alpha / (alpha + T)) -
      x * Math.log(alpha + T);
    // Two-point limit: x = 0 NBD; x = 1 mixes "alive" (1-rho) and "dropped at t_x" (rho); x >= 2 needs p = 0.
    const rho = 0.2;
    const twoPoint = data.reduce((s, { x, t_x, T }) => {
      if (x === 0) return s + nbd(0, T);
      if (x >= 2) return s + Math.log(1 - rho) + nbd(x, T);
      return s + Math.log((1 - rho) * Math.exp(nbd(1, T)) + rho * Math.exp(nbd(1, t_x)));
    }, 0);
    for (const eps of [1e-6, 1e-10, 1e-14, 1e-300]) {
      const ll = bgnbdLogLikelihood({ r, alpha, a: rho * eps, b: (1 - rho) * eps }, data);
      expect(Math.abs(ll - twoPoint)).toBeLessThan(20 * eps + 1e-13);
    }
    // a, b -> inf: p fixed at 0.3 for everyone; r, alpha -> inf: Poisson with rate r/alpha.
    const p0 = 0.3;
    const lam = r / alpha;
    const homogeneous = (scaleRate: boolean): number =>
      data.reduce((s, { x, t_x, T }) => {
        const alive = scaleRate
          ? x * Math.log(lam) - lam * T
          : Array.from({ length: x }, (_, i) => Math.log(r + i)).reduce((u, v) => u + v, 0) +
            r * Math.log(alpha / (alpha + T)) -
            x * Math.log(alpha + T);
        const dead = scaleRate
          ? x * Math.log(lam) - lam * t_x
          : Array.from({ length: x }, (_, i) => Math.log(r + i)).reduce((u, v) => u + v, 0) +
            r * Math.log(alpha / (alpha + t_x)) -
            x * Math.log(alpha + t_x);
        const keep = x * Math.log(1 - p0);
        return s + (x === 0 ? alive : keep + Math.log(Math.exp(alive) + (p0 / (1 - p0)) * Math.exp(dead)));
      }, 0);
    for (const S of [1e6, 1e10, 1e14]) {
      const ll = bgnbdLogLikelihood({ r, alpha, a: p0 * S, b: (1 - p0) * S }, data);
      expect(Math.abs(ll - homogeneous(false))).toBeLessThan(100 / S + 1e-12);
      const llRate = bgnbdLogLikelihood({ r: r * S, alpha: alpha * S, a: p0 * 1e16, b: (1 - p0) * 1e16 }, data);
      expect(Math.abs(llRate - homogeneous(true))).toBeLessThan(100 / S + 1e-12);
    }
  });
});

// ---------------------------------------------------------------------------
// Fits that end on the boundary

/** Customers whose drop-out probability is 1 (share rho: they stop at their first repeat purchase) or 0. */
function simulateTwoPoint(n: number, r: number, alpha: number, rho: number, seed: number, maxT: number): RFT[] {
  const rng = mulberry32(seed);
  const out: RFT[] = [];
  for (let i = 0; i < n; i++) {
    const T = Math.floor(rng() * (7 * maxT + 1)) / 7; // ages on a daily grid, in weeks
    const lambda = randomGamma(rng, r, alpha);
    const stopsAtFirst = rng() < rho;
    let t = 0;
    let x = 0;
    let t_x = 0;
    for (;;) {
      t += randomExponential(rng, lambda);
      if (t > T) break;
      x++;
      t_x = t;
      if (stopsAtFirst) break;
    }
    out.push({ x, t_x, T });
  }
  return out;
}

function expectFinitePredictions(fit: BgnbdParams, customers: RFT[]): void {
  const model = bgnbdModel(fit);
  expect(Number.isFinite(model.expected(52))).toBe(true);
  for (const c of customers) {
    const pa = model.pAlive(c.x, c.t_x, c.T);
    const e = model.conditionalExpected(52, c.x, c.t_x, c.T);
    const clv = customerLifetimeValue(model, c, 25, { months: 12, period: 'week' });
    expect(pa >= 0 && pa <= 1).toBe(true);
    expect(Number.isFinite(e) && e >= 0).toBe(true);
    expect(Number.isFinite(clv) && clv >= 0).toBe(true);
  }
}

describe('BG/NBD fits on the boundary', () => {
  it('three weeks of purchases, some customers stopping after one repeat: a, b -> 0 ("two-point")', () => {
    const customers = simulateTwoPoint(2000, 0.6, 3.6, 0.3, 1, 3);
    const fit = fitBgnbd(compressPatterns(customers), { standardErrors: true });
    expect(fit.atBoundary).toBe(true);
    expect(fit.boundary!.kinds).toEqual(['two-point']);
    expect(fit.a + fit.b).toBeLessThan(1e-6);
    expect(Math.abs(fit.boundary!.dropoutShare - 0.3)).toBeLessThan(3 * fit.boundary!.dropoutShareSE!);
    expect(fit.boundary!.message).toMatch(/right after their first repeat purchase/);
    // a, b are not identified there: no standard errors for them; r, alpha from the limiting model.
    expect(fit.standardErrors!.a).toBeNaN();
    expect(fit.standardErrors!.b).toBeNaN();
    expect(fit.standardErrors!.r).toBeGreaterThan(0);
    expect(fit.standardErrors!.alpha).toBeGreaterThan(0);
    expectFinitePredictions(fit, customers);
    // Predictions are those of the limiting model.
    const rho = fit.boundary!.dropoutShare;
    for (const c of customers.slice(0, 200)) {
      const want = twoPointLimit(fit, rho, 52, c.x, c.t_x, c.T);
      expect(relErr(bgnbdConditionalExpected(fit, 52, c.x, c.t_x, c.T), want)).toBeLessThan(1e-6);
    }
  });

  it('no drop-out at all (an NBD population): a -> 0 ("no-dropout"), predictions (r+x) t/(alpha+T)', () => {
    const rng = mulberry32(2);
    const customers: RFT[] = [];
    for (let i = 0; i < 900; i++) {
      const T = 3 * rng();
      const lambda = randomGamma(rng, 0.6, 3.6);
      let t = 0;
      let x = 0;
      let t_x = 0;
      for (;;) {
        t += randomExponential(rng, lambda);
        if (t > T) break;
        x++;
        t_x = t;
      }
      customers.push({ x, t_x, T });
    }
    const fit = fitBgnbd(compressPatterns(customers));
    expect(fit.atBoundary).toBe(true);
    expect(fit.boundary!.kinds).toEqual(['no-dropout']);
    expect(fit.boundary!.message).toMatch(/reduces to the NBD/);
    expectFinitePredictions(fit, customers);
    for (const c of customers.slice(0, 200)) {
      expect(bgnbdPAlive(fit, c.x, c.t_x, c.T)).toBeCloseTo(1, 8);
      expect(relErr(bgnbdConditionalExpected(fit, 52, c.x, c.t_x, c.T), nbdLimit(fit, 52, c.x, c.T))).toBeLessThan(1e-6);
    }
  });

  it('the same drop-out probability for everyone: a, b -> inf ("homogeneous-dropout")', () => {
    const sim = simulateBgnbd({ r: 0.8, alpha: 4, a: 3e5, b: 7e5 }, { n: 3000, T: [20, 52], seed: 2 });
    const fit = fitBgnbd(compressPatterns(sim), { standardErrors: true });
    expect(fit.atBoundary).toBe(true);
    expect(fit.boundary!.kinds).toEqual(['homogeneous-dropout']);
    expect(Math.abs(fit.boundary!.dropoutShare - 0.3)).toBeLessThan(3 * fit.boundary!.dropoutShareSE!);
    expectFinitePredictions(fit, sim.slice(0, 300));
  });

  it('the same purchase rate for everyone: r, alpha -> inf ("homogeneous-rate")', () => {
    const sim = simulateBgnbd({ r: 4e5, alpha: 4e6, a: 0.8, b: 2.4 }, { n: 3000, T: [20, 52], seed: 1 });
    const fit = fitBgnbd(compressPatterns(sim), { standardErrors: true });
    expect(fit.atBoundary).toBe(true);
    expect(fit.boundary!.kinds).toEqual(['homogeneous-rate']);
    expect(Math.abs(fit.boundary!.purchaseRate - 0.1)).toBeLessThan(3 * fit.boundary!.purchaseRateSE!);
    expect(fit.standardErrors!.r).toBeNaN();
    expectFinitePredictions(fit, sim.slice(0, 300));
  });
});

// The UCI Online Retail data (first three weeks), bundled in samples/.
const here = path.dirname(fileURLToPath(import.meta.url));
const ONLINE_RETAIL = path.resolve(here, '../../samples/datasets/online-retail/by-day');

describe('BG/NBD on three weeks of Online Retail', () => {
  it('fits at the boundary (a, b -> 0) and gives finite predictions for every customer', async () => {
    // One transaction per customer and invoice (purchases only, no cancellations),
    // dated by the invoice day; calibration to 2010-12-23, weeks. Read with the feeds' CSV reader.
    const seen = new Map<string, Transaction>();
    const source = { format: 'csv', delimiter: ',', quote: '"', encoding: 'utf-8' } as const;
    for (const file of fs.readdirSync(ONLINE_RETAIL).sort()) {
      let col: (name: string) => number = () => -1;
      for await (const { values } of readRecords(path.join(ONLINE_RETAIL, file), source, [])) {
        if (!values) continue;
        if (col(`InvoiceNo`) < 0) {
          const head = values;
          col = (name) => head.indexOf(name);
          continue;
        }
        const [inv, qty, date, cust] = [values[col('InvoiceNo')]!, values[col('Quantity')]!, values[col('InvoiceDate')]!, values[col('CustomerID')]!];
        if (!cust || inv.startsWith('C') || !(Number(qty) > 0)) continue;
        const key = `${cust}|${inv}`;
        if (!seen.has(key)) seen.set(key, { customerId: cust, date: date.slice(0, 10) });
      }
    }
    const prep = prepareTransactions(seen.values(), { calibrationEnd: '2010-12-23', period: 'week' });
    expect(prep.customers.length).toBeGreaterThan(800);
    const fit = fitBgnbd(compressPatterns(prep.customers), { standardErrors: true });
    expect(fit.atBoundary).toBe(true);
    expect(fit.boundary!.kinds).toEqual(['two-point']);
    expect(fit.boundary!.dropoutShare).toBeCloseTo(0.154, 2);
    expectFinitePredictions(fit, prep.customers);
    const rho = fit.boundary!.dropoutShare;
    for (const c of prep.customers) {
      const want = twoPointLimit(fit, rho, 52, c.x, c.t_x, c.T);
      expect(relErr(bgnbdConditionalExpected(fit, 52, c.x, c.t_x, c.T), want)).toBeLessThan(1e-6);
    }
  });
});
