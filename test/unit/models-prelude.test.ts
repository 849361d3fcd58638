import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { loadPrelude, PRELUDE_FUNCTIONS } from '../../src/engine/duckdb/prelude.js';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';

let instance: DuckDBInstance;
let connection: DuckDBConnection;
beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  connection = await instance.connect();
  await loadPrelude(connection);
});
afterAll(() => {
  connection.closeSync();
  instance.closeSync();
});

const value = async (sql: string) => (await connection.runAndReadAll(`select ${sql} as v`)).getRowObjectsJson()[0]!.v;

/**
 * Each expectation is what Trino (Athena engine v3) returns for the same expression, per the
 * Trino function docs; the DuckDB built-in answer is shown where it differs (the trap).
 */
describe('DuckDB prelude: Trino meanings for names both engines have', () => {
  it('date_diff counts whole units elapsed, not boundaries crossed', async () => {
    expect(await value(`date_diff('day', timestamp '2024-01-01 23:00', timestamp '2024-01-02 01:00')`)).toBe('0');
    expect(await value(`system.main.date_diff('day', timestamp '2024-01-01 23:00', timestamp '2024-01-02 01:00')`)).toBe('1');
    expect(await value(`date_diff('hour', timestamp '2024-01-01 00:30', timestamp '2024-01-01 01:29')`)).toBe('0');
    expect(await value(`date_diff('day', date '2010-12-01', date '2011-01-01')`)).toBe('31');
    expect(await value(`date_diff('month', date '2024-01-15', date '2024-02-14')`)).toBe('0');
    expect(await value(`system.main.date_diff('month', date '2024-01-15', date '2024-02-14')`)).toBe('1');
  });

  it('regexp_replace replaces every match and reads $1 group references', async () => {
    expect(await value(`regexp_replace('a1b2c3', '\\d', '#')`)).toBe('a#b#c#');
    expect(await value(`system.main.regexp_replace('a1b2c3', '\\d', '#')`)).toBe('a#b2c3');
    expect(await value(`regexp_replace('2024-01-31', '(\\d+)-(\\d+)-(\\d+)', '$3.$2.$1')`)).toBe('31.01.2024');
    expect(await value(`regexp_replace('a1b2', '\\d')`)).toBe('ab');
  });

  it('concat, greatest and least give NULL when any argument is NULL', async () => {
    expect(await value(`concat('a', NULL, 'b')`)).toBeNull();
    expect(await value(`system.main.concat('a', NULL, 'b')`)).toBe('ab');
    expect(await value(`concat('a', 'b', 'c')`)).toBe('abc');
    expect(await value(`greatest(1, NULL, 3)`)).toBeNull();
    expect(await value(`system.main.greatest(1, NULL, 3)`)).toBe(3);
    expect(await value(`greatest(1, 5, 3)`)).toBe(5);
    expect(await value(`least(4, NULL)`)).toBeNull();
    expect(await value(`least(4, 2)`)).toBe(2);
  });

  it('regexp_extract and split_part give NULL when there is nothing, not an empty string', async () => {
    expect(await value(`regexp_extract('abc', 'x')`)).toBeNull();
    expect(await value(`system.main.regexp_extract('abc', 'x')`)).toBe('');
    expect(await value(`regexp_extract('order 5361', '(\\d+)', 1)`)).toBe('5361');
    expect(await value(`split_part('a,b', ',', 3)`)).toBeNull();
    expect(await value(`split_part('a,b', ',', 2)`)).toBe('b');
  });

  it('date_add takes (unit, value, timestamp) and keeps the month end', async () => {
    expect(await value(`cast(date_add('day', -3, date '2024-03-01') as date)`)).toBe('2024-02-27');
    expect(await value(`cast(date_add('month', 1, date '2024-01-31') as date)`)).toBe('2024-02-29');
    expect(await value(`date_add('hour', 5, timestamp '2024-01-01 10:00')`)).toBe('2024-01-01 15:00:00');
    // In an aggregate too (macros with typed overloads fail there: the reason for untyped ones).
    expect(await value(`(select cast(date_add('day', 1, max(d)) as date) from (select date '2024-01-01' as d))`)).toBe('2024-01-02');
    // DuckDB's own two-argument form still works for ad hoc SQL.
    expect(await value(`date_add(date '2024-01-01', interval 1 day)`)).toBe('2024-01-02 00:00:00');
  });
});

describe('DuckDB prelude: Trino names DuckDB lacks', () => {
  it.each([
    [`approx_distinct(x)`, 'from (values (1), (1), (2)) t(x)', '2'],
    [`approx_percentile(x, 0.5)`, 'from range(11) t(x)', '5'],
  ])('%s', async (expression, from, expected) => {
    const rows = (await connection.runAndReadAll(`select ${expression} as v ${from}`)).getRowObjectsJson();
    expect(String(rows[0]!.v)).toBe(expected);
  });

  it.each([
    [`regexp_like('abc', 'b')`, true],
    [`regexp_like('abc', '^b')`, false],
    [`from_iso8601_timestamp('2024-01-02T03:04:05Z')`, '2024-01-02 03:04:05+00'],
    [`from_iso8601_date('2024-01-02')`, '2024-01-02'],
    [`to_iso8601(date '2024-01-02')`, '2024-01-02'],
    [`to_iso8601(timestamp '2024-01-02 03:04:05.5')`, '2024-01-02T03:04:05.500'],
    [`day_of_week(date '2024-01-07')`, '7'], // a Sunday: ISO 7 (DuckDB dayofweek: 0)
    [`dow(date '2024-01-08')`, '1'],
    [`day_of_month(date '2024-01-07')`, '7'],
    [`day_of_year(date '2024-02-01')`, '32'],
    [`week_of_year(date '2024-01-01')`, '1'],
    [`year_of_week(date '2021-01-01')`, '2020'],
    [`last_day_of_month(date '2024-02-10')`, '2024-02-29'],
    [`to_unixtime(timestamp '2024-01-01 00:00:00')`, 1704067200],
    [`from_unixtime(0)`, '1970-01-01 00:00:00+00'],
    [`date_format(timestamp '2024-01-02 03:04:05', '%Y-%m-%d %H:%i:%s')`, '2024-01-02 03:04:05'],
    [`date_parse('02/01/2024', '%d/%m/%Y')`, '2024-01-02 00:00:00'],
    [`json_extract_scalar('{"a": {"b": 7}}', '$.a.b')`, '7'],
    [`from_utf8(to_utf8('crm'))`, 'crm'],
    [`levenshtein_distance('kitten', 'sitting')`, '3'],
    [`truncate(-2.7)`, '-2'],
    [`array_join(array['a', 'b'], '-')`, 'a-b'],
    [`is_nan(nan())`, true],
    [`is_infinite(infinity())`, true],
    [`is_finite(1.5)`, true],
  ])('%s', async (expression, expected) => {
    const got = await value(expression);
    expect(typeof expected === 'string' ? String(got) : got).toEqual(expected);
  });

  it('aggregates in macros work per group', async () => {
    const rows = (await connection.runAndReadAll(`select k, approx_distinct(x) as n, every(x >= 0) as ok from (values (1, 1), (1, 2), (2, 3)) t(k, x) group by k order by k`)).getRowsJson();
    expect(rows.map((r) => r.map(String))).toEqual([
      ['1', '2', 'true'],
      ['2', '1', 'true'],
    ]);
  });

  it('defines every listed function, each with a note', async () => {
    const defined = (await connection.runAndReadAll(`select distinct function_name from duckdb_functions() where function_type = 'macro' and schema_name = 'main'`)).getRowsJson().flat();
    for (const fn of PRELUDE_FUNCTIONS) {
      expect(defined).toContain(fn.name);
      expect(fn.note.length).toBeGreaterThan(5);
    }
  });
});

describe('DuckDbEngine loads the prelude', () => {
  it('answers Trino names in ad hoc SQL and models', async () => {
    const { dir, cleanup } = await scratchDir('prelude');
    const engine = await openWarehouse(new Lake(dir));
    try {
      const { rows } = await engine.query(`select date_diff('day', timestamp '2024-01-01 23:00', timestamp '2024-01-02 01:00') as d, approx_distinct(1) as n, greatest(1, null) as g`);
      expect(rows).toEqual([{ d: 0, n: 1, g: null }]);
    } finally {
      await engine.close();
      await cleanup();
    }
  });
});
