/**
 * The DuckDB engine's reader for large results (src/engine/duckdb/large.ts) gives exactly the
 * rows query() gives, value for value, in the same order, across its chunks; and steps aside
 * (query() reads the result) where JSON has no exact form for a value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { readLarge } from '../../src/engine/duckdb/large.js';
import type { Engine } from '../../src/engine/engine.js';
import { resultDigest } from '../../src/engine/format.js';
import { scratchWarehouse } from '../helpers.js';

let engine: Engine;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ engine, close } = await scratchWarehouse('duckdb-large'));
});
afterAll(async () => close?.());

// 120,001 rows: three chunks of the reader. Text with quotes, backslashes, line breaks and hanzi;
// NULLs in every column; numbers of every kind it carries, big integers beyond 2^53 included.
const ROWS = `
  SELECT
    CAST(i AS INTEGER) AS id,
    CASE WHEN i % 13 = 0 THEN NULL WHEN i % 7 = 0 THEN 'say "hi" \\ ' || i WHEN i % 11 = 0 THEN '第' || i || chr(10) || '行' ELSE 'c' || i END AS "name with space",
    CASE WHEN i % 5 = 0 THEN NULL ELSE i * 0.1 END AS ratio,
    CASE WHEN i % 17 = 0 THEN NULL ELSE i % 2 = 0 END AS even,
    CASE WHEN i % 19 = 0 THEN NULL ELSE DATE '2024-01-01' + CAST(i % 800 AS INTEGER) END AS day,
    CASE WHEN i % 23 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00' + to_milliseconds(i * 1001) END AS at,
    CASE WHEN i % 29 = 0 THEN NULL ELSE CAST(i AS BIGINT) * 1000000000000 END AS big,
    CASE WHEN i % 31 = 0 THEN NULL ELSE CAST(i / 7 AS DECIMAL(18,4)) END AS amount,
    CAST(i % 100 AS TINYINT) AS small
  FROM range(120001) AS t(i)`;

describe('large results', () => {
  it('come back as query() gives them, in order, across chunks', async () => {
    const plain = await engine.query(`${ROWS} ORDER BY id DESC`);
    const large = await engine.query(ROWS, { large: { order: 'id DESC' } });
    expect(large.columns).toEqual(plain.columns);
    expect(large.rows.length).toBe(120_001);
    expect(large.rows).toEqual(plain.rows);
    // The values query() gives: big integers beyond 2^53 as text, the others as numbers.
    expect(plain.rows.find((r) => r.id === 9_999)).toMatchObject({ big: '9999000000000000', small: 99 });
    expect(plain.rows.find((r) => r.id === 1)).toMatchObject({ big: 1_000_000_000_000, amount: 0.1429, day: '2024-01-02' });
  });

  it('unordered: the same rows', async () => {
    const plain = await engine.query(ROWS);
    const large = await engine.query(ROWS, { large: {} });
    const byId = (rows: Record<string, unknown>[]) => [...rows].sort((a, b) => Number(a.id) - Number(b.id));
    expect(byId(large.rows)).toEqual(byId(plain.rows));
  });

  it('columns named like the parts of the reader\'s own SQL', async () => {
    const named = `SELECT i AS n, i * 2 AS r, 'x' || i AS q, i % 3 AS numbered FROM range(5) AS t(i)`;
    expect(await engine.query(named, { large: { order: 'n' } })).toEqual(await engine.query(`${named} ORDER BY n`));
    // The result's own alias and __proto__ cannot be keys of its rows: read value by value.
    for (const sql of [`SELECT 1 AS large_result_row, 2 AS b`, `SELECT 1 AS "__proto__", 2 AS b`]) {
      expect(await engine.query(sql, { large: {} })).toEqual(await engine.query(sql));
    }
  });

  it('values JSON cannot carry (NaN, Infinity) and types it does not take (lists) are read value by value', async () => {
    const unfit = [`SELECT CAST(x AS DOUBLE) AS x FROM (VALUES ('nan'), ('1.5'), ('inf')) AS v(x)`, `SELECT [1, 2] AS list, 'a' AS text`];
    for (const sql of unfit) expect(await engine.query(sql, { large: {} })).toEqual(await engine.query(sql));
    // Read value by value, still in the order asked for.
    const list = `SELECT [x] AS list, x FROM (VALUES (3), (1), (2)) AS v(x)`;
    expect((await engine.query(list, { large: { order: 'x' } })).rows.map((r) => r.x)).toEqual([1, 2, 3]);
    // The reader itself: it reads the rows above, and declines these.
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      expect((await readLarge(connection, ROWS, 'id', (v) => v))?.rows.length).toBe(120_001);
      for (const sql of unfit) expect(await readLarge(connection, sql, undefined, (v) => v)).toBeUndefined();
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });
});

describe('fingerprints of a result', () => {
  const variants = {
    base: `SELECT * FROM (VALUES (1, 'x', NULL), (2, 'y', 3.5)) AS t(a, b, c)`,
    reordered: `SELECT * FROM (VALUES (2, 'y', 3.5), (1, 'x', NULL)) AS t(a, b, c)`,
    swapped: `SELECT * FROM (VALUES (1, 'y', NULL), (2, 'x', 3.5)) AS t(a, b, c)`,
    emptyNotNull: `SELECT * FROM (VALUES (1, 'x', NULL), (2, '', 3.5)) AS t(a, b, c)`,
    nullNotEmpty: `SELECT * FROM (VALUES (1, 'x', NULL), (2, NULL, 3.5)) AS t(a, b, c)`,
    renamed: `SELECT * FROM (VALUES (1, 'x', NULL), (2, 'y', 3.5)) AS t(a, b, d)`,
    retyped: `SELECT a, b, CAST(c AS DECIMAL(9,2)) AS c FROM (VALUES (1, 'x', NULL), (2, 'y', 3.5)) AS t(a, b, c)`,
    extraRow: `SELECT * FROM (VALUES (1, 'x', NULL), (2, 'y', 3.5), (2, 'y', 3.5)) AS t(a, b, c)`,
  };
  it('are equal for the same rows in any order, and differ when a value, a column or a row differs (DuckDB, and read row by row)', async () => {
    for (const digest of [(sql: string) => engine.fingerprint(sql), async (sql: string) => resultDigest(await engine.query(sql))]) {
      const f = Object.fromEntries(await Promise.all(Object.entries(variants).map(async ([k, sql]) => [k, await digest(sql)] as const)));
      expect(f.reordered).toBe(f.base);
      const others = Object.entries(f).filter(([k]) => k !== 'base' && k !== 'reordered').map(([, v]) => v);
      expect(new Set([f.base, ...others]).size).toBe(others.length + 1);
    }
  });
});
