import { describe, expect, it } from 'vitest';
import {
  type ParetoNbdParams,
  compressPatterns,
  fitParetoNbd,
  lgamma,
  logHyp2f1,
  paretoNbdConditionalExpected,
  paretoNbdExpected,
  paretoNbdLogLikelihood,
  paretoNbdLogLikelihoodIndividual,
  paretoNbdPAlive,
  simulateParetoNbd,
} from '../../src/clv/index.js';
import { cdnowPrepared, relErr } from './helpers.js';

/**
 * Published Pareto/NBD estimates for the same CDNOW calibration data, as
 * reported for comparison with the BG/NBD by Fader, Hardie & Lee (2005),
 * Marketing Science 24(2), Section 4: r = 0.553, alpha = 10.578, s = 0.606,
 * beta = 11.669, LL = -9595.0 (printed to two decimals elsewhere, e.g. in
 * Fader & Hardie's Pareto/NBD notes: 0.55, 10.58, 0.61, 11.67). Asserted with
 * these digits in CLVTools' tests/testthat/test_correctness_pnbd_nocovstaticcov.R
 * ("As also reported to compare against bgnbd in Fader, Hardie, Lee (2005)"),
 * together with standard errors r 0.0476264, alpha 0.8427222, s 0.1872594,
 * beta 6.2105448.
 */
describe('Pareto/NBD on CDNOW reproduces the published fit', () => {
  it('fits r, alpha, s, beta and LL to the printed digits, with matching standard errors', async () => {
    const prep = await cdnowPrepared();
    const fit = fitParetoNbd(compressPatterns(prep.customers), { standardErrors: true });
    expect(fit.converged).toBe(true);
    expect(fit.r.toFixed(3)).toBe('0.553');
    expect(fit.alpha.toFixed(3)).toBe('10.578');
    expect(fit.s.toFixed(3)).toBe('0.606');
    expect(fit.beta.toFixed(3)).toBe('11.669');
    expect(fit.logLikelihood.toFixed(1)).toBe('-9595.0');
    // The two-decimal version.
    expect([fit.r, fit.alpha, fit.s, fit.beta].map((v) => v.toFixed(2))).toEqual(['0.55', '10.58', '0.61', '11.67']);
    const se = fit.standardErrors!;
    expect(relErr(se.r, 0.0476264)).toBeLessThan(5e-3);
    expect(relErr(se.alpha, 0.8427222)).toBeLessThan(5e-3);
    expect(relErr(se.s, 0.1872594)).toBeLessThan(5e-3);
    expect(relErr(se.beta, 6.2105448)).toBeLessThan(5e-3);
  });

  it('at the published parameters the LL is -9595.0', async () => {
    const prep = await cdnowPrepared();
    const ll = paretoNbdLogLikelihood({ r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 }, prep.customers);
    expect(ll.toFixed(1)).toBe('-9595.0');
  });
});

// Reference: mpmath (50 digits) evaluating the note's eqs. (22)-(23), P(alive)
// and the conditional expectation (t = 39) with mpmath.hyp2f1.
// [x, t_x, T, log L, P(alive), E[Y(39)]]
const REF_A: [number, number, number, number, number, number][] = [
  [2, 213 / 7, 272 / 7, -9.5541228241490298, 0.86918615465116178, 1.4552261309493458],
  [0, 0, 272 / 7, -0.52103685641015664, 0.29530337426579553, 0.10709283382064308],
  [10, 30, 38, -26.671078953733722, 0.74572829898201157, 5.238452740916191],
  [50, 38, 39, -50.64862574783182, 0.97917059040500387, 32.381876538588878],
  [1, 1, 38, -4.3371945011046984, 0.15580945822819745, 0.16106891799088947],
  [200, 37, 39, 80.471838767370046, 0.079088150111113009, 10.376175261035486],
];
// alpha >= beta branch.
const REF_B: [number, number, number, number, number, number][] = [
  [2, 213 / 7, 272 / 7, -12.190923591095871, 0.66256295830227972, 0.74017054206589325],
  [0, 0, 272 / 7, -0.12098947024531676, 0.0091318175648016741, 0.0029146997697311265],
  [10, 30, 38, -30.200936376517487, 0.49968164188039428, 2.1676438028415263],
  [50, 38, 39, -61.102056495294461, 0.94446189067348627, 19.12078801660355],
  [1, 1, 38, -4.0237136202012618, 0.0065121787697103607, 0.0047083592064864168],
  [200, 37, 39, 44.213562575821835, 0.08004092227090075, 6.405210815978091],
];
const PA: ParetoNbdParams = { r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 };
const PB: ParetoNbdParams = { r: 0.8, alpha: 20, s: 1.5, beta: 3 };

describe('Pareto/NBD expressions', () => {
  it('match mpmath in both branches (alpha < beta and alpha >= beta)', () => {
    for (const [P, ref] of [
      [PA, REF_A],
      [PB, REF_B],
    ] as const) {
      for (const [x, tx, T, ll, pa, ce] of ref) {
        expect(paretoNbdLogLikelihoodIndividual(P, x, tx, T)).toBeCloseTo(ll, 11);
        expect(relErr(paretoNbdPAlive(P, x, tx, T), pa)).toBeLessThan(1e-11);
        expect(relErr(paretoNbdConditionalExpected(P, 39, x, tx, T), ce)).toBeLessThan(1e-11);
      }
    }
  });

  it('agrees with the integral form of the likelihood (Gauss-Legendre quadrature)', () => {
    // L = Gamma(r+x) alpha^r beta^s / Gamma(r) [ (alpha+T)^-(r+x) (beta+T)^-s
    //     + s * int_{t_x}^{T} (alpha+u)^-(r+x) (beta+u)^-(s+1) du ]
    const nodes = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
    const weights = [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891];
    const integralLL = (p: ParetoNbdParams, x: number, tx: number, T: number): number => {
      const { r, alpha, s, beta } = p;
      // Scale by the integrand at T to stay in range for large x.
      const logScale = -(r + x) * Math.log(alpha + T) - (s + 1) * Math.log(beta + T);
      let I = 0;
      const panels = 200;
      const h = (T - tx) / panels;
      for (let k = 0; k < panels; k++) {
        const mid = tx + (k + 0.5) * h;
        for (let j = 0; j < 5; j++) {
          const u = mid + (nodes[j]! * h) / 2;
          I += (weights[j]! * h) / 2 * Math.exp(-(r + x) * Math.log(alpha + u) - (s + 1) * Math.log(beta + u) - logScale);
        }
      }
      const alive = Math.exp(-(r + x) * Math.log(alpha + T) - s * Math.log(beta + T) - logScale);
      return lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta) + logScale + Math.log(alive + s * I);
    };
    for (const P of [PA, PB, { r: 2, alpha: 1, s: 0.3, beta: 40 }]) {
      for (const [x, tx, T] of [
        [0, 0, 39],
        [3, 12.5, 39],
        [25, 20, 52],
        [300, 70, 78],
      ] as const) {
        expect(paretoNbdLogLikelihoodIndividual(P, x, tx, T)).toBeCloseTo(integralLL(P, x, tx, T), 9);
      }
    }
  });

  it('agrees with the additive 2F1 form (no difference of hypergeometrics)', () => {
    // Fader & Hardie, "Deriving the Conditional PMF of the Pareto/NBD Model"
    // (brucehardie.com/notes/028), preliminaries (ii): L = Gamma(r+x) alpha^r beta^s / Gamma(r) * { s/(r+s+x) A1 + (r+x)/(r+s+x) A2 },
    // A1 = 2F1(r+s+x, s+1; r+s+x+1; z(t_x)) / (alpha+t_x)^(r+s+x), A2 = 2F1(r+s+x, s; r+s+x+1; z(T)) / (alpha+T)^(r+s+x)
    // for alpha >= beta; with beta for alpha and (r+x, r+x+1) for (s+1, s) otherwise.
    const additive = (p: ParetoNbdParams, x: number, tx: number, T: number): number => {
      const { r, alpha, s, beta } = p;
      const a1 = r + s + x;
      const big = Math.max(alpha, beta);
      const d = Math.abs(alpha - beta);
      const [b1, b2] = alpha >= beta ? [s + 1, s] : [r + x, r + x + 1];
      const l1 = Math.log(s / a1) + logHyp2f1(a1, b1, a1 + 1, d / (big + tx)).logAbs - a1 * Math.log(big + tx);
      const l2 = Math.log((r + x) / a1) + logHyp2f1(a1, b2, a1 + 1, d / (big + T)).logAbs - a1 * Math.log(big + T);
      const m = Math.max(l1, l2);
      return lgamma(r + x) - lgamma(r) + r * Math.log(alpha) + s * Math.log(beta) + m + Math.log(Math.exp(l1 - m) + Math.exp(l2 - m));
    };
    for (const P of [PA, PB]) {
      for (const [x, tx, T] of [
        [0, 0, 39],
        [3, 12.5, 39],
        [25, 20, 52],
        [300, 70, 78],
      ] as const) {
        expect(paretoNbdLogLikelihoodIndividual(P, x, tx, T)).toBeCloseTo(additive(P, x, tx, T), 10);
      }
    }
  });

  it('P(alive) is in (0, 1], 1 for a purchase at T, and falls with inactivity', () => {
    expect(paretoNbdPAlive(PA, 4, 39, 39)).toBe(1);
    let prev = 1;
    for (const T of [20, 39, 78, 200]) {
      const pa = paretoNbdPAlive(PA, 4, 15, T);
      expect(pa).toBeLessThan(prev);
      expect(pa).toBeGreaterThan(0);
      prev = pa;
    }
  });

  it('expected purchases are monotone and E[X(t)] has the closed form', () => {
    let prev = 0;
    for (const t of [1, 10, 39, 100, 1000]) {
      const e = paretoNbdConditionalExpected(PA, t, 3, 30, 39);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    prev = 0;
    for (const x of [0, 1, 3, 10]) {
      const e = paretoNbdConditionalExpected(PA, 39, x, x === 0 ? 0 : 35, 39);
      expect(e).toBeGreaterThan(prev);
      prev = e;
    }
    const { r, alpha, s, beta } = PA;
    expect(paretoNbdExpected(PA, 39)).toBeCloseTo(((r * beta) / (alpha * (s - 1))) * (1 - Math.pow(beta / (beta + 39), s - 1)), 12);
    // s = 1 is a removable singularity: continuous across it.
    const near = (s1: number): number => paretoNbdConditionalExpected({ ...PA, s: s1 }, 39, 3, 30, 39);
    expect(near(1)).toBeCloseTo(near(1 + 1e-7), 6);
  });

  it('predictions agree with simulated hold-out purchases and latent alive states', () => {
    const sim = simulateParetoNbd(PA, { n: 20_000, T: [26, 39], holdout: 39, seed: 11 });
    for (const b of [0, 1, 2, 3]) {
      const group = sim.filter((c) => (b === 3 ? c.x >= 3 : c.x === b));
      const actual = group.reduce((s, c) => s + c.x_star, 0) / group.length;
      const expected = group.reduce((s, c) => s + paretoNbdConditionalExpected(PA, 39, c.x, c.t_x, c.T), 0) / group.length;
      const sd = Math.sqrt(group.reduce((s, c) => s + (c.x_star - actual) ** 2, 0) / (group.length - 1));
      expect(Math.abs(actual - expected)).toBeLessThan(4 * (sd / Math.sqrt(group.length)));
      const alive = group.filter((c) => c.aliveAtT).length / group.length;
      const pAlive = group.reduce((s, c) => s + paretoNbdPAlive(PA, c.x, c.t_x, c.T), 0) / group.length;
      expect(Math.abs(alive - pAlive)).toBeLessThan(4 * Math.sqrt((pAlive * (1 - pAlive)) / group.length));
    }
  });
});
