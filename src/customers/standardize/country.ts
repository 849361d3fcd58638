/**
 * Country rule.
 *
 * A country is kept as an ISO 3166-1 alpha-2 code. Accepted: any alpha-2 code libphonenumber-js
 * knows (cn, BR, gb — UK becomes GB), a few alpha-3 codes, and common names in English,
 * Portuguese and Chinese (China, 中国, 中华人民共和国, Brasil, 巴西, United Kingdom, England, 英国,
 * USA, 美国, Hong Kong, 香港 …). Anything else is an issue and the source's default country is
 * used instead.
 */
import { isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';

const NAMES = new Map<string, CountryCode>();
const add = (code: CountryCode, names: string): void => {
  for (const n of names.split('|')) NAMES.set(n, code);
};
add('CN', 'chn|china|prc|people\'s republic of china|中国|中国大陆|中华人民共和国|大陆|mainland china');
add('BR', 'bra|brazil|brasil|巴西');
add('GB', 'uk|gbr|united kingdom|great britain|britain|england|scotland|wales|northern ireland|英国');
add('US', 'usa|united states|united states of america|america|美国');
add('HK', 'hkg|hong kong|hongkong|香港|中国香港');
add('MO', 'mac|macau|macao|澳门|中国澳门');
add('TW', 'twn|taiwan|台湾|中国台湾');
add('JP', 'jpn|japan|日本');
add('KR', 'kor|south korea|korea|republic of korea|韩国');
add('SG', 'sgp|singapore|新加坡');
add('DE', 'deu|germany|deutschland|德国');
add('FR', 'fra|france|法国');
add('CA', 'can|canada|加拿大');
add('AU', 'aus|australia|澳大利亚');
add('PT', 'prt|portugal|葡萄牙');
add('ES', 'esp|spain|españa|西班牙');
add('IT', 'ita|italy|italia|意大利');
add('IN', 'ind|india|印度');
add('MX', 'mex|mexico|méxico|墨西哥');
add('AR', 'arg|argentina|阿根廷');
add('MY', 'mys|malaysia|马来西亚');
add('TH', 'tha|thailand|泰国');
add('VN', 'vnm|vietnam|viet nam|越南');
add('RU', 'rus|russia|俄罗斯');

const DOTS = /\./g;

/** ISO alpha-2 code for a country as a source writes it, or null when unknown. */
export function normalizeCountry(value: string): CountryCode | null {
  const key = value.toLowerCase().replace(DOTS, '').trim();
  const named = NAMES.get(key);
  if (named !== undefined) return named;
  if (key.length === 2) {
    const upper = key.toUpperCase();
    if (isSupportedCountry(upper)) return upper;
  }
  return null;
}
