import { describe, expect, it } from 'vitest';
import { standardizeName } from '../../src/customers/standardize/names.js';

const name = (full_name: string | null, extra: { family_name?: string; given_name?: string } = {}) => standardizeName({ full_name, ...extra });

describe('standardizeName: Chinese names', () => {
  it('splits family and given name', () => {
    expect(name('王立')).toMatchObject({ familyName: '王', givenName: '立', fullName: '王立', originalName: '王立', genderHint: null });
    expect(name('李秀英')).toMatchObject({ familyName: '李', givenName: '秀英' });
  });

  it('knows compound surnames', () => {
    expect(name('欧阳娜娜')).toMatchObject({ familyName: '欧阳', givenName: '娜娜', fullName: '欧阳娜娜' });
    expect(name('司马光')).toMatchObject({ familyName: '司马', givenName: '光' });
    expect(name('诸葛亮')).toMatchObject({ familyName: '诸葛', givenName: '亮' });
    expect(name('上官婉儿')).toMatchObject({ familyName: '上官', givenName: '婉儿' });
    expect(name('東方朔')).toMatchObject({ familyName: '東方', givenName: '朔' });
  });

  it('turns an honorific into a gender hint and keeps only the family name', () => {
    expect(name('王先生')).toMatchObject({ familyName: '王', givenName: null, fullName: '王', genderHint: 'M', originalName: '王先生' });
    expect(name('李女士')).toMatchObject({ familyName: '李', givenName: null, genderHint: 'F' });
    expect(name('欧阳小姐')).toMatchObject({ familyName: '欧阳', givenName: null, genderHint: 'F' });
    expect(name('王立先生')).toMatchObject({ familyName: '王', givenName: '立', genderHint: 'M' });
    expect(name('先生')).toMatchObject({ familyName: null, givenName: null, fullName: null, genderHint: 'M' });
  });

  it('drops a title without gender only when a bare surname is left', () => {
    expect(name('张总')).toMatchObject({ familyName: '张', givenName: null, genderHint: null });
    expect(name('李老师')).toMatchObject({ familyName: '李', givenName: null });
    expect(name('王总工')).toMatchObject({ familyName: '王', givenName: '总工' }); // not a bare surname: kept
  });

  it('normalizes spaces and width, keeps the original', () => {
    expect(name(' 王　立 ')).toMatchObject({ familyName: '王', givenName: '立', fullName: '王立', originalName: '王　立' });
    expect(name('万俟 卨')).toMatchObject({ familyName: '万俟', givenName: '卨' });
  });

  it('reads given·family names', () => {
    expect(name('买买提·艾力')).toMatchObject({ familyName: '艾力', givenName: '买买提', fullName: '艾力买买提' });
  });

  it('removes notes in brackets with an issue', () => {
    const r = name('王立（VIP客户）');
    expect(r).toMatchObject({ familyName: '王', givenName: '立' });
    expect(r.issues).toEqual([{ field: 'full_name', value: '(VIP客户)', reason: 'note in brackets removed from the name' }]);
  });

  it('rejects placeholders and names with digits', () => {
    expect(name('测试')).toMatchObject({ fullName: null, issues: [{ field: 'full_name', value: '测试', reason: 'placeholder, not a name' }] });
    expect(name('客户13800138000').issues[0]?.reason).toBe('name contains digits');
    expect(name('客户13800138000').fullName).toBeNull();
  });
});

describe('standardizeName: Latin names', () => {
  it('reads given-family order', () => {
    expect(name('Martin Wang')).toMatchObject({ familyName: 'Wang', givenName: 'Martin', fullName: 'wang martin' });
    expect(name('Mary Ann Jones')).toMatchObject({ familyName: 'Jones', givenName: 'Mary Ann' });
  });

  it('reads "FAMILY, Given"', () => {
    expect(name('WANG, Martin')).toMatchObject({ familyName: 'Wang', givenName: 'Martin', fullName: 'wang martin' });
    expect(name('Silva,  Maria  José')).toMatchObject({ familyName: 'Silva', givenName: 'Maria José' });
  });

  it('takes the capitalized token as the family name', () => {
    expect(name('Mr. Martin WANG')).toMatchObject({ familyName: 'Wang', givenName: 'Martin', genderHint: 'M', fullName: 'wang martin' });
    expect(name('WANG Martin')).toMatchObject({ familyName: 'Wang', givenName: 'Martin' });
    expect(name('Maria DA SILVA')).toMatchObject({ familyName: 'Da Silva', givenName: 'Maria' });
  });

  it('normalizes full-width letters and ideographic spaces', () => {
    expect(name('ＷＡＮＧ　Ｍａｒｔｉｎ')).toMatchObject({ familyName: 'Wang', givenName: 'Martin', fullName: 'wang martin', originalName: 'ＷＡＮＧ　Ｍａｒｔｉｎ' });
  });

  it('all in one case: western order, title-cased', () => {
    expect(name('MARTIN WANG')).toMatchObject({ familyName: 'Wang', givenName: 'Martin' });
    expect(name('martin   wang')).toMatchObject({ familyName: 'Wang', givenName: 'Martin', fullName: 'wang martin' });
  });

  it('honorifics give hints and a lone surname after one is the family name', () => {
    expect(name('Mr Wang')).toMatchObject({ familyName: 'Wang', givenName: null, genderHint: 'M' });
    expect(name('Mrs. Jane Smith')).toMatchObject({ familyName: 'Smith', givenName: 'Jane', genderHint: 'F' });
    expect(name('Dr. Jane Smith')).toMatchObject({ familyName: 'Smith', genderHint: null });
    expect(name('Sra. Ana Souza')).toMatchObject({ familyName: 'Souza', givenName: 'Ana', genderHint: 'F' });
    expect(name('Martin')).toMatchObject({ familyName: null, givenName: 'Martin', fullName: 'martin' });
  });

  it('keeps mixed case and generational suffixes', () => {
    expect(name("Patrick O'Brien")).toMatchObject({ familyName: "O'Brien" });
    expect(name('John McDonald Jr.')).toMatchObject({ familyName: 'McDonald', givenName: 'John Jr.' });
    expect(name("patrick o'brien")).toMatchObject({ familyName: "O'Brien", givenName: 'Patrick' });
  });

  it('uses a Chinese name before a Latin one in the same field, with an issue', () => {
    const r = name('王立 Martin');
    expect(r).toMatchObject({ familyName: '王', givenName: '立' });
    expect(r.issues[0]?.reason).toMatch(/Latin-letter part/);
  });
});

describe('standardizeName: split fields', () => {
  it('explicit family and given fields win', () => {
    expect(standardizeName({ family_name: '欧阳', given_name: '娜娜' })).toMatchObject({ familyName: '欧阳', givenName: '娜娜', fullName: '欧阳娜娜', originalName: '欧阳 娜娜' });
    expect(standardizeName({ family_name: 'SMITH', given_name: 'jane' })).toMatchObject({ familyName: 'Smith', givenName: 'Jane', fullName: 'smith jane' });
    expect(standardizeName({ full_name: 'Martin Wang', family_name: 'Wang' })).toMatchObject({ familyName: 'Wang', givenName: 'Martin' });
    expect(standardizeName({ full_name: '第一伦', family_name: '第一' })).toMatchObject({ familyName: '第一', givenName: '伦', fullName: '第一伦' });
    expect(standardizeName({ full_name: 'Martin Wang', family_name: 'Smith' })).toMatchObject({ familyName: 'Smith', givenName: null });
  });

  it('nothing in, nothing out', () => {
    expect(standardizeName({})).toEqual({ familyName: null, givenName: null, fullName: null, originalName: null, genderHint: null, issues: [] });
  });
});
