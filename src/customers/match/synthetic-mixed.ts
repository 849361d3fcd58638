/**
 * A labelled mixed-script evaluation set: mostly Chinese customers seen by four systems that
 * write their names differently, the situation of issue #15 (measured on a real-shaped set:
 * e-mail + phone alone link about 0.84 of the true pairs; adding birth date or street about 0.94).
 *
 *   loyalty     the store's loyalty desk: names in characters (刘静), member numbers, birth dates
 *   dealer      dealer management system: pinyin as the staff typed it ("Jing Liu", "LIU, Jing",
 *               "LIU Jing", "Liu Jing"), addresses from registrations, title-only walk-ins (Mr Wang)
 *   web         the web shop: the customer's own spelling, characters or pinyin, nearly always an e-mail
 *   callcenter  agents type what they hear: characters, pinyin, and often only 王先生 / 李女士
 *
 * Unlike synthetic.ts the names go through the real name standardizer (standardizeName), so the
 * matcher sees what a build would: "Liu Jing" split as given Liu + family Jing, full-width text
 * folded, 王先生 reduced to the family name with a gender hint. Households share a landline, an
 * address and sometimes one mobile (a spouse registering with the partner's number), which is
 * what makes title-only names ambiguous. Common names repeat (王伟, 李娜, 张伟), so namesakes with
 * the same birth year exist, and people with the same given name share birth dates by chance.
 * Deterministic for a seed.
 */
import { pinyin } from 'pinyin-pro';
import type { Gender, StandardAddress, StandardPhone, StandardProfile } from '../profile.js';
import { standardizeName } from '../standardize/names.js';
import { Rng, cumulative, pickWeighted } from './random.js';
import {
  EN_FAMILY, EN_FEMALE, EN_MALE, HOMOPHONE_OF, KEYBOARD, SYLLABLES, ZH_CITIES, ZH_FAMILY, ZH_FEMALE, ZH_MAIL, ZH_MALE, ZH_ROADS,
  ZH_ROAD_SUFFIX, type SyntheticSet,
} from './synthetic.js';

export interface MixedOptions {
  records?: number;
  seed?: number;
}

/** Surnames read differently as a surname (单 Shan, not Dan) and more compound surnames. */
const EXTRA_FAMILY: [string, number][] = [
  ['单', 0.08], ['解', 0.05], ['区', 0.03], ['仇', 0.03], ['查', 0.03], ['朴', 0.03], ['吕', 0.3], ['欧阳', 0.1], ['司马', 0.03],
  ['尉迟', 0.01], ['上官', 0.02],
];

interface Source {
  name: string;
  prefix: string;
  share: number;
  /** Of a Chinese person's records: characters, pinyin, title only (rest of 1). */
  hanzi: number;
  title: number;
  mobile: number;
  email: number;
  dob: number;
  address: number;
  gender: number;
}
const SOURCES: Source[] = [
  { name: 'loyalty', prefix: 'L', share: 0.3, hanzi: 0.93, title: 0.02, mobile: 0.96, email: 0.35, dob: 0.8, address: 0.55, gender: 0.8 },
  { name: 'dealer', prefix: 'D', share: 0.25, hanzi: 0.3, title: 0.06, mobile: 0.92, email: 0.4, dob: 0.55, address: 0.75, gender: 0.5 },
  { name: 'web', prefix: 'W', share: 0.25, hanzi: 0.45, title: 0.0, mobile: 0.85, email: 0.92, dob: 0.4, address: 0.65, gender: 0.3 },
  { name: 'callcenter', prefix: 'C', share: 0.2, hanzi: 0.45, title: 0.3, mobile: 0.98, email: 0.1, dob: 0.2, address: 0.3, gender: 0.6 },
];
const RECORDS_PER_PERSON = cumulative([0.36, 0.3, 0.18, 0.1, 0.06]);

interface Person {
  id: string;
  zh: boolean;
  family: string;
  given: string;
  familyPy: string;
  givenPy: string[];
  gender: 'F' | 'M';
  dob: [number, number, number];
  mobile: StandardPhone;
  newMobile: StandardPhone | null;
  landline: StandardPhone | null;
  /** A household mobile this person's records sometimes carry (a partner's). */
  sharedMobile: StandardPhone | null;
  emails: string[];
  address: StandardAddress;
  oldAddress: StandardAddress | null;
  memberNo: string;
}

const cap = (s: string): string => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
const FULLWIDTH = (s: string): string =>
  [...s].map((c) => (c === ' ' ? '\u3000' : c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c)).join('');

export function generateMixedProfiles(options: MixedOptions = {}): SyntheticSet {
  const total = options.records ?? 10_000;
  const rng = new Rng(options.seed ?? 7);
  const families = [...ZH_FAMILY, ...EXTRA_FAMILY];
  const famCum = cumulative(families.map((f) => f[1]));
  // Steeper than synthetic.ts: a few given names are very common (伟, 娜, 静, 敏), so namesakes abound.
  const zipf = (n: number, s: number): Float64Array => cumulative(Array.from({ length: n }, (_, i) => 1 / (i + 1) ** s));
  const maleCum = zipf(ZH_MALE.length, 1.1);
  const femaleCum = zipf(ZH_FEMALE.length, 1.1);
  const enFamCum = zipf(EN_FAMILY.length, 0.9);
  const enMaleCum = zipf(EN_MALE.length, 0.9);
  const enFemaleCum = zipf(EN_FEMALE.length, 0.9);
  const srcCum = cumulative(SOURCES.map((s) => s.share));
  const digits = (k: number): string => {
    let s = '';
    for (let i = 0; i < k; i++) s += String(rng.int(10));
    return s;
  };
  const mobile = (): StandardPhone => {
    const num = `1${rng.pick(['3', '5', '7', '8', '9'])}${digits(9)}`;
    return { e164: `+86${num}`, countryCode: '86', areaCode: null, number: num, kind: 'mobile' };
  };
  const address = (city = rng.pick(ZH_CITIES)): StandardAddress => {
    const di = rng.int(city.districts.length);
    const building = rng.chance(0.6) ? `${1 + rng.int(30)}栋${100 * (1 + rng.int(30)) + 1 + rng.int(4)}室` : '';
    return {
      country: 'CN', province: city.province, city: city.city, district: city.districts[di]!,
      street: `${rng.pick(ZH_ROADS)}${rng.pick(ZH_ROAD_SUFFIX)}${1 + rng.int(300)}号${building}`,
      postcode: `${city.prefix}${di}${rng.int(10)}0`.slice(0, 6),
    };
  };
  const landline = (a: StandardAddress): StandardPhone => {
    const area = ZH_CITIES.find((c) => c.city === a.city)!.area;
    const num = digits(8);
    return { e164: `+86${area}${num}`, countryCode: '86', areaCode: `0${area}`, number: num, kind: 'fixed' };
  };
  const mailboxes = new Set<string>();
  const email = (p: { zh: boolean; familyPy: string; givenPy: string[]; family: string; given: string; dob: [number, number, number] }): string => {
    let e: string;
    if (p.zh) {
      const r = rng.int(10);
      if (r < 5) e = `${1 + rng.int(9)}${digits(5 + rng.int(5))}@qq.com`;
      else if (r < 8) e = `${p.givenPy.join('')}${p.familyPy}${rng.chance(0.5) ? String(p.dob[0]) : digits(3)}@${rng.pick(ZH_MAIL)}`;
      else e = `${rng.pick(SYLLABLES)}${rng.pick(SYLLABLES)}${digits(3)}@${rng.pick(ZH_MAIL)}`;
    } else e = `${p.given}.${p.family}${rng.int(100)}@gmail.com`;
    while (mailboxes.has(e)) e = e.replace('@', `${rng.int(10)}@`);
    mailboxes.add(e);
    return e;
  };
  const zhGiven = (gender: 'F' | 'M'): string => {
    const [pool, cum] = gender === 'M' ? [ZH_MALE, maleCum] : [ZH_FEMALE, femaleCum];
    const a = pool[pickWeighted(rng, cum)]!;
    return rng.chance(0.35) ? a : a + pool[pickWeighted(rng, cum)]!;
  };
  const py = (s: string, surname: boolean): string[] =>
    pinyin(s, { toneType: 'none', type: 'array', v: true, ...(surname ? { surname: 'head' as const } : {}) });

  // ---- people, in households of 1-4 ----
  interface Household { givenNames: Set<string>; zh: boolean; address: StandardAddress; landline: StandardPhone | null; family: string; mobile: StandardPhone | null; left: number; baseYear: number }
  let hh: Household | null = null;
  let personNo = 0;
  const newPerson = (): Person => {
    if (hh && hh.left <= 0) hh = null;
    const zh = hh ? hh.zh : rng.chance(0.93);
    const gender: 'F' | 'M' = rng.chance(0.5) ? 'F' : 'M';
    let family: string;
    let given: string;
    if (zh) {
      family = hh && rng.chance(0.6) ? hh.family : families[pickWeighted(rng, famCum)]![0];
      given = zhGiven(gender);
      // Parents do not give a child their own or a sibling's given name.
      while (hh?.givenNames.has(given)) given = zhGiven(gender);
    } else {
      family = EN_FAMILY[pickWeighted(rng, enFamCum)]!;
      given = gender === 'M' ? EN_MALE[pickWeighted(rng, enMaleCum)]! : EN_FEMALE[pickWeighted(rng, enFemaleCum)]!;
    }
    const baseYear = hh ? hh.baseYear + (rng.chance(0.5) ? rng.int(7) - 3 : -24 - rng.int(10)) : 1950 + rng.int(56);
    const dob: [number, number, number] = [Math.min(2006, Math.max(1935, baseYear)), 1 + rng.int(12), 1 + rng.int(28)];
    const home = hh ? hh.address : address();
    const moved = rng.chance(0.25);
    const familyPy = zh ? py(family, true).join('') : family;
    const givenPy = zh ? py(given, false) : [given];
    const p: Person = {
      id: `person-${personNo}`, zh, family, given, familyPy, givenPy, gender, dob,
      mobile: mobile(), newMobile: rng.chance(0.08) ? mobile() : null,
      landline: hh ? hh.landline : rng.chance(0.15) ? landline(home) : null,
      sharedMobile: hh ? hh.mobile : null,
      emails: [], address: home,
      oldAddress: moved ? address(rng.chance(0.6) ? ZH_CITIES.find((c) => c.city === home.city) : undefined) : null,
      memberNo: `M${String(personNo).padStart(9, '0')}`,
    };
    personNo++;
    if (rng.chance(0.5)) {
      p.emails.push(email(p));
      if (rng.chance(0.25)) p.emails.push(email(p));
    }
    if (hh) {
      hh.left--;
      hh.givenNames.add(given);
    }
    else if (rng.chance(0.3)) {
      hh = {
        givenNames: new Set([given]), zh, address: home, landline: rng.chance(0.5) ? landline(home) : null, family, left: 1 + rng.int(3), baseYear: dob[0],
        mobile: rng.chance(0.3) ? p.mobile : null,
      };
      p.landline = hh.landline;
    }
    return p;
  };

  // ---- how each system writes a name ----
  const typoLatin = (s: string): string => {
    if (s.length < 3) return s;
    const i = 1 + rng.int(s.length - 1);
    const r = rng.int(3);
    if (r === 0) return s.slice(0, i) + KEYBOARD[rng.int(26)] + s.slice(i + 1);
    if (r === 1) return s.slice(0, i) + s.slice(i + 1);
    return s.slice(0, i) + KEYBOARD[rng.int(26)] + s.slice(i);
  };
  const typoZh = (p: Person): string => {
    const chars = [...p.given];
    const i = rng.int(chars.length);
    const g = HOMOPHONE_OF.get(chars[i]!);
    if (g && rng.chance(0.75)) {
      const others = [...g].filter((c) => c !== chars[i]);
      if (others.length) chars[i] = rng.pick(others);
    } else chars[i] = rng.pick(p.gender === 'M' ? ZH_MALE : ZH_FEMALE);
    return p.family + chars.join('');
  };
  const pinyinName = (p: Person): string => {
    const fam = cap(p.familyPy);
    const parts = p.givenPy;
    const r0 = rng.next();
    let giv = r0 < 0.8 ? cap(parts.join('')) : r0 < 0.9 ? parts.map(cap).join(' ') : parts.map(cap).join('-');
    let family = fam;
    if (rng.chance(0.03)) giv = typoLatin(giv);
    else if (rng.chance(0.015)) family = typoLatin(family);
    const r = rng.next();
    let s: string;
    if (r < 0.35) s = `${giv} ${family}`;
    else if (r < 0.5) s = `${family.toUpperCase()} ${giv}`;
    else if (r < 0.65) s = `${family.toUpperCase()}, ${giv}`;
    else if (r < 0.9) s = `${family} ${giv}`;
    else s = `${family} ${giv}`.toLowerCase();
    return rng.chance(0.04) ? FULLWIDTH(s) : s;
  };
  const nameFor = (p: Person, src: Source): string | null => {
    if (rng.chance(0.015)) return null;
    if (!p.zh) {
      if (rng.chance(src.title * 0.5)) return `${p.gender === 'M' ? 'Mr' : rng.pick(['Mrs', 'Ms'])} ${cap(p.family)}`;
      const given = rng.chance(0.03) ? typoLatin(p.given) : p.given;
      return rng.chance(0.2) ? `${p.family.toUpperCase()}, ${cap(given)}` : `${cap(given)} ${cap(p.family)}`;
    }
    const r = rng.next();
    if (r < src.title) {
      if (src.name === 'dealer' && rng.chance(0.5)) return `${p.gender === 'M' ? 'Mr' : 'Ms'} ${cap(p.familyPy)}`;
      return `${p.family}${p.gender === 'M' ? '先生' : rng.chance(0.8) ? '女士' : '小姐'}`;
    }
    if (r < src.title + (1 - src.title) * src.hanzi) {
      const s = rng.chance(0.05) ? typoZh(p) : p.family + p.given;
      return rng.chance(0.03) ? `${s} ` : s;
    }
    return pinyinName(p);
  };

  const nameCache = new Map<string, ReturnType<typeof standardizeName>>();
  const counters = SOURCES.map(() => 0);
  const profiles: StandardProfile[] = [];
  const personOf: string[] = [];
  let persons = 0;
  while (profiles.length < total) {
    const person = newPerson();
    persons++;
    const k = Math.min(total - profiles.length, 1 + pickWeighted(rng, RECORDS_PER_PERSON));
    for (let r = 0; r < k; r++) {
      const si = pickWeighted(rng, srcCum);
      const src = SOURCES[si]!;
      const sourceCustomerId = `${src.prefix}${String(++counters[si]!).padStart(9, '0')}`;
      const raw = nameFor(person, src);
      let name = nameCache.get(raw ?? '');
      if (!name) nameCache.set(raw ?? '', (name = standardizeName({ full_name: raw })));
      let gender: Gender = rng.chance(src.gender) ? person.gender : 'U';
      if (gender === 'U' && name.genderHint) gender = name.genderHint;
      let birthDate: string | null = null;
      if (rng.chance(src.dob)) {
        let [y, m, d] = person.dob;
        if (rng.chance(0.03) && d <= 12 && d !== m) [m, d] = [d, m];
        else if (rng.chance(0.02)) y = Math.floor(y / 10) * 10 + ((y % 10) + 1 + rng.int(9)) % 10;
        else if (rng.chance(0.02)) d = d === 28 ? 27 : d + 1;
        birthDate = `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      }
      const phones: StandardPhone[] = [];
      if (rng.chance(src.mobile)) {
        if (person.sharedMobile && rng.chance(0.08)) phones.push(person.sharedMobile);
        else phones.push(person.newMobile && rng.chance(0.5) ? person.newMobile : person.mobile);
      }
      if (person.landline && rng.chance(0.3)) phones.push(person.landline);
      let mail: string | null = null;
      if (person.emails.length && rng.chance(src.email)) {
        mail = person.emails.length > 1 && rng.chance(0.3) ? person.emails[1]! : person.emails[0]!;
        if (rng.chance(0.03)) {
          const at = mail.indexOf('@');
          mail = typoLatin(mail.slice(0, at)) + mail.slice(at);
        }
      }
      let addr: StandardAddress = { country: null, province: null, city: null, district: null, street: null, postcode: null };
      if (rng.chance(src.address)) {
        addr = { ...(person.oldAddress && rng.chance(0.3) ? person.oldAddress : person.address) };
        if (addr.street && rng.chance(0.05)) {
          const chars = [...addr.street];
          chars.splice(1 + rng.int(chars.length - 2), 1);
          addr.street = chars.join('');
        }
        if (rng.chance(0.15)) addr.postcode = null;
        if (rng.chance(0.2)) addr.district = null;
      }
      profiles.push({
        recordId: `${src.name}:${sourceCustomerId}`,
        sourceSystem: src.name,
        sourceCustomerId,
        sourcePersonId: src.name === 'loyalty' ? person.memberNo : null,
        familyName: name.familyName,
        givenName: name.givenName,
        fullName: name.fullName,
        originalName: name.originalName,
        gender,
        birthDate,
        phones,
        email: mail,
        address: addr,
        updatedAt: `20${15 + rng.int(11)}-0${1 + rng.int(9)}-1${rng.int(10)}T10:00:00Z`,
        issues: [],
      });
      personOf.push(person.id);
    }
  }
  return { profiles, personOf, persons };
}

/**
 * Recall an identifier-only linkage reaches: records joined when they share any of the chosen
 * values (E.164 phone, e-mail, birth date, street + city). The ceiling the issue quotes, so the
 * generated set can be compared with the unseen one.
 */
export function identifierRecall(set: SyntheticSet, fields: readonly ('phone' | 'email' | 'dob' | 'street')[]): number {
  const n = set.profiles.length;
  const parent = Int32Array.from({ length: n }, (_, i) => i);
  const find = (x: number): number => {
    while (parent[x] !== x) x = parent[x] = parent[parent[x]!]!;
    return x;
  };
  // Within a true person only: the question is how many of their pairs the identifiers connect.
  const byPerson = new Map<string, number[]>();
  set.personOf.forEach((p, i) => {
    let l = byPerson.get(p);
    if (!l) byPerson.set(p, (l = []));
    l.push(i);
  });
  let truePairs = 0;
  let found = 0;
  for (const members of byPerson.values()) {
    const k = members.length;
    truePairs += (k * (k - 1)) / 2;
    if (k < 2) continue;
    const seen = new Map<string, number>();
    for (const i of members) {
      const p = set.profiles[i]!;
      const keys: string[] = [];
      if (fields.includes('phone')) for (const ph of p.phones) keys.push(`p${ph.e164}`);
      if (fields.includes('email') && p.email) keys.push(`e${p.email}`);
      if (fields.includes('dob') && p.birthDate) keys.push(`d${p.birthDate}`);
      if (fields.includes('street') && p.address.street) keys.push(`s${p.address.city}|${p.address.street}`);
      for (const key of keys) {
        const j = seen.get(key);
        if (j === undefined) seen.set(key, i);
        else parent[find(i)] = find(j);
      }
    }
    const size = new Map<number, number>();
    for (const i of members) size.set(find(i), (size.get(find(i)) ?? 0) + 1);
    for (const s of size.values()) found += (s * (s - 1)) / 2;
  }
  return truePairs ? found / truePairs : 1;
}
