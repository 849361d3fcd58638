/**
 * Field comparisons with levels (level 0 is "null": one side missing, weight 0). A pair's levels
 * are packed into one integer pattern (mixed radix), so EM and scoring work on pattern counts.
 */
import { PHONE_SLOTS, type Table } from './prepare.js';
import { jaroWinkler } from './strings.js';

export interface ComparisonSpec {
  name: string;
  /** levels[0] is always 'null'; then from the strongest agreement to disagreement. */
  levels: readonly string[];
}

export const COMPARISONS: readonly ComparisonSpec[] = [
  { name: 'name', levels: ['null', 'exact', 'alias', 'sound', 'pinyin', 'jw>=0.92', 'jw>=0.80', 'partial', 'else'] },
  { name: 'birth_date', levels: ['null', 'exact', 'day_month_swapped', 'one_digit_off', 'one_field_off', 'else'] },
  { name: 'phone', levels: ['null', 'e164', 'last8', 'else'] },
  { name: 'email', levels: ['null', 'exact', 'fuzzy', 'else'] },
  { name: 'address', levels: ['null', 'street', 'postcode', 'city', 'else'] },
  { name: 'gender', levels: ['null', 'agree', 'disagree'] },
];

export const C_NAME = 0, C_DOB = 1, C_PHONE = 2, C_EMAIL = 3, C_ADDRESS = 4, C_GENDER = 5;
export const NAME_EXACT = 1;
export const NAME_ALIAS = 2;
export const NAME_PINYIN = 4;
export const NAME_PARTIAL = 7;
const NAME_JW92 = 5, NAME_JW80 = 6, NAME_ELSE = 8;

export const STRIDES: readonly number[] = (() => {
  const s: number[] = [];
  let acc = 1;
  for (const c of COMPARISONS) {
    s.push(acc);
    acc *= c.levels.length;
  }
  return s;
})();
export const N_PATTERNS = COMPARISONS.reduce((a, c) => a * c.levels.length, 1);

/** levelOf[k][pattern] */
export const LEVEL_OF: readonly Uint8Array[] = COMPARISONS.map((c, k) => {
  const out = new Uint8Array(N_PATTERNS);
  for (let p = 0; p < N_PATTERNS; p++) out[p] = Math.floor(p / STRIDES[k]!) % c.levels.length;
  return out;
});

const EPS = 1e-9;

/**
 * Name levels:
 *   exact     the same normalized name
 *   alias     the same tokens in another order, or a nickname (Bill / William)
 *   sound     the same sound key: a homophone typed by the input method (王伟 / 王玮), Soundex
 *   pinyin    the same Latin reading across scripts or spellings: 刘静 = "Jing Liu" = "LIU, Jing"
 *             = "liu jing" (either name order, with or without spaces; surnames read as surnames)
 *   jw≥0.92, jw≥0.80   Jaro-Winkler similarity; a name in characters against one in Latin
 *             letters is compared part by part on its pinyin reading (crossScriptLevel)
 *   partial   one side is only a family name (王先生, Mr Wang) or only a given name, and it
 *             agrees with the other side (a partial name can never be more than this)
 *   else      disagreement, including a partial name that does not fit
 */
export function nameLevel(t: Table, i: number, j: number): number {
  const a = t.name[i]!;
  const b = t.name[j]!;
  if (a < 0 || b < 0) return 0;
  if (t.partial[i] || t.partial[j]) return partialFits(t, i, j) ? NAME_PARTIAL : NAME_ELSE;
  if (a === b) return 1;
  if (t.nameKey[i] === t.nameKey[j] || (t.nick[i]! >= 0 && t.nick[i] === t.nick[j])) return 2;
  if (t.sound[i] === t.sound[j]) return 3;
  if (romanAgrees(t, i, j)) return NAME_PINYIN;
  if (t.script[i] !== t.script[j] && t.romanA[i]! >= 0 && t.romanA[j]! >= 0) return crossScriptLevel(t, i, j);
  const names = t.dicts.name.values;
  const jw = jaroWinkler(names[a]!, names[b]!);
  return jw >= 0.92 - EPS ? NAME_JW92 : jw >= 0.8 - EPS ? NAME_JW80 : NAME_ELSE;
}

/**
 * A name in characters against one in Latin letters that does not read the same: compared part
 * by part on the pinyin reading, in both alignments (the Latin split may be the wrong way round).
 * One part the same and the other within Jaro-Winkler 0.92 (a typo: Weiqiang / Weiqinag,
 * Wnag / Wang) is jw≥0.92; one part the same is jw≥0.80; else else. Whole-string similarity would be far too
 * lenient on short pinyin: "liuna" and "lina" are 0.95 alike, and LIU Na is not 李娜.
 */
function crossScriptLevel(t: Table, i: number, j: number): number {
  const r = t.dicts.roman.values;
  const fi = t.romanFamily[i]!, gi = t.romanGiven[i]!, fj = t.romanFamily[j]!, gj = t.romanGiven[j]!;
  let best = NAME_ELSE;
  for (const [f, g] of [[fj, gj], [gj, fj]] as const) {
    if (fi === f && jaroWinkler(r[gi]!, r[g]!) >= 0.92 - EPS) return NAME_JW92;
    if (gi === g && jaroWinkler(r[fi]!, r[f]!) >= 0.92 - EPS) return NAME_JW92;
    if (fi === f || gi === g) best = NAME_JW80;
  }
  return best;
}

/**
 * Same Latin reading: the order-free key, or one of one side's two joined readings (family +
 * given, given + family) is one of the other's. All four combinations count: a lower-case name
 * of three tokens may be split at another token than another spelling of it ("zhao huiqiang"
 * read as family huiqiang + given zhao, "zhao hui qiang" as family qiang + given "zhao hui"),
 * and then only the given + family readings agree (both "zhaohuiqiang").
 */
function romanAgrees(t: Table, i: number, j: number): boolean {
  const k = t.romanKey[i]!;
  if (k >= 0 && k === t.romanKey[j]) return true;
  const ai = t.romanA[i]!, bi = t.romanB[i]!, aj = t.romanA[j]!, bj = t.romanB[j]!;
  return ai >= 0 && aj >= 0 && (ai === aj || ai === bj || bi === aj || bi === bj);
}

/**
 * Does a partial name fit the other name? Its one part must equal (same text or same Latin
 * reading, so 王先生 fits "Wang Qiang") the other's family name — or, since a Latin name may
 * have been split in the wrong order ("Liu Jing" → given Liu), any part of it. Two partial names
 * fit when their parts agree.
 */
function partialFits(t: Table, i: number, j: number): boolean {
  const fits = (p: number, q: number): boolean => {
    const rp = t.romanFamily[p]! >= 0 ? t.romanFamily[p]! : t.romanGiven[p]!;
    // No Latin reading (a name in another script): the family names as written.
    if (rp < 0) return t.family[p]! >= 0 && t.family[p] === t.family[q];
    if (rp === t.romanFamily[q]) return true;
    if (t.script[p] !== 2 && t.script[q] !== 2) return false;
    // Given name first in Latin letters, or a name split at the wrong token ("Lin Gang Hao" read
    // as family Hao): the part starts or ends the other's reading in one of its two orders.
    if (rp === t.romanGiven[q]) return true;
    const r = t.dicts.roman.values;
    const part = r[rp]!;
    for (const x of [t.romanA[q]!, t.romanB[q]!]) if (x >= 0 && (r[x]!.startsWith(part) || r[x]!.endsWith(part))) return true;
    return false;
  };
  return t.partial[i] ? fits(i, j) : fits(j, i);
}

/**
 * Can a pair with this pattern merge? Only with a strong identifier (a shared phone, the same
 * e-mail) or a name that agrees in full (exact, alias, sound, pinyin, Jaro-Winkler ≥ 0.92): a
 * birth date or an address never joins a partial name (王先生), two people with another family
 * name and the same given name (孙丽娟 / 胡丽娟), or another given name ("Helen Wilson" / "Laura
 * Wilson"), whatever weight the model gives them. And names that disagree (Jaro-Winkler below
 * 0.92: 丁伟强 / 丁洋伟 share only the family name) need the e-mail, or a shared phone and the
 * birth date: a shared phone and address alone is how a household looks (a spouse registered
 * with the partner's mobile). Refused pairs go to review (reason needs_identifier).
 *
 * Measured (bench/match.ts, 200k records): on the mixed-script set this lifts precision from
 * 0.985 to 0.995 for 0.3 points of recall; on the classic set it costs about 1 point of recall
 * (nicknames the matcher does not know, sharing a phone and an address, now go to review).
 */
export const MERGE_ALLOWED: Uint8Array = new Uint8Array(N_PATTERNS);
for (let p = 0; p < N_PATTERNS; p++) {
  const name = LEVEL_OF[0]![p]!;
  const dob = LEVEL_OF[1]![p]!;
  const phone = LEVEL_OF[2]![p]!;
  const email = LEVEL_OF[3]![p]!;
  const strongId = phone === 1 || phone === 2 || email === 1;
  const fullName = name >= 1 && name <= NAME_JW92;
  const otherName = (name === NAME_ELSE || name === NAME_JW80) && !(email === 1 || (strongId && (dob === 1 || dob === 2)));
  MERGE_ALLOWED[p] = (strongId || fullName) && !otherName ? 1 : 0;
}

export function dobLevel(t: Table, i: number, j: number): number {
  const a = t.dob[i]!;
  const b = t.dob[j]!;
  if (a === 0 || b === 0) return 0;
  if (a === b) return 1;
  const ya = (a / 10000) | 0, ma = ((a / 100) | 0) % 100, da = a % 100;
  const yb = (b / 10000) | 0, mb = ((b / 100) | 0) % 100, db = b % 100;
  if (ya === yb && ma === db && da === mb) return 2;
  const same = (ya === yb ? 1 : 0) + (ma === mb ? 1 : 0) + (da === db ? 1 : 0);
  if (same !== 2) return 5;
  // One of year, month, day differs: by a single digit (a typo: 1985/1986, 12/17) or more.
  const typo = ya !== yb ? oneDigit(ya, yb) : ma !== mb ? oneDigit(ma, mb) : oneDigit(da, db);
  return typo ? 3 : 4;
}

/** Do two non-negative integers differ in exactly one decimal digit (same number of digits)? */
function oneDigit(a: number, b: number): boolean {
  let diffs = 0;
  while (a > 0 || b > 0) {
    if (a % 10 !== b % 10) diffs++;
    a = (a / 10) | 0;
    b = (b / 10) | 0;
  }
  return diffs === 1;
}

export function phoneLevel(t: Table, i: number, j: number): number {
  const bi = i * PHONE_SLOTS;
  const bj = j * PHONE_SLOTS;
  if (t.phone[bi]! < 0 || t.phone[bj]! < 0) return 0;
  let tail = false;
  for (let x = 0; x < PHONE_SLOTS; x++) {
    const p = t.phone[bi + x]!;
    if (p < 0) break;
    const pt = t.phoneTail[bi + x]!;
    for (let y = 0; y < PHONE_SLOTS; y++) {
      const q = t.phone[bj + y]!;
      if (q < 0) break;
      if (p === q) return 1;
      if (pt >= 0 && pt === t.phoneTail[bj + y]) tail = true;
    }
  }
  return tail ? 2 : 3;
}

export function emailLevel(t: Table, i: number, j: number): number {
  const a = t.email[i]!;
  const b = t.email[j]!;
  if (a < 0 || b < 0) return 0;
  if (a === b) return 1;
  if (t.emailLocal[i] === t.emailLocal[j]) return 2;
  const e = t.dicts.email.values;
  return jaroWinkler(e[a]!, e[b]!) >= 0.88 - EPS ? 2 : 3;
}

export function addressLevel(t: Table, i: number, j: number): number {
  const si = t.street[i]!, sj = t.street[j]!;
  const pi = t.postcode[i]!, pj = t.postcode[j]!;
  const ci = t.city[i]!, cj = t.city[j]!;
  if ((si < 0 && pi < 0 && ci < 0) || (sj < 0 && pj < 0 && cj < 0)) return 0;
  // The same street text in another city is another address.
  if (si >= 0 && sj >= 0 && !(ci >= 0 && cj >= 0 && ci !== cj)) {
    if (si === sj) return 1;
    const s = t.dicts.street.values;
    if (jaroWinkler(s[si]!, s[sj]!) >= 0.9 - EPS) return 1;
  }
  if (pi >= 0 && pi === pj) return 2;
  const di = t.district[i]!;
  if ((ci >= 0 && ci === cj) || (di >= 0 && di === t.district[j])) return 3;
  return 4;
}

export function genderLevel(t: Table, i: number, j: number): number {
  const a = t.gender[i]!;
  const b = t.gender[j]!;
  if (a === 0 || b === 0) return 0;
  return a === b ? 1 : 2;
}

/** The comparison pattern of rows i and j of a table. */
export function comparePair(t: Table, i: number, j: number): number {
  return (
    nameLevel(t, i, j) +
    STRIDES[1]! * dobLevel(t, i, j) +
    STRIDES[2]! * phoneLevel(t, i, j) +
    STRIDES[3]! * emailLevel(t, i, j) +
    STRIDES[4]! * addressLevel(t, i, j) +
    STRIDES[5]! * genderLevel(t, i, j)
  );
}

export function levelsOf(pattern: number): number[] {
  return COMPARISONS.map((_, k) => LEVEL_OF[k]![pattern]!);
}

/** The compared values of one comparison for display in a review row. */
export function comparedValue(t: Table, k: number, i: number): string | null {
  const d = t.dicts;
  switch (k) {
    case C_NAME:
      return t.name[i]! >= 0 ? d.name.values[t.name[i]!]! : null;
    case C_DOB: {
      const v = t.dob[i]!;
      return v ? `${(v / 10000) | 0}-${String(((v / 100) | 0) % 100).padStart(2, '0')}-${String(v % 100).padStart(2, '0')}` : null;
    }
    case C_PHONE: {
      const out: string[] = [];
      for (let s = 0; s < PHONE_SLOTS; s++) {
        const p = t.phone[i * PHONE_SLOTS + s]!;
        if (p >= 0) out.push(d.phone.values[p]!);
      }
      return out.length ? out.join(', ') : null;
    }
    case C_EMAIL:
      return t.email[i]! >= 0 ? d.email.values[t.email[i]!]! : null;
    case C_ADDRESS: {
      const parts = [
        t.street[i]! >= 0 ? d.street.values[t.street[i]!] : null,
        t.district[i]! >= 0 ? d.district.values[t.district[i]!]!.split('|')[1] : null,
        t.city[i]! >= 0 ? d.city.values[t.city[i]!] : null,
        t.postcode[i]! >= 0 ? d.postcode.values[t.postcode[i]!] : null,
      ].filter(Boolean);
      return parts.length ? parts.join(', ') : null;
    }
    case C_GENDER:
      return t.gender[i] === 1 ? 'F' : t.gender[i] === 2 ? 'M' : null;
    default:
      return null;
  }
}
