/**
 * Name rule.
 *
 * A name is read through NFKC (ＷＡＮＧ　Ｍａｒｔｉｎ → WANG Martin), whitespace collapsed, notes in
 * brackets removed (王立（VIP） → 王立, with an issue), honorifics removed and turned into a gender
 * hint (王先生 → family 王 + hint M; Mrs. Smith → family Smith + hint F), then split:
 *
 * - Chinese (any Han character): family name = a compound surname from the list below (欧阳,
 *   司马, 诸葛, 上官, 东方, …) when the name starts with one, else the first character; the rest is
 *   the given name. One space inside the name is an explicit split (万俟 卨). A name written with
 *   a separator dot (买买提·艾力, 约翰·史密斯) is given·family. Titles without gender (王总, 李老师)
 *   are removed only when what is left is a bare surname.
 * - Latin: "WANG, Martin" (comma: family first); a token in capitals among mixed-case tokens is
 *   the family name ("Mr. Martin WANG", "WANG Martin"); otherwise the last token is the family
 *   name ("Martin Wang"). Generational suffixes (Jr., III) stay with the given name. Parts
 *   written all upper- or all lower-case are title-cased (WANG → Wang); mixed case is kept.
 * - Explicit family_name / given_name fields win over splitting full_name.
 *
 * `fullName` (for comparison) is case-folded, single-spaced, family name first: "wang martin";
 * Chinese names are joined without a space: "欧阳娜娜". `originalName` keeps the name as written.
 * Placeholders (无, 未知, test, 客户) and names containing digits are rejected with an issue.
 */
import type { Gender, StandardizeIssue } from '../profile.js';
import { clean, HAN, titleCase } from './text.js';

/** Chinese compound (two-character) surnames, simplified and traditional forms. */
export const COMPOUND_SURNAMES: ReadonlySet<string> = new Set(
  (
    '欧阳 司马 诸葛 上官 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 钟离 澹台 公冶 宗政 濮阳 淳于 单于 太叔 申屠 ' +
    '仲孙 闻人 万俟 赫连 呼延 南宫 西门 百里 东郭 左丘 端木 拓跋 独孤 司空 亓官 司寇 子车 颛孙 壤驷 公良 漆雕 乐正 谷梁 ' +
    '段干 巫马 公西 羊舌 梁丘 第五 东门 北宫 呼衍 ' +
    '歐陽 司馬 諸葛 東方 尉遲 公孫 長孫 軒轅 鍾離 澹臺 單于 聞人 萬俟 東郭 顓孫 壤駟 樂正 穀梁 東門'
  ).split(' '),
);

const CN_GENDERED_SUFFIX: [string, Gender][] = [
  ['先生', 'M'],
  ['女士', 'F'],
  ['小姐', 'F'],
  ['太太', 'F'],
  ['夫人', 'F'],
];
// Titles that say nothing about gender, removed only when a bare surname is left (王总 → 王).
const CN_TITLE_SUFFIX = /(?:总经理|经理|老师|主任|医生|大夫|教授|博士|师傅|老板|总|董|工)$/;

const LATIN_PREFIX = new Map<string, Gender | null>([
  ['mr', 'M'], ['mister', 'M'], ['sr', 'M'], ['sir', 'M'], ['monsieur', 'M'], ['herr', 'M'],
  ['mrs', 'F'], ['ms', 'F'], ['miss', 'F'], ['mme', 'F'], ['madam', 'F'], ['madame', 'F'], ['sra', 'F'], ['srta', 'F'], ['mlle', 'F'], ['dra', 'F'], ['frau', 'F'],
  ['dr', null], ['prof', null], ['mx', null],
]);
const LATIN_SUFFIX = new Set(['jr', 'sr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq', 'filho', 'neto', 'junior']);

const PLACEHOLDERS = new Set(['无', '未知', '不详', '测试', '匿名', '客户', '顾客', '会员', 'test', 'n/a', 'na', 'null', 'none', 'unknown', 'anonymous', '-', '--', '.', '?', 'x', 'xx', 'xxx']);

const BRACKETS = /\s*(?:\([^)]*\)|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕)\s*/g;
const DIGIT = /\d/;
const NAME_DOT = /\s*[·•・‧]\s*/;
const HAN_RUN = /[\p{Script=Han}·•・‧]+/gu;
const LATIN_LETTER = /[A-Za-z\u00c0-\u024f]/;
const SPACE_BETWEEN = / /g;
const TOKEN_DOT = /\.$/;
const COMMA = /\s*,\s*/;
const HAN_SPLIT = /^\p{Script=Han}{1,2} \p{Script=Han}{1,3}$/u;

export interface NameInput {
  full_name?: string | null;
  family_name?: string | null;
  given_name?: string | null;
}

export interface NameResult {
  familyName: string | null;
  givenName: string | null;
  fullName: string | null;
  originalName: string | null;
  genderHint: Gender | null;
  issues: StandardizeIssue[];
}

interface Parsed {
  family: string | null;
  given: string | null;
  han: boolean;
  hint: Gender | null;
}

/** Splits one Chinese name (honorific already removed or not). */
function splitChinese(s: string): Parsed {
  let hint: Gender | null = null;
  for (const [suffix, g] of CN_GENDERED_SUFFIX) {
    if (s === suffix) return { family: null, given: null, han: true, hint: g };
    if (s.length > suffix.length && s.endsWith(suffix)) {
      s = s.slice(0, -suffix.length).trim();
      hint = g;
      break;
    }
  }
  if (hint === null) {
    const m = CN_TITLE_SUFFIX.exec(s);
    if (m && m.index > 0) {
      const rest = s.slice(0, m.index).trim();
      if (rest.length === 1 || COMPOUND_SURNAMES.has(rest)) s = rest;
    }
  }
  // given·family (minority and transliterated foreign names).
  const dotted = s.split(NAME_DOT).filter((p) => p !== '');
  if (dotted.length > 1) {
    return { family: dotted[dotted.length - 1]!, given: dotted.slice(0, -1).join('·'), han: true, hint };
  }
  // One space is the writer's own split: 万俟 卨, 欧阳 娜娜.
  const parts = s.split(' ');
  if (parts.length === 2 && parts[0]!.length <= 2) return { family: parts[0]!, given: parts[1]!, han: true, hint };
  s = s.replace(SPACE_BETWEEN, '');
  if (s.length >= 2 && COMPOUND_SURNAMES.has(s.slice(0, 2))) {
    return { family: s.slice(0, 2), given: s.length > 2 ? s.slice(2) : null, han: true, hint };
  }
  return { family: s.charAt(0), given: s.length > 1 ? s.slice(1) : null, han: true, hint };
}

const isAllCaps = (t: string): boolean => t.length > 1 && LATIN_LETTER.test(t) && t === t.toUpperCase() && t !== t.toLowerCase();

/** Splits one name written in Latin letters. */
function splitLatin(s: string): Parsed {
  let hint: Gender | null = null;
  let honorific = false;
  let familyFirst = false;
  let tokens: string[];
  const comma = s.split(COMMA);
  if (comma.length === 2 && comma[0] && comma[1]) {
    familyFirst = true;
    tokens = [...comma[0].split(' '), '\u0000', ...comma[1].split(' ')];
  } else {
    tokens = s.replace(COMMA, ' ').split(' ');
  }
  // Honorifics anywhere before the name proper (after a comma too: "WANG, Mr Martin").
  tokens = tokens.filter((t, i) => {
    const key = t.toLowerCase().replace(TOKEN_DOT, '');
    if (!LATIN_PREFIX.has(key)) return true;
    // "Sr" at the end is "senior", not "señor".
    if (key === 'sr' && i === tokens.length - 1) return true;
    const g = LATIN_PREFIX.get(key)!;
    if (g !== null && hint === null) hint = g;
    honorific = true;
    return false;
  });
  let suffix: string | null = null;
  const last = tokens[tokens.length - 1];
  if (tokens.length > 2 && last !== undefined && LATIN_SUFFIX.has(last.toLowerCase().replace(TOKEN_DOT, ''))) {
    suffix = last;
    tokens = tokens.slice(0, -1);
  }
  let family: string[];
  let given: string[];
  const sep = tokens.indexOf('\u0000');
  if (familyFirst && sep >= 0) {
    family = tokens.slice(0, sep);
    given = tokens.slice(sep + 1);
  } else {
    tokens = tokens.filter((t) => t !== '\u0000');
    const caps = tokens.map(isAllCaps);
    const nCaps = caps.filter(Boolean).length;
    if (tokens.length === 1) {
      // "Mr Wang" names the family; a lone "Martin" is more likely a given name.
      family = honorific ? tokens : [];
      given = honorific ? [] : tokens;
    } else if (nCaps > 0 && nCaps < tokens.length && isContiguous(caps)) {
      family = tokens.filter((_, i) => caps[i]);
      given = tokens.filter((_, i) => !caps[i]);
    } else {
      family = tokens.slice(-1);
      given = tokens.slice(0, -1);
    }
  }
  const fam = family.length ? family.map((t) => titleCase(t, false)).join(' ') : null;
  let giv = given.length ? given.map((t) => titleCase(t, false)).join(' ') : null;
  if (suffix !== null) giv = giv ? `${giv} ${suffix}` : suffix;
  return { family: fam, given: giv, han: false, hint };
}

function isContiguous(flags: boolean[]): boolean {
  const first = flags.indexOf(true);
  const last = flags.lastIndexOf(true);
  for (let i = first; i <= last; i++) if (!flags[i]) return false;
  return true;
}

/** Removes honorifics from a lone name part (a family_name field written "王先生"). */
function stripPart(v: string | null): { value: string | null; hint: Gender | null } {
  if (v === null) return { value: null, hint: null };
  if (HAN.test(v)) {
    for (const [suffix, g] of CN_GENDERED_SUFFIX) if (v.length > suffix.length && v.endsWith(suffix)) return { value: v.slice(0, -suffix.length).trim(), hint: g };
    return { value: v.replace(SPACE_BETWEEN, ''), hint: null };
  }
  return { value: titleCase(v, false), hint: null };
}

function compose(family: string | null, given: string | null, han: boolean): string | null {
  if (family === null && given === null) return null;
  const joined = han ? `${family ?? ''}${given ?? ''}` : [family, given].filter(Boolean).join(' ');
  return joined.toLowerCase();
}

/** Standardizes a profile's name fields. */
export function standardizeName(input: NameInput): NameResult {
  const issues: StandardizeIssue[] = [];
  const rawFull = input.full_name?.trim() || null;
  const familyField = clean(input.family_name);
  const givenField = clean(input.given_name);
  const originalName = rawFull ?? ([input.family_name?.trim(), input.given_name?.trim()].filter(Boolean).join(' ') || null);

  let parsed: Parsed | null = null;
  let full = clean(rawFull);
  if (full !== null) {
    if (full.includes('(') || full.includes('[') || full.includes('【') || full.includes('〔')) {
      const notes = full.match(BRACKETS);
      full = clean(full.replace(BRACKETS, ' '));
      if (notes) issues.push({ field: 'full_name', value: notes.map((n) => n.trim()).join(' '), reason: 'note in brackets removed from the name' });
    }
    if (full !== null && PLACEHOLDERS.has(full.toLowerCase())) {
      issues.push({ field: 'full_name', value: full, reason: 'placeholder, not a name' });
      full = null;
    } else if (full !== null && DIGIT.test(full)) {
      issues.push({ field: 'full_name', value: full, reason: 'name contains digits' });
      full = null;
    }
  }
  if (full !== null) {
    if (HAN.test(full)) {
      const runs = full.match(HAN_RUN)!;
      const han = runs.join('');
      const rest = full.replace(HAN_RUN, ' ').trim();
      if (LATIN_LETTER.test(rest)) issues.push({ field: 'full_name', value: rest, reason: 'Latin-letter part of a Chinese name not used' });
      // Keep one inner space only when the writer put it between Han characters (万俟 卨).
      const spaced = HAN_SPLIT.test(full) ? full : han;
      parsed = splitChinese(spaced);
    } else if (LATIN_LETTER.test(full)) {
      // A bare honorific ("Mr.") gives no name, only the hint.
      parsed = splitLatin(full);
    } else {
      issues.push({ field: 'full_name', value: full, reason: 'no letters in the name' });
    }
  }

  let genderHint = parsed?.hint ?? null;
  let family = parsed?.family ?? null;
  let given = parsed?.given ?? null;
  let han = parsed?.han ?? false;
  if (familyField !== null || givenField !== null) {
    const f = stripPart(familyField);
    const g = stripPart(givenField);
    genderHint ??= f.hint;
    if (f.value !== null) family = f.value;
    if (g.value !== null) given = g.value;
    if (parsed === null) han = HAN.test(`${familyField ?? ''}${givenField ?? ''}`);
    else if (f.value !== null && g.value === null && parsed.family?.toLowerCase() !== f.value.toLowerCase()) {
      // The family_name column splits full_name differently (a rare surname: 第一 + 伦 from 第一伦):
      // the rest of a Chinese full_name after it is the given name; otherwise no given name is claimed.
      const whole = `${parsed.family ?? ''}${parsed.given ?? ''}`;
      given = parsed.han && whole.startsWith(f.value) && whole.length > f.value.length ? whole.slice(f.value.length) : null;
    }
  }
  return { familyName: family || null, givenName: given || null, fullName: compose(family || null, given || null, han), originalName, genderHint, issues };
}
