/**
 * Training: u from random entity pairs; m (and each rule's conditional u) by EM sessions on
 * blocked record pairs, one per blocking rule; the prior from the blocked entity pairs.
 */
import { BLOCKING_RULES, type PairList } from './blocking.js';
import { COMPARISONS, N_PATTERNS } from './compare.js';
import {
  em,
  estimateU,
  initialM,
  makeScorer,
  maskedWeight,
  paramsFrom,
  type FsParams,
  type Probs,
  type SessionReport,
} from './fellegiSunter.js';
import type { Table } from './prepare.js';

export interface TrainOptions {
  randomPairs: number;
  seed: number;
  thresholds: { merge: number; review: number };
  conflictBits: number;
  maxBlockSize: number;
  maxTfBits: number;
}

const MIN_SESSION_PAIRS = 50;
const MIN_NONMATCH_SHARE = 0.08;
const MIN_NONMATCH_PAIRS = 200;
/** Pseudo-pairs pulling a session's conditional u toward the random-pair u. */
const U_SMOOTHING = 200;

/**
 * `pairs`/`patterns`: blocked record pairs (with their rule masks) for the EM sessions;
 * `entityPairs`/`entityPatterns`: the blocked entity pairs that will be scored, for the prior.
 */
export function trainParams(
  rec: Table,
  pairs: PairList,
  patterns: Uint16Array,
  ent: Table,
  entityPairs: PairList,
  entityPatterns: Uint16Array,
  opts: TrainOptions,
): FsParams {
  const { u, pairs: randomPairs } = estimateU(ent, opts.randomPairs, opts.seed);
  const nr = BLOCKING_RULES.length;
  const counts = BLOCKING_RULES.map(() => new Float64Array(N_PATTERNS));
  for (let x = 0; x < pairs.length; x++) {
    const p = patterns[x]!;
    const mask = pairs.mask[x]!;
    for (let r = 0; r < nr; r++) if (mask & (1 << r)) counts[r]![p]!++;
  }
  const m0 = initialM();
  const sumM: Probs = COMPARISONS.map((c) => new Float64Array(c.levels.length));
  const sumW = new Float64Array(COMPARISONS.length);
  const sessions: SessionReport[] = [];
  const conditional: { rule: string; u: (Float64Array | null)[] }[] = [];
  // Pass 1, per rule: m and u both free (the non-matches of a session are not random pairs:
  // people sharing a phone share an address), m averaged over sessions by expected matches.
  const totals = counts.map((c) => c.reduce((a, b) => a + b, 0));
  BLOCKING_RULES.forEach((rule, r) => {
    const ignore = new Set(rule.uses);
    const report: SessionReport = { rule: rule.name, pairs: totals[r]!, lambda: 0, iterations: 0, converged: false, estimated: [] };
    sessions.push(report);
    if (totals[r]! < MIN_SESSION_PAIRS) return;
    const res = em(counts[r]!, m0, u, 0.5, { ignore, estimateU: true });
    report.lambda = res.lambda;
    report.iterations = res.iterations;
    report.converged = res.converged;
    const weight = res.lambda * totals[r]!;
    COMPARISONS.forEach((c, k) => {
      if (ignore.has(k)) return;
      report.estimated.push(c.name);
      for (let l = 1; l < c.levels.length; l++) sumM[k]![l]! += weight * res.m[k]![l]!;
      sumW[k]! += weight;
    });
  });
  const m: Probs = COMPARISONS.map((c, k) => {
    const out = new Float64Array(c.levels.length);
    for (let l = 1; l < c.levels.length; l++) out[l] = sumW[k]! > 0 ? sumM[k]![l]! / sumW[k]! : m0[k]![l]!;
    return out;
  });
  // Pass 2, per rule: m held at the pooled values, λ and the conditional u free.
  BLOCKING_RULES.forEach((rule, r) => {
    const ignore = new Set(rule.uses);
    const cond: (Float64Array | null)[] = COMPARISONS.map((_, k) => (ignore.has(k) ? null : Float64Array.from(u[k]!)));
    conditional.push({ rule: rule.name, u: cond });
    if (totals[r]! < MIN_SESSION_PAIRS) return;
    const res = em(counts[r]!, m, u, sessions[r]!.lambda || 0.5, { ignore, estimateU: true, fixM: true });
    sessions[r]!.conditionalLambda = res.lambda;
    const nonMatches = (1 - res.lambda) * totals[r]!;
    // Where nearly every pair is a match there is nothing to learn the non-matches from (EM's
    // second class would only soak up the matches that m describes least well): keep random u.
    if (1 - res.lambda < MIN_NONMATCH_SHARE || nonMatches < MIN_NONMATCH_PAIRS) {
      cond.fill(null);
      return;
    }
    COMPARISONS.forEach((c, k) => {
      if (ignore.has(k)) return;
      for (let l = 1; l < c.levels.length; l++) cond[k]![l] = (nonMatches * res.u[k]![l]! + U_SMOOTHING * u[k]![l]!) / (nonMatches + U_SMOOTHING);
    });
  });
  const rest = {
    thresholds: opts.thresholds,
    conflictBits: opts.conflictBits,
    tf: { name: true, phone: true, maxAdjustmentBits: opts.maxTfBits },
    blocking: { rules: BLOCKING_RULES.map((r) => r.name), maxBlockSize: opts.maxBlockSize },
  };
  // Prior: the fixed point of (expected matches among the blocked entity pairs) / (all entity
  // pairs), unblocked pairs counted as non-matches. Pairs are grouped by (mask, pattern).
  const totalPairs = (ent.n * (ent.n - 1)) / 2;
  const groups = new Map<number, number>();
  for (let x = 0; x < entityPairs.length; x++) {
    const key = entityPairs.mask[x]! * N_PATTERNS + entityPatterns[x]!;
    groups.set(key, (groups.get(key) ?? 0) + 1);
  }
  const scorer0 = makeScorer(paramsFrom(m, u, 0.5, rest, conditional)); // prior odds 1: weights are log2 Bayes factors
  const bfs: [number, number][] = [];
  for (const [key, c] of groups) bfs.push([c, 2 ** maskedWeight(scorer0, Math.floor(key / N_PATTERNS), key % N_PATTERNS)]);
  let prior = Math.min(0.5, Math.max(1e-12, ent.n / 2 / Math.max(1, totalPairs)));
  let priorIterations = 0;
  for (; priorIterations < 200; priorIterations++) {
    const odds = prior / (1 - prior);
    let expected = 0;
    for (const [c, bf] of bfs) expected += (c * odds * bf) / (1 + odds * bf);
    const next = Math.min(0.5, Math.max(1e-12, expected / Math.max(1, totalPairs)));
    const done = Math.abs(next - prior) <= 1e-6 * prior;
    prior = next;
    if (done) break;
  }
  return {
    ...paramsFrom(m, u, prior, rest, conditional),
    training: { records: rec.n, entities: ent.n, randomPairs, trainingPairs: pairs.length, entityPairs: entityPairs.length, sessions, priorIterations },
  };
}
