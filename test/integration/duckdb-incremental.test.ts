import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine, MaterializeRequest } from '../../src/engine/engine.js';
import { changedDatesPredicate } from '../../src/models/compile.js';
import { scratchWarehouse } from '../helpers.js';

// DuckDB's merge of an incremental table, seen from the engine: which stored rows it deletes,
// and which dates it reports for the rows it deleted and inserted (publishes_dates).
describe('an incremental merge on DuckDB', () => {
  let engine: Engine;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ engine, close } = await scratchWarehouse('duckdb-incremental'));
  });
  afterAll(async () => close?.());

  const merge = (rows: string, incremental: Partial<NonNullable<MaterializeRequest['incremental']>> = {}) =>
    engine.materialize({
      name: 't',
      materialized: 'incremental',
      compile: () => `select k, cast(d as date) as d, n from (values ${rows}) as v (k, d, n)`,
      incremental: { strategy: 'merge', uniqueKey: ['k'], fullRefresh: false, publishDates: 'd', ...incremental },
    });
  const table = async () => (await engine.query(`select k, cast(d as varchar) as d, n from ${engine.modelRelation('t')} order by k`)).rows;

  it('reports the dates of the rows it deleted as well as of those it inserted', async () => {
    const session = await engine.beginBuild('20261201T000000Z');
    expect(await merge(`('a', '2026-11-01', 1), ('b', '2026-11-02', 1), ('c', '2026-11-03', 1)`)).toMatchObject({ mode: 'full' });
    // a comes again on another date (its old date is replaced too); c is stale.
    const second = await merge(`('a', '2026-11-05', 2)`, { staleWhere: changedDatesPredicate('d', 'd', ['2026-11-03']) });
    expect(second).toMatchObject({ mode: 'incremental', inserted: 1, changedDates: ['2026-11-01', '2026-11-03', '2026-11-05'] });
    expect(await table()).toEqual([
      { k: 'a', d: '2026-11-05', n: 2 },
      { k: 'b', d: '2026-11-02', n: 1 },
    ]);

    // replaces_from: every stored row on or after the new rows' least date goes, key or not ...
    const third = await merge(`('x', '2026-11-02', 3)`, { replaceFrom: 'd' });
    expect(third).toMatchObject({ mode: 'incremental', inserted: 1, changedDates: ['2026-11-02', '2026-11-05'] });
    expect(await table()).toEqual([{ k: 'x', d: '2026-11-02', n: 3 }]);

    // ... or on or after the first changed date the model was told, when the new rows start
    // later or there are none (the rows of that date are gone).
    await merge(`('x', '2026-11-02', 3), ('y', '2026-11-04', 1), ('z', '2026-11-06', 1)`, { fullRefresh: true });
    const fourth = await merge(`('z', '2026-11-06', 2)`, { replaceFrom: 'd', firstChangedDate: '2026-11-03' });
    expect(fourth).toMatchObject({ mode: 'incremental', inserted: 1, changedDates: ['2026-11-04', '2026-11-06'] });
    expect(await table()).toEqual([
      { k: 'x', d: '2026-11-02', n: 3 },
      { k: 'z', d: '2026-11-06', n: 2 },
    ]);
    const none = `('_', '2000-01-01', 0) limit 0`;
    expect(await merge(none, { replaceFrom: 'd', firstChangedDate: '2026-11-01' })).toMatchObject({ mode: 'incremental', inserted: 0, changedDates: ['2026-11-02', '2026-11-06'] });
    expect(await table()).toEqual([]);
    await session.abort();
  });
});
