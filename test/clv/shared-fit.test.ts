import { describe, expect, it } from 'vitest';
import { CLV_MODELS } from '../../src/clv/models.js';
import { openEngine } from '../../src/engine/index.js';
import { Lake } from '../../src/lake/lake.js';
import { buildMemo } from '../../src/models/program.js';
import { scratchDir } from '../helpers.js';

/** Repeat buyers over two years: enough history for a fit and a hold-out. */
const ORDERS: [string, string, number][] = [];
for (let c = 0; c < 60; c++) {
  for (let k = 0; k < 1 + (c % 6); k++) {
    const year = 2010 + ((c + k) % 2);
    ORDERS.push([`c${c}`, `${year}-${String(1 + ((c * 7 + k * 5) % 12)).padStart(2, '0')}-${String(1 + ((c + k * 11) % 28)).padStart(2, '0')}`, 10 + c + k]);
  }
}

describe('the CLV marts in one build', () => {
  it('read the orders once and give the same rows as when each reads and fits on its own', async () => {
    const { dir, cleanup } = await scratchDir('clv-shared');
    const engine = await openEngine(new Lake(dir), { sources: [], quarantineColumns: [] });
    try {
      const values = ORDERS.map(([id, day, value]) => `('${id}', DATE '${day}', ${value})`).join(', ');
      const context = (memo?: ReturnType<typeof buildMemo>) => ({
        engine,
        vars: {},
        ref: () => `(SELECT * FROM (VALUES ${values}) AS t(customer_key, order_date, order_value))`,
        note: () => {},
        ...(memo ? { memo } : {}),
      });
      const before = engine.usage().statements;
      const alone = [];
      for (const model of CLV_MODELS) alone.push(await model.build(context()));
      const readsAlone = engine.usage().statements - before;
      const shared = [];
      const memo = buildMemo();
      for (const model of CLV_MODELS) shared.push(await model.build(context(memo)));
      const readsShared = engine.usage().statements - before - readsAlone;
      expect((alone[0] as unknown[]).length).toBe(60);
      expect((alone[1] as unknown[]).length).toBeGreaterThan(0);
      expect(shared).toEqual(alone);
      expect(readsShared).toBe(1);
      expect(readsAlone).toBeGreaterThanOrEqual(CLV_MODELS.length);
    } finally {
      await engine.close();
      await cleanup();
    }
  }, 30_000);
});
