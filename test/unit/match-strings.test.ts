import { describe, expect, it } from 'vitest';
import { jaro, jaroWinkler, soundex } from '../../src/customers/match/strings.js';
import { canonicalGiven, nameTokens, normText, sortedTokenKey, soundKey } from '../../src/customers/match/names.js';

describe('Jaro-Winkler', () => {
  it('matches the published values', () => {
    // Winkler (1990) / the Wikipedia examples.
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 4);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.8133, 4);
    expect(jaro('martha', 'marhta')).toBeCloseTo(0.9444, 4);
    expect(jaro('crate', 'trace')).toBeCloseTo(0.7333, 4);
    expect(jaro('dwayne', 'duane')).toBeCloseTo(0.8222, 4);
  });

  it('handles equal, empty and disjoint strings', () => {
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('', '')).toBe(1);
    expect(jaroWinkler('abc', '')).toBe(0);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
  });

  it('gives no prefix bonus below the 0.7 boost threshold', () => {
    const j = jaro('abcdefgh', 'abwxyzuv');
    expect(j).toBeLessThanOrEqual(0.7);
    expect(jaroWinkler('abcdefgh', 'abwxyzuv')).toBe(j);
  });

  it('is symmetric and works on Chinese names', () => {
    expect(jaroWinkler('王小明', '王晓明')).toBeCloseTo(jaroWinkler('王晓明', '王小明'), 12);
    expect(jaroWinkler('王小明', '王晓明')).toBeCloseTo(0.8, 6);
    expect(jaroWinkler('王伟', '王芳')).toBeCloseTo(2 / 3, 6); // Jaro 0.667 ≤ 0.7: no prefix bonus
  });

  it('reuses buffers safely for long strings', () => {
    const a = 'x'.repeat(500) + 'abc';
    expect(jaroWinkler(a, a + 'd')).toBeGreaterThan(0.99);
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.9611, 4);
  });
});

describe('sound keys and names', () => {
  it('computes American Soundex', () => {
    expect(soundex('Robert')).toBe('R163');
    expect(soundex('Rupert')).toBe('R163');
    expect(soundex('Tymczak')).toBe('T522');
    expect(soundex('Pfister')).toBe('P236');
    expect(soundex('Ashcraft')).toBe('A261');
    expect(soundex('Lee')).toBe('L000');
    expect(soundex('123')).toBe('');
  });

  it('keys Chinese homophones alike (toneless pinyin) and Latin names in any order', () => {
    expect(soundKey('王伟', ['王', '伟'])).toBe(soundKey('王玮', ['王', '玮']));
    expect(soundKey('王伟', ['王', '伟'])).not.toBe(soundKey('王芳', ['王', '芳']));
    expect(soundKey('单雄信', ['单', '雄信'])).toBe('shanxiongxin'); // surname reading
    expect(soundKey('smith john', ['smith', 'john'])).toBe(soundKey('jon smyth', ['jon', 'smyth']));
  });

  it('normalizes text and tokens', () => {
    expect(normText('  ＷＡＮＧ   Wei ')).toBe('wang wei');
    expect(normText('   ')).toBeNull();
    expect(nameTokens('王伟', '王', '伟')).toEqual(['王', '伟']);
    expect(sortedTokenKey(['smith', 'john'])).toBe(sortedTokenKey(['john', 'smith']));
    expect(canonicalGiven('bill')).toBe('william');
    expect(canonicalGiven('zebedee')).toBe('zebedee');
  });
});
