/**
 * Text helpers shared by the standardization rules.
 *
 * Rule: every value is read through `clean()` first — Unicode NFKC (full-width letters, digits
 * and punctuation become their ASCII forms, the ideographic space U+3000 becomes a space),
 * whitespace runs collapsed to one space, trimmed; an empty result is "missing" (null).
 * ASCII-only strings skip the NFKC call (most values are ASCII, and NFKC leaves ASCII unchanged).
 */

// Any character outside printable ASCII, i.e. something NFKC might change.
const NON_ASCII = /[^\x20-\x7e]/;
const SPACES = /\s+/g;
// Zero-width and BOM characters that sneak in from spreadsheets and web forms.
const INVISIBLE = /[\u200b-\u200d\u2060\ufeff]/g;

/** NFKC + collapse whitespace + trim; null for null, undefined and blank. */
export function clean(value: string | null | undefined): string | null {
  if (value == null) return null;
  let s = value;
  if (NON_ASCII.test(s)) s = s.normalize('NFKC').replace(INVISIBLE, '');
  s = s.replace(SPACES, ' ').trim();
  return s === '' ? null : s;
}

/** Han (Chinese) ideographs, the test for "written in Chinese". */
export const HAN = /\p{Script=Han}/u;

/** True when the string contains at least one Han character. */
export function hasHan(s: string): boolean {
  return HAN.test(s);
}

const WORD = /[^\s\-']+/g;
// Particles kept lower-case inside title-cased place names (Portuguese, Spanish, English, French).
const SMALL_WORDS = new Set(['de', 'da', 'do', 'das', 'dos', 'e', 'del', 'la', 'of', 'the', 'upon', 'on', 'and', 'sur', 'en']);

/**
 * Title case for names and places written all upper- or all lower-case ("SAO PAULO",
 * "rio de janeiro" → "Sao Paulo", "Rio de Janeiro"). Mixed-case input ("McDonald", "São Paulo")
 * is returned unchanged: the writer chose that case.
 */
export function titleCase(s: string, smallWords = true): string {
  if (s !== s.toUpperCase() && s !== s.toLowerCase()) return s;
  let first = true;
  return s.toLowerCase().replace(WORD, (w) => {
    const keepLower = smallWords && !first && SMALL_WORDS.has(w);
    first = false;
    return keepLower ? w : w.charAt(0).toUpperCase() + w.slice(1);
  });
}
