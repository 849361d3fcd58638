import { describe, expect, it } from 'vitest';
import {
  type BgnbdParams,
  bgnbdConditionalExpected,
  bgnbdExpected,
  bgnbdLogLikelihood,
  bgnbdLogLikelihoodIndividual,
  bgnbdPAlive,
  bgnbdPmf,
  compressPatterns,
  fitBgnbd,
  simulateBgnbd,
} from '../../src/clv/index.js';
import { cdnowPrepared, relErr } from './helpers.js';

/**
 * Published BG/NBD estimates for the CDNOW sample (2,357 customers, 39-week
 * calibration, weeks): Fader, Hardie & Lee (2005), "'Counting Your
 * Customers' the Easy Way", Marketing Science 24(2), Section 4:
 * r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4.
 * The same numbers are asserted "as reported in Fader, Hardie, Lee (2005)" in
 * CLVTools' tests/testthat/test_correctness_bgnbd.R (whose own optimum is
 * r = 0.2425945, alpha = 4.4136019, a = 0.7929199, b = 2.4258881,
 * LL = -9582.429), and lifetimes' README prints a: 0.79, alpha: 4.41,
 * b: 2.43, r: 0.24 for the same data.
 *
 * Data conventions that reproduce them (see data.ts): same-day purchases
 * combined, first purchase not counted, T = (1997-09-30 - first purchase) / 7.
 * (Measuring T to the end of Sep 30, i.e. one day more, gives LL = -9589.9
 * instead: the published fit uses the date difference.)
 */
const PUBLISHED: BgnbdParams & { ll: number } = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426, ll: -9582.4 };

describe('BG/NBD on CDNOW reproduces Fader, Hardie & Lee (2005)', () => {
  it('fits r, alpha, a, b and LL to the printed digits', async () => {
    const prep = await cdnowPrepared();
    const fit = fitBgnbd(compressPatterns(prep.customers), { standardErrors: true });
    expect(fit.converged).toBe(true);
    // An interior maximum: no boundary flag (see bgnbd-boundary.test.ts).
    expect(fit.atBoundary).toBe(false);
    expect(fit.boundary).toBeUndefined();
    expect(fit.customers).toBe(2357);
    // Rounded to the digits printed in the paper, the fit equals the published values.
    expect(fit.r.toFixed(3)).toBe('0.243');
    expect(fit.alpha.toFixed(3)).toBe('4.414');
    expect(fit.a.toFixed(3)).toBe('0.793');
    expect(fit.b.toFixed(3)).toBe('2.426');
    expect(fit.logLikelihood.toFixed(1)).toBe('-9582.4');
    expect(fit.logLikelihood).toBeCloseTo(PUBLISHED.ll, 1);
    // And CLVTools' unrounded optimum to ~1e-4 relative (flat likelihood in a, b).
    expect(relErr(fit.r, 0.2425945)).toBeLessThan(1e-4);
    expect(relErr(fit.alpha, 4.4136019)).toBeLessThan(1e-4);
    expect(relErr(fit.a, 0.7929199)).toBeLessThan(1e-4);
    expect(relErr(fit.b, 2.4258881)).toBeLessThan(1e-4);
    expect(fit.logLikelihood).toBeCloseTo(-9582.429, 3);
    expect(fit.standardErrors!.r).toBeGreaterThan(0);
  });

  it('the compressed and per-customer likelihoods agree', async () => {
    const prep = await cdnowPrepared();
    const p = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const perCustomer = prep.customers.reduce((s, c) => s + bgnbdLogLikelihoodIndividual(p, c.x, c.t_x, c.T), 0);
    expect(bgnbdLogLikelihood(p, compressPatterns(prep.customers))).toBeCloseTo(perCustomer, 8);
    expect(bgnbdLogLikelihood(p, prep.customers)).toBeCloseTo(perCustomer, 8);
  });
});

describe('BG/NBD expressions', () => {
  const P: BgnbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

  it('match an independent mpmath evaluation of eqs. (6), (7), (10)', () => {
    // Reference values: Python mpmath (40 digits) evaluating the paper's
    // formulas directly, including the untransformed 2F1 of eq. (10).
    // First row: CDNOW customer 00004 (x = 2, t_x = 30.43, T = 38.86), next 39 weeks.
    const ce: [number, number, number, number, number][] = [
      [39, 2, 213 / 7, 272 / 7, 1.2261158061493217],
      [39, 0, 0, 272 / 7, 0.19510966499308848],
      [52, 10, 30, 38, 5.8348638202322932],
      [39, 50, 38, 39, 33.069436713428468],
      [200, 1, 1, 38, 0.66287751041037525],
      [1, 5, 20, 38, 0.037961748503730593],
      [39, 200, 37, 39, 2.7109342376878919],
    ];
    for (const [t, x, tx, T, want] of ce) expect(relErr(bgnbdConditionalExpected(P, t, x, tx, T), want)).toBeLessThan(1e-12);
    const ll: [number, number, number, number][] = [
      [0, 0, 272 / 7, -0.55469723196260229],
      [10, 30, 38, -26.847770812875778],
      [50, 38, 39, -47.317391800116497],
      [1, 1, 38, -4.3417774521052593],
      [5, 20, 38, -16.789879015581941],
      [200, 37, 39, 103.57709423123528],
    ];
    for (const [x, tx, T, want] of ll) expect(bgnbdLogLikelihoodIndividual(P, x, tx, T)).toBeCloseTo(want, 11);
    const ex: [number, number][] = [
      [1, 0.05326789117165828],
      [39, 1.1967231933208168],
      [78, 1.8605190579427685],
      [1000, 6.5803916137382322],
    ];
    for (const [t, want] of ex) expect(relErr(bgnbdExpected(P, t), want)).toBeLessThan(1e-12);
  });

  it('P(alive) = 1 without repeat purchases, and falls with time since the last purchase', () => {
    for (const T of [0, 5, 39, 500]) expect(bgnbdPAlive(P, 0, 0, T)).toBe(1);
    let prev = 1;
    for (const T of [10, 20, 39, 78, 200]) {
      const pa = bgnbdPAlive(P, 3, 10, T);
      expect(pa).toBeLessThan(prev);
      expect(pa).toBeGreaterThan(0);
      prev = pa;
    }
    // A purchase at T itself: the customer is surely not yet dead... up to the
    // drop-out right after it: P = 1 / (1 + a/(b+x-1)).
    expect(bgnbdPAlive(P, 3, 39, 39)).toBeCloseTo(1 / (1 + P.a / (P.b + 2)), 14);
  });

  it('expected purchases are monotone in the horizon, frequency and recency', () => {
    let prev = 0;
    for (const t of [0.5, 1, 5, 10, 39, 52, 104, 520]) {
      const e = bgnbdConditionalExpected(P, t, 4, 30, 39);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    expect(bgnbdConditionalExpected(P, 0, 4, 30, 39)).toBe(0);
    // More purchases (same recency) -> more expected.
    prev = 0;
    for (const x of [1, 2, 4, 8, 16]) {
      const e = bgnbdConditionalExpected(P, 39, x, 35, 39);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    // More recent last purchase -> more expected.
    prev = 0;
    for (const tx of [5, 15, 25, 35, 39]) {
      const e = bgnbdConditionalExpected(P, 39, 4, tx, 39);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    prev = 0;
    for (const t of [1, 10, 39, 100, 1000]) {
      const e = bgnbdExpected(P, t);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
  });

  it('eq. (8): P(X(t) = x) sums to 1 with mean E[X(t)]', () => {
    const t = 39;
    let total = 0;
    let mean = 0;
    for (let x = 0; x < 400; x++) {
      const p = bgnbdPmf(P, t, x);
      total += p;
      mean += x * p;
    }
    expect(total).toBeCloseTo(1, 10);
    expect(mean).toBeCloseTo(bgnbdExpected(P, t), 8);
  });

  it('no overflow for very heavy buyers (the #NUM! cases)', () => {
    const e = bgnbdConditionalExpected(P, 52, 2000, 38.9, 39);
    expect(Number.isFinite(e)).toBe(true);
    expect(e).toBeGreaterThan(1000);
    expect(Number.isFinite(bgnbdLogLikelihoodIndividual(P, 2000, 38.9, 39))).toBe(true);
  });

  it('predictions agree with simulated hold-out purchases and latent alive states', () => {
    // 20,000 customers from the CDNOW parameters, 39-week hold-out: the mean
    // conditional expectation must match mean actual hold-out purchases, and
    // mean P(alive) the simulated share alive, within sampling error.
    const sim = simulateBgnbd(P, { n: 20_000, T: [26, 39], holdout: 39, seed: 7 });
    const buckets = [0, 1, 2, 3]; // 3 = 3+
    for (const b of buckets) {
      const group = sim.filter((c) => (b === 3 ? c.x >= 3 : c.x === b));
      const actual = group.reduce((s, c) => s + c.x_star, 0) / group.length;
      const expected = group.reduce((s, c) => s + bgnbdConditionalExpected(P, 39, c.x, c.t_x, c.T), 0) / group.length;
      const alive = group.filter((c) => c.aliveAtT).length / group.length;
      const pAlive = group.reduce((s, c) => s + bgnbdPAlive(P, c.x, c.t_x, c.T), 0) / group.length;
      // Standard error of the bucket mean of x_star, from the sample itself.
      const sd = Math.sqrt(group.reduce((s, c) => s + (c.x_star - actual) ** 2, 0) / (group.length - 1));
      expect(Math.abs(actual - expected)).toBeLessThan(4 * (sd / Math.sqrt(group.length)));
      expect(Math.abs(alive - pAlive)).toBeLessThan(4 * Math.sqrt((pAlive * (1 - pAlive)) / group.length) + 1e-9);
    }
  });
});
