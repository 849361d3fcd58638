/**
 * Customer matching: StandardProfile[] → customer keys (xref), a review queue and a key event log.
 *
 *   const run1 = matchProfiles(profiles);                          // full run, trains parameters
 *   save(run1.xref, run1.events, saveParams(run1.params));
 *   const run2 = matchProfiles(allProfiles, { previous: run1.xref, previousEvents: run1.events,
 *                                            params: run1.params, decisions });  // incremental
 *
 * Method: Fellegi-Sunter record linkage as Splink does it, with two additions for households.
 *
 * 1. Exact de-duplication. Records with the same source person id within a source, the same
 *    E.164 phone and full name (phones on more than 20 records, a store's, excluded; partial names
 *    such as 王先生 are not full names), or the
 *    same e-mail and birth date are one *entity* (match_rule `exact:<rule>`). An entity carries a
 *    merged view (each field block from its most complete record, phones united); the fuzzy
 *    steps compare entities.
 * 2. Blocking: candidate pairs share a key under at least one of twelve rules — mobile (last 8
 *    digits), landline (last 8 digits), e-mail, family name + birth date, given name + birth
 *    date, sorted name tokens + birth year, name sound key + birth year, sound key + postcode,
 *    sound key + street, the name's Latin reading in either order + birth date or + street
 *    (刘静 = "Jing Liu" = "LIU, Jing"), family name + given initial + postcode. The sound key is toneless
 *    pinyin for Chinese (`pinyin-pro`: 王伟 = 王玮) and Soundex for Latin names. Each pair is
 *    emitted once (by the first rule that has it) with a bit per rule it agrees on. Blocks over
 *    `maxBlockSize` (50) rows are skipped and counted in `stats.blocking`.
 * 3. Comparisons and levels ('null' when a side is missing: weight 0):
 *      name        exact / alias (swapped order or nickname) / same sound / same pinyin reading
 *                  across scripts / JW ≥ 0.92 / ≥ 0.80 / partial (王先生 fits 王强) / else
 *      birth_date  exact / day-month swapped / one of y-m-d off by one digit / off by more / else
 *      phone       a shared E.164 / same last 8 digits / else
 *      email       exact / same local part or JW ≥ 0.88 / else
 *      address     same street (JW ≥ 0.9, same city) / postcode / city or district / else
 *      gender      agree / disagree
 * 4. Parameters. u per level from 1M random entity pairs. m by EM on blocked *record* pairs (up
 *    to 2M, whole blocks sampled): one session per blocking rule, leaving out the comparisons
 *    the rule's key is made of, m and u both free (the non-matches inside a block are not
 *    random pairs); m pooled over sessions weighted by expected matches. A second pass per rule
 *    holds m and estimates λ and the *conditional* u of the other comparisons among that rule's
 *    non-matches (smoothed toward random u; kept only where the session has ≥ 8% non-matches).
 *    This is what teaches the model that people sharing a landline mostly share the address and
 *    the family name too (a household) — plain Fellegi-Sunter would count that evidence twice.
 *    Prior = fixed point of expected matches among blocked entity pairs / all entity pairs.
 * 5. Scoring. Match weight = log2(prior odds) + Σ log2(m/u), with the conditional u of the rule
 *    the pair shares that gives the *lowest* weight (random-pair u for unblocked pairs), plus
 *    term-frequency adjustments for an exact name (also across scripts or in another order) and
 *    a shared phone (log2(u_level / value frequency), ±8 bits; off below 1,000 entities). Probability ≥ thresholds.merge (0.5) → merge
 *    edge — if the name rule allows it (compare.ts MERGE_ALLOWED: a shared phone or e-mail, or
 *    names that agree in full; names that disagree need the e-mail or phone + birth date), else
 *    review (needs_identifier); ≥ thresholds.review (0.05) → review queue; else no match. The thresholds were set on
 *    the synthetic set: the conditional model is conservative, so measured precision is far
 *    above the probabilities (0.9965 at 1M records with merge at 0.5).
 * 6. Clustering. Union-find over merge edges, strongest first; two groups join only if no entity
 *    pair across them conflicts (a reviewer's "different", or Σ of negative level weights below
 *    −conflictBits (14): e.g. another birth date and another name) and never beyond
 *    `maxClusterSize` (100) entities. Entities with a partial name are placed last, and only
 *    where all their edges lead to one group (or one by a 64× margin). Refused edges go to
 *    review (chain_conflict / cluster_too_large / ambiguous_partial_name).
 * 7. Keys. A new customer_key is `C` + 13 base32 characters of SHA-256(smallest record id).
 *    Given the previous xref, a key follows the majority of its records; a cluster holding two
 *    keys keeps the older (first created in `previousEvents`, else the smaller) and logs the
 *    other as merged into it; records leaving a key are logged as a split; keys in the previous
 *    xref or log are never issued again. Incremental runs (the default with `previous`) keep
 *    unchanged records where they were (their previous clusters are units) and match only new
 *    or changed records (profile_hash differs, or listed in `changed`) against all entities
 *    through the same blocking. Records missing from `profiles` leave the xref.
 * 8. Review decisions (`decisions`, accumulated by the caller) override the model: "same" is a
 *    must-link edge (match_rule `review:same`), "different" a cannot-link honoured by exact
 *    dedup, clustering and the guard; a "different" inside an existing customer re-matches that
 *    customer's records (a split). Decided pairs never reappear in the review queue.
 *
 * Parameters are plain JSON (`saveParams` / `loadParams`): pass `params` to reproduce a run.
 */
import type { StandardProfile } from '../profile.js';
import { BLOCKING_RULES, blockPairs, type BlockingStats } from './blocking.js';
import { EDGE_AMBIGUOUS, EDGE_CONFLICT, EDGE_MERGED, EDGE_TOO_LARGE, UnionFind, clusterRows } from './cluster.js';
import { linkNamelessByMobile } from './nameless.js';
import { COMPARISONS, LEVEL_OF, MERGE_ALLOWED, comparePair, comparedValue } from './compare.js';
import { EXACT_RULES, exactDedup } from './exact.js';
import {
  DEFAULT_CONFLICT_BITS,
  DEFAULT_THRESHOLDS,
  loadParams,
  makeScorer,
  maskedWeight,
  probability,
  type FsParams,
  type Scorer,
} from './fellegiSunter.js';
import { assignKeys, creationOrder, type KeyEvent } from './keys.js';
import { foldEntities, newDicts, prepareRecords, type Table } from './prepare.js';
import { trainParams } from './train.js';
import { makeWeigher } from './weights.js';

export { COMPARISONS } from './compare.js';
export { BLOCKING_RULES } from './blocking.js';
export { EXACT_RULES } from './exact.js';
export { loadParams, saveParams, type FsParams } from './fellegiSunter.js';
export { keyFor, type KeyEvent } from './keys.js';
export { jaro, jaroWinkler, soundex } from './strings.js';
export { pairwiseMetrics, type PairwiseMetrics } from './evaluate.js';

export type MatchRule = `exact:${(typeof EXACT_RULES)[number]}` | 'fuzzy' | 'review:same' | 'mobile_only' | 'new';

export interface XrefRow {
  customer_key: string;
  record_id: string;
  source_system: string;
  source_customer_id: string;
  match_rule: MatchRule;
  /** Match probability of the strongest link that placed the record (1 for exact, null for new). */
  match_score: number | null;
  /** Hash of the compared fields: an incremental run re-matches a record when it changes. */
  profile_hash: string;
}

export interface Decision {
  record_id_a: string;
  record_id_b: string;
  decision: 'same' | 'different';
  reviewer?: string;
  decided_at?: string;
}

export interface FieldComparison {
  comparison: string;
  level: string;
  value_a: string | null;
  value_b: string | null;
  /** log2(m/u) of this level. */
  weight: number;
}

export interface ReviewRow {
  record_id_a: string;
  record_id_b: string;
  customer_key_a: string;
  customer_key_b: string;
  match_weight: number;
  match_probability: number;
  /**
   * between_thresholds, or a merge-strength pair refused: by the chaining guard, the size cap,
   * the name rule (no phone or e-mail shared and the names do not agree in full: a partial name
   * such as 王先生, another family or given name) or because a partial name's merge edges lead
   * to two customers (ambiguous_partial_name).
   */
  reason: 'between_thresholds' | 'chain_conflict' | 'cluster_too_large' | 'needs_identifier' | 'ambiguous_partial_name';
  /** The blocking rule whose conditional model gave the weight (null: random-pair u). */
  given_rule: string | null;
  comparisons: FieldComparison[];
}

export interface MatchOptions {
  /** The previous run's xref: keys survive, and only new or changed records are matched. */
  previous?: readonly XrefRow[];
  /** The previous event log: merge survivors are the older keys, and retired keys are never reissued. */
  previousEvents?: readonly KeyEvent[];
  /**
   * The previous run's review queue. An incremental run scores only pairs with a new or changed
   * record, so the earlier queue's other pairs are carried over while both records are unchanged,
   * undecided and still apart: a rebuild must not empty the reviewers' queue.
   */
  previousReview?: readonly Pick<ReviewRow, 'record_id_a' | 'record_id_b' | 'reason'>[];
  /** Reviewers' decisions (accumulated over runs). */
  decisions?: readonly Decision[];
  /** Parameters of an earlier run (no training). */
  params?: FsParams;
  /** 'incremental' (default with `previous`) or 'full' (re-match everything, keys still carried over). */
  mode?: 'incremental' | 'full';
  /** Record ids to re-match even if their profile hash is unchanged. */
  changed?: Iterable<string>;
  thresholds?: { merge: number; review: number };
  conflictBits?: number;
  runId?: string;
  maxBlockSize?: number;
  sharedPhoneLimit?: number;
  maxClusterSize?: number;
  randomPairs?: number;
  /** Record pairs EM trains on at most (whole blocks sampled beyond that). */
  trainingPairs?: number;
  seed?: number;
}

export interface MatchStats {
  mode: 'full' | 'incremental';
  records: number;
  /** Records matched in this run (all in a full run; new or changed in an incremental one). */
  activeRecords: number;
  entities: number;
  /** Records joined to an earlier record by each exact rule. */
  exact: Record<string, number>;
  /** Per blocking rule: pairs added, capped blocks (in incremental runs: the blocks new records touch). */
  blocking: BlockingStats[];
  candidatePairs: number;
  mergeEdges: number;
  mustLinks: number;
  cannotLinks: number;
  /** Decisions naming a record that is not in `profiles` (or the same record twice). */
  decisionsIgnored: number;
  refusedByGuard: number;
  refusedBySize: number;
  /** Merge-strength pairs without a shared phone or e-mail whose names do not agree in full. */
  refusedByNameRule: number;
  /** Merge edges of partial names (王先生) that led to two customers. */
  refusedAmbiguous: number;
  /** Records without a name placed with the one customer who holds their mobile (nameless.ts). */
  linkedByMobile: number;
  conflictChecks: number;
  review: number;
  clusters: number;
  keys: { created: number; merged: number; split: number };
  ms: Record<string, number>;
}

export interface MatchResult {
  xref: XrefRow[];
  review: ReviewRow[];
  events: KeyEvent[];
  params: FsParams;
  stats: MatchStats;
}

const DEFAULTS = {
  maxBlockSize: 50,
  sharedPhoneLimit: 20,
  maxClusterSize: 100,
  randomPairs: 1_000_000,
  trainingPairs: 2_000_000,
  seed: 20261101,
  maxTfBits: 8,
};

/** FNV-1a-style hash over the compared fields, two 32-bit lanes → 16 hex digits. */
export function profileHash(p: StandardProfile): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x5bd1e995;
  const feed = (s: string | null | undefined): void => {
    if (s != null) {
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        h1 = Math.imul(h1 ^ c, 0x01000193);
        h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
      }
    }
    h1 = Math.imul(h1 ^ 1, 0x01000193); // field separator
    h2 = Math.imul(h2 ^ 1, 0x5bd1e995) ^ (h2 >>> 15);
  };
  feed(p.sourcePersonId);
  feed(p.familyName);
  feed(p.givenName);
  feed(p.fullName);
  feed(p.gender);
  feed(p.birthDate);
  for (const ph of p.phones) feed(ph.e164);
  feed(p.email);
  const a = p.address;
  if (a) {
    feed(a.country);
    feed(a.province);
    feed(a.city);
    feed(a.district);
    feed(a.street);
    feed(a.postcode);
  }
  return (h1 >>> 0).toString(16).padStart(8, '0') + (h2 >>> 0).toString(16).padStart(8, '0');
}

/** Field-level comparison of entities i and j, with the level weights of `rule` (-1: random-pair u). */
export function explainPair(e: Table, scorer: Scorer, i: number, j: number, rule = -1): FieldComparison[] {
  const p = comparePair(e, i, j);
  const lw = rule >= 0 ? scorer.ruleLevelWeight[rule]! : scorer.levelWeight;
  return COMPARISONS.map((c, k) => {
    const l = LEVEL_OF[k]![p]!;
    return { comparison: c.name, level: c.levels[l]!, value_a: comparedValue(e, k, i), value_b: comparedValue(e, k, j), weight: round3(lw[k]![l]!) };
  });
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000;
const pairKey = (i: number, j: number): number => (i < j ? i * 2 ** 26 + j : j * 2 ** 26 + i);

export function matchProfiles(profiles: readonly StandardProfile[], options: MatchOptions = {}): MatchResult {
  const ms: Record<string, number> = {};
  let t0 = performance.now();
  const lap = (name: string): void => {
    const t = performance.now();
    ms[name] = Math.round(t - t0);
    t0 = t;
  };
  const opts = {
    maxBlockSize: options.maxBlockSize ?? options.params?.blocking.maxBlockSize ?? DEFAULTS.maxBlockSize,
    sharedPhoneLimit: options.sharedPhoneLimit ?? DEFAULTS.sharedPhoneLimit,
    maxClusterSize: options.maxClusterSize ?? DEFAULTS.maxClusterSize,
    randomPairs: options.randomPairs ?? DEFAULTS.randomPairs,
    trainingPairs: options.trainingPairs ?? DEFAULTS.trainingPairs,
    seed: options.seed ?? DEFAULTS.seed,
    runId: options.runId ?? 'run',
  };
  const n = profiles.length;
  const ids = profiles.map((p) => p.recordId);
  const index = new Map<string, number>();
  ids.forEach((id, i) => {
    if (index.has(id)) throw new Error(`duplicate recordId ${id}`);
    index.set(id, i);
  });

  // ---- previous run, decisions ----
  const previous = new Map<string, XrefRow>();
  for (const row of options.previous ?? []) previous.set(row.record_id, row);
  const mode: 'full' | 'incremental' = options.mode ?? (options.previous?.length ? 'incremental' : 'full');
  const hashes = profiles.map(profileHash);
  const prevRow: (XrefRow | undefined)[] = previous.size ? ids.map((id) => previous.get(id)) : [];
  const changed = new Set(options.changed ?? []);
  const settled = new Uint8Array(n);
  if (mode === 'incremental') {
    for (let i = 0; i < n; i++) {
      const prev = prevRow[i];
      if (prev && prev.profile_hash === hashes[i] && !changed.has(ids[i]!)) settled[i] = 1;
    }
  }
  const cannotRec = new Map<number, Set<number>>();
  const mustRec: [number, number][] = [];
  const decided = new Set<number>();
  let keyMembers: Map<string, number[]> | undefined;
  let decisionsIgnored = 0;
  for (const d of options.decisions ?? []) {
    const a = index.get(d.record_id_a);
    const b = index.get(d.record_id_b);
    if (a === undefined || b === undefined || a === b) {
      decisionsIgnored++;
      continue;
    }
    decided.add(pairKey(a, b));
    if (d.decision === 'same') mustRec.push([a, b]);
    else {
      for (const [x, y] of [[a, b], [b, a]] as const) {
        let s = cannotRec.get(x);
        if (!s) cannotRec.set(x, (s = new Set()));
        s.add(y);
      }
      // A "different" inside a previous cluster: re-match that whole cluster.
      const ka = prevRow[a]?.customer_key;
      if (mode === 'incremental' && ka !== undefined && ka === prevRow[b]?.customer_key) {
        if (!keyMembers) {
          keyMembers = new Map();
          for (let i = 0; i < n; i++) {
            const k = prevRow[i]?.customer_key;
            if (k === undefined) continue;
            let list = keyMembers.get(k);
            if (!list) keyMembers.set(k, (list = []));
            list.push(i);
          }
        }
        for (const i of keyMembers.get(ka) ?? []) settled[i] = 0;
      }
    }
  }
  lap('prepare_input');

  // ---- standardized fields → table; exact dedup → entities ----
  const rec = prepareRecords(profiles, newDicts());
  lap('prepare_table');
  const exact = exactDedup(rec, { sharedPhoneLimit: opts.sharedPhoneLimit, settled: mode === 'incremental' ? settled : undefined, cannotLink: cannotRec });
  const ent = foldEntities(rec, exact.start, exact.members);
  const ne = ent.n;
  lap('exact_dedup');

  // Entities with any new/changed record are active; units are previous clusters.
  let active: Uint8Array | undefined;
  let units: Int32Array | undefined;
  let activeRecords = n;
  if (mode === 'incremental') {
    active = new Uint8Array(ne);
    units = new Int32Array(ne).fill(-1);
    const keyIndex = new Map<string, number>();
    const keyUf = new UnionFind(previous.size + 1);
    const entityKey = new Int32Array(ne).fill(-1);
    activeRecords = 0;
    for (let i = 0; i < n; i++) {
      const en = exact.entityOf[i]!;
      if (!settled[i]) {
        active[en] = 1;
        activeRecords++;
        continue;
      }
      const k = prevRow[i]!.customer_key;
      let ki = keyIndex.get(k);
      if (ki === undefined) keyIndex.set(k, (ki = keyIndex.size));
      // An entity holding records of two previous keys (a new record exact-matching both) joins them.
      if (entityKey[en] === -1) entityKey[en] = ki;
      else keyUf.union(entityKey[en]!, ki);
    }
    for (let en = 0; en < ne; en++) if (entityKey[en]! >= 0) units[en] = keyUf.find(entityKey[en]!);
  }

  // ---- blocking, comparisons, parameters ----
  const thresholds = options.thresholds ?? options.params?.thresholds ?? DEFAULT_THRESHOLDS;
  const conflictBits = options.conflictBits ?? options.params?.conflictBits ?? DEFAULT_CONFLICT_BITS;
  let params: FsParams;
  const blocked = blockPairs(ent, opts.maxBlockSize, { active });
  lap('blocking');
  const patterns = new Uint16Array(blocked.pairs.length);
  for (let x = 0; x < blocked.pairs.length; x++) patterns[x] = comparePair(ent, blocked.pairs.a[x]!, blocked.pairs.b[x]!);
  lap('compare');
  if (options.params) {
    params = { ...loadParams(options.params), thresholds, conflictBits };
  } else {
    // m is trained on record pairs (before exact folding, which would hide the easy matches from
    // the EM sessions); u and the prior belong to the entities that are scored.
    const train = blockPairs(rec, opts.maxBlockSize, { maxPairs: opts.trainingPairs });
    const trainPatterns = new Uint16Array(train.pairs.length);
    for (let x = 0; x < train.pairs.length; x++) trainPatterns[x] = comparePair(rec, train.pairs.a[x]!, train.pairs.b[x]!);
    let priorPairs = blocked.pairs;
    let priorPatterns = patterns;
    if (active) {
      const full = blockPairs(ent, opts.maxBlockSize);
      priorPairs = full.pairs;
      priorPatterns = new Uint16Array(full.pairs.length);
      for (let x = 0; x < full.pairs.length; x++) priorPatterns[x] = comparePair(ent, full.pairs.a[x]!, full.pairs.b[x]!);
    }
    params = trainParams(rec, train.pairs, trainPatterns, ent, priorPairs, priorPatterns, {
      ...opts, thresholds, conflictBits, maxTfBits: DEFAULTS.maxTfBits,
    });
  }
  const scorer = makeScorer(params);
  const weigh = makeWeigher(ent, scorer);
  lap('train');

  // ---- decisions at entity level ----
  const cannotEnt = new Set<number>();
  for (const [a, nb] of cannotRec) for (const b of nb) cannotEnt.add(pairKey(exact.entityOf[a]!, exact.entityOf[b]!));
  const mustEnt = new Map<number, [number, number]>();
  for (const [a, b] of mustRec) {
    const ea = exact.entityOf[a]!;
    const eb = exact.entityOf[b]!;
    if (ea !== eb && !cannotEnt.has(pairKey(ea, eb))) mustEnt.set(pairKey(ea, eb), [ea, eb]);
  }
  const decidedEnt = new Set<number>();
  for (const k of decided) decidedEnt.add(pairKey(exact.entityOf[Math.floor(k / 2 ** 26)]!, exact.entityOf[k % 2 ** 26]!));

  // ---- edges and clustering ----
  const P = blocked.pairs;
  const weights = new Float64Array(P.length);
  let nEdges = mustEnt.size;
  let refusedByNameRule = 0;
  /** Merge-strength pairs the name rule refuses (compare.ts MERGE_ALLOWED): they go to review. */
  const refused = new Uint8Array(P.length);
  for (let x = 0; x < P.length; x++) {
    const w = weigh(P.a[x]!, P.b[x]!, P.mask[x]!, patterns[x]!);
    weights[x] = w;
    if (w >= scorer.mergeWeight) {
      if (MERGE_ALLOWED[patterns[x]!]) nEdges++;
      else {
        refused[x] = 1;
        refusedByNameRule++;
      }
    }
  }
  const ea = new Int32Array(nEdges);
  const eb = new Int32Array(nEdges);
  const ew = new Float64Array(nEdges);
  const eMust = new Uint8Array(nEdges);
  /** Blocked pair index of each fuzzy edge (-1 for must-links). */
  const ePair = new Int32Array(nEdges).fill(-1);
  let ne2 = 0;
  for (const [a, b] of mustEnt.values()) {
    ea[ne2] = a;
    eb[ne2] = b;
    ew[ne2] = Infinity;
    eMust[ne2++] = 1;
  }
  for (let x = 0; x < P.length; x++) {
    if (weights[x]! < scorer.mergeWeight || refused[x]) continue;
    const a = P.a[x]!;
    const b = P.b[x]!;
    const k = pairKey(a, b);
    if (mustEnt.has(k)) continue;
    ea[ne2] = a;
    eb[ne2] = b;
    ePair[ne2] = x;
    ew[ne2++] = weights[x]!;
  }
  const conflictLimit = -conflictBits;
  const conflict = (i: number, j: number): boolean => {
    const k = pairKey(i, j);
    if (cannotEnt.size && cannotEnt.has(k)) return true;
    if (mustEnt.size && mustEnt.has(k)) return false;
    return scorer.patternNegative[comparePair(ent, i, j)]! < conflictLimit;
  };
  const clustered = clusterRows({ n: ne, a: ea, b: eb, w: ew, edges: ne2, units, conflict, maxClusterSize: opts.maxClusterSize, partial: ent.partial });
  const byMobile = new Uint8Array(ne);
  for (const en of linkNamelessByMobile(ent, ne, clustered.uf, conflict)) byMobile[en] = 1;
  lap('cluster');

  // ---- clusters of records, keys ----
  const uf = clustered.uf;
  const clusterOfRoot = new Map<number, number>();
  const clusters: string[][] = [];
  const clusterOfEntity = new Int32Array(ne);
  for (let en = 0; en < ne; en++) {
    const r = uf.find(en);
    let c = clusterOfRoot.get(r);
    if (c === undefined) {
      clusterOfRoot.set(r, (c = clusters.length));
      clusters.push([]);
    }
    clusterOfEntity[en] = c;
  }
  for (let i = 0; i < n; i++) clusters[clusterOfEntity[exact.entityOf[i]!]!]!.push(ids[i]!);
  for (const c of clusters) if (c.length > 1) c.sort();
  const issued = new Set<string>();
  for (const row of previous.values()) issued.add(row.customer_key);
  for (const ev of options.previousEvents ?? []) {
    issued.add(ev.customer_key);
    if (ev.from_key) issued.add(ev.from_key);
  }
  const createdOrder = creationOrder(options.previousEvents ?? []);
  const assigned = assignKeys(clusters, (id) => previous.get(id)?.customer_key, issued, createdOrder, opts.runId);
  lap('keys');

  // ---- xref ----
  const bestW = new Float64Array(ne).fill(-Infinity);
  const viaMust = new Uint8Array(ne);
  for (let x = 0; x < ne2; x++) {
    if (clustered.fate[x] !== EDGE_MERGED) continue;
    for (const en of [ea[x]!, eb[x]!]) {
      if (eMust[x]) viaMust[en] = 1;
      else if (ew[x]! > bestW[en]!) bestW[en] = ew[x]!;
    }
  }
  const modelWeight = (a: number, b: number): number => weigh(a, b, 0, comparePair(ent, a, b));
  const mustScore = new Float64Array(ne).fill(NaN);
  for (const [a, b] of mustEnt.values()) {
    const w = round3(probability(modelWeight(a, b)));
    mustScore[a] = Number.isNaN(mustScore[a]!) ? w : Math.max(mustScore[a]!, w);
    mustScore[b] = Number.isNaN(mustScore[b]!) ? w : Math.max(mustScore[b]!, w);
  }
  const xref: XrefRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const p = profiles[i]!;
    const en = exact.entityOf[i]!;
    const key = assigned.keys[clusterOfEntity[en]!]!;
    let rule: MatchRule;
    let score: number | null;
    const prev = prevRow[i];
    if (settled[i] && prev && prev.customer_key === key) {
      rule = prev.match_rule;
      score = prev.match_score;
    } else if (exact.rule[i]! >= 0) {
      rule = `exact:${EXACT_RULES[exact.rule[i]!]!}`;
      score = 1;
    } else if (viaMust[en]) {
      rule = 'review:same';
      score = mustScore[en]!;
    } else if (bestW[en]! > -Infinity) {
      rule = 'fuzzy';
      score = round3(probability(bestW[en]!));
    } else if (byMobile[en]) {
      rule = 'mobile_only';
      score = null;
    } else {
      rule = 'new';
      score = null;
    }
    xref[i] = { customer_key: key, record_id: ids[i]!, source_system: p.sourceSystem, source_customer_id: p.sourceCustomerId, match_rule: rule, match_score: score, profile_hash: hashes[i]! };
  }
  lap('xref');

  // ---- review queue ----
  const firstRecord = (en: number): number => exact.members[exact.start[en]!]!;
  const review: ReviewRow[] = [];
  const reviewed = new Set<number>();
  const ruleOut = new Int32Array(1);
  const addReview = (pair: number, a: number, b: number, w: number, reason: ReviewRow['reason']): void => {
    const k = pairKey(a, b);
    if (decidedEnt.has(k) || reviewed.has(k) || clusterOfEntity[a] === clusterOfEntity[b]) return;
    reviewed.add(k);
    const ra = firstRecord(a);
    const rb = firstRecord(b);
    ruleOut[0] = -1;
    if (pair >= 0) weigh(a, b, P.mask[pair]!, patterns[pair]!, ruleOut);
    review.push({
      record_id_a: ids[ra]!, record_id_b: ids[rb]!,
      customer_key_a: xref[ra]!.customer_key, customer_key_b: xref[rb]!.customer_key,
      match_weight: round3(w), match_probability: round3(probability(w)), reason,
      given_rule: ruleOut[0]! >= 0 ? BLOCKING_RULES[ruleOut[0]!]!.name : null,
      comparisons: explainPair(ent, scorer, a, b, ruleOut[0]!),
    });
  };
  const refusal = { [EDGE_CONFLICT]: 'chain_conflict', [EDGE_TOO_LARGE]: 'cluster_too_large', [EDGE_AMBIGUOUS]: 'ambiguous_partial_name' } as Record<number, ReviewRow['reason']>;
  for (let x = 0; x < ne2; x++) {
    const reason = refusal[clustered.fate[x]!];
    if (reason) addReview(ePair[x]!, ea[x]!, eb[x]!, eMust[x] ? modelWeight(ea[x]!, eb[x]!) : ew[x]!, reason);
  }
  for (let x = 0; x < P.length; x++) {
    const w = weights[x]!;
    if (w >= scorer.reviewWeight && w < scorer.mergeWeight) addReview(x, P.a[x]!, P.b[x]!, w, 'between_thresholds');
    else if (refused[x]) addReview(x, P.a[x]!, P.b[x]!, w, 'needs_identifier');
  }
  if (mode === 'incremental') {
    for (const r of options.previousReview ?? []) {
      const a = index.get(r.record_id_a);
      const b = index.get(r.record_id_b);
      if (a === undefined || b === undefined || !settled[a] || !settled[b]) continue;
      const ea = exact.entityOf[a]!;
      const eb = exact.entityOf[b]!;
      if (ea !== eb) addReview(-1, ea, eb, modelWeight(ea, eb), r.reason);
    }
  }
  review.sort((x, y) => y.match_weight - x.match_weight || (x.record_id_a < y.record_id_a ? -1 : 1));
  lap('review');

  let refusedByGuard = 0;
  let refusedBySize = 0;
  let refusedAmbiguous = 0;
  let mergeEdges = 0;
  for (let x = 0; x < ne2; x++) {
    if (clustered.fate[x] === EDGE_AMBIGUOUS) refusedAmbiguous++;
    else if (clustered.fate[x] === EDGE_CONFLICT) refusedByGuard++;
    else if (clustered.fate[x] === EDGE_TOO_LARGE) refusedBySize++;
    else if (clustered.fate[x] === EDGE_MERGED) mergeEdges++;
  }
  const keys = { created: 0, merged: 0, split: 0 };
  for (const ev of assigned.events) {
    if (ev.event === 'create') keys.created++;
    else if (ev.event === 'merge') keys.merged++;
    else keys.split++;
  }
  return {
    xref,
    review,
    events: assigned.events,
    params,
    stats: {
      mode,
      records: n,
      activeRecords,
      entities: ne,
      exact: { ...exact.counts },
      blocking: blocked.stats,
      candidatePairs: P.length,
      mergeEdges,
      mustLinks: mustEnt.size,
      cannotLinks: cannotEnt.size,
      decisionsIgnored,
      refusedByGuard,
      refusedBySize,
      refusedByNameRule,
      refusedAmbiguous,
      linkedByMobile: byMobile.reduce((sum, x) => sum + x, 0),
      conflictChecks: clustered.conflictChecks,
      review: review.length,
      clusters: clusters.length,
      keys,
      ms,
    },
  };
}
