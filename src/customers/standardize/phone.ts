/**
 * Phone rule.
 *
 * Every number is parsed and validated with libphonenumber-js using its **max** metadata
 * (`libphonenumber-js/max`): only the max set carries the per-type patterns (fixed line, mobile,
 * toll free, …) that both `getType()` and exact validity need; the default `min` set validates
 * by length only and cannot tell a mobile from a landline, and the `mobile` set knows mobiles only.
 *
 * - Country: `+` or `00` international forms carry their own country; national forms are read
 *   in the profile's country, else the source's `defaultCountry`; without either they are an issue.
 * - Accepted writing: `0731-58671888`, `(0731)58671888`, `073158671888`, `+86 731 5867 1888`,
 *   `0086 731 58671888`, `731-58671888`, full-width digits, a label before the number
 *   (`手机：138…`, `Tel: …`). Several numbers in one field (`/ , ; 、` or `或`) are each read.
 *   An extension (`转 8001`, `ext. 12`, `x12`) is dropped with an issue (the profile keeps no
 *   extensions).
 * - Result: E.164, country calling code, area code, number, kind. `kind` is `fixed` for fixed
 *   lines, `mobile` for mobiles, `other` for the rest (toll free, shared cost 400/800, VoIP, and
 *   numbers the plan itself cannot type, e.g. US/CA `FIXED_LINE_OR_MOBILE`).
 * - Area code, written as people write it (with the trunk 0 where the country dials one):
 *   China fixed lines: 2 digits after the 0 for 010 and 02x, 3 otherwise (0731, 0755), checked
 *   against the library's own national formatting in the tests; other countries: the first group
 *   of the library's national format (GB `020 7946 0018` → 020, BR `(11) 3456-7890` → 11,
 *   US `(212) 555-1234` → 212). Mobiles have no area code, except in countries whose mobiles are
 *   geographic (BR, MX, AR: `(11) 91234-5678` → 11). `number` is what follows the area code.
 * - Invalid numbers (too short, too long, no such range) are not kept: an issue says why.
 */
import { Metadata } from 'libphonenumber-js/core';
import maxMetadata from 'libphonenumber-js/max/metadata';
import { parsePhoneNumberFromString, validatePhoneNumberLength, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';
import type { StandardizeIssue, StandardPhone } from '../profile.js';
import { clean } from './text.js';

export type { CountryCode };

const SPLIT = /\s*(?:[/,;、|]|\bor\b|或)\s*/;
const EXTENSION = /\s*(?:转|分机|ext\.?|extn\.?|x|#)\s*(\d{1,6})$/i;
// A label before the number: words ending in a colon (Tel:, 手机:) or Han characters (电话).
const LABEL = /^(?:[\p{L} .]*:\s*|\p{Script=Han}+\s*)/u;
const DIGIT = /\d/;
const NATIONAL_FIRST_GROUP = /^\(?(\d+)\)?[\s-]/;
const TRAILING_EXT = /^(.*\d)\s*-\s*(\d{1,5})$/;
// Countries whose mobile numbers carry a geographic area code.
const GEO_MOBILE = new Set(['55', '52', '54']);

const LENGTH_REASON: Record<string, string> = {
  TOO_SHORT: 'too short',
  TOO_LONG: 'too long',
  INVALID_LENGTH: 'wrong number of digits',
  INVALID_COUNTRY: 'unknown country calling code',
  NOT_A_NUMBER: 'not a phone number',
};

// ---- Number type with compiled patterns -------------------------------------------------------
// PhoneNumber.getType() rebuilds a RegExp from the metadata's pattern text on every call (measured:
// 40 % of the whole standardization time). numberType() applies the same max-metadata patterns
// in the same order (a port of the library's getNumberType), compiled once per numbering plan;
// a test checks that both agree.

interface RuntimeType {
  pattern(): string;
  possibleLengths(): number[] | undefined;
}
interface RuntimePlan {
  nationalNumberPattern(): string;
  hasTypes(): boolean;
  type(type: string): RuntimeType | undefined;
}
interface CompiledType {
  re: RegExp;
  lengths: number[] | undefined;
}
interface CompiledPlan {
  hasTypes: boolean;
  national: RegExp;
  fixed: CompiledType | null;
  mobile: CompiledType | null;
  /** The plan lists no separate mobile pattern (it equals the fixed-line one). */
  mobileSameAsFixed: boolean;
  others: [string, CompiledType][];
}

const NON_FIXED_TYPES = ['MOBILE', 'PREMIUM_RATE', 'TOLL_FREE', 'SHARED_COST', 'VOIP', 'PERSONAL_NUMBER', 'PAGER', 'UAN', 'VOICEMAIL'];
// The core class with the max metadata passed explicitly (the CommonJS build of /max does not export Metadata).
const metadata = new Metadata(maxMetadata) as unknown as { selectNumberingPlan(key: string): unknown; numberingPlan: RuntimePlan };
const plans = new Map<string, CompiledPlan>();

const compileType = (t: RuntimeType | undefined): CompiledType | null => {
  const pattern = t?.pattern();
  return t && pattern ? { re: new RegExp(`^(?:${pattern})$`), lengths: t.possibleLengths() } : null;
};

function planFor(key: string): CompiledPlan {
  let plan = plans.get(key);
  if (plan === undefined) {
    metadata.selectNumberingPlan(key);
    const np = metadata.numberingPlan;
    const hasTypes = np.hasTypes();
    const mobileType = hasTypes ? np.type('MOBILE') : undefined;
    plan = {
      hasTypes,
      national: new RegExp(`^(?:${np.nationalNumberPattern()})$`),
      fixed: hasTypes ? compileType(np.type('FIXED_LINE')) : null,
      mobile: compileType(mobileType),
      mobileSameAsFixed: !mobileType || mobileType.pattern() === '',
      others: hasTypes ? NON_FIXED_TYPES.map((t) => [t, compileType(np.type(t))] as [string, CompiledType | null]).filter((e): e is [string, CompiledType] => e[1] !== null) : [],
    };
    plans.set(key, plan);
  }
  return plan;
}

const isType = (nsn: string, t: CompiledType | null): boolean => t !== null && (t.lengths === undefined || t.lengths.includes(nsn.length)) && t.re.test(nsn);

function typeOfNationalNumber(nsn: string, plan: CompiledPlan): string | undefined {
  if (!plan.national.test(nsn)) return undefined;
  if (isType(nsn, plan.fixed)) return plan.mobileSameAsFixed || isType(nsn, plan.mobile) ? 'FIXED_LINE_OR_MOBILE' : 'FIXED_LINE';
  for (const [type, t] of plan.others) if (isType(nsn, t)) return type;
  return undefined;
}

/** The number's type under the max metadata (as `PhoneNumber.getType()`), undefined when invalid. */
export function numberType(n: PhoneNumber): string | undefined {
  const plan = planFor((n.country ?? n.countryCallingCode) as string);
  return plan.hasTypes ? typeOfNationalNumber(n.nationalNumber as string, plan) : n.getType();
}

function parse(s: string, country: CountryCode | undefined): PhoneNumber | undefined {
  let n = parsePhoneNumberFromString(s, country);
  if ((n === undefined || numberType(n) === undefined) && s.startsWith('00')) {
    // 00 is the international prefix in most countries, but the library only knows each
    // country's own prefix (Brazil dials 00 + carrier code); read 00 as + when that is valid.
    const alt = parsePhoneNumberFromString(`+${s.slice(2)}`);
    if (alt !== undefined && numberType(alt) !== undefined) n = alt;
  }
  return n;
}

/**
 * Builds the standard phone of a valid number: kind, area code and subscriber number (see the
 * module doc). `national` gives the library's national format, only asked for outside China.
 */
function toStandard(cc: string, nsn: string, type: string, national: () => string): StandardPhone {
  const kind: StandardPhone['kind'] = type === 'MOBILE' ? 'mobile' : type === 'FIXED_LINE' ? 'fixed' : 'other';
  const e164 = `+${cc}${nsn}`;
  const geographic = type === 'FIXED_LINE' || type === 'FIXED_LINE_OR_MOBILE' || (kind === 'mobile' && GEO_MOBILE.has(cc));
  if (!geographic) return { e164, countryCode: cc, areaCode: null, number: nsn, kind };
  if (cc === '86') {
    const len = nsn.startsWith('10') || nsn.charCodeAt(0) === 50 /* 2 */ ? 2 : 3;
    return { e164, countryCode: cc, areaCode: `0${nsn.slice(0, len)}`, number: nsn.slice(len), kind };
  }
  const m = NATIONAL_FIRST_GROUP.exec(national());
  if (!m) return { e164, countryCode: cc, areaCode: null, number: nsn, kind };
  const group = m[1]!;
  // The group may carry the trunk prefix (GB 020 → 20 in the national significant number).
  let digits = group;
  while (digits.length > 0 && !nsn.startsWith(digits)) digits = digits.slice(1);
  if (digits.length === 0 || digits.length >= nsn.length) return { e164, countryCode: cc, areaCode: null, number: nsn, kind };
  return { e164, countryCode: cc, areaCode: group, number: nsn.slice(digits.length), kind };
}

// Fast path for the common Chinese shapes (0731-58671888, (0731)58671888, +86 138 0013 8000,
// 0086 731 58671888): separators removed, optional +86/0086 and trunk 0, then the national
// number typed with the compiled CN plan. Anything else, or a number the CN plan rejects, goes
// through the library's full parser (carrier prefixes, labels, other countries). A test checks
// both paths agree.
const CN_SEPARATORS = /[\s\-()]/g;
const CN_FAST = /^(?:(?:\+|00)86)?0?(\d{9,11})$/;
const CN_INTERNATIONAL = /^(?:\+|00)\s*86/;

/** The standard phone of a Chinese number in a common shape, or null (then use the full parser). */
export function fastChinesePhone(piece: string): StandardPhone | null {
  const m = CN_FAST.exec(piece.replace(CN_SEPARATORS, ''));
  if (!m) return null;
  const nsn = m[1]!;
  const type = typeOfNationalNumber(nsn, planFor('CN'));
  return type === undefined ? null : toStandard('86', nsn, type, () => '');
}

/** The standard phone of one number through the library, or the reason it is invalid. */
function libraryPhone(piece: string, country: CountryCode | undefined): StandardPhone | null {
  const n = parse(piece, country);
  const type = n && numberType(n);
  if (n === undefined || type === undefined) return null;
  return toStandard(n.countryCallingCode as string, n.nationalNumber as string, type, () => n.formatNational());
}

/**
 * Standardizes one phone field (which may hold several numbers); appends valid numbers to
 * `phones` (skipping E.164 duplicates) and problems to `issues`.
 */
export function standardizePhoneField(
  raw: string | null | undefined,
  field: string,
  country: CountryCode | undefined,
  phones: StandardPhone[],
  issues: StandardizeIssue[],
): void {
  const value = clean(raw);
  if (value === null) return;
  const pieces = SPLIT.test(value) ? value.split(SPLIT) : [value];
  for (let piece of pieces) {
    if (piece === '') continue;
    const ext = EXTENSION.exec(piece);
    if (ext) {
      issues.push({ field, value: piece, reason: `extension ${ext[1]} not kept` });
      piece = piece.slice(0, ext.index);
    }
    piece = piece.replace(LABEL, '');
    if (!DIGIT.test(piece)) {
      issues.push({ field, value: piece || value, reason: 'no digits' });
      continue;
    }
    if (country === undefined && !piece.startsWith('+') && !piece.startsWith('00')) {
      issues.push({ field, value: piece, reason: "national number and no country known (set default_country in the source's mapping rules, or the profile's country)" });
      continue;
    }
    const fast = country === 'CN' || CN_INTERNATIONAL.test(piece);
    let phone = (fast && fastChinesePhone(piece)) || libraryPhone(piece, country);
    if (phone === null) {
      // 0731-58671888-8001: a hyphenated extension, only when the part before it is valid alone.
      const m = TRAILING_EXT.exec(piece);
      phone = m ? (fast && fastChinesePhone(m[1]!)) || libraryPhone(m[1]!, country) : null;
      if (phone !== null) issues.push({ field, value: piece, reason: `extension ${m![2]} not kept` });
    }
    if (phone === null) {
      const why = validatePhoneNumberLength(piece, country);
      const reason = why ? LENGTH_REASON[why] ?? why.toLowerCase() : 'no such number range';
      issues.push({ field, value: piece, reason: `invalid phone number (${country ?? 'international'}): ${reason}` });
      continue;
    }
    const e164 = phone.e164;
    if (!phones.some((p) => p.e164 === e164)) phones.push(phone);
  }
}

/** Convenience for one number: the standardized phone or the issue. */
export function standardizePhone(raw: string, country?: CountryCode): { phone: StandardPhone | null; issues: StandardizeIssue[] } {
  const phones: StandardPhone[] = [];
  const issues: StandardizeIssue[] = [];
  standardizePhoneField(raw, 'phone', country, phones, issues);
  return { phone: phones[0] ?? null, issues };
}
