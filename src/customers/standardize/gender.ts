/**
 * Gender rule.
 *
 * The gender field becomes F, M or U:
 * - M: 男, 男性, 男士, 先生, M, male, man, Mr, masculino (any case, any width, trailing dot ignored);
 * - F: 女, 女性, 女士, 小姐, 太太, F, female, woman, Mrs, Ms, Miss, feminino;
 * - U without an issue: blank, or an explicit "unknown" (U, unknown, 未知, 保密, 不详, N/A, -, ?);
 * - U with an issue: anything else, including numeric codes (1/2, 0/1): the code lists differ
 *   between systems, so a number is flagged, never guessed.
 * When the field is blank, a gender hint from the name's honorific (王先生, Mr Wang) is used;
 * when the field and the honorific disagree the field wins and an issue records the conflict.
 */
import type { Gender, StandardizeIssue } from '../profile.js';
import { clean } from './text.js';

const GENDER_WORDS = new Map<string, Gender>();
for (const w of ['男', '男性', '男士', '先生', 'm', 'male', 'man', 'mr', 'masculino', 'masc', 'h', 'homem']) GENDER_WORDS.set(w, 'M');
for (const w of ['女', '女性', '女士', '小姐', '太太', '夫人', 'f', 'female', 'woman', 'mrs', 'ms', 'miss', 'feminino', 'fem', 'mulher']) GENDER_WORDS.set(w, 'F');
for (const w of ['u', 'unknown', 'unk', '未知', '保密', '不详', '不明', 'n/a', 'na', '-', '--', '?', 'x', 'none', 'null', 'nao informado', 'não informado'])
  GENDER_WORDS.set(w, 'U');

const TRAILING_DOT = /\.$/;

export interface GenderResult {
  gender: Gender;
  issue: StandardizeIssue | null;
}

/**
 * Reads a gender field; `hint` is the gender implied by the name's honorific (or null).
 */
export function standardizeGender(value: string | null | undefined, hint: Gender | null = null): GenderResult {
  const s = clean(value);
  if (s === null) return { gender: hint ?? 'U', issue: null };
  const g = GENDER_WORDS.get(s.toLowerCase().replace(TRAILING_DOT, ''));
  if (g === undefined) {
    return {
      gender: hint ?? 'U',
      issue: { field: 'gender', value: s, reason: /^\d+$/.test(s) ? 'numeric gender code: code lists differ between sources, not guessed' : 'unrecognized gender value' },
    };
  }
  if (g === 'U') return { gender: hint ?? 'U', issue: null };
  if (hint !== null && hint !== g) {
    return { gender: g, issue: { field: 'gender', value: s, reason: `name honorific suggests ${hint}, gender field says ${g}; field kept` } };
  }
  return { gender: g, issue: null };
}
