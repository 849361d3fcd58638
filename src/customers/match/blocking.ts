/**
 * Blocking: each rule gives every row zero or more block keys; candidate pairs are the pairs that
 * share a key under at least one rule (the union over rules). A pair is emitted once, by the first
 * rule (and, for multi-valued keys, the first block) that produces it, so the union needs no hash
 * set. Blocks larger than `maxBlockSize` (a store's phone typed for walk-in customers, a call
 * centre's default e-mail) are skipped and counted: a pair in them is still found if another rule
 * blocks it.
 */
import { C_ADDRESS, C_DOB, C_EMAIL, C_NAME, C_PHONE } from './compare.js';
import { KeyDict, PHONE_SLOTS, type Table } from './prepare.js';

export interface BlockingRule {
  name: string;
  /** Comparisons the rule's key is made of: an EM session on this rule's pairs does not estimate them. */
  uses: number[];
  /** Keys per row (slots); -1 = none. */
  slots: number;
  keys(t: Table): Int32Array;
}

function keysFrom(t: Table, fn: (dict: KeyDict, i: number) => number): Int32Array {
  const dict = new KeyDict(t.n);
  const out = new Int32Array(t.n);
  for (let i = 0; i < t.n; i++) out[i] = fn(dict, i);
  return out;
}

/** Phone tail keys, leaving out phones of kind `skip` (slots compacted). */
function phoneKeys(t: Table, skip: number): Int32Array {
  const out = new Int32Array(t.phoneTail.length).fill(-1);
  for (let i = 0; i < t.n; i++) {
    let o = 0;
    for (let s = 0; s < PHONE_SLOTS; s++) {
      const x = i * PHONE_SLOTS + s;
      if (t.phoneTail[x]! < 0 || t.phoneKind[x] === skip) continue;
      out[i * PHONE_SLOTS + o++] = t.phoneTail[x]!;
    }
  }
  return out;
}

const year = (dob: number): number => (dob > 0 ? (dob / 10000) | 0 : -1);
const orNone = (v: number): number => (v > 0 ? v : -1);

export const BLOCKING_RULES: readonly BlockingRule[] = [
  // Phones by their last 8 digits (also pairs whose E.164 differs by a country or area code a
  // standardizer got wrong), mobiles and landlines as separate rules: people sharing a landline
  // are mostly a household, people sharing a mobile mostly one person, and each rule's EM session
  // learns its own non-matches. A phone of unknown kind is in both.
  { name: 'mobile', uses: [C_PHONE], slots: PHONE_SLOTS, keys: (t) => phoneKeys(t, 2) },
  { name: 'landline', uses: [C_PHONE], slots: PHONE_SLOTS, keys: (t) => phoneKeys(t, 1) },
  { name: 'email', uses: [C_EMAIL], slots: 1, keys: (t) => t.email },
  { name: 'family_dob', uses: [C_NAME, C_DOB], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.family[i]!, orNone(t.dob[i]!))) },
  { name: 'given_dob', uses: [C_NAME, C_DOB], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.given[i]!, orNone(t.dob[i]!))) },
  { name: 'name_year', uses: [C_NAME, C_DOB], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.nameKey[i]!, year(t.dob[i]!))) },
  { name: 'sound_year', uses: [C_NAME, C_DOB], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.sound[i]!, year(t.dob[i]!))) },
  { name: 'sound_postcode', uses: [C_NAME, C_ADDRESS], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.sound[i]!, t.postcode[i]!)) },
  { name: 'sound_street', uses: [C_NAME, C_ADDRESS], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.sound[i]!, t.street[i]!)) },
  // The Latin reading of the name in either order (刘静 = "Jing Liu" = "LIU, Jing") with the birth
  // date: the pairs across scripts that no other name rule brings together.
  { name: 'roman_dob', uses: [C_NAME, C_DOB], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.romanKey[i]!, orNone(t.dob[i]!))) },
  { name: 'roman_street', uses: [C_NAME, C_ADDRESS], slots: 1, keys: (t) => keysFrom(t, (d, i) => d.id(t.romanKey[i]!, t.street[i]!)) },
  {
    name: 'initials_postcode',
    uses: [C_NAME, C_ADDRESS],
    slots: 1,
    keys: (t) => {
      const inner = new KeyDict(t.n);
      return keysFrom(t, (d, i) => d.id(inner.id(t.family[i]!, t.givenInitial[i]!), t.postcode[i]!));
    },
  },
];

export function ruleNames(): string[] {
  return BLOCKING_RULES.map((r) => r.name);
}

/** One rule's blocks as CSR arrays. */
export interface Blocks {
  rule: BlockingRule;
  slots: number;
  keys: Int32Array;
  start: Int32Array;
  members: Int32Array;
  capped: Uint8Array;
}

export function buildBlocks(t: Table, rule: BlockingRule, maxBlockSize: number): Blocks {
  const keys = rule.keys(t);
  const slots = rule.slots;
  let nb = 0;
  for (let x = 0; x < keys.length; x++) if (keys[x]! >= nb) nb = keys[x]! + 1;
  const start = new Int32Array(nb + 1);
  for (let x = 0; x < keys.length; x++) if (keys[x]! >= 0) start[keys[x]! + 1]!++;
  for (let b = 0; b < nb; b++) start[b + 1]! += start[b]!;
  const fill = start.slice(0, nb);
  const members = new Int32Array(start[nb]!);
  for (let x = 0; x < keys.length; x++) {
    const k = keys[x]!;
    if (k >= 0) members[fill[k]!++] = (x / slots) | 0; // rows ascend within a block
  }
  const capped = new Uint8Array(nb);
  for (let b = 0; b < nb; b++) if (start[b + 1]! - start[b]! > maxBlockSize) capped[b] = 1;
  return { rule, slots, keys, start, members, capped };
}

/** The first (smallest-slot) non-capped block that rows i and j share under this rule, or -1. */
export function sharedBlock(bl: Blocks, i: number, j: number): number {
  const keys = bl.keys;
  if (bl.slots === 1) {
    const k = keys[i]!;
    return k >= 0 && k === keys[j] && bl.capped[k] === 0 ? k : -1;
  }
  const s = bl.slots;
  for (let x = 0; x < s; x++) {
    const k = keys[i * s + x]!;
    if (k < 0) break;
    if (bl.capped[k] === 1) continue;
    for (let y = 0; y < s; y++) {
      const q = keys[j * s + y]!;
      if (q < 0) break;
      if (q === k) return k;
    }
  }
  return -1;
}

/** Growable pair list: rows a < b, and a bit per rule whose (non-capped) key the pair shares. */
export class PairList {
  a = new Int32Array(1 << 16);
  b = new Int32Array(1 << 16);
  mask = new Uint16Array(1 << 16);
  length = 0;
  push(i: number, j: number, mask: number): void {
    if (this.length === this.a.length) {
      const grow = <T extends Int32Array | Uint16Array>(x: T): T => {
        const y = new (x.constructor as new (n: number) => T)(x.length * 2);
        y.set(x);
        return y;
      };
      this.a = grow(this.a);
      this.b = grow(this.b);
      this.mask = grow(this.mask);
    }
    this.a[this.length] = i;
    this.b[this.length] = j;
    this.mask[this.length] = mask;
    this.length++;
  }
}

export interface BlockingStats {
  rule: string;
  blocks: number;
  /** Pairs this rule added that no earlier rule had. */
  pairs: number;
  cappedBlocks: number;
  cappedRows: number;
  /** Pairs inside capped blocks (not generated by this rule). */
  cappedPairs: number;
  largestBlock: number;
}

export interface BlockingResult {
  pairs: PairList;
  blocks: Blocks[];
  stats: BlockingStats[];
}

/**
 * Candidate pairs over all rows, or (when `active` is given) only pairs with at least one active
 * row: the incremental path, whose cost follows the number of new rows.
 */
export interface BlockPairsOptions {
  /** Only pairs with at least one active row (incremental runs). */
  active?: Uint8Array;
  rules?: readonly BlockingRule[];
  /**
   * For training: when the blocks hold more than about this many pairs, keep whole blocks at
   * random (by a hash of the block) so that about this many remain.
   */
  maxPairs?: number;
}

export function blockPairs(t: Table, maxBlockSize: number, options: BlockPairsOptions = {}): BlockingResult {
  const { active, rules = BLOCKING_RULES, maxPairs } = options;
  const blocks = rules.map((r) => buildBlocks(t, r, maxBlockSize));
  let sampleRate = 1;
  if (maxPairs !== undefined) {
    let total = 0;
    for (const bl of blocks) {
      for (let b = 0; b + 1 < bl.start.length; b++) {
        const size = bl.start[b + 1]! - bl.start[b]!;
        if (size <= maxBlockSize) total += (size * (size - 1)) / 2;
      }
    }
    if (total > maxPairs) sampleRate = maxPairs / total;
  }
  const keepBlock = (r: number, b: number): boolean =>
    sampleRate >= 1 || ((Math.imul(b + 1, 0x9e3779b1) ^ Math.imul(r + 1, 0x85ebca6b)) >>> 0) / 4294967296 < sampleRate;
  const pairs = new PairList();
  const stats: BlockingStats[] = [];
  const nr = blocks.length;

  const emit = (r: number, blockId: number, i: number, j: number): boolean => {
    for (let q = 0; q < r; q++) if (sharedBlock(blocks[q]!, i, j) >= 0) return false;
    const bl = blocks[r]!;
    if (bl.slots > 1 && sharedBlock(bl, i, j) !== blockId) return false;
    let mask = 1 << r;
    for (let q = r + 1; q < nr; q++) if (sharedBlock(blocks[q]!, i, j) >= 0) mask |= 1 << q;
    pairs.push(i, j, mask);
    return true;
  };

  for (let r = 0; r < nr; r++) {
    const bl = blocks[r]!;
    const nb = bl.start.length - 1;
    const st: BlockingStats = { rule: bl.rule.name, blocks: 0, pairs: 0, cappedBlocks: 0, cappedRows: 0, cappedPairs: 0, largestBlock: 0 };
    const countCapped = (size: number): void => {
      st.cappedBlocks++;
      st.cappedRows += size;
      st.cappedPairs += (size * (size - 1)) / 2;
    };
    if (!active) {
      for (let b = 0; b < nb; b++) {
        const lo = bl.start[b]!;
        const hi = bl.start[b + 1]!;
        const size = hi - lo;
        if (size > st.largestBlock) st.largestBlock = size;
        if (size < 2) continue;
        st.blocks++;
        if (bl.capped[b]) {
          countCapped(size);
          continue;
        }
        if (!keepBlock(r, b)) continue;
        for (let x = lo; x < hi; x++) {
          const i = bl.members[x]!;
          for (let y = x + 1; y < hi; y++) if (emit(r, b, i, bl.members[y]!)) st.pairs++;
        }
      }
    } else {
      const seenCapped = new Set<number>();
      for (let i = 0; i < t.n; i++) {
        if (!active[i]) continue;
        for (let s = 0; s < bl.slots; s++) {
          const b = bl.keys[i * bl.slots + s]!;
          if (b < 0) {
            if (bl.slots > 1) break;
            continue;
          }
          const lo = bl.start[b]!;
          const hi = bl.start[b + 1]!;
          const size = hi - lo;
          if (size > st.largestBlock) st.largestBlock = size;
          if (size < 2) continue;
          if (bl.capped[b]) {
            if (!seenCapped.has(b)) {
              seenCapped.add(b);
              countCapped(size);
            }
            continue;
          }
          if (!keepBlock(r, b)) continue;
          for (let x = lo; x < hi; x++) {
            const o = bl.members[x]!;
            if (o === i || (active[o] && o < i)) continue;
            if (emit(r, b, Math.min(i, o), Math.max(i, o))) st.pairs++;
          }
        }
      }
    }
    stats.push(st);
  }
  return { pairs, blocks, stats };
}

