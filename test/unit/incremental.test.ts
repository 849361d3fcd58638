import { describe, expect, it } from 'vitest';
import { AthenaRelations } from '../../src/engine/athena/relations.js';
import { planModel } from '../../src/engine/athena/plan.js';
import { checkAthenaStatement } from '../../src/engine/athena/syntax.js';
import { changedDatesPredicate, compileTemplate, dateRanges } from '../../src/models/compile.js';
import { changedDates, feedIngestDays, feedPartitions } from '../../src/models/incremental.js';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';
import { findCalls } from '../../src/models/project.js';
import { duckdbRelations } from '../../src/engine/duckdb/relations.js';

describe('the change signal of incremental models', () => {
  it('names the dates whose files were added, replaced or removed, in any feed', () => {
    const before = { pos: { '2026-11-01': 'a', '2026-11-02': 'b', '2026-11-03': 'c' }, web: { '2026-11-01': 'w' } };
    const now = { pos: { '2026-11-01': 'a', '2026-11-02': 'B', '2026-11-04': 'd' }, web: { '2026-11-01': 'w', '2026-10-15': 'late' } };
    expect(changedDates(before, now)).toEqual(['2026-10-15', '2026-11-02', '2026-11-03', '2026-11-04']);
    expect(changedDates(before, before)).toEqual([]);
    // A file outside any dt= partition: the dates cannot be told, the model is built whole.
    expect(changedDates({ pos: {} }, { pos: { unpartitioned: 'x' } })).toBeNull();
  });

  it('snapshots a feed by the days its deliveries landed (dates_by=ingest_date) as well as by business date', async () => {
    const { dir, cleanup } = await scratchDir('ingest-days');
    try {
      const lake = new Lake(dir);
      const deliver = (name: string, ingestedAt: string, curated: string[], quarantine: string[] = [], sha256 = name) =>
        lake.writeJsonAtomic(`_manifests/pos/${name}.json`, { feed: 'pos', deliveryKey: `store/${name}.csv`, sha256, ingestedAt, files: { curated, quarantine } });
      await deliver('a', '2026-11-30T06:00:00.000Z', ['curated/pos_lines/dt=2026-11-29/a.parquet']);
      await deliver('b', '2026-11-30T23:59:59.000Z', ['curated/pos_lines/dt=2026-11-28/b.parquet']);
      await deliver('c', '2026-12-01T00:00:00.000Z', ['curated/pos_lines/dt=2026-11-29/c.parquet']);
      const before = { 'ingest:pos': await feedIngestDays(lake, 'pos') };
      expect(Object.keys(before['ingest:pos'])).toEqual(['2026-11-30', '2026-12-01']);
      expect(Object.keys(await feedPartitions(lake, 'pos'))).toEqual(['2026-11-28', '2026-11-29']);

      // b corrected on 2 December: gone from the 30th, landed on the 2nd (its business date is another matter).
      await deliver('b', '2026-12-02T08:00:00.000Z', ['curated/pos_lines/dt=2026-11-28/b2.parquet'], [], 'b2');
      const corrected = { 'ingest:pos': await feedIngestDays(lake, 'pos') };
      expect(changedDates(before, corrected)).toEqual(['2026-11-30', '2026-12-02']);
      // Rows of c quarantined (a quarantine file of its own): its day changed, though its curated rows did not.
      await deliver('c', '2026-12-01T00:00:00.000Z', ['curated/pos_lines/dt=2026-11-29/c.parquet'], ['quarantine/pos/c.parquet']);
      expect(changedDates(corrected, { 'ingest:pos': await feedIngestDays(lake, 'pos') })).toEqual(['2026-12-01']);
    } finally {
      await cleanup();
    }
  });

  it('writes changed dates as ranges of consecutive days, as literals both engines read', () => {
    expect(dateRanges(['2026-11-03', '2026-11-01', '2026-11-02', '2026-12-01', '2026-11-02'])).toEqual([
      ['2026-11-01', '2026-11-03'],
      ['2026-12-01', '2026-12-01'],
    ]);
    expect(dateRanges(['2024-02-28', '2024-02-29', '2024-03-01'])).toEqual([['2024-02-28', '2024-03-01']]);
    expect(() => dateRanges(["2026-11-01' or true --"])).toThrow(/not a date/);
    expect(changedDatesPredicate('d', 'd', ['2026-11-01', '2026-11-02', '2026-11-09'])).toBe(
      "(d between date '2026-11-01' and date '2026-11-02' or d = date '2026-11-09')",
    );
    expect(changedDatesPredicate('a', 'b', ['2026-11-01'])).toBe("((a <= date '2026-11-01' and b >= date '2026-11-01'))");
    expect(changedDatesPredicate('d', 'd', [])).toBe('(false)');
  });

  it('renders changed_rows() and stored() for a full and an incremental run', () => {
    const model = { name: 'm', materialized: 'incremental' as const, config: { uniqueKey: ['k'], incrementalStrategy: 'merge' as const, lookbackDays: 0, sourceDates: ['d'], datesFrom: [], datesBy: 'business_date' as const, partitionedBy: [], tags: [] } };
    const raw = "select k from x where {{ changed_rows('d') }} union select k from {{ stored('k', 'd') }} as s";
    expect(findCalls(raw, 'm.sql').map((c) => c.fn)).toEqual(['changed_rows', 'stored']);
    expect(compileTemplate(raw, 'm.sql', duckdbRelations, {}, { model })).toBe('select k from x where true union select k from (select null as k, null as d where false) as s');
    expect(compileTemplate(raw, 'm.sql', duckdbRelations, {}, { model, isIncremental: true, changedDates: ['2026-11-30'] })).toBe(
      `select k from x where (d = date '2026-11-30') union select k from (select k, d from ${duckdbRelations.modelRelation('m')}) as s`,
    );
  });

  it('renders first_changed_date(): every date on a full build, the first changed one, or none', () => {
    const model = { name: 'm', materialized: 'incremental' as const, config: { uniqueKey: ['k'], incrementalStrategy: 'merge' as const, lookbackDays: 0, sourceDates: [], datesFrom: [], datesBy: 'business_date' as const, partitionedBy: [], tags: [] } };
    const raw = 'select {{ first_changed_date() }} as d';
    expect(compileTemplate(raw, 'm.sql', duckdbRelations, {}, { model })).toBe("select date '0001-01-01' as d");
    expect(compileTemplate(raw, 'm.sql', duckdbRelations, {}, { model, isIncremental: true, changedDates: ['2026-11-30', '2026-10-15'] })).toBe("select date '2026-10-15' as d");
    expect(compileTemplate(raw, 'm.sql', duckdbRelations, {}, { model, isIncremental: true, changedDates: [] })).toBe("select date '9999-12-31' as d");
  });

  it('deletes the stale rows of an Iceberg table on Athena before inserting the new ones, and every statement parses', async () => {
    const relations = new AthenaRelations({ database: 'crm_wh', sourceDatabase: 'crm_curated' });
    const staleWhere = changedDatesPredicate('source_dates_from', 'source_dates_to', ['2026-11-30']);
    const plan = planModel(
      {
        name: 'int_orders',
        materialized: 'incremental',
        compile: () => `select 'a' as order_key, date '2026-11-30' as source_dates_from, date '2026-11-30' as source_dates_to`,
        incremental: { strategy: 'merge', uniqueKey: ['order_key'], fullRefresh: false, staleWhere },
      },
      { relations, location: 's3://bucket/warehouse', runId: 'r1', exists: () => true },
    );
    expect(plan.statements.map((s) => s.kind)).toEqual(['drop', 'ctas', 'merge-delete', 'delete', 'insert', 'drop']);
    expect(plan.statements[3]!.sql).toBe(`DELETE FROM crm_wh.int_orders\nWHERE ${staleWhere}`);
    for (const statement of plan.statements) expect(await checkAthenaStatement(statement), statement.sql).toMatchObject({ ok: true });
  });
});

