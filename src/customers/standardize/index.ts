/**
 * Standardization of customer profiles: one raw profile in, one `StandardProfile` out, with an
 * issue for every value that was not used and why. Invalid values are flagged, never guessed.
 *
 * One module per rule: `names`, `gender`, `birthdate`, `phone`, `email`, `address` (with
 * `cn-address` and `postcode`), `country`, `timestamp`; product names are resolved separately by
 * `products` (they are not part of a profile). See docs/customers.md, "Standardization rules".
 *
 * Performance: everything per record is precompiled regexes and Map look-ups; the phone parser
 * (libphonenumber-js) is the dominant cost. Run `npm run bench standardize`.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import type { RawProfile, StandardizeIssue, StandardPhone, StandardProfile } from '../profile.js';
import { standardizeAddress } from './address.js';
import { parseBirthDate } from './birthdate.js';
import { normalizeCountry } from './country.js';
import { standardizeEmail } from './email.js';
import { standardizeGender } from './gender.js';
import { standardizeName } from './names.js';
import { standardizePhoneField } from './phone.js';
import { clean } from './text.js';
import { normalizeTimestamp } from './timestamp.js';

export type { CountryCode };
export { standardizeAddress } from './address.js';
export { parseBirthDate } from './birthdate.js';
export { lookupCity, lookupProvince, parseChineseAddress } from './cn-address.js';
export { normalizeCountry } from './country.js';
export { standardizeEmail, suggestDomain } from './email.js';
export { standardizeGender } from './gender.js';
export { standardizeName, COMPOUND_SURNAMES } from './names.js';
export { normalizePostcode } from './postcode.js';
export { standardizePhone, standardizePhoneField } from './phone.js';
export { loadAliasTable, resolveProduct, ProductAliasTable } from './products.js';

export interface StandardizeOptions {
  /** The source writes `dd/mm/yyyy` (true) or `mm/dd/yyyy` (false); undefined: not declared, ambiguous dates are issues. */
  dayFirst?: boolean;
  /** Country for national phone numbers, postcodes and addresses when the profile has none. */
  defaultCountry?: CountryCode;
  /** "Today" for the future-birth-date check (default: the current time). */
  now?: Date;
}

/** Standardizes one raw profile. */
export function standardizeProfile(raw: RawProfile, options: StandardizeOptions = {}): StandardProfile {
  const issues: StandardizeIssue[] = [];

  let country: CountryCode | null = options.defaultCountry ?? null;
  const countryText = clean(raw.country);
  if (countryText !== null) {
    const c = normalizeCountry(countryText);
    if (c !== null) country = c;
    else issues.push({ field: 'country', value: countryText, reason: `unknown country${country ? `; ${country} (source default) used` : ''}` });
  }

  const name = standardizeName(raw);
  for (const i of name.issues) issues.push(i);

  const gender = standardizeGender(raw.gender, name.genderHint);
  if (gender.issue) issues.push(gender.issue);

  const birth = parseBirthDate(raw.birth_date, options);
  if (birth.issue) issues.push(birth.issue);

  const phones: StandardPhone[] = [];
  const phoneCountry = country ?? undefined;
  standardizePhoneField(raw.mobile, 'mobile', phoneCountry, phones, issues);
  standardizePhoneField(raw.phone, 'phone', phoneCountry, phones, issues);

  const email = standardizeEmail(raw.email);
  for (const i of email.issues) issues.push(i);

  const address = standardizeAddress(raw, country, issues);
  const updatedAt = normalizeTimestamp(raw.updated_at, 'updated_at', issues) ?? normalizeTimestamp(raw.registered_at, 'registered_at', issues);

  const sourceSystem = raw.source_system;
  const sourceCustomerId = raw.source_customer_id;
  return {
    recordId: `${sourceSystem}:${sourceCustomerId}`,
    sourceSystem,
    sourceCustomerId,
    sourcePersonId: clean(raw.source_person_id),
    familyName: name.familyName,
    givenName: name.givenName,
    fullName: name.fullName,
    originalName: name.originalName,
    gender: gender.gender,
    birthDate: birth.date,
    phones,
    email: email.email,
    address,
    updatedAt,
    issues,
  };
}
