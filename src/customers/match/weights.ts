/**
 * Pair weights with term-frequency adjustments (as Splink's tf adjustments): an exact agreement
 * on a frequent value says less than one on a rare value. For the exact name (and the same
 * name in another order or script) and the shared phone, the level's average u is replaced by the value's frequency among entities:
 * adjustment = log2(u_level / frequency), capped at ±maxAdjustmentBits. A landline shared by a
 * household of four, or a store's phone, weighs less than a mobile seen on one person's records.
 */
import { C_NAME, C_PHONE, LEVEL_OF, NAME_ALIAS, NAME_EXACT, NAME_PINYIN } from './compare.js';
import { maskedWeight, type Scorer } from './fellegiSunter.js';
import { PHONE_SLOTS, type Table } from './prepare.js';

const PHONE_E164 = 1;

export type Weigher = (i: number, j: number, mask: number, pattern: number, ruleOut?: Int32Array) => number;

function adjustments(counts: Int32Array, n: number, u: number, cap: number): Float64Array {
  const adj = new Float64Array(counts.length);
  for (let id = 0; id < counts.length; id++) {
    if (counts[id] === 0) continue;
    adj[id] = Math.max(-cap, Math.min(cap, Math.log2(u / (counts[id]! / n))));
  }
  return adj;
}

/** Frequencies need a population: on fewer entities (a test, a handful of records) no adjustment. */
export const MIN_TF_ENTITIES = 1000;

export function makeWeigher(e: Table, scorer: Scorer): Weigher {
  const params = scorer.params;
  const cap = params.tf.maxAdjustmentBits;
  let nameAdj: Float64Array | null = null;
  let romanAdj: Float64Array | null = null;
  let aliasAdj: Float64Array | null = null;
  let phoneAdj: Float64Array | null = null;
  const tf = e.n >= MIN_TF_ENTITIES;
  if (tf && params.tf.name) {
    const counts = new Int32Array(e.dicts.name.values.length);
    for (let i = 0; i < e.n; i++) if (e.name[i]! >= 0) counts[e.name[i]!]!++;
    nameAdj = adjustments(counts, e.n, params.comparisons[C_NAME]!.levels[NAME_EXACT]!.u!, cap);
    // The same for a name that agrees across scripts: "Wei Wang" = 王伟 is as common as 王伟.
    const roman = new Int32Array(e.dicts.roman.values.length);
    for (let i = 0; i < e.n; i++) if (e.romanKey[i]! >= 0) roman[e.romanKey[i]!]!++;
    romanAdj = adjustments(roman, e.n, params.comparisons[C_NAME]!.levels[NAME_PINYIN]!.u!, cap);
    // And for the same tokens in another order: "Fang Wang" / "Wang Fang" is as common as 王芳.
    const keys = new Int32Array(e.dicts.nameKey.values.length);
    for (let i = 0; i < e.n; i++) if (e.nameKey[i]! >= 0) keys[e.nameKey[i]!]!++;
    aliasAdj = adjustments(keys, e.n, params.comparisons[C_NAME]!.levels[NAME_ALIAS]!.u!, cap);
  }
  if (tf && params.tf.phone) {
    const counts = new Int32Array(e.dicts.phone.values.length);
    for (let x = 0; x < e.phone.length; x++) if (e.phone[x]! >= 0) counts[e.phone[x]!]!++;
    phoneAdj = adjustments(counts, e.n, params.comparisons[C_PHONE]!.levels[PHONE_E164]!.u!, cap);
  }
  return (i, j, mask, pattern, ruleOut) => {
    let w = maskedWeight(scorer, mask, pattern, ruleOut);
    const nameLevel = LEVEL_OF[C_NAME]![pattern];
    if (nameAdj && nameLevel === NAME_EXACT) w += nameAdj[e.name[i]!]!;
    else if (romanAdj && nameLevel === NAME_PINYIN && e.romanKey[i]! >= 0) w += romanAdj[e.romanKey[i]!]!;
    // A nickname (Bill / William) has another token key: no adjustment.
    else if (aliasAdj && nameLevel === NAME_ALIAS && e.nameKey[i] === e.nameKey[j]) w += aliasAdj[e.nameKey[i]!]!;
    if (phoneAdj && LEVEL_OF[C_PHONE]![pattern] === PHONE_E164) {
      // The rarest phone the two share.
      let best = -Infinity;
      for (let x = 0; x < PHONE_SLOTS; x++) {
        const p = e.phone[i * PHONE_SLOTS + x]!;
        if (p < 0) break;
        for (let y = 0; y < PHONE_SLOTS; y++) {
          const q = e.phone[j * PHONE_SLOTS + y]!;
          if (q < 0) break;
          if (p === q && phoneAdj[p]! > best) best = phoneAdj[p]!;
        }
      }
      if (best > -Infinity) w += best;
    }
    return w;
  };
}
