/**
 * Exact de-duplication before fuzzy matching: records with the same normalized key under a
 * deterministic rule are one entity. Rules, in order:
 *   source_person  same source system and source person id (one person's accounts in one source)
 *   phone_name     same E.164 phone and same normalized full name (phones shared by more than
 *                  `sharedPhoneLimit` records, a store's or a call centre's, are not used; a
 *                  partial name such as 王先生 is not a full name)
 *   email_dob      same e-mail and same birth date
 * A reviewer's "different" between two records is honoured: such a union is refused.
 */
import { KEY_BASE, PHONE_SLOTS, type Table } from './prepare.js';
import { UnionFind } from './cluster.js';
import { NumMap } from './numMap.js';

export const EXACT_RULES = ['source_person', 'phone_name', 'email_dob'] as const;
export type ExactRule = (typeof EXACT_RULES)[number];

export interface ExactResult {
  /** Entity index per record. */
  entityOf: Int32Array;
  /** CSR: records of entity e are members[start[e] .. start[e+1]), ascending. */
  start: Int32Array;
  members: Int32Array;
  /** Per record: index into EXACT_RULES of the rule that joined it to an earlier record, or -1. */
  rule: Int8Array;
  counts: Record<ExactRule, number>;
}

export interface ExactOptions {
  sharedPhoneLimit: number;
  /** Records whose mutual exact matches are ignored (both settled in earlier runs). */
  settled?: Uint8Array;
  /** Record pairs a reviewer said are different people. */
  cannotLink?: ReadonlyMap<number, ReadonlySet<number>>;
}

export function exactDedup(t: Table, opts: ExactOptions): ExactResult {
  const n = t.n;
  const uf = new UnionFind(n);
  const rule = new Int8Array(n).fill(-1);
  const counts: Record<ExactRule, number> = { source_person: 0, phone_name: 0, email_dob: 0 };
  const settled = opts.settled;
  const cannot = opts.cannotLink;
  // Constrained members per root (only records that carry a cannot-link).
  const constrained = new Map<number, number[]>();
  if (cannot) for (const r of cannot.keys()) constrained.set(r, [r]);

  const tryUnion = (later: number, earlier: number, r: number): void => {
    if (settled && settled[later] && settled[earlier]) return;
    const ra = uf.find(later);
    const rb = uf.find(earlier);
    if (ra === rb) return;
    const ca = constrained.get(ra);
    const cb = constrained.get(rb);
    if (ca && cb) for (const x of ca) for (const y of cb) if (cannot!.get(x)?.has(y)) return;
    const root = uf.union(ra, rb);
    if (ca || cb) {
      constrained.delete(ra);
      constrained.delete(rb);
      constrained.set(root, [...(ca ?? []), ...(cb ?? [])]);
    }
    if (rule[later] === -1) {
      rule[later] = r;
      counts[EXACT_RULES[r]!]++;
    }
  };

  // source_person
  {
    const first = new Int32Array(t.dicts.sourcePerson.values.length).fill(-1);
    for (let i = 0; i < n; i++) {
      const k = t.sourcePerson[i]!;
      if (k < 0) continue;
      if (first[k] === -1) first[k] = i;
      else tryUnion(i, first[k]!, 0);
    }
  }
  // phone_name
  {
    const phoneCount = new Int32Array(t.dicts.phone.values.length);
    for (let x = 0; x < t.phone.length; x++) if (t.phone[x]! >= 0) phoneCount[t.phone[x]!]!++;
    const first = new NumMap(n);
    for (let i = 0; i < n; i++) {
      const name = t.name[i]!;
      // A partial name (王先生: family name only) is not a name to key on: a household's 王先生
      // and 王女士 on one landline both read 王. It joins through the fuzzy steps, or not at all.
      if (name < 0 || t.partial[i]) continue;
      for (let s = 0; s < PHONE_SLOTS; s++) {
        const ph = t.phone[i * PHONE_SLOTS + s]!;
        if (ph < 0) break;
        if (phoneCount[ph]! > opts.sharedPhoneLimit) continue;
        const f = first.getOrSet(ph * KEY_BASE + name, i);
        if (f !== i) tryUnion(i, f, 1);
      }
    }
  }
  // email_dob
  {
    const first = new NumMap(n);
    for (let i = 0; i < n; i++) {
      const e = t.email[i]!;
      const d = t.dob[i]!;
      if (e < 0 || d < 18000000) continue;
      const f = first.getOrSet(e * KEY_BASE + (d - 18000000), i); // dob 1800..2499 fits below KEY_BASE
      if (f !== i) tryUnion(i, f, 2);
    }
  }

  // Entities numbered by their smallest record.
  const entityOf = new Int32Array(n).fill(-1);
  let ne = 0;
  const rootEntity = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const r = uf.find(i);
    if (rootEntity[r] === -1) rootEntity[r] = ne++;
    entityOf[i] = rootEntity[r]!;
  }
  const start = new Int32Array(ne + 1);
  for (let i = 0; i < n; i++) start[entityOf[i]! + 1]!++;
  for (let e = 0; e < ne; e++) start[e + 1]! += start[e]!;
  const fill = start.slice(0, ne);
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[fill[entityOf[i]!]!++] = i;
  return { entityOf, start, members, rule, counts };
}
