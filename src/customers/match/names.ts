/**
 * Name keys used by blocking and comparison: normalized text, the tokens in sorted order (so a
 * swapped family/given order compares equal), a sound key (toneless pinyin for Chinese characters
 * through `pinyin-pro`, Soundex for Latin words) and a nickname-canonical form of the given name.
 */
import { pinyin } from 'pinyin-pro';
import { soundex } from './strings.js';

const CJK = /[\u3400-\u9fff\uf900-\ufaff]/;

/** Text that NFKC, case folding and space collapsing leave as it is (lower-case ASCII, CJK). */
const ALREADY_NORMAL = /^[a-z0-9@._+'\-#/,\u3400-\u9fff]+(?: [a-z0-9@._+'\-#/,\u3400-\u9fff]+)*$/;

export function normText(s: string | null | undefined): string | null {
  if (s == null) return null;
  if (ALREADY_NORMAL.test(s)) return s;
  const t = s.normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
  return t === '' ? null : t;
}

export function isCjk(s: string): boolean {
  return CJK.test(s);
}

/** Tokens of a name: words for Latin names, [family, given] for Chinese written without spaces. */
export function nameTokens(full: string, family: string | null, given: string | null): string[] {
  if (full.includes(' ')) return full.split(' ');
  if (family && given && full === family + given) return [family, given];
  return [full];
}

export function sortedTokenKey(tokens: string[]): string {
  return tokens.length < 2 ? tokens.join(' ') : [...tokens].sort().join(' ');
}

/**
 * Sound key: Chinese names go to toneless pinyin in surname mode (单 → shan, 曾 → zeng), so a
 * homophone typed by the input method (王伟 / 王玮) keys the same; Latin tokens go to Soundex and
 * are sorted, so the key also ignores name order.
 */
export function soundKey(full: string, tokens: string[]): string {
  if (isCjk(full)) return pinyin(full.replace(/\s+/g, ''), { toneType: 'none', type: 'array', surname: 'head' }).join('');
  const codes = tokens.map((t) => soundex(t) || t);
  return codes.sort().join(' ');
}

/** Formal given name → nicknames. Each nickname maps back to the first formal name that lists it. */
const NICKNAMES: Record<string, string[]> = {
  william: ['bill', 'billy', 'will', 'willie', 'liam'],
  robert: ['bob', 'bobby', 'rob', 'robbie', 'bert'],
  richard: ['dick', 'rick', 'ricky', 'rich', 'richie'],
  james: ['jim', 'jimmy', 'jamie'],
  john: ['jack', 'johnny', 'jon'],
  joseph: ['joe', 'joey'],
  thomas: ['tom', 'tommy'],
  charles: ['charlie', 'chuck', 'chas'],
  christopher: ['chris', 'kit'],
  daniel: ['dan', 'danny'],
  matthew: ['matt'],
  anthony: ['tony'],
  michael: ['mike', 'mick', 'mickey'],
  david: ['dave', 'davy'],
  edward: ['ed', 'eddie', 'ted', 'ned'],
  henry: ['harry', 'hank'],
  andrew: ['andy', 'drew'],
  benjamin: ['ben', 'benny'],
  samuel: ['sam', 'sammy'],
  alexander: ['alex', 'sandy', 'xander'],
  nicholas: ['nick', 'nicky'],
  jonathan: ['jon', 'jonny'],
  peter: ['pete'],
  stephen: ['steve', 'stevie'],
  steven: ['steve'],
  timothy: ['tim', 'timmy'],
  patrick: ['pat', 'paddy'],
  gregory: ['greg'],
  kenneth: ['ken', 'kenny'],
  ronald: ['ron', 'ronnie'],
  donald: ['don', 'donnie'],
  frederick: ['fred', 'freddie'],
  lawrence: ['larry'],
  philip: ['phil'],
  raymond: ['ray'],
  gerald: ['gerry'],
  leonard: ['leo', 'len'],
  elizabeth: ['liz', 'lizzie', 'beth', 'betty', 'eliza', 'libby'],
  margaret: ['maggie', 'meg', 'peggy', 'marge'],
  katherine: ['kate', 'kathy', 'katie', 'kat', 'kitty'],
  catherine: ['cathy', 'cate'],
  jennifer: ['jen', 'jenny'],
  rebecca: ['becky', 'becca'],
  victoria: ['vicky', 'tori'],
  susan: ['sue', 'susie'],
  deborah: ['debbie', 'deb'],
  patricia: ['patty', 'trish', 'tricia'],
  jessica: ['jess', 'jessie'],
  samantha: ['sam', 'sammie'],
  alexandra: ['alex', 'lexi'],
  christine: ['chris', 'chrissy', 'tina'],
  abigail: ['abby', 'gail'],
  dorothy: ['dot', 'dottie'],
  barbara: ['barb', 'babs'],
  eleanor: ['ellie', 'nell', 'nora'],
  emily: ['em', 'emmy'],
  jacqueline: ['jackie'],
  judith: ['judy'],
  kimberly: ['kim'],
  pamela: ['pam'],
  sandra: ['sandy'],
  theresa: ['tess', 'terri'],
  valerie: ['val'],
  amanda: ['mandy'],
  josephine: ['jo', 'josie'],
  natalie: ['nat'],
  olivia: ['liv'],
  sophia: ['sophie'],
  charlotte: ['lottie', 'charlie'],
};

const CANONICAL = new Map<string, string>();
for (const [formal, nicks] of Object.entries(NICKNAMES)) {
  CANONICAL.set(formal, formal);
  for (const n of nicks) if (!CANONICAL.has(n)) CANONICAL.set(n, formal);
}

/** The formal form of a given name when it is a known nickname, else the name itself. */
export function canonicalGiven(given: string): string {
  return CANONICAL.get(given) ?? given;
}

/**
 * Latin reading of a name part, for comparing a name written in characters with one written in
 * pinyin (刘静 / "Jing Liu" / "LIU, Jing"). Characters go to toneless pinyin, the family name in
 * pinyin-pro's surname mode (单 → shan, not dan; 曾 → zeng; 解 → xie; 区 → ou; 仇 → qiu), ü as v
 * (吕 → lv, as Chinese systems type it); Latin text is folded to lower-case letters a-z (NFKD
 * without marks, so full-width ＬＩＵ and Lǚ read as liu and lu; hyphens and spaces dropped, so
 * Xiao-Ming = Xiao Ming = Xiaoming). Returns null when nothing readable is left.
 */
export function romanize(part: string | null, surname: boolean): string | null {
  if (!part) return null;
  // Family and given names repeat far more than whole names do (a few hundred surnames, a few
  // thousand given names): the reading is cached per part, as pinyin-pro costs ~40 µs a call.
  const cache = surname ? FAMILY_READINGS : GIVEN_READINGS;
  let out = cache.get(part);
  if (out === undefined) {
    if (cache.size > 200_000) cache.clear();
    cache.set(part, (out = readPart(part, surname)));
  }
  return out;
}

const FAMILY_READINGS = new Map<string, string | null>();
const GIVEN_READINGS = new Map<string, string | null>();

function readPart(part: string, surname: boolean): string | null {
  let s: string;
  if (isCjk(part)) {
    const syllables = pinyin(part.replace(/\s+/g, ''), { toneType: 'none', type: 'array', v: true, ...(surname ? { surname: 'all' as const } : {}) });
    s = syllables.join('');
  } else {
    s = part.normalize('NFKD').replace(/\u00fc/g, 'v').replace(/[\u0300-\u036f]/g, '').toLowerCase();
  }
  s = s.replace(/[^a-z]/g, '');
  return s === '' ? null : s;
}

/** The Latin readings of a name compared across scripts: each part, both orders joined, and an order-free key. */
export interface RomanName {
  family: string | null;
  given: string | null;
  /** family + given, given + family (no spaces): "liujing", "jingliu". */
  joined: [string, string] | null;
  /** The two parts sorted, space-separated ("jing liu"): a blocking key that ignores name order. */
  key: string | null;
}

export function romanName(family: string | null, given: string | null): RomanName {
  const f = romanize(family, true);
  const g = romanize(given, false);
  if (f === null || g === null) return { family: f, given: g, joined: null, key: null };
  return { family: f, given: g, joined: [f + g, g + f], key: f < g ? `${f} ${g}` : `${g} ${f}` };
}
