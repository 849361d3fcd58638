/**
 * Postcode rule (per country, where the format is simple).
 *
 * - BR (CEP): 8 digits written `01310-100`; a 5-digit prefix (Olist rows carry only the prefix)
 *   is kept as text with its leading zero (`01317`). Other lengths (e.g. `1317`, a prefix that
 *   lost its zero in a spreadsheet) are flagged, never padded.
 * - GB: upper case, one space before the inward code: `sw1a1aa` → `SW1A 1AA`.
 * - US: 5 digits or ZIP+4 `12345-6789` (`123456789` → `12345-6789`).
 * - CN: 6 digits.
 * - Others: upper case, single spaces.
 * A postcode that does not fit its country's shape is not kept: an issue says why.
 */
import type { StandardizeIssue } from '../profile.js';

const NON_DIGIT_SEP = /[\s.\-]/g;
const SPACES = /\s+/g;
const GB = /^([A-Z]{1,2}\d[A-Z\d]?)(\d[A-Z]{2})$/;
const DIGITS_ONLY = /^\d+$/;

export interface PostcodeResult {
  postcode: string | null;
  issue: StandardizeIssue | null;
}

export function normalizePostcode(value: string, country: string | null): PostcodeResult {
  const reject = (reason: string): PostcodeResult => ({ postcode: null, issue: { field: 'postcode', value, reason } });
  switch (country) {
    case 'BR': {
      const d = value.replace(NON_DIGIT_SEP, '');
      if (!DIGITS_ONLY.test(d)) return reject('CEP must be digits');
      if (d.length === 8) return { postcode: `${d.slice(0, 5)}-${d.slice(5)}`, issue: null };
      if (d.length === 5) return { postcode: d, issue: null };
      return reject(`CEP has ${d.length} digits: 8, or a 5-digit prefix, expected (a lost leading zero is not restored)`);
    }
    case 'GB': {
      const m = GB.exec(value.toUpperCase().replace(SPACES, ''));
      return m ? { postcode: `${m[1]} ${m[2]}`, issue: null } : reject('not a UK postcode');
    }
    case 'US': {
      const d = value.replace(NON_DIGIT_SEP, '');
      if (DIGITS_ONLY.test(d) && d.length === 5) return { postcode: d, issue: null };
      if (DIGITS_ONLY.test(d) && d.length === 9) return { postcode: `${d.slice(0, 5)}-${d.slice(5)}`, issue: null };
      return reject('ZIP code must have 5 or 9 digits');
    }
    case 'CN': {
      const d = value.replace(SPACES, '');
      return DIGITS_ONLY.test(d) && d.length === 6 ? { postcode: d, issue: null } : reject('Chinese postcode must have 6 digits');
    }
    default:
      return { postcode: value.toUpperCase().replace(SPACES, ' '), issue: null };
  }
}
