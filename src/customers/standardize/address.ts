/**
 * Address rule: the profile's address fields become country / province / city / district /
 * street / postcode.
 *
 * - Chinese addresses (Han characters in the address, country CN/HK/MO/TW or not given): the province,
 *   city and district columns are looked up in the gazetteer (湖南 → 湖南省, 长沙 → 长沙市, with the
 *   province filled from the city), then the address line is parsed (see `cn-address.ts`) and
 *   fills what the columns left empty; the part after the district is the street. When the line
 *   names another province or city than the columns, the columns win and an issue says so. A
 *   province column the gazetteer does not know is an issue; an unknown city column is kept (it
 *   may be a county-level city such as 昆山市, which the gazetteer does not list). A trailing
 *   6-digit postcode in the line (`… 932号 410083`) is used when the postcode column is empty.
 * - Other countries, and Chinese addresses written in pinyin (generic): the columns are kept, spaces collapsed, names written all upper or
 *   all lower case title-cased (`sao paulo` → `Sao Paulo`, `RUA DAS FLORES 12` → `Rua das Flores 12`),
 *   a state of up to three letters upper-cased (`sp` → `SP`); Olist rows have only city, state and
 *   a zip prefix, and stay that way.
 * - Postcodes per country: see `postcode.ts`.
 */
import type { StandardAddress, StandardizeIssue } from '../profile.js';
import { lookupCity, lookupProvince, parseChineseAddress, type CnProvince } from './cn-address.js';
import { normalizePostcode } from './postcode.js';
import { clean, hasHan, titleCase } from './text.js';

export interface AddressInput {
  address_line?: string | null;
  district?: string | null;
  city?: string | null;
  province?: string | null;
  postcode?: string | null;
}

const CHINESE_COUNTRIES = new Set(['CN', 'HK', 'MO', 'TW']);
const TRAILING_CN_POSTCODE = /\s+(\d{6})$/;
const STATE_CODE = /^[a-z]{1,3}$/i;
const SPACES_IN_HAN = /(?<=\p{Script=Han})\s+(?=\p{Script=Han})/gu;

function chinese(input: AddressInput, country: string | null, issues: StandardizeIssue[]): StandardAddress {
  const provinceField = clean(input.province);
  const cityField = clean(input.city);
  const districtField = clean(input.district);
  let line = clean(input.address_line);
  let postcodeText = clean(input.postcode);

  let province: CnProvince | null = null;
  if (provinceField !== null) {
    province = lookupProvince(provinceField);
    if (province === null) issues.push({ field: 'province', value: provinceField, reason: 'not a Chinese province-level division' });
  }
  let city: string | null = null;
  if (cityField !== null) {
    const c = lookupCity(cityField);
    if (c !== null) {
      city = c.name;
      if (province === null) province = c.province;
      else if (c.province !== province) issues.push({ field: 'city', value: cityField, reason: `${c.name} is in ${c.province.name}, not ${province.name}` });
    } else {
      const p = lookupProvince(cityField);
      city = p?.cityLevel ? p.name : cityField;
      if (p?.cityLevel && province === null) province = p;
    }
  } else if (province?.cityLevel) {
    city = province.name;
  }
  let district = districtField;
  let street: string | null = null;

  if (line !== null) {
    if (postcodeText === null) {
      const m = TRAILING_CN_POSTCODE.exec(line);
      if (m) {
        postcodeText = m[1]!;
        line = line.slice(0, m.index);
      }
    }
    const parsed = parseChineseAddress(line.replace(SPACES_IN_HAN, ''), { province, city });
    if (parsed.province !== null) {
      if (province === null) province = parsed.province;
      else if (parsed.province !== province) {
        issues.push({ field: 'address_line', value: line, reason: `address line says ${parsed.province.name}, province column says ${province.name}; column kept` });
      }
    }
    if (parsed.city !== null) {
      if (city === null) city = parsed.city;
      else if (parsed.city !== city) issues.push({ field: 'address_line', value: line, reason: `address line says ${parsed.city}, city column says ${city}; column kept` });
    }
    if (parsed.conflictCity !== null) {
      const c = parsed.conflictCity;
      issues.push({ field: 'address_line', value: line, reason: `${c.name} is in ${c.province.name}, not ${parsed.province?.name}; left in the street` });
    }
    if (parsed.district !== null) {
      if (district === null) district = parsed.district;
      else if (parsed.district !== district) issues.push({ field: 'address_line', value: line, reason: `address line says ${parsed.district}, district column says ${district}; column kept` });
    }
    street = parsed.street;
  }
  let postcode: string | null = null;
  if (postcodeText !== null) {
    const r = normalizePostcode(postcodeText, country === null || country === 'CN' ? 'CN' : country);
    postcode = r.postcode;
    if (r.issue) issues.push(r.issue);
  }
  return { country: country ?? 'CN', province: province?.name ?? null, city, district, street, postcode };
}

function generic(input: AddressInput, country: string | null, issues: StandardizeIssue[]): StandardAddress {
  const provinceText = clean(input.province);
  const city = clean(input.city);
  const district = clean(input.district);
  const street = clean(input.address_line);
  const postcodeText = clean(input.postcode);
  let postcode: string | null = null;
  if (postcodeText !== null) {
    const r = normalizePostcode(postcodeText, country);
    postcode = r.postcode;
    if (r.issue) issues.push(r.issue);
  }
  return {
    country,
    province: provinceText === null ? null : STATE_CODE.test(provinceText) ? provinceText.toUpperCase() : titleCase(provinceText),
    city: city && titleCase(city),
    district: district && titleCase(district),
    street: street && titleCase(street),
    postcode,
  };
}

/** Standardizes the address fields; `country` is the profile's ISO code (or the source default). */
export function standardizeAddress(input: AddressInput, country: string | null, issues: StandardizeIssue[]): StandardAddress {
  const isChinese =
    (country === null || CHINESE_COUNTRIES.has(country)) &&
    [input.address_line, input.province, input.city, input.district].some((v) => v != null && hasHan(v));
  return isChinese ? chinese(input, country, issues) : generic(input, country, issues);
}
