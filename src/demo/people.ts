/**
 * The demo company's people and how each system writes them down. A person is the truth (one
 * name, one birth date, one mobile); each system's record of them is written the way that system
 * and its staff write: the loyalty desk in hanzi with 年月日 dates and phones in five shapes, the
 * web shop in pinyin with ISO dates, the call centre as 王先生 with month-first dates and
 * landlines with area codes, the partner list as "LIU, Na" with day-first dates.
 */
import { Rng, cumulative, pickWeighted } from '../customers/match/random.js';
import { CITIES, FAMILY_NAMES, GIVEN_FEMALE, GIVEN_MALE, MAIL_DOMAINS, PARTNERS, ROADS, type City, type Store, STORES } from './company.js';

export interface Household {
  city: City;
  district: string;
  street: string;
  postcode: string;
  landline: string;
  family: number;
  email: string | null;
  left: number;
}

export interface Person {
  idx: number;
  /** Index into FAMILY_NAMES. */
  family: number;
  given: [string, string][];
  gender: 'M' | 'F';
  dob: [number, number, number];
  mobile: string;
  landline: string | null;
  email: string | null;
  city: City;
  district: string;
  street: string;
  postcode: string;
  store: Store;
  household: boolean;
}

const FAMILY_CUM = cumulative(FAMILY_NAMES.map((f) => f[2]));
// Zipf-like weights: a few given names are very common, so namesakes (王伟, 李娜) happen.
const zipf = (n: number) => cumulative(Array.from({ length: n }, (_, i) => 1 / (i + 1) ** 1.1));
const MALE_CUM = zipf(GIVEN_MALE.length);
const FEMALE_CUM = zipf(GIVEN_FEMALE.length);
const CITY_CUM = cumulative(CITIES.map((c) => c.weight));
const MOBILE_PREFIX = ['130', '131', '132', '135', '136', '137', '138', '139', '150', '151', '152', '158', '159', '177', '180', '186', '187', '188', '189', '199'];

/** A fixed-line subscriber number: eight digits, never starting with 0 or 1 (those are not allocated). */
const subscriber = (rng: Rng): string => String(2 + rng.int(7)) + digits(rng, 7);
const digits = (rng: Rng, k: number): string => {
  let s = '';
  for (let i = 0; i < k; i++) s += String(rng.int(10));
  return s;
};
const pad2 = (n: number) => String(n).padStart(2, '0');

/** Makes people one after another; a household's members follow each other. */
export class PeopleFactory {
  private household: Household | null = null;
  private usedMobiles = new Set<string>();

  constructor(private readonly rng: Rng) {}

  private mobile(): string {
    for (;;) {
      const m = this.rng.pick(MOBILE_PREFIX) + digits(this.rng, 8);
      // Bounded memory at 500k people is fine: one short string each.
      if (!this.usedMobiles.has(m)) {
        this.usedMobiles.add(m);
        return m;
      }
    }
  }

  private givenName(gender: 'M' | 'F'): [string, string][] {
    const [pool, cum] = gender === 'M' ? [GIVEN_MALE, MALE_CUM] : [GIVEN_FEMALE, FEMALE_CUM];
    const first = pool[pickWeighted(this.rng, cum)]!;
    return this.rng.chance(0.35) ? [first] : [first, pool[pickWeighted(this.rng, cum)]!];
  }

  person(idx: number): Person {
    const rng = this.rng;
    let hh = this.household;
    if (hh && hh.left > 0) hh.left--;
    else hh = this.household = null;
    const gender: 'M' | 'F' = rng.chance(0.55) ? 'F' : 'M';
    const city = hh ? hh.city : CITIES[pickWeighted(rng, CITY_CUM)]!;
    const district = hh ? hh.district : rng.pick(city.districts);
    const di = city.districts.indexOf(district);
    const street = hh ? hh.street : `${rng.pick(ROADS)}${1 + rng.int(300)}号${rng.chance(0.6) ? `${1 + rng.int(30)}栋${100 * (1 + rng.int(25)) + 1 + rng.int(4)}室` : ''}`;
    const postcode = hh ? hh.postcode : `${city.postcodePrefix}${di}${rng.int(10)}0`;
    const family = hh && rng.chance(0.7) ? hh.family : pickWeighted(rng, FAMILY_CUM);
    const year = 1950 + rng.int(56);
    const dob: [number, number, number] = [year, 1 + rng.int(12), 1 + rng.int(28)];
    const given = this.givenName(gender);
    const mobile = this.mobile();
    const personal = rng.chance(0.65) ? this.email(family, given, year) : null;
    const cityStores = STORES.filter((s) => s.city === city);
    const person: Person = {
      idx,
      family,
      given,
      gender,
      dob,
      mobile,
      landline: hh ? hh.landline : rng.chance(0.25) ? subscriber(rng) : null,
      email: hh?.email && rng.chance(0.5) ? hh.email : personal,
      city,
      district,
      street,
      postcode,
      store: rng.pick(cityStores),
      household: hh !== null,
    };
    if (!hh && rng.chance(0.2)) {
      // This person heads a household: the next 1-2 people share the address and home phone.
      const landline = person.landline ?? subscriber(rng);
      person.landline = landline;
      person.household = true;
      this.household = { city, district, street, postcode, landline, family, email: rng.chance(0.15) ? person.email : null, left: 1 + rng.int(2) };
    }
    return person;
  }

  private email(family: number, given: [string, string][], year: number): string {
    const rng = this.rng;
    if (rng.chance(0.5)) return `${1 + rng.int(9)}${digits(rng, 6 + rng.int(4))}@qq.com`;
    const local = `${FAMILY_NAMES[family]![1].toLowerCase()}${given.map((g) => g[1]).join('')}${rng.chance(0.5) ? year : digits(rng, 3)}`;
    return `${local}@${rng.pick(MAIL_DOMAINS)}`;
  }
}

// ---------------------------------------------------------------- how systems write people down

export const hanziName = (p: Person) => FAMILY_NAMES[p.family]![0] + p.given.map((g) => g[0]).join('');
const familyPinyin = (p: Person) => FAMILY_NAMES[p.family]![1];
const givenPinyin = (p: Person) => {
  const s = p.given.map((g) => g[1]).join('');
  return s[0]!.toUpperCase() + s.slice(1);
};

/** A mobile as people write it: the five shapes of the brief, and a label. */
export function writeMobile(rng: Rng, m: string): string {
  switch (rng.int(6)) {
    case 0:
      return m;
    case 1:
      return `${m.slice(0, 3)}-${m.slice(3, 7)}-${m.slice(7)}`;
    case 2:
      return `+86 ${m.slice(0, 3)} ${m.slice(3, 7)} ${m.slice(7)}`;
    case 3:
      return `0086 ${m}`;
    case 4:
      return `+86-${m}`;
    default:
      return `手机：${m}`;
  }
}

/** A landline with its area code, written three ways. */
export function writeLandline(rng: Rng, city: City, number: string): string {
  switch (rng.int(3)) {
    case 0:
      return `0${city.area}-${number}`;
    case 1:
      return `(0${city.area})${number}`;
    default:
      return `+86 ${city.area} ${number.slice(0, 4)} ${number.slice(4)}`;
  }
}

function address(rng: Rng, p: Person): { line: string; withProvince: boolean } {
  const municipality = p.city.province === p.city.name;
  const r = rng.next();
  if (r < 0.4 && !municipality) return { line: `${p.city.province}${p.city.name}${p.district}${p.street}`, withProvince: true };
  if (r < 0.8) return { line: `${p.city.name}${p.district}${p.street}`, withProvince: false };
  return { line: `${p.district}${p.street}`, withProvince: false };
}

export const LOYALTY_HEADER =
  'source_system,source_customer_id,full_name,gender,birth_date,mobile,phone,email,address_line,city,province,postcode,registered_at,updated_at,email_consent,email_consent_at,sms_consent,sms_consent_at';
export const WEB_HEADER =
  'source_system,source_customer_id,full_name,gender,birth_date,mobile,email,address_line,district,city,province,postcode,country,registered_at,updated_at,email_consent,email_consent_at,sms_consent,sms_consent_at,ads_consent,ads_consent_at';
export const CALLS_HEADER = 'source_system,source_customer_id,full_name,gender,birth_date,phone,mobile,city,registered_at,updated_at,email_consent,email_consent_at,sms_consent,sms_consent_at';
export const PARTNER_HEADER = 'source_system,source_customer_id,full_name,family_name,given_name,gender,birth_date,mobile,email,address_line,city,country,registered_at,updated_at';

type Row = (string | null)[];

/** Marketing consent as one system's record states it: yes / no with when, or nothing (unknown). */
export interface ConsentStatement {
  given: boolean;
  /** When the customer said it, `YYYY-MM-DD HH:mm:ss`. */
  at: string;
}
export type RecordConsent = Partial<Record<'email' | 'sms' | 'ads', ConsentStatement>>;

/** The consent columns of a record, each system writing yes/no its own way (是/否, true/false, Y/N). */
function consentCells(consent: RecordConsent, channels: ('email' | 'sms' | 'ads')[], yes: string, no: string): Row {
  return channels.flatMap((c) => {
    const s = consent[c];
    return s ? [s.given ? yes : no, s.at] : [null, null];
  });
}

/**
 * The loyalty desk (source system pos): hanzi names, 年月日 and compact dates, phones in five
 * shapes, the e-mail when the member gave it on the form, and the form's two consent boxes
 * (e-mail, SMS) as 是/否 with when (blank: the member left them empty).
 */
export function loyaltyRow(rng: Rng, p: Person, card: string, registered: string, updated: string, email: string | null = null, consent: RecordConsent = {}): Row {
  const [y, m, d] = p.dob;
  const dob = rng.chance(0.2)
    ? null
    : rng.pick([`${y}年${m}月${d}日`, `${y}${pad2(m)}${pad2(d)}`, `${y}.${m}.${d}`, `${y}-${pad2(m)}-${pad2(d)}`]);
  const addr = rng.chance(0.85) ? address(rng, p) : null;
  return [
    'pos',
    card,
    hanziName(p) + (rng.chance(0.02) ? '（VIP）' : ''),
    rng.chance(0.1) ? null : p.gender === 'M' ? '男' : '女',
    dob,
    writeMobile(rng, p.mobile),
    p.landline && rng.chance(0.5) ? writeLandline(rng, p.city, p.landline) : null,
    email,
    addr?.line ?? null,
    rng.chance(0.7) ? p.city.name : null,
    addr?.withProvince || rng.chance(0.4) ? p.city.province : null,
    rng.chance(0.6) ? p.postcode : null,
    registered,
    updated,
    ...consentCells(consent, ['email', 'sms'], '是', '否'),
  ];
}

/**
 * Web accounts (source system web): pinyin or hanzi names, ISO dates, e-mail, structured address,
 * and the account's marketing preferences (e-mail, SMS, personalised ads) as true/false with when.
 */
export function webRow(rng: Rng, p: Person, account: string, email: string, registered: string, updated: string, consent: RecordConsent = {}): Row {
  const [y, m, d] = p.dob;
  const r = rng.next();
  const name =
    r < 0.45 ? hanziName(p) : r < 0.7 ? `${givenPinyin(p)} ${familyPinyin(p)}` : r < 0.9 ? `${familyPinyin(p).toUpperCase()} ${givenPinyin(p)}` : null;
  const withAddress = rng.chance(0.7);
  return [
    'web',
    account,
    name,
    rng.chance(0.3) ? null : p.gender,
    rng.chance(0.5) ? `${y}-${pad2(m)}-${pad2(d)}` : null,
    rng.chance(0.9) ? (rng.chance(0.5) ? `+86${p.mobile}` : p.mobile) : null,
    email,
    withAddress ? p.street : null,
    withAddress ? p.district : null,
    withAddress ? p.city.name : null,
    withAddress && rng.chance(0.6) ? p.city.province : null,
    withAddress && rng.chance(0.5) ? p.postcode : null,
    rng.chance(0.5) ? 'CN' : '中国',
    registered,
    updated,
    ...consentCells(consent, ['email', 'sms', 'ads'], 'true', 'false'),
  ];
}

/**
 * The call centre (source system calls): 王先生 / 李女士 or the full name, month-first dates,
 * landlines; an opt-out the caller asked for (不要再发短信) as N with when.
 */
export function callsRow(rng: Rng, p: Person, id: string, phone: string, registered: string, updated: string, consent: RecordConsent = {}): Row {
  const [y, m, d] = p.dob;
  const family = FAMILY_NAMES[p.family]![0];
  const r = rng.next();
  const name = r < 0.45 ? `${family}${p.gender === 'M' ? '先生' : rng.chance(0.8) ? '女士' : '小姐'}` : hanziName(p);
  return [
    'calls',
    id,
    name,
    null,
    rng.chance(0.25) ? `${pad2(m)}/${pad2(d)}/${y}` : null,
    phone,
    phone.replace(/\D/g, '').endsWith(p.mobile) || !rng.chance(0.3) ? null : writeMobile(rng, p.mobile),
    rng.chance(0.6) ? p.city.name : null,
    registered,
    updated,
    ...consentCells(consent, ['email', 'sms'], 'Y', 'N'),
  ];
}

/** A partner's member list (source system partner): "LIU, Na", day-first dates, company address. */
export function partnerRow(rng: Rng, p: Person, id: string, registered: string, updated: string): Row {
  const [y, m, d] = p.dob;
  const split = rng.chance(0.3);
  return [
    'partner',
    id,
    split ? null : `${familyPinyin(p).toUpperCase()}, ${givenPinyin(p)}`,
    split ? familyPinyin(p) : null,
    split ? givenPinyin(p) : null,
    rng.chance(0.5) ? (p.gender === 'M' ? 'Male' : 'Female') : null,
    rng.chance(0.7) ? `${pad2(d)}/${pad2(m)}/${y}` : null,
    rng.chance(0.5) ? `0086 ${p.mobile}` : `+86-${p.mobile.slice(0, 3)}-${p.mobile.slice(3, 7)}-${p.mobile.slice(7)}`,
    p.email,
    `${rng.pick(PARTNERS)} ${p.city.name}${rng.pick(p.city.districts)}${rng.pick(ROADS)}${1 + rng.int(200)}号`,
    p.city.pinyin,
    'China',
    registered,
    updated,
  ];
}
