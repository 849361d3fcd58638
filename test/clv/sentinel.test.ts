import { describe, expect, it } from 'vitest';
import { fitClv, MAX_HISTORY_DAYS } from '../../src/clv/fitCommand.js';
import { CLV_MODELS } from '../../src/clv/models.js';
import { logToParsed } from '../../src/clv/reader.js';
import { toDayNumber, TransactionLog } from '../../src/clv/data.js';
import { openEngine } from '../../src/engine/index.js';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';

/** Ordinary repeat buyers in 2010-2011, plus one order on each placeholder date. */
const ORDERS: [string, string, number][] = [];
for (let c = 0; c < 40; c++) for (let k = 0; k < 1 + (c % 5); k++) ORDERS.push([`c${c}`, `2010-${String(1 + ((c + k * 3) % 12)).padStart(2, '0')}-${String(1 + k).padStart(2, '0')}`, 10 + c]);
ORDERS.push(['c1', '1900-01-01', 5], ['c2', '9999-12-31', 5]);

describe('CLV on a history with a placeholder date (1900-01-01, 9999-12-31)', () => {
  it('fitClv refuses at once, naming the span, instead of tracking millions of periods', () => {
    const log = new TransactionLog(ORDERS.length);
    for (const [id, day, value] of ORDERS) log.push(log.customerIndex(id), toDayNumber(day), value);
    const parsed = logToParsed(log, { skipped: 0, hasHeader: false });
    expect(() =>
      fitClv(parsed, { source: 'orders', hasValues: true, calibrationEnd: '2010-09-30', observationEnd: '9999-12-31', period: 'day', standardErrors: false }),
    ).toThrow(/span 1900-01-01\.\.9999-12-31, more than 100 years: a placeholder date/);
    expect(MAX_HISTORY_DAYS).toBe(36_525);
  }, 20_000);

  it('the CLV marts build empty with a note, on a real engine', async () => {
    const { dir, cleanup } = await scratchDir('clv-sentinel');
    const engine = await openEngine(new Lake(dir), { sources: [], quarantineColumns: [] });
    try {
      const values = ORDERS.map(([id, day, value]) => `('${id}', DATE '${day}', ${value})`).join(', ');
      const notes: string[] = [];
      const context = {
        engine,
        vars: {},
        ref: () => `(SELECT * FROM (VALUES ${values}) AS t(customer_key, order_date, order_value))`,
        note: (message: string) => notes.push(message),
      };
      for (const model of CLV_MODELS) expect(await model.build(context)).toEqual([]);
      expect(notes).toHaveLength(CLV_MODELS.length);
      for (const note of notes) expect(note).toMatch(/1900-01-01\.\.9999-12-31/);
    } finally {
      await engine.close();
      await cleanup();
    }
  }, 20_000);
});
