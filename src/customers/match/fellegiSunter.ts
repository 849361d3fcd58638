/**
 * Fellegi-Sunter model: per comparison level an m probability (P(level | same person)) and a u
 * probability (P(level | different people)); a pair's match weight is the prior log-odds plus
 * Σ log2(m/u) over its non-null levels. u comes from random pairs, m from EM on the blocked pairs
 * (one session per blocking rule, as Splink does: a session does not estimate the comparisons its
 * rule is made of, because every pair in it agrees on them by construction).
 */
import { COMPARISONS, LEVEL_OF, N_PATTERNS, comparePair, type ComparisonSpec } from './compare.js';
import type { Table } from './prepare.js';
import { Rng } from './random.js';

export interface LevelParams {
  label: string;
  /** null for the 'null' level */
  m: number | null;
  u: number | null;
}

export interface FsParams {
  version: 1;
  comparisons: { name: string; levels: LevelParams[] }[];
  /** Probability that two random entities (exact-duplicate groups) are the same person. */
  prior: number;
  /** Match probabilities: ≥ merge → same customer; ≥ review → review queue; below → no match. */
  thresholds: { merge: number; review: number };
  /**
   * Chaining guard: two rows conflict when the sum of their negative level weights is below
   * −conflictBits (strong evidence of different people, whatever else agrees); a cluster never
   * keeps two conflicting rows.
   */
  conflictBits: number;
  /** Term-frequency adjustments of an exact name and a shared phone (frequent values weigh less), capped. */
  tf: { name: boolean; phone: boolean; maxAdjustmentBits: number };
  blocking: { rules: string[]; maxBlockSize: number };
  /**
   * Per blocking rule: u of the other comparisons among non-matching pairs that agree on the
   * rule's key, from that rule's EM session (smoothed toward the random-pair u). A candidate pair
   * is scored with these (the rule it agrees on that gives the lowest weight): it is how the
   * model learns that people sharing a landline usually share the address too (a household), which
   * plain Fellegi-Sunter with independent comparisons would count twice. null = the comparison
   * belongs to the rule's key; the random-pair u applies.
   */
  conditional: { rule: string; u: ((number | null)[] | null)[] }[];
  training?: TrainingReport;
}

export interface SessionReport {
  rule: string;
  pairs: number;
  lambda: number;
  iterations: number;
  converged: boolean;
  estimated: string[];
  /** λ of the second pass (m held, conditional u estimated). */
  conditionalLambda?: number;
}

export interface TrainingReport {
  records: number;
  entities: number;
  /** Random entity pairs u was estimated from. */
  randomPairs: number;
  /** Blocked record pairs the EM sessions ran on. */
  trainingPairs: number;
  /** Blocked entity pairs the prior was estimated from. */
  entityPairs: number;
  sessions: SessionReport[];
  priorIterations: number;
}

export const DEFAULT_THRESHOLDS = { merge: 0.5, review: 0.05 };
export const DEFAULT_CONFLICT_BITS = 14;

/** Starting m values for EM (levels after 'null'). */
const INITIAL_M: Record<string, number[]> = {
  name: [0.75, 0.05, 0.05, 0.05, 0.03, 0.03, 0.02, 0.02],
  birth_date: [0.85, 0.03, 0.04, 0.03, 0.05],
  phone: [0.7, 0.05, 0.25],
  email: [0.75, 0.05, 0.2],
  address: [0.6, 0.1, 0.1, 0.2],
  gender: [0.97, 0.03],
};

const FLOOR = 1e-6;

export type Probs = Float64Array[]; // per comparison, per level (index 0 unused)

export function initialM(specs: readonly ComparisonSpec[] = COMPARISONS): Probs {
  return specs.map((c) => {
    const init = INITIAL_M[c.name];
    const out = new Float64Array(c.levels.length);
    for (let l = 1; l < c.levels.length; l++) out[l] = init?.[l - 1] ?? 1 / (c.levels.length - 1);
    return out;
  });
}

/** u from `samples` uniformly random pairs of distinct rows (every pair when there are fewer). */
export function estimateU(t: Table, samples: number, seed: number): { u: Probs; pairs: number } {
  const counts = COMPARISONS.map((c) => new Float64Array(c.levels.length));
  const n = t.n;
  const all = (n * (n - 1)) / 2;
  let pairs = 0;
  const add = (i: number, j: number): void => {
    const p = comparePair(t, i, j);
    for (let k = 0; k < COMPARISONS.length; k++) counts[k]![LEVEL_OF[k]![p]!]!++;
    pairs++;
  };
  if (all <= samples) {
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) add(i, j);
  } else {
    const rng = new Rng(seed);
    for (let s = 0; s < samples; s++) {
      const i = rng.int(n);
      let j = rng.int(n - 1);
      if (j >= i) j++;
      add(i, j);
    }
  }
  const u = counts.map((c) => {
    const out = new Float64Array(c.length);
    let total = 0;
    for (let l = 1; l < c.length; l++) total += c[l]!;
    // Add-half smoothing: a level never seen among random pairs (two strangers with the same
    // e-mail) gets u ≈ 0.5 / pairs compared rather than 0.
    for (let l = 1; l < c.length; l++) out[l] = (c[l]! + 0.5) / (total + 0.5 * (c.length - 1));
    return out;
  });
  return { u, pairs };
}

export interface EmOptions {
  /** Comparison indices not estimated (and ignored in the likelihood). */
  ignore?: ReadonlySet<number>;
  /** Estimate u as well (default: u fixed). */
  estimateU?: boolean;
  /** Hold m (estimate λ and, with estimateU, u only). */
  fixM?: boolean;
  maxIterations?: number;
  tolerance?: number;
  specs?: readonly ComparisonSpec[];
  /** levelOf[k][pattern] for the specs (defaults to the built-in comparisons). */
  levelOf?: readonly Uint8Array[];
}

export interface EmResult {
  m: Probs;
  u: Probs;
  lambda: number;
  iterations: number;
  converged: boolean;
}

/** EM on pattern counts: a two-class mixture, λ = share of matches among the pairs. */
export function em(counts: Float64Array, m0: Probs, u0: Probs, lambda0: number, opts: EmOptions = {}): EmResult {
  const specs = opts.specs ?? COMPARISONS;
  const levelOf = opts.levelOf ?? LEVEL_OF;
  const ignore = opts.ignore ?? new Set<number>();
  const maxIt = opts.maxIterations ?? 100;
  const tol = opts.tolerance ?? 1e-5;
  const ks = specs.map((_, k) => k).filter((k) => !ignore.has(k));
  const pats: number[] = [];
  for (let p = 0; p < counts.length; p++) if (counts[p]! > 0) pats.push(p);
  const m = m0.map((x) => Float64Array.from(x));
  const u = u0.map((x) => Float64Array.from(x));
  let lambda = lambda0;
  let it = 0;
  let converged = false;
  const accM = specs.map((c) => new Float64Array(c.levels.length));
  const accU = specs.map((c) => new Float64Array(c.levels.length));
  while (it < maxIt) {
    it++;
    for (const a of accM) a.fill(0);
    for (const a of accU) a.fill(0);
    let sumPost = 0;
    let sumAll = 0;
    for (const p of pats) {
      const c = counts[p]!;
      let lm = lambda;
      let lu = 1 - lambda;
      for (const k of ks) {
        const l = levelOf[k]![p]!;
        if (l === 0) continue;
        lm *= m[k]![l]!;
        lu *= u[k]![l]!;
      }
      const post = lm / (lm + lu);
      sumPost += c * post;
      sumAll += c;
      for (const k of ks) {
        const l = levelOf[k]![p]!;
        if (l === 0) continue;
        accM[k]![l]! += c * post;
        accU[k]![l]! += c * (1 - post);
      }
    }
    let delta = Math.abs(sumPost / sumAll - lambda);
    lambda = sumPost / sumAll;
    for (const k of ks) {
      const upd = (acc: Float64Array, target: Float64Array): void => {
        let tot = 0;
        for (let l = 1; l < acc.length; l++) tot += acc[l]!;
        if (tot <= 0) return;
        for (let l = 1; l < acc.length; l++) {
          const v = Math.max(FLOOR, acc[l]! / tot);
          delta = Math.max(delta, Math.abs(v - target[l]!));
          target[l] = v;
        }
      };
      if (!opts.fixM) upd(accM[k]!, m[k]!);
      if (opts.estimateU) upd(accU[k]!, u[k]!);
    }
    if (delta < tol) {
      converged = true;
      break;
    }
  }
  return { m, u, lambda, iterations: it, converged };
}

/** Weight tables derived from parameters. */
export interface Scorer {
  params: FsParams;
  /** log2 Bayes factor per comparison and level (0 for 'null'), random-pair u. */
  levelWeight: Float64Array[];
  /** The same with each blocking rule's conditional u. */
  ruleLevelWeight: Float64Array[][];
  /** prior log-odds + Σ level weights, per pattern (before the name TF adjustment). */
  patternWeight: Float64Array;
  /** Per blocking rule: prior log-odds + Σ conditional level weights, per pattern. */
  rulePatternWeight: Float64Array[];
  /** Σ of the negative level weights, per pattern (the chaining guard). */
  patternNegative: Float64Array;
  priorLogOdds: number;
  mergeWeight: number;
  reviewWeight: number;
}

const logit2 = (p: number): number => Math.log2(p / (1 - p));

export function makeScorer(params: FsParams): Scorer {
  const weightsWith = (uOf: (k: number, l: number) => number | null) =>
    params.comparisons.map((c, k) => {
      const w = new Float64Array(c.levels.length);
      for (let l = 1; l < c.levels.length; l++) {
        const m = c.levels[l]!.m;
        const u = uOf(k, l);
        w[l] = Math.log2(Math.max(FLOOR, m ?? FLOOR) / Math.max(FLOOR / 100, u ?? FLOOR));
      }
      return w;
    });
  const levelWeight = weightsWith((k, l) => params.comparisons[k]!.levels[l]!.u);
  const ruleLevelWeight = params.conditional.map((cond) =>
    weightsWith((k, l) => cond.u[k]?.[l] ?? params.comparisons[k]!.levels[l]!.u),
  );
  const priorLogOdds = logit2(params.prior);
  const table = (lw: Float64Array[]): Float64Array => {
    const out = new Float64Array(N_PATTERNS);
    for (let p = 0; p < N_PATTERNS; p++) {
      let w = priorLogOdds;
      for (let k = 0; k < lw.length; k++) w += lw[k]![LEVEL_OF[k]![p]!]!;
      out[p] = w;
    }
    return out;
  };
  const patternWeight = table(levelWeight);
  const rulePatternWeight = ruleLevelWeight.map(table);
  const patternNegative = new Float64Array(N_PATTERNS);
  for (let p = 0; p < N_PATTERNS; p++) {
    let neg = 0;
    for (let k = 0; k < levelWeight.length; k++) {
      const lw = levelWeight[k]![LEVEL_OF[k]![p]!]!;
      if (lw < 0) neg += lw;
    }
    patternNegative[p] = neg;
  }
  return {
    params,
    levelWeight,
    ruleLevelWeight,
    patternWeight,
    rulePatternWeight,
    patternNegative,
    priorLogOdds,
    mergeWeight: logit2(params.thresholds.merge),
    reviewWeight: logit2(params.thresholds.review),
  };
}

export const probability = (weight: number): number => {
  const o = 2 ** weight;
  return o === Infinity ? 1 : o / (1 + o);
};

export function paramsFrom(m: Probs, u: Probs, prior: number, rest: Omit<FsParams, 'version' | 'comparisons' | 'prior' | 'conditional'>, conditional: { rule: string; u: (Float64Array | null)[] }[]): FsParams {
  return {
    version: 1,
    comparisons: COMPARISONS.map((c, k) => ({
      name: c.name,
      levels: c.levels.map((label, l) => ({ label, m: l === 0 ? null : round(m[k]![l]!), u: l === 0 ? null : round(u[k]![l]!) })),
    })),
    prior: round(prior),
    ...rest,
    conditional: conditional.map((c) => ({ rule: c.rule, u: c.u.map((x) => (x ? Array.from(x, (v, l) => (l === 0 ? null : round(v))) : null)) })),
  };
}

const round = (x: number): number => Number(x.toPrecision(6));

/**
 * Weight of a blocked pair: the lowest over the rules whose key it shares (bit r of `mask`) of
 * the rule-conditional weights; the random-pair weights when it shares none. Returns the rule
 * index in `out[0]` (-1 for none).
 */
export function maskedWeight(scorer: Scorer, mask: number, pattern: number, out?: Int32Array): number {
  let best = Infinity;
  let rule = -1;
  const tables = scorer.rulePatternWeight;
  for (let r = 0; r < tables.length; r++) {
    if ((mask & (1 << r)) === 0) continue;
    const w = tables[r]![pattern]!;
    if (w < best) {
      best = w;
      rule = r;
    }
  }
  if (out) out[0] = rule;
  return rule < 0 ? scorer.patternWeight[pattern]! : best;
}

/** Checks a parameter file against the built-in comparisons and returns it typed. */
export function loadParams(json: string | object): FsParams {
  const p = (typeof json === 'string' ? JSON.parse(json) : json) as FsParams;
  if (p.version !== 1) throw new Error(`unsupported matching parameters version ${String(p.version)}`);
  if (p.comparisons.length !== COMPARISONS.length) throw new Error('matching parameters: comparisons do not match this version');
  COMPARISONS.forEach((c, k) => {
    const pc = p.comparisons[k]!;
    if (pc.name !== c.name || pc.levels.length !== c.levels.length || pc.levels.some((l, i) => l.label !== c.levels[i]))
      throw new Error(`matching parameters: comparison ${c.name} has other levels (${pc.levels.map((l) => l.label).join(', ')})`);
  });
  if (!(p.prior > 0 && p.prior < 1)) throw new Error('matching parameters: prior must be in (0, 1)');
  if (!Array.isArray(p.conditional) || p.conditional.length !== p.blocking.rules.length || p.conditional.some((c, i) => c.rule !== p.blocking.rules[i]))
    throw new Error('matching parameters: conditional u must list the blocking rules in order');
  return p;
}

export function saveParams(p: FsParams): string {
  return JSON.stringify(p, null, 2) + '\n';
}
