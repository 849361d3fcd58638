import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  compileDateFormat,
  compressPatterns,
  parseTransactions,
  prepareTransactions,
  readTransactionsFile,
  toDayNumber,
  type Transaction,
} from '../../src/clv/index.js';
import { cdnowPrepared } from './helpers.js';

const log: Transaction[] = [
  // A: first purchase Jan 1 (two rows, same day -> one transaction), repeats Jan 8 and Jan 8 (combined), Jan 22; hold-out Feb 5.
  { customerId: 'A', date: '2020-01-01', value: 10 },
  { customerId: 'A', date: '2020-01-01', value: 5 },
  { customerId: 'A', date: new Date(Date.UTC(2020, 0, 8)), value: 20 },
  { customerId: 'A', date: '2020-01-08', value: 4 },
  { customerId: 'A', date: '20200122', value: 30 },
  { customerId: 'A', date: '2020-02-05', value: 7 },
  // B: a single purchase.
  { customerId: 'B', date: '2020-01-15', value: 9 },
  // C: first purchase after the calibration end -> not a calibration customer.
  { customerId: 'C', date: '2020-02-01', value: 1 },
  // D: repeat on the calibration end day (counted), and one after the observation end (ignored).
  { customerId: 'D', date: '2020-01-04', value: 2 },
  { customerId: 'D', date: '2020-01-29', value: 3 },
  { customerId: 'D', date: '2020-03-30', value: 3 },
];

describe('prepareTransactions', () => {
  const prep = prepareTransactions(log, { calibrationEnd: '2020-01-29', observationEnd: '2020-02-26', period: 'week' });
  const byId = Object.fromEntries(prep.customers.map((c) => [c.customerId, c]));

  it('combines same-day purchases, excludes the first purchase, measures in periods', () => {
    expect(prep.customers.map((c) => c.customerId).sort()).toEqual(['A', 'B', 'D']);
    expect(byId.A).toMatchObject({ x: 2, t_x: 3, T: 4, x_star: 1, holdout_value: 7, firstPurchase: '2020-01-01' });
    // Mean of the repeat transactions only: (20 + 4) and 30.
    expect(byId.A!.monetary_value).toBeCloseTo(27, 12);
    expect(byId.B).toMatchObject({ x: 0, t_x: 0, T: 2, monetary_value: 0, x_star: 0 });
    expect(byId.D).toMatchObject({ x: 1, t_x: 25 / 7, T: 25 / 7, monetary_value: 3, x_star: 0 });
    expect(prep.excludedCustomers).toBe(1);
    expect(prep.holdoutDuration).toBe(4);
    expect(prep.inputRows).toBe(11);
    // A: 1 + 2 + 1 hold-out, B: 1, D: 2 (the row after observationEnd is dropped).
    expect(prep.transactions).toBe(7);
  });

  it('counts days with period "day"', () => {
    const d = prepareTransactions(log, { calibrationEnd: '2020-01-29', period: 'day' });
    const a = d.customers.find((c) => c.customerId === 'A')!;
    expect(a).toMatchObject({ x: 2, t_x: 21, T: 28 });
    // observationEnd defaults to the last transaction date.
    expect(d.observationEnd).toBe('2020-03-30');
  });

  it('records repeat transactions per calendar day for tracking', () => {
    const { startDay, counts } = prep.repeatsByDay;
    expect(startDay).toBe(toDayNumber('2020-01-01'));
    const at = (iso: string): number => counts[toDayNumber(iso) - startDay]!;
    expect(at('2020-01-08')).toBe(1);
    expect(at('2020-01-22')).toBe(1);
    expect(at('2020-01-29')).toBe(1);
    expect(at('2020-02-05')).toBe(1);
    expect(counts.reduce((s, v) => s + v, 0)).toBe(4);
  });
});

describe('compressPatterns', () => {
  it('collapses identical (x, t_x, T) and factors the coordinates', () => {
    const ps = compressPatterns([
      { x: 0, t_x: 0, T: 10 },
      { x: 0, t_x: 0, T: 10 },
      { x: 2, t_x: 5, T: 10 },
      { x: 2, t_x: 5, T: 12 },
      { x: 0, t_x: 0, T: 10 },
    ]);
    expect(ps.size).toBe(3);
    expect(ps.customers).toBe(5);
    expect(Array.from(ps.count)).toEqual([3, 1, 1]);
    expect(Array.from(ps.TValues)).toEqual([10, 12]);
    for (let i = 0; i < ps.size; i++) {
      expect(ps.TValues[ps.TIndex[i]!]).toBe(ps.T[i]);
      expect(ps.xValues[ps.xIndex[i]!]).toBe(ps.x[i]);
      expect(ps.txValues[ps.txIndex[i]!]).toBe(ps.t_x[i]);
    }
  });

  it('accepts columns with counts and rejects impossible patterns', () => {
    const ps = compressPatterns({ x: [1, 1], t_x: [2, 2], T: [3, 3], count: [5, 7] });
    expect(ps.size).toBe(1);
    expect(ps.count[0]).toBe(12);
    expect(() => compressPatterns([{ x: 1, t_x: 5, T: 3 }])).toThrow();
    expect(() => compressPatterns([{ x: 0, t_x: 1, T: 3 }])).toThrow();
  });

  it('CDNOW: 2,357 customers collapse to 1,016 patterns', async () => {
    const prep = await cdnowPrepared();
    const ps = compressPatterns(prep.customers);
    expect(ps.customers).toBe(2357);
    expect(ps.size).toBe(1016);
  });
});

describe('CDNOW preparation matches the published summary', () => {
  it('2,357 customers, 946 repeaters, 2,457 calibration and 1,882 hold-out repeat transactions', async () => {
    // FHL (2005): 2,357 customers, first purchases in 1997Q1; 1,882 repeat
    // transactions in weeks 40-78. lifetimes' cdnow_customers_summary row 1
    // (master id 00004): frequency 2, recency 30.43, T 38.86.
    const prep = await cdnowPrepared();
    expect(prep.customers).toHaveLength(2357);
    expect(prep.customers.filter((c) => c.x > 0)).toHaveLength(946);
    expect(prep.customers.reduce((s, c) => s + c.x, 0)).toBe(2457);
    expect(prep.customers.reduce((s, c) => s + c.x_star, 0)).toBe(1882);
    const first = prep.customers.find((c) => c.customerId === '00004')!;
    expect(first.x).toBe(2);
    expect(first.t_x).toBeCloseTo(30.43, 2);
    expect(first.T).toBeCloseTo(38.86, 2);
    expect(prep.holdoutDuration).toBe(39);
  });
});

describe('reader', () => {
  it('parses date formats', () => {
    const day = toDayNumber('1997-03-04');
    expect(compileDateFormat('YYYYMMDD')('19970304')).toBe(day);
    expect(compileDateFormat('YYYY-MM-DD')('1997-03-04 13:45:00')).toBe(day);
    expect(compileDateFormat('MM/DD/YYYY')('03/04/1997')).toBe(day);
    expect(compileDateFormat('DD.MM.YYYY')('04.03.1997')).toBe(day);
    expect(compileDateFormat('D/M/YYYY')('4/3/1997')).toBe(day);
    expect(compileDateFormat('auto')('1997-03-04T10:00:00Z')).toBe(day);
    expect(compileDateFormat('YYYYMMDD')('19970231')).toBeNaN(); // no Feb 31
    expect(() => compileDateFormat('YYYY-MM')).toThrow();
  });

  it('reads whitespace files by index and CSV files by header name', async () => {
    const ws = ' 00004 0001 19970101  2   29.33\n 00004 0001 19970118  2   29.73\n 00018 0002 19970112  1   11.77\n';
    const t1 = parseTransactions(ws, { customerCol: 0, dateCol: '2', valueCol: 4, dateFormat: 'YYYYMMDD' });
    expect(t1).toHaveLength(3);
    expect(t1[1]).toEqual({ customerId: '00004', date: new Date(Date.UTC(1997, 0, 18)), value: 29.73 });

    const dir = await mkdtemp(path.join(os.tmpdir(), 'clv-reader-'));
    try {
      const file = path.join(dir, 'tx.csv');
      await writeFile(file, 'order_id,Customer,"Order Date",amount\n1,c1,2021-05-01,"1,5"\n2,c2,2021-05-02,3\n'.replace('"1,5"', '1.5'));
      const t2 = await readTransactionsFile(file, { customerCol: 'customer', dateCol: 'Order Date', valueCol: 'amount' });
      expect(t2).toEqual([
        { customerId: 'c1', date: new Date(Date.UTC(2021, 4, 1)), value: 1.5 },
        { customerId: 'c2', date: new Date(Date.UTC(2021, 4, 2)), value: 3 },
      ]);
      await expect(readTransactionsFile(file, { customerCol: 'nope', dateCol: 'Order Date' })).rejects.toThrow(/not found/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
