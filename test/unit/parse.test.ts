import { describe, expect, it } from 'vitest';
import { parseBoolean, parseDecimal, parseDuration, parseInteger, parseIntegerId, parseTimestamp } from '../../src/feeds/parse.js';

describe('parseDecimal', () => {
  it('keeps the digits the source wrote', () => {
    expect(parseDecimal(' 2.55 ')).toBe('2.55');
    expect(parseDecimal('-12')).toBe('-12');
    expect(parseDecimal('+3.10')).toBe('3.10');
    expect(parseDecimal('.5')).toBe('.5');
    expect(parseDecimal('1e3')).toBe('1000');
  });
  it('rejects what is not a number', () => {
    expect(() => parseDecimal('12,5')).toThrow(/not a number/);
    expect(() => parseDecimal('abc')).toThrow(/not a number/);
    expect(() => parseDecimal('')).toThrow(/not a number/);
  });
});

describe('parseIntegerId', () => {
  it('turns float-written ids into integers', () => {
    expect(parseIntegerId('17850.0')).toBe('17850');
    expect(parseIntegerId('12345')).toBe('12345');
    expect(parseIntegerId('0042.00')).toBe('42');
  });
  it('rejects ids with a fraction or letters', () => {
    expect(() => parseIntegerId('17850.5')).toThrow(/not an integer id/);
    expect(() => parseIntegerId('A17850')).toThrow(/not an integer id/);
  });
});

describe('parseTimestamp', () => {
  it('reads a declared format', () => {
    expect(parseTimestamp('2010-12-01 08:26:00', 'YYYY-MM-DD HH:mm:ss')).toBe('2010-12-01 08:26:00');
    expect(parseTimestamp('1/2/2011 9:05', 'D/M/YYYY H:mm')).toBe('2011-02-01 09:05:00');
    expect(parseTimestamp('12/31/2010', 'MM/DD/YYYY')).toBe('2010-12-31 00:00:00');
  });
  it('reads ISO dates and date-times', () => {
    expect(parseTimestamp('2010-12-01', 'iso')).toBe('2010-12-01 00:00:00');
    expect(parseTimestamp('2010-12-01T08:26:01.250', 'iso')).toBe('2010-12-01 08:26:01.250');
  });
  it('converts ISO date-times with a zone to UTC', () => {
    expect(parseTimestamp('2026-11-23T10:15:00Z', 'iso')).toBe('2026-11-23 10:15:00');
    expect(parseTimestamp('2026-11-23T01:15:30.125+08:00', 'iso')).toBe('2026-11-22 17:15:30.125');
    expect(parseTimestamp('2026-12-31T22:30:00-0230', 'iso')).toBe('2027-01-01 01:00:00');
    expect(() => parseTimestamp('2026-02-30T10:00:00+01:00', 'iso')).toThrow(/impossible day/);
  });
  it('rejects impossible dates and other layouts with a reason', () => {
    expect(() => parseTimestamp('2011-02-29 10:00:00', 'YYYY-MM-DD HH:mm:ss')).toThrow(/impossible day/);
    expect(() => parseTimestamp('2011-13-01 10:00:00', 'YYYY-MM-DD HH:mm:ss')).toThrow(/impossible month/);
    expect(() => parseTimestamp('2011-01-01 24:00:00', 'YYYY-MM-DD HH:mm:ss')).toThrow(/impossible time/);
    expect(() => parseTimestamp('01/12/2010 08:26', 'YYYY-MM-DD HH:mm:ss')).toThrow(/does not match the date format/);
    expect(parseTimestamp('2012-02-29 00:00:00', 'YYYY-MM-DD HH:mm:ss')).toBe('2012-02-29 00:00:00');
  });
});

describe('parseInteger, parseBoolean, parseDuration', () => {
  it('reads whole numbers', () => {
    expect(parseInteger('0042')).toBe('42');
    expect(parseInteger('-7')).toBe('-7');
    expect(parseInteger('109.0')).toBe('109');
    expect(() => parseInteger('1.5')).toThrow(/not a whole number/);
  });
  it('reads yes/no values in the spellings sources use', () => {
    expect(['Y', 'yes', 'TRUE', '1', '是'].map(parseBoolean)).toEqual(['true', 'true', 'true', 'true', 'true']);
    expect(['N', 'No', 'false', '0', '否'].map(parseBoolean)).toEqual(['false', 'false', 'false', 'false', 'false']);
    expect(() => parseBoolean('maybe')).toThrow(/not a yes\/no value/);
  });
  it('reads durations as seconds', () => {
    expect(parseDuration('0:02:23')).toBe('143');
    expect(parseDuration('1:00:00')).toBe('3600');
    expect(parseDuration('4:05')).toBe('245');
    expect(parseDuration('75')).toBe('75');
    expect(parseDuration('102:10')).toBe('6130'); // a long call, minutes past 59 without hours
    expect(() => parseDuration('1:102:10')).toThrow(/not a duration/);
    expect(() => parseDuration('0:75:00')).toThrow(/not a duration/);
    expect(() => parseDuration('abc')).toThrow(/not a duration/);
  });
});
