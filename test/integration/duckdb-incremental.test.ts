import { existsSync } from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { ANALYST_DATABASE_KEY } from '../../src/engine/duckdb/analyst.js';
import type { Engine, MaterializeRequest } from '../../src/engine/engine.js';
import { changedDatesPredicate } from '../../src/models/compile.js';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir, scratchWarehouse } from '../helpers.js';

type Incremental = Partial<NonNullable<MaterializeRequest['incremental']>>;

/** Merges the given rows (k, d, n) into the incremental table t, keyed by k. */
const mergeInto = (engine: Engine, rows: string, incremental: Incremental) =>
  engine.materialize({
    name: 't',
    materialized: 'incremental',
    compile: () => `select k, cast(d as date) as d, n from (values ${rows}) as v (k, d, n)`,
    incremental: { strategy: 'merge', uniqueKey: ['k'], fullRefresh: false, ...incremental },
  });
const tableOf = async (engine: Engine) => (await engine.query(`select k, cast(d as varchar) as d, n from ${engine.modelRelation('t')} order by k`)).rows;

// DuckDB's merge of an incremental table, seen from the engine: which stored rows it deletes,
// and which dates it reports for the rows it deleted and inserted (publishes_dates).
describe('an incremental merge on DuckDB', () => {
  let engine: Engine;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ engine, close } = await scratchWarehouse('duckdb-incremental'));
  });
  afterAll(async () => close?.());

  const merge = (rows: string, incremental: Incremental = {}) => mergeInto(engine, rows, { publishDates: 'd', ...incremental });
  const table = async () => tableOf(engine);

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

// The table is a file per month of its `filesBy` date: a merge writes again only the months it
// adds rows to and the files it deletes rows from, and leaves the others as they are.
describe('an incremental table kept as a file per month on DuckDB', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let engine: Engine;

  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('duckdb-months'));
    engine = await openWarehouse(new Lake(path.join(dir, 'lake')));
  });
  afterAll(async () => {
    await engine?.close();
    await cleanup?.();
  });

  const merge = (rows: string, incremental: Incremental = {}) => mergeInto(engine, rows, { filesBy: 'd', ...incremental });
  const table = async (on = engine) => tableOf(on);
  const files = () => {
    const entry = engine.catalog().find((e) => e.name === 't')!;
    return entry.parts ?? [entry.location!];
  };
  const monthFile = (month: string) => files().find((f) => f.endsWith(`-${month}.parquet`));

  it('writes again only the months that gain or lose rows', async () => {
    const session = await engine.beginBuild('20261201T000000Z');
    expect(await merge(`('a', '2026-10-01', 1), ('b', '2026-10-02', 1), ('c', '2026-11-03', 1), ('z', null, 1)`)).toMatchObject({ mode: 'full', rows: 4 });
    expect(files().map((f) => /-(\d{4}-\d{2}|none)\.parquet$/.exec(f)?.[1])).toEqual(['2026-10', '2026-11', 'none']);
    const [october, november, none] = [monthFile('2026-10'), monthFile('2026-11'), monthFile('none')];

    // A new day in November: November is written again, October and the dateless rows are not.
    expect(await merge(`('d', '2026-11-04', 1)`)).toMatchObject({ mode: 'incremental', inserted: 1, rows: 5 });
    expect(files()).toContain(october);
    expect(files()).toContain(none);
    expect(files()).not.toContain(november);
    expect(files()).toHaveLength(3);

    // b comes again in December: October loses a row (written again without it), December is new.
    expect(await merge(`('b', '2026-12-05', 2)`)).toMatchObject({ rows: 5 });
    expect(files()).not.toContain(october);
    expect(monthFile('2026-12')).toBeDefined();
    expect(await table()).toEqual([
      { k: 'a', d: '2026-10-01', n: 1 },
      { k: 'b', d: '2026-12-05', n: 2 },
      { k: 'c', d: '2026-11-03', n: 1 },
      { k: 'd', d: '2026-11-04', n: 1 },
      { k: 'z', d: null, n: 1 },
    ]);

    // Nothing new and nothing stale: no file written.
    const before = files();
    expect(await merge(`('_', '2000-01-01', 0) limit 0`)).toMatchObject({ inserted: 0, rows: 5 });
    expect(files()).toEqual(before);

    // Stale rows of a date: only the file holding them is written again.
    const december = monthFile('2026-12');
    expect(await merge(`('_', '2000-01-01', 0) limit 0`, { staleWhere: changedDatesPredicate('d', 'd', ['2026-11-04']) })).toMatchObject({ rows: 4 });
    expect(files()).toContain(december);
    expect((await table()).map((r) => r.k)).toEqual(['a', 'b', 'c', 'z']);

    // Every row gone: the table is empty, with its columns.
    expect(await merge(`('_', '2000-01-01', 0) limit 0`, { staleWhere: '(true)' })).toMatchObject({ rows: 0 });
    expect(await table()).toEqual([]);
    await merge(`('e', '2026-12-06', 1), ('f', '2026-12-07', 1)`);
    const expected = await table();
    expect(expected.map((r) => r.k)).toEqual(['e', 'f']);
    expect(engine.catalog().find((e) => e.name === 't')!.rows).toBe(2);
    await session.commit();

    // Read back as a new session and as the analysts' database reads it: every file.
    const reopened = await openWarehouse(new Lake(path.join(dir, 'lake')));
    try {
      expect(await table(reopened)).toEqual(expected);
    } finally {
      await reopened.close();
    }
    const analyst = path.join(dir, 'lake', ANALYST_DATABASE_KEY);
    expect(existsSync(analyst)).toBe(true);
    const instance = await DuckDBInstance.create(analyst, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    try {
      const count = await connection.runAndReadAll('select count(*)::INTEGER from main.t');
      expect(count.getRows()[0]![0]).toBe(expected.length);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});
