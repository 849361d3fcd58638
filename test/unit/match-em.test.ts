import { describe, expect, it } from 'vitest';
import { COMPARISONS, N_PATTERNS, STRIDES } from '../../src/customers/match/compare.js';
import { em, initialM, loadParams, makeScorer, maskedWeight, probability, saveParams, type Probs } from '../../src/customers/match/fellegiSunter.js';
import { Rng, cumulative, pickWeighted } from '../../src/customers/match/random.js';
import { matchProfiles } from '../../src/customers/match/index.js';
import { generateProfiles } from '../../src/customers/match/synthetic.js';

/** Known parameters: a distribution over the non-null levels of each comparison, per class. */
const TRUE_M: number[][] = [
  [0.75, 0.05, 0.06, 0.04, 0.04, 0.02, 0.02, 0.02],
  [0.88, 0.02, 0.04, 0.03, 0.03],
  [0.82, 0.06, 0.12],
  [0.75, 0.07, 0.18],
  [0.85, 0.02, 0.06, 0.07],
  [0.97, 0.03],
];
const TRUE_U: number[][] = [
  [0.002, 0.001, 0.004, 0.002, 0.01, 0.05, 0.005, 0.926],
  [0.001, 0.0005, 0.004, 0.01, 0.9845],
  [0.01, 0.002, 0.988],
  [0.005, 0.01, 0.985],
  [0.01, 0.02, 0.1, 0.87],
  [0.5, 0.5],
];
const NULL_RATE = [0.02, 0.25, 0.15, 0.6, 0.3, 0.2];
const toProbs = (rows: number[][]): Probs => rows.map((r) => Float64Array.from([0, ...r]));

function simulate(lambda: number, pairs: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const mc = TRUE_M.map((r) => cumulative(r));
  const uc = TRUE_U.map((r) => cumulative(r));
  const counts = new Float64Array(N_PATTERNS);
  for (let x = 0; x < pairs; x++) {
    const match = rng.chance(lambda);
    let p = 0;
    for (let k = 0; k < COMPARISONS.length; k++) {
      const level = rng.chance(NULL_RATE[k]!) ? 0 : 1 + pickWeighted(rng, (match ? mc : uc)[k]!);
      p += level * STRIDES[k]!;
    }
    counts[p]!++;
  }
  return counts;
}

const maxError = (a: Probs, b: Probs, skip = new Set<number>()): number => {
  let e = 0;
  a.forEach((row, k) => {
    if (skip.has(k)) return;
    for (let l = 1; l < row.length; l++) e = Math.max(e, Math.abs(row[l]! - b[k]![l]!));
  });
  return e;
};

describe('EM', () => {
  const counts = simulate(0.3, 200_000, 11);

  it('recovers known m, u and λ from generated comparison vectors (m and u both free)', () => {
    const u0 = toProbs(TRUE_U.map((r) => r.map(() => 1 / r.length)));
    const res = em(counts, initialM(), u0, 0.5, { estimateU: true, maxIterations: 500, tolerance: 1e-7 });
    expect(res.converged).toBe(true);
    expect(Math.abs(res.lambda - 0.3)).toBeLessThan(0.005);
    expect(maxError(res.m, toProbs(TRUE_M))).toBeLessThan(0.01);
    expect(maxError(res.u, toProbs(TRUE_U))).toBeLessThan(0.01);
  });

  it('recovers m with u held at the truth, and ignores left-out comparisons', () => {
    const ignore = new Set([2]);
    const res = em(counts, initialM(), toProbs(TRUE_U), 0.5, { ignore });
    expect(res.converged).toBe(true);
    expect(Math.abs(res.lambda - 0.3)).toBeLessThan(0.005);
    expect(maxError(res.m, toProbs(TRUE_M), ignore)).toBeLessThan(0.01);
    expect(Array.from(res.m[2]!)).toEqual(Array.from(initialM()[2]!)); // untouched
  });

  it('does not converge to the truth from data of another model (the test can fail)', () => {
    const other = simulate(0.05, 50_000, 12);
    const res = em(other, initialM(), toProbs(TRUE_U), 0.5);
    expect(Math.abs(res.lambda - 0.3)).toBeGreaterThan(0.1);
  });
});

describe('parameters', () => {
  it('train on synthetic data, save as JSON, load back and reproduce the run', () => {
    const set = generateProfiles({ records: 3000, seed: 5 });
    const first = matchProfiles(set.profiles);
    const p = first.params;
    // Sensible estimates: agreement is likelier among matches, disagreement among non-matches.
    for (const c of p.comparisons) {
      const first = c.levels[1]!;
      const last = c.levels[c.levels.length - 1]!;
      expect(first.m!).toBeGreaterThan(first.u!);
      expect(last.m!).toBeLessThan(last.u!);
    }
    expect(p.prior).toBeGreaterThan(0);
    expect(p.training!.sessions.length).toBe(p.blocking.rules.length);
    const json = saveParams(p);
    const loaded = loadParams(json);
    expect(loaded).toEqual(JSON.parse(json));
    const again = matchProfiles(set.profiles, { params: loaded });
    expect(again.xref.map((x) => x.customer_key)).toEqual(first.xref.map((x) => x.customer_key));
    expect(again.params.training).toEqual(p.training); // nothing retrained
  });

  it('rejects parameters of other comparisons', () => {
    const set = generateProfiles({ records: 500, seed: 5 });
    const p = JSON.parse(saveParams(matchProfiles(set.profiles).params));
    p.comparisons[1].levels.pop();
    expect(() => loadParams(p)).toThrow(/birth_date/);
  });

  it('weights: prior plus log2(m/u), the lowest rule-conditional weight for blocked pairs', () => {
    const set = generateProfiles({ records: 2000, seed: 6 });
    const s = makeScorer(matchProfiles(set.profiles).params);
    const p = 1 + 1 * STRIDES[1]! + 1 * STRIDES[2]!; // name exact, birth date exact, phone shared
    const expected = s.priorLogOdds + s.levelWeight[0]![1]! + s.levelWeight[1]![1]! + s.levelWeight[2]![1]!;
    expect(s.patternWeight[p]).toBeCloseTo(expected, 9);
    expect(maskedWeight(s, 0, p)).toBe(s.patternWeight[p]);
    const both = maskedWeight(s, 0b11, p);
    expect(both).toBe(Math.min(s.rulePatternWeight[0]![p]!, s.rulePatternWeight[1]![p]!));
    expect(probability(0)).toBe(0.5);
  });
});
