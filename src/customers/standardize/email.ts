/**
 * E-mail rule.
 *
 * The address is trimmed, read through NFKC (full-width ＠ and letters become ASCII), stripped of a
 * `mailto:` prefix and of angle brackets (`Martin <m@x.com>` keeps `m@x.com`), and lower-cased as
 * a whole. RFC 5321 lets a server treat the local part case-sensitively, but every large provider
 * (Gmail, Outlook, Yahoo, QQ, 163, …) ignores case, and a CRM gains nothing from keeping
 * `Martin@` and `martin@` apart; so the whole address is the matching key in lower case.
 *
 * Syntax is checked pragmatically (one @; local part of letters, digits and !#$%&'*+/=?^_`{|}~.-
 * without leading, trailing or double dots; a domain of letter-digit-hyphen labels with a
 * top-level domain of two or more letters). Invalid addresses are not kept. When a field holds
 * several addresses the first valid one is kept and each other one is an issue.
 *
 * Obvious typos of common provider domains (gmial.com, hotmial.com, yaho.com, 163.con, qq.co,
 * gmail.com.br …) are flagged with the suggested address, never corrected: the address is kept as
 * written. A typo is a domain at edit distance 1 (one letter added, dropped, changed or two swapped)
 * from a known provider that is not itself a real domain, or one listed explicitly.
 */
import type { StandardizeIssue } from '../profile.js';
import { clean } from './text.js';

/** Provider domains typos are measured against. */
const PROVIDERS = [
  'gmail.com', 'googlemail.com', 'hotmail.com', 'outlook.com', 'live.com', 'msn.com', 'yahoo.com', 'icloud.com', 'aol.com',
  'qq.com', '163.com', '126.com', 'sina.com', 'sohu.com', 'foxmail.com', 'yeah.net', '139.com', 'aliyun.com',
  'uol.com.br', 'bol.com.br', 'terra.com.br', 'ig.com.br', 'yahoo.com.br', 'hotmail.com.br',
  'hotmail.co.uk', 'yahoo.co.uk', 'btinternet.com', 'gmx.com', 'gmx.net', 'protonmail.com', 'proton.me',
];
/** Real domains that sit one edit away from a provider: never flagged. */
const REAL_DOMAINS = new Set([
  ...PROVIDERS,
  'mail.com', 'email.com', 'ymail.com', 'gmx.de', 'uol.com', 'live.cn', 'live.ca', 'live.fr', 'sina.cn', 'vip.qq.com', 'vip.163.com',
  'vip.sina.com', '188.com', '189.cn', '263.net', '163.net', '126.net', 'me.com', 'mac.com', 'aim.com', 'msn.cn', 'hotmail.fr',
  'hotmail.de', 'hotmail.it', 'hotmail.es', 'outlook.fr', 'outlook.de', 'outlook.es', 'outlook.it', 'yahoo.fr', 'yahoo.de', 'yahoo.it',
  'yahoo.es', 'yahoo.ca', 'yahoo.co.jp', 'yahoo.com.cn', 'yahoo.com.hk', 'yahoo.com.tw', 'yahoo.cn', 'qq.cn', 'sohu.net', 'tom.com',
  'mail.ru', 'gmai.ru', 'ig.com', 'bol.com', 'terra.com', 'uol.com.ar', 'wo.cn', 'hotmail.ca', 'outlook.com.br', 'live.com.br',
]);
/** Typos more than one edit away, seen often enough to list. */
const EXPLICIT_TYPOS = new Map<string, string>([
  ['gmail.com.br', 'gmail.com'], ['gamil.com', 'gmail.com'], ['gmaill.com', 'gmail.com'], ['gmial.con', 'gmail.com'], ['gmail.cmo', 'gmail.com'],
  ['hotmial.con', 'hotmail.com'], ['hotmal.con', 'hotmail.com'], ['hotmail.cm', 'hotmail.com'], ['homail.com.br', 'hotmail.com.br'],
  ['yahoo.con.br', 'yahoo.com.br'], ['yahho.com', 'yahoo.com'], ['qq.cmo', 'qq.com'], ['163.cmo', '163.com'], ['126.cmo', '126.com'],
  ['outlok.con', 'outlook.com'], ['iclould.com', 'icloud.com'],
]);
const PROVIDERS_BY_LENGTH = new Map<number, string[]>();
for (const p of PROVIDERS) {
  for (const len of [p.length - 1, p.length, p.length + 1]) {
    const list = PROVIDERS_BY_LENGTH.get(len) ?? [];
    list.push(p);
    PROVIDERS_BY_LENGTH.set(len, list);
  }
}

/** True when a and b are at most one insertion, deletion, substitution or adjacent swap apart. */
export function oneEditApart(a: string, b: string): boolean {
  if (a === b) return false;
  const la = a.length;
  const lb = b.length;
  if (Math.abs(la - lb) > 1) return false;
  let i = 0;
  while (i < la && i < lb && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  if (la === lb) {
    if (a.slice(i + 1) === b.slice(i + 1)) return true; // substitution
    return i + 1 < la && a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2); // swap
  }
  return la > lb ? a.slice(i + 1) === b.slice(i) : a.slice(i) === b.slice(i + 1);
}

// Domains repeat a lot: remember each verdict (bounded, so a million distinct domains cannot grow it without end).
const typoCache = new Map<string, string | null>();
const TYPO_CACHE_MAX = 50_000;

/** The provider domain a mistyped domain most likely meant, or null. */
export function suggestDomain(domain: string): string | null {
  const cached = typoCache.get(domain);
  if (cached !== undefined) return cached;
  let hit: string | null = EXPLICIT_TYPOS.get(domain) ?? null;
  if (hit === null && !REAL_DOMAINS.has(domain)) {
    for (const p of PROVIDERS_BY_LENGTH.get(domain.length) ?? []) {
      if (oneEditApart(domain, p)) {
        hit = p;
        break;
      }
    }
  }
  if (typoCache.size >= TYPO_CACHE_MAX) typoCache.clear();
  typoCache.set(domain, hit);
  return hit;
}

const MAILTO = /^mailto:/i;
const ANGLED = /<([^<>]+)>/;
const SEPARATORS = /[\s,;，；、]+/;
const LOCAL = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export interface EmailResult {
  email: string | null;
  issues: StandardizeIssue[];
}

/** Why an address is not syntactically valid, or null when it is. */
export function emailSyntaxError(address: string): string | null {
  const at = address.lastIndexOf('@');
  if (at < 0) return 'no @';
  if (address.indexOf('@') !== at) return 'more than one @';
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length === 0 || local.length > 64) return 'empty or too long local part';
  if (!LOCAL.test(local)) return 'invalid characters or dots in the local part';
  if (domain.length === 0 || domain.length > 253) return 'empty or too long domain';
  if (!DOMAIN.test(domain)) return domain.includes('.') ? 'invalid domain' : 'domain without a dot';
  return null;
}

/** Standardizes an e-mail field. */
export function standardizeEmail(raw: string | null | undefined): EmailResult {
  let value = clean(raw);
  if (value === null) return { email: null, issues: [] };
  const issues: StandardizeIssue[] = [];
  const angled = ANGLED.exec(value);
  if (angled) value = angled[1]!.trim();
  const candidates = value.includes('@') && SEPARATORS.test(value) ? value.split(SEPARATORS).filter((c) => c.includes('@')) : [value];
  let email: string | null = null;
  for (const candidate of candidates) {
    const address = candidate.replace(MAILTO, '').toLowerCase();
    const error = emailSyntaxError(address);
    if (error !== null) {
      issues.push({ field: 'email', value: candidate, reason: `invalid e-mail: ${error}` });
      continue;
    }
    if (email !== null) {
      issues.push({ field: 'email', value: candidate, reason: 'second e-mail address in the field not kept (one per profile)' });
      continue;
    }
    email = address;
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const suggestion = suggestDomain(domain);
    if (suggestion !== null) {
      issues.push({
        field: 'email',
        value: candidate,
        reason: `domain looks like a typo of ${suggestion}: did you mean ${address.slice(0, address.lastIndexOf('@') + 1)}${suggestion}? (kept as written)`,
      });
    }
  }
  return { email, issues };
}
