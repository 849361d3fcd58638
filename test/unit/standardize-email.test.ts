import { describe, expect, it } from 'vitest';
import { emailSyntaxError, oneEditApart, standardizeEmail, suggestDomain } from '../../src/customers/standardize/email.js';

describe('standardizeEmail', () => {
  it('trims and lower-cases the whole address', () => {
    expect(standardizeEmail('  Martin.Wang@Example.COM ')).toEqual({ email: 'martin.wang@example.com', issues: [] });
    expect(standardizeEmail('ＭＡＲＴＩＮ＠ＱＱ．ＣＯＭ')).toEqual({ email: 'martin@qq.com', issues: [] });
    expect(standardizeEmail('mailto:Jane@Gmail.com')).toEqual({ email: 'jane@gmail.com', issues: [] });
    expect(standardizeEmail('Martin Wang <martin@163.com>')).toEqual({ email: 'martin@163.com', issues: [] });
    expect(standardizeEmail("o'brien+crm@sub.example.co.uk").email).toBe("o'brien+crm@sub.example.co.uk");
  });

  it('rejects invalid syntax with the reason', () => {
    const reason = (raw: string) => standardizeEmail(raw).issues[0]?.reason;
    expect(reason('martin.qq.com')).toBe('invalid e-mail: no @');
    expect(reason('martin@@qq.com')).toBe('invalid e-mail: more than one @');
    expect(reason('martin@qq')).toBe('invalid e-mail: domain without a dot');
    expect(reason('martin@163,com')).toBe('invalid e-mail: domain without a dot');
    expect(reason('.martin@qq.com')).toBe('invalid e-mail: invalid characters or dots in the local part');
    expect(reason('mar..tin@qq.com')).toBe('invalid e-mail: invalid characters or dots in the local part');
    expect(reason('martin@-qq.com')).toBe('invalid e-mail: invalid domain');
    expect(reason('martin@qq.c')).toBe('invalid e-mail: invalid domain');
    expect(standardizeEmail('martin@qq').email).toBeNull();
  });

  it.each([
    ['gmial.com', 'gmail.com'], ['gmai.com', 'gmail.com'], ['gmail.con', 'gmail.com'], ['gmail.co', 'gmail.com'], ['gamil.com', 'gmail.com'],
    ['hotmial.com', 'hotmail.com'], ['hotmail.con', 'hotmail.com'], ['yaho.com', 'yahoo.com'], ['yahooo.com', 'yahoo.com'],
    ['163.con', '163.com'], ['163.cm', '163.com'], ['qq.co', 'qq.com'], ['qq.con', 'qq.com'], ['126.co', '126.com'],
    ['outlok.com', 'outlook.com'], ['icloud.co', 'icloud.com'], ['gmail.com.br', 'gmail.com'], ['hotmail.com.bt', 'hotmail.com.br'],
  ])('flags %s as a typo of %s without correcting it', (domain, fix) => {
    const r = standardizeEmail(`Martin@${domain}`);
    expect(r.email).toBe(`martin@${domain}`);
    expect(r.issues).toEqual([{ field: 'email', value: `Martin@${domain}`, reason: `domain looks like a typo of ${fix}: did you mean martin@${fix}? (kept as written)` }]);
  });

  it('does not flag real domains near a provider', () => {
    for (const d of ['gmail.com', 'ymail.com', 'email.com', 'mail.com', 'live.cn', 'sina.cn', 'uol.com.br', 'bol.com.br', 'yahoo.co.jp', 'example.com', 'vip.163.com', 'hotmail.fr']) {
      expect(suggestDomain(d), d).toBeNull();
    }
  });

  it('keeps the first of several addresses and flags the rest', () => {
    const r = standardizeEmail('a@qq.com; b@163.com');
    expect(r.email).toBe('a@qq.com');
    expect(r.issues).toEqual([{ field: 'email', value: 'b@163.com', reason: 'second e-mail address in the field not kept (one per profile)' }]);
    expect(standardizeEmail('bad@@x.com, good@x.com').email).toBe('good@x.com');
  });

  it('edit distance one', () => {
    expect(oneEditApart('gmial.com', 'gmail.com')).toBe(true); // swap
    expect(oneEditApart('gmai.com', 'gmail.com')).toBe(true); // deletion
    expect(oneEditApart('gmaill.com', 'gmail.com')).toBe(true); // insertion
    expect(oneEditApart('gmail.cob', 'gmail.com')).toBe(true); // substitution
    expect(oneEditApart('gmx.com', 'gmail.com')).toBe(false);
    expect(oneEditApart('gmail.com', 'gmail.com')).toBe(false);
    expect(emailSyntaxError('a@b.cd')).toBeNull();
  });

  it('blank is missing', () => {
    expect(standardizeEmail('  ')).toEqual({ email: null, issues: [] });
  });
});
