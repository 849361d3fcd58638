/**
 * Profiles → a columnar table of interned ids, so comparisons are integer compares and the only
 * strings touched in the hot loop are names, e-mails and streets for Jaro-Winkler.
 */
import type { StandardProfile } from '../profile.js';
import { canonicalGiven, isCjk, nameTokens, normText, romanName, sortedTokenKey, soundKey } from './names.js';
import { NumMap } from './numMap.js';

export const PHONE_SLOTS = 3;
/** Combined numeric keys are `a * KEY_BASE + b`; every id must stay below it. */
export const KEY_BASE = 2 ** 26;

export class Dict {
  readonly ids = new Map<string, number>();
  readonly values: string[] = [];
  id(s: string | null): number {
    if (s == null) return -1;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(s, id);
      this.values.push(s);
    }
    return id;
  }
}

/** Interns numeric composite keys to dense ids. */
export class KeyDict {
  private readonly ids: NumMap;
  constructor(expected = 1024) {
    this.ids = new NumMap(expected);
  }
  get size(): number {
    return this.ids.size;
  }
  id(a: number, b: number): number {
    if (a < 0 || b < 0) return -1;
    return this.ids.getOrSet(a * KEY_BASE + b, this.ids.size);
  }
}

export interface Dicts {
  name: Dict;
  nameKey: Dict;
  sound: Dict;
  nick: Dict;
  family: Dict;
  given: Dict;
  phone: Dict;
  phoneTail: Dict;
  email: Dict;
  emailLocal: Dict;
  street: Dict;
  postcode: Dict;
  city: Dict;
  district: Dict;
  source: Dict;
  sourcePerson: Dict;
  /** Latin readings of names (romanName): parts, both joined orders and the order-free key. */
  roman: Dict;
}

export function newDicts(): Dicts {
  return {
    name: new Dict(), nameKey: new Dict(), sound: new Dict(), nick: new Dict(), family: new Dict(), given: new Dict(),
    phone: new Dict(), phoneTail: new Dict(), email: new Dict(), emailLocal: new Dict(), street: new Dict(),
    postcode: new Dict(), city: new Dict(), district: new Dict(), source: new Dict(), sourcePerson: new Dict(), roman: new Dict(),
  };
}

/** One row per record (or per entity, once exact duplicates are folded together). Missing = -1 (dob: 0, gender: 0). */
export interface Table {
  n: number;
  dicts: Dicts;
  name: Int32Array;
  nameKey: Int32Array;
  sound: Int32Array;
  nick: Int32Array;
  family: Int32Array;
  given: Int32Array;
  /** First UTF-16 unit of the given name. */
  givenInitial: Int32Array;
  /** Latin reading (dicts.roman ids): order-free key, family+given, given+family, family, given. */
  romanKey: Int32Array;
  romanA: Int32Array;
  romanB: Int32Array;
  romanFamily: Int32Array;
  romanGiven: Int32Array;
  /** 1: the name is written in Chinese characters, 2: in Latin letters, 0: no name. */
  script: Int8Array;
  /**
   * 1: a partial name, only a family name (王先生, Mr Wang) or only a given name: it may join a
   * customer through a phone or e-mail, never on a birth date or address alone (compare.ts).
   */
  partial: Uint8Array;
  /** yyyymmdd */
  dob: Int32Array;
  /** PHONE_SLOTS per row. */
  phone: Int32Array;
  phoneTail: Int32Array;
  /** Per phone slot: 1 mobile, 2 fixed line, 3 other (kind unknown), 0 none. */
  phoneKind: Int8Array;
  email: Int32Array;
  emailLocal: Int32Array;
  street: Int32Array;
  postcode: Int32Array;
  city: Int32Array;
  district: Int32Array;
  /** 0 unknown, 1 F, 2 M */
  gender: Int8Array;
  source: Int32Array;
  sourcePerson: Int32Array;
}

export function allocTable(n: number, dicts: Dicts): Table {
  const i32 = (fill = -1) => new Int32Array(n).fill(fill);
  return {
    n, dicts,
    name: i32(), nameKey: i32(), sound: i32(), nick: i32(), family: i32(), given: i32(), givenInitial: i32(),
    romanKey: i32(), romanA: i32(), romanB: i32(), romanFamily: i32(), romanGiven: i32(), script: new Int8Array(n), partial: new Uint8Array(n),
    dob: i32(0), phone: new Int32Array(n * PHONE_SLOTS).fill(-1), phoneTail: new Int32Array(n * PHONE_SLOTS).fill(-1),
    phoneKind: new Int8Array(n * PHONE_SLOTS),
    email: i32(), emailLocal: i32(), street: i32(), postcode: i32(), city: i32(), district: i32(),
    gender: new Int8Array(n), source: i32(), sourcePerson: i32(),
  };
}

const DOB_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9];

/** 'YYYY-MM-DD' → yyyymmdd, 0 when missing or malformed. */
export function parseDob(s: string | null | undefined): number {
  if (!s || s.length < 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return 0;
  let v = 0;
  for (const i of DOB_DIGITS) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return 0;
    v = v * 10 + d;
  }
  return v;
}

/** Per-name derived keys, computed once per distinct (full, family, given). */
interface NameInfo {
  name: number;
  nameKey: number;
  sound: number;
  nick: number;
  familyId: number;
  givenId: number;
  initial: number;
  romanKey: number;
  romanA: number;
  romanB: number;
  romanFamily: number;
  romanGiven: number;
  script: number;
  partial: number;
}

export function prepareRecords(profiles: readonly StandardProfile[], dicts: Dicts = newDicts()): Table {
  const n = profiles.length;
  if (n >= KEY_BASE) throw new Error(`matching supports fewer than ${KEY_BASE} records`);
  const t = allocTable(n, dicts);
  // Caches keyed by the raw text: names, postcodes, cities and districts repeat a lot.
  const nameCache = new Map<string, NameInfo & { family: string | null | undefined; given: string | null | undefined }>();
  const rawCache = (dict: Dict, norm: (s: string) => string | null) => {
    const cache = new Map<string, number>();
    return (raw: string | null | undefined): number => {
      if (raw == null || raw === '') return -1;
      let id = cache.get(raw);
      if (id === undefined) cache.set(raw, (id = dict.id(norm(raw))));
      return id;
    };
  };
  const postcodeId = rawCache(dicts.postcode, (s) => normText(s)?.replace(/ /g, '') ?? null);
  const cityId = rawCache(dicts.city, normText);
  const districtCache = new Map<string, number>();
  const tailOfPhone: number[] = [];
  const nameInfo = (rawFull: string | null | undefined, rawFamily: string | null | undefined, rawGiven: string | null | undefined): NameInfo | null => {
    const key = rawFull ?? `\u0001${rawFamily ?? ''}\u0001${rawGiven ?? ''}`;
    let info = nameCache.get(key);
    if (info && info.family === rawFamily && info.given === rawGiven) return info;
    const family = normText(rawFamily);
    const given = normText(rawGiven);
    const full = normText(rawFull) ?? normText([family, given].filter(Boolean).join(' '));
    if (!full) return null;
    const tokens = nameTokens(full, family, given);
    const fam = family ?? (tokens.length > 1 ? tokens[0]! : null);
    const giv = given ?? (tokens.length > 1 ? tokens.slice(1).join(' ') : null);
    const roman = romanName(fam, giv);
    info = {
      name: dicts.name.id(full),
      nameKey: dicts.nameKey.id(sortedTokenKey(tokens)),
      sound: dicts.sound.id(soundKey(full, tokens)),
      nick: dicts.nick.id(fam && giv ? `${fam}|${canonicalGiven(giv)}` : null),
      family: rawFamily,
      given: rawGiven,
      familyId: dicts.family.id(fam),
      givenId: dicts.given.id(giv),
      initial: giv ? giv.charCodeAt(0) : -1,
      romanKey: dicts.roman.id(roman.key),
      romanA: dicts.roman.id(roman.joined?.[0] ?? null),
      romanB: dicts.roman.id(roman.joined?.[1] ?? null),
      romanFamily: dicts.roman.id(roman.family),
      romanGiven: dicts.roman.id(roman.given),
      script: isCjk(full) ? 1 : 2,
      partial: (fam === null) !== (giv === null) ? 1 : 0,
    };
    // One entry per raw full name (the common case: the same parts every time).
    if (!nameCache.has(key)) nameCache.set(key, info);
    return info;
  };
  for (let i = 0; i < n; i++) {
    const p = profiles[i]!;
    const info = nameInfo(p.fullName, p.familyName, p.givenName);
    if (info) {
      t.name[i] = info.name;
      t.nameKey[i] = info.nameKey;
      t.sound[i] = info.sound;
      t.nick[i] = info.nick;
      t.family[i] = info.familyId;
      t.given[i] = info.givenId;
      t.givenInitial[i] = info.initial;
      t.romanKey[i] = info.romanKey;
      t.romanA[i] = info.romanA;
      t.romanB[i] = info.romanB;
      t.romanFamily[i] = info.romanFamily;
      t.romanGiven[i] = info.romanGiven;
      t.script[i] = info.script;
      t.partial[i] = info.partial;
    }
    t.dob[i] = parseDob(p.birthDate);
    let slot = 0;
    for (const ph of p.phones) {
      if (slot >= PHONE_SLOTS) break;
      if (!ph?.e164) continue;
      const id = dicts.phone.id(ph.e164);
      let dup = false;
      for (let s = 0; s < slot; s++) if (t.phone[i * PHONE_SLOTS + s] === id) dup = true;
      if (dup) continue;
      t.phone[i * PHONE_SLOTS + slot] = id;
      let tail = tailOfPhone[id];
      if (tail === undefined) {
        const digits = ph.e164.replace(/\D/g, '');
        tailOfPhone[id] = tail = dicts.phoneTail.id(digits.length >= 7 ? digits.slice(-8) : null);
      }
      t.phoneTail[i * PHONE_SLOTS + slot] = tail;
      t.phoneKind[i * PHONE_SLOTS + slot] = ph.kind === 'mobile' ? 1 : ph.kind === 'fixed' ? 2 : 3;
      slot++;
    }
    const email = normText(p.email);
    if (email) {
      t.email[i] = dicts.email.id(email);
      const at = email.indexOf('@');
      t.emailLocal[i] = dicts.emailLocal.id(at > 0 ? email.slice(0, at) : email);
    }
    const a = p.address;
    if (a) {
      t.street[i] = dicts.street.id(normText(a.street));
      t.postcode[i] = postcodeId(a.postcode);
      const city = cityId(a.city);
      t.city[i] = city;
      if (a.district) {
        const dkey = `${city}|${a.district}`;
        let d = districtCache.get(dkey);
        if (d === undefined) {
          const dn = normText(a.district);
          districtCache.set(dkey, (d = dn ? dicts.district.id(`${city >= 0 ? dicts.city.values[city] : ''}|${dn}`) : -1));
        }
        t.district[i] = d;
      }
    }
    t.gender[i] = p.gender === 'F' ? 1 : p.gender === 'M' ? 2 : 0;
    t.source[i] = dicts.source.id(p.sourceSystem);
    t.sourcePerson[i] = p.sourcePersonId ? dicts.sourcePerson.id(`${p.sourceSystem}\u0001${p.sourcePersonId}`) : -1;
  }
  return t;
}

function completeness(t: Table, i: number): number {
  let c = 0;
  if (t.name[i]! >= 0) c += t.partial[i] ? 1 : 2;
  if (t.dob[i]! > 0) c++;
  if (t.phone[i * PHONE_SLOTS]! >= 0) c++;
  if (t.email[i]! >= 0) c++;
  if (t.street[i]! >= 0) c++;
  if (t.postcode[i]! >= 0) c++;
  if (t.gender[i]! > 0) c++;
  return c;
}

/**
 * Entities from groups of records (exact duplicates): a merged view that takes each field block
 * (name, address, e-mail) from the most complete member that has it, and the union of phones.
 * `groupStart`/`groupMembers` is a CSR list of record indices per entity.
 */
export function foldEntities(rec: Table, groupStart: Int32Array, groupMembers: Int32Array): Table {
  const ne = groupStart.length - 1;
  const t = allocTable(ne, rec.dicts);
  const order: number[] = [];
  for (let e = 0; e < ne; e++) {
    const lo = groupStart[e]!;
    const hi = groupStart[e + 1]!;
    order.length = 0;
    for (let k = lo; k < hi; k++) order.push(groupMembers[k]!);
    if (order.length > 1) order.sort((x, y) => completeness(rec, y) - completeness(rec, x) || x - y);
    let nameDone = false, dobDone = false, emailDone = false, addrDone = false, genderDone = false;
    let slot = 0;
    for (const r of order) {
      if (!nameDone && rec.name[r]! >= 0) {
        nameDone = true;
        t.name[e] = rec.name[r]!; t.nameKey[e] = rec.nameKey[r]!; t.sound[e] = rec.sound[r]!; t.nick[e] = rec.nick[r]!;
        t.family[e] = rec.family[r]!; t.given[e] = rec.given[r]!; t.givenInitial[e] = rec.givenInitial[r]!;
        t.romanKey[e] = rec.romanKey[r]!; t.romanA[e] = rec.romanA[r]!; t.romanB[e] = rec.romanB[r]!;
        t.romanFamily[e] = rec.romanFamily[r]!; t.romanGiven[e] = rec.romanGiven[r]!; t.script[e] = rec.script[r]!; t.partial[e] = rec.partial[r]!;
      }
      if (!dobDone && rec.dob[r]! > 0) { dobDone = true; t.dob[e] = rec.dob[r]!; }
      if (!emailDone && rec.email[r]! >= 0) { emailDone = true; t.email[e] = rec.email[r]!; t.emailLocal[e] = rec.emailLocal[r]!; }
      if (!addrDone && (rec.street[r]! >= 0 || rec.postcode[r]! >= 0 || rec.city[r]! >= 0)) {
        addrDone = true;
        t.street[e] = rec.street[r]!; t.postcode[e] = rec.postcode[r]!; t.city[e] = rec.city[r]!; t.district[e] = rec.district[r]!;
      }
      if (!genderDone && rec.gender[r]! > 0) { genderDone = true; t.gender[e] = rec.gender[r]!; }
      for (let s = 0; s < PHONE_SLOTS && slot < PHONE_SLOTS; s++) {
        const ph = rec.phone[r * PHONE_SLOTS + s]!;
        if (ph < 0) break;
        let dup = false;
        for (let q = 0; q < slot; q++) if (t.phone[e * PHONE_SLOTS + q] === ph) dup = true;
        if (dup) continue;
        t.phone[e * PHONE_SLOTS + slot] = ph;
        t.phoneTail[e * PHONE_SLOTS + slot] = rec.phoneTail[r * PHONE_SLOTS + s]!;
        t.phoneKind[e * PHONE_SLOTS + slot] = rec.phoneKind[r * PHONE_SLOTS + s]!;
        slot++;
      }
    }
    t.source[e] = rec.source[order[0]!]!;
    t.sourcePerson[e] = rec.sourcePerson[order[0]!]!;
  }
  return t;
}
