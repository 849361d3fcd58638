/**
 * Chinese address rule.
 *
 * An address line is read from the left: an optional 中国 prefix, the province (full 湖南省 or
 * short 湖南), the prefecture-level city (长沙市 or 长沙), the district or county (岳麓区, 长沙县,
 * 浏阳市, 浦东新区, 自治县/旗), and the rest is the street. Province and city names come from the
 * gazetteer in `data/cn-divisions.json` (34 province-level divisions, every prefecture-level
 * division, the county-level units provinces administer directly), so a line that starts with a
 * city gets its province (长沙岳麓区… → 湖南省 长沙市 岳麓区). Municipalities and SARs (北京, 上海,
 * 天津, 重庆, 香港, 澳门) are their own city: 北京朝阳区 → 北京市 北京市 朝阳区. Districts are
 * recognized by their suffix, not from a list, and only after a known province or city.
 *
 * A short form is not read as a place when what follows makes it a street or a smaller unit
 * named after the place: 南京路, 北京东路, 湖南路 (streets), 朝阳区, 长沙县 (a district or county,
 * not the city of the same name).
 */
import { readFileSync } from 'node:fs';

interface DivisionsFile {
  provinces: { code: string; name: string; short: string[]; kind: string; prefectures: string[]; direct?: string[] }[];
}

export interface CnProvince {
  code: string;
  name: string;
  /** Municipalities and SARs are their own city. */
  cityLevel: boolean;
}

export interface CnCity {
  name: string;
  province: CnProvince;
  /** A county-level unit the province administers directly (仙桃市, 石河子市). */
  direct: boolean;
}

const divisions = JSON.parse(readFileSync(new URL('./data/cn-divisions.json', import.meta.url), 'utf8')) as DivisionsFile;

const provinceByFull = new Map<string, CnProvince>();
const provinceByShort = new Map<string, CnProvince>();
const cityByFull = new Map<string, CnCity>();
const cityByShort = new Map<string, CnCity>();
const DERIVED_SUFFIX = /(?:市|地区|盟)$/;

for (const p of divisions.provinces) {
  const province: CnProvince = { code: p.code, name: p.name, cityLevel: p.kind === 'municipality' || p.kind === 'sar' };
  provinceByFull.set(p.name, province);
  for (const s of p.short) provinceByShort.set(s, province);
  const add = (entry: string, direct: boolean): void => {
    const [name, ...shorts] = entry.split('|') as [string, ...string[]];
    const city: CnCity = { name, province, direct };
    if (cityByFull.has(name)) throw new Error(`cn-divisions.json: ${name} listed twice`);
    cityByFull.set(name, city);
    const forms = entry.includes('|') ? shorts.filter((s) => s !== '') : [name.replace(DERIVED_SUFFIX, '')];
    for (const s of forms) {
      if (s === name) continue;
      if (cityByShort.has(s)) throw new Error(`cn-divisions.json: short form ${s} is ambiguous`);
      cityByShort.set(s, city);
    }
  };
  for (const c of p.prefectures) add(c, false);
  for (const c of p.direct ?? []) add(c, true);
}

const lengthsOf = (m: Map<string, unknown>): number[] => [...new Set([...m.keys()].map((k) => k.length))].sort((a, b) => b - a);
const PROVINCE_FULL_LENGTHS = lengthsOf(provinceByFull);
const PROVINCE_SHORT_LENGTHS = lengthsOf(provinceByShort);
const CITY_FULL_LENGTHS = lengthsOf(cityByFull);
const CITY_SHORT_LENGTHS = lengthsOf(cityByShort);

/** Number of province-level and prefecture-level entries (for tests and docs). */
export const GAZETTEER_SIZE = {
  provinces: provinceByFull.size,
  prefectures: divisions.provinces.reduce((n, p) => n + p.prefectures.length, 0),
  direct: divisions.provinces.reduce((n, p) => n + (p.direct?.length ?? 0), 0),
};

function prefix<T>(text: string, map: Map<string, T>, lengths: number[]): [T, number] | null {
  for (const len of lengths) {
    if (len > text.length) continue;
    const hit = map.get(text.slice(0, len));
    if (hit !== undefined) return [hit, len];
  }
  return null;
}

// After a short form, these make it a street (南京路, 北京东路) or a smaller unit (朝阳区, 长沙县).
const SHORT_GUARD = /^(?:[东西南北中]?(?:路|街|大街|大道|道(?![里外]区)|巷|弄|胡同|号|桥|门|广场|公园|花园|新村|大厦|商场|小区|村|镇|乡)|区|县|旗|州|省|市辖区)/;
const COUNTRY_PREFIX = /^(?:中华人民共和国|中国大陆|中国)\s*/;
const MUNICIPAL_FILLER = /^(?:市辖区|辖区|市)\s*/;
const DISTRICT = /^(\p{Script=Han}{1,12}?(?:自治县|自治旗|新区|林区|特区|区|县|旗|市))/u;
// A "district" that is really part of the street: a housing estate, campus, park, or a name with a street word inside.
const NOT_DISTRICT = /(?:小区|社区|校区|园区|厂区|景区|街区|片区|营区|商区|住宅区|开发区内)$|.[路街巷弄号楼栋室村]/;
const LEADING_JUNK = /^[\s,，、.。:：;；-]+/;

/** Looks up a province by its full or short name (湖南省, 湖南, 内蒙古). */
export function lookupProvince(name: string): CnProvince | null {
  return provinceByFull.get(name) ?? provinceByShort.get(name) ?? null;
}

/** Looks up a prefecture-level city by its full or short name (长沙市, 长沙, 湘西). */
export function lookupCity(name: string): CnCity | null {
  return cityByFull.get(name) ?? cityByShort.get(name) ?? null;
}

export interface CnParsed {
  province: CnProvince | null;
  city: string | null;
  /** The gazetteer entry of `city`, when the city is in it. */
  cityEntry: CnCity | null;
  district: string | null;
  street: string | null;
  /** A city of another province right after the province (湖南深圳…): not used, the caller flags it. */
  conflictCity: CnCity | null;
}

function shortOk(rest: string): boolean {
  return !SHORT_GUARD.test(rest);
}

/**
 * Parses a Chinese address line. `known` carries what other fields already say (the province and
 * city columns) so a line that starts at the district still gets one.
 */
export function parseChineseAddress(line: string, known: { province?: CnProvince | null; city?: string | null } = {}): CnParsed {
  let s = line.replace(COUNTRY_PREFIX, '');
  let province: CnProvince | null = null;
  let cityEntry: CnCity | null = null;
  let city: string | null = null;
  let conflictCity: CnCity | null = null;

  let hit: [CnProvince, number] | [CnCity, number] | null = prefix(s, provinceByFull, PROVINCE_FULL_LENGTHS);
  if (hit) {
    province = hit[0];
    s = s.slice(hit[1]).trimStart();
  } else if ((hit = prefix(s, cityByFull, CITY_FULL_LENGTHS))) {
    cityEntry = hit[0];
    s = s.slice(hit[1]).trimStart();
  } else if ((hit = prefix(s, provinceByShort, PROVINCE_SHORT_LENGTHS)) && shortOk(s.slice(hit[1]))) {
    province = hit[0];
    s = s.slice(hit[1]).trimStart();
  } else if ((hit = prefix(s, cityByShort, CITY_SHORT_LENGTHS)) && shortOk(s.slice(hit[1]))) {
    cityEntry = hit[0];
    s = s.slice(hit[1]).trimStart();
  }

  if (province !== null && cityEntry === null) {
    if (province.cityLevel) {
      city = province.name;
      s = s.replace(MUNICIPAL_FILLER, '');
    } else {
      let c = prefix(s, cityByFull, CITY_FULL_LENGTHS);
      if (c === null) {
        c = prefix(s, cityByShort, CITY_SHORT_LENGTHS);
        if (c !== null && !shortOk(s.slice(c[1]))) c = null;
      }
      // Only a city of this province: 湖南深圳… is not silently moved to 广东.
      if (c !== null && c[0].province === province) {
        cityEntry = c[0];
        s = s.slice(c[1]).trimStart();
      } else if (c !== null) {
        conflictCity = c[0];
      }
    }
  }
  if (cityEntry !== null) {
    province ??= cityEntry.province;
    city = cityEntry.name;
  }

  let district: string | null = null;
  if (conflictCity === null && (city !== null || province !== null || (known.city ?? null) !== null || (known.province ?? null) !== null)) {
    s = s.replace(LEADING_JUNK, '');
    const d = DISTRICT.exec(s);
    if (d && !NOT_DISTRICT.test(d[1]!)) {
      district = d[1]!;
      s = s.slice(district.length);
    }
  }
  const street = s.replace(LEADING_JUNK, '').trim();
  return { province, city, cityEntry, district, street: street === '' ? null : street, conflictCity };
}
