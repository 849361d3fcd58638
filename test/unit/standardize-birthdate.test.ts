import { describe, expect, it } from 'vitest';
import { parseBirthDate } from '../../src/customers/standardize/birthdate.js';

const now = new Date('2026-11-15T08:00:00Z');
const parse = (raw: string | null, dayFirst?: boolean) => parseBirthDate(raw, { now, dayFirst });

describe('parseBirthDate', () => {
  it.each([
    ['1997.4.12', '1997-04-12'],
    ['1997年4月12日', '1997-04-12'],
    ['1997年04月12号', '1997-04-12'],
    ['1997 年 4 月 12 日', '1997-04-12'],
    ['1997-04-12', '1997-04-12'],
    ['1997/4/12', '1997-04-12'],
    ['19970412', '1997-04-12'],
    ['１９９７－０４－１２', '1997-04-12'],
    ['1997-04-12 00:00:00', '1997-04-12'],
    ['1997-04-12T00:00:00.000Z', '1997-04-12'],
    ['2000-02-29', '2000-02-29'],
  ])('%s → %s', (raw, iso) => {
    expect(parse(raw)).toEqual({ date: iso, issue: null });
  });

  it('reads dd/mm/yyyy and mm/dd/yyyy by the declared order', () => {
    expect(parse('12/04/1997', true).date).toBe('1997-04-12');
    expect(parse('12/04/1997', false).date).toBe('1997-12-04');
    expect(parse('12.04.1997', true).date).toBe('1997-04-12');
  });

  it('flags an ambiguous order without a declaration', () => {
    expect(parse('12/04/1997')).toEqual({ date: null, issue: { field: 'birth_date', value: '12/04/1997', reason: 'ambiguous day/month order: declare dayFirst for this source' } });
  });

  it('reads dates that cannot be misread without a declaration', () => {
    expect(parse('25/04/1997').date).toBe('1997-04-25');
    expect(parse('04/25/1997').date).toBe('1997-04-25');
    expect(parse('05/05/1997').date).toBe('1997-05-05');
  });

  it('does not swap day and month against the declaration', () => {
    expect(parse('04/25/1997', true).issue?.reason).toBe('impossible date: month 25');
  });

  it('rejects impossible dates', () => {
    expect(parse('1997-02-30').issue?.reason).toBe('impossible date: day 30 of month 2 in 1997');
    expect(parse('1997-13-01').issue?.reason).toBe('impossible date: month 13');
    expect(parse('1900-02-29').issue?.reason).toMatch(/impossible/);
    expect(parse('1997-04-31').date).toBeNull();
    expect(parse('1997-00-10').issue?.reason).toBe('impossible date: month 0');
  });

  it('rejects implausible dates', () => {
    expect(parse('1899-12-31').issue?.reason).toBe('implausible birth date: before 1900');
    expect(parse('2026-11-16').issue?.reason).toBe('implausible birth date: in the future');
    expect(parse('2026-11-15').date).toBe('2026-11-15');
  });

  it('rejects two-digit years, partial dates and other text', () => {
    expect(parse('12/04/97').issue?.reason).toBe('two-digit year: century unknown');
    expect(parse('1997-04').issue?.reason).toBe('incomplete date (year or year-month only)');
    expect(parse('1997年4月').issue?.reason).toBe('incomplete date (year or year-month only)');
    expect(parse('1997').issue?.reason).toBe('incomplete date (year or year-month only)');
    expect(parse('35532').issue?.reason).toBe('unrecognized date format');
    expect(parse('unknown').issue?.value).toBe('unknown');
  });

  it('blank is missing, not an issue', () => {
    expect(parse(null)).toEqual({ date: null, issue: null });
    expect(parse('  ')).toEqual({ date: null, issue: null });
  });
});
