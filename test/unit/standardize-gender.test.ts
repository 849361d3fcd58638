import { describe, expect, it } from 'vitest';
import { standardizeGender } from '../../src/customers/standardize/gender.js';

describe('standardizeGender', () => {
  it.each([
    ['男', 'M'], ['女', 'F'], ['M', 'M'], ['f', 'F'], ['Male', 'M'], ['FEMALE', 'F'], [' male ', 'M'],
    ['先生', 'M'], ['女士', 'F'], ['小姐', 'F'], ['Mr', 'M'], ['Mr.', 'M'], ['MRS', 'F'], ['Ms.', 'F'], ['Miss', 'F'],
    ['Ｍ', 'M'], ['ｆｅｍａｌｅ', 'F'], ['男性', 'M'], ['Masculino', 'M'], ['feminino', 'F'],
  ])('%s → %s', (raw, expected) => {
    expect(standardizeGender(raw)).toEqual({ gender: expected, issue: null });
  });

  it('blank and explicit unknowns are U without an issue', () => {
    for (const raw of [null, undefined, '', '   ', '　', 'U', 'unknown', '未知', '保密', 'N/A', '-']) {
      expect(standardizeGender(raw)).toEqual({ gender: 'U', issue: null });
    }
  });

  it('numeric codes and unknown words are flagged, never guessed', () => {
    expect(standardizeGender('1')).toEqual({ gender: 'U', issue: { field: 'gender', value: '1', reason: expect.stringContaining('numeric gender code') } });
    expect(standardizeGender('2').gender).toBe('U');
    expect(standardizeGender('男女').issue?.reason).toBe('unrecognized gender value');
  });

  it('a name honorific supplies the gender when the field is blank or unknown', () => {
    expect(standardizeGender('', 'M')).toEqual({ gender: 'M', issue: null });
    expect(standardizeGender(null, 'F')).toEqual({ gender: 'F', issue: null });
    expect(standardizeGender('未知', 'F')).toEqual({ gender: 'F', issue: null });
  });

  it('the field wins over a conflicting honorific, with an issue', () => {
    const r = standardizeGender('女', 'M');
    expect(r.gender).toBe('F');
    expect(r.issue?.reason).toMatch(/honorific suggests M/);
  });
});
