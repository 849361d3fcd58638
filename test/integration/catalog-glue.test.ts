import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/app/ingest.js';
import { glueSourceTables } from '../../src/app/catalog.js';
import { curatedTableInput, glueType, quarantineTableInput } from '../../src/engine/athena/glue.js';
import { FEEDS, QUARANTINE_COLUMNS, sourceTables } from '../../src/feeds/index.js';
import { Lake } from '../../src/lake/lake.js';
import { copyRetailDays, independentRows, scratchDir } from '../helpers.js';

/**
 * The Glue tables the stack declares and the Athena engine syncs (src/engine/athena/glue.ts) must describe the files ingest
 * really writes, or Athena reads NULLs or fails: checked here against parquet written by a real
 * ingest of Online Retail days, column by column, and against the folder layout projection expects.
 */
let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;

/** DuckDB's name for a parquet column type → the Glue type Athena needs to read it. */
const GLUE_FOR_DUCKDB: Record<string, string> = { VARCHAR: 'string', INTEGER: 'int', BIGINT: 'bigint', DOUBLE: 'double', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp' };
const glueForDuckDb = (type: string) => GLUE_FOR_DUCKDB[type] ?? type.replace(/^DECIMAL\((\d+),(\d+)\)$/, 'decimal($1,$2)');

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('catalog'));
  lake = new Lake(path.join(dir, 'lake'));
  const days = await copyRetailDays(dir, ['2010-12-01', '2010-12-02']);
  // A delivery with one good and one unreadable line, so the quarantine has a file too.
  await writeFile(
    path.join(days, 'late-corrections.csv'),
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n' +
      '536999,85123A,WHITE HANGING HEART T-LIGHT HOLDER,2,2010-12-02 10:00:00,2.55,17850.0,United Kingdom\n' +
      '537000,71053,WHITE METAL LANTERN,lots,2010-12-02 10:05:00,3.39,17850.0,United Kingdom\n',
  );
  await ingestPaths(lake, 'pos', [days]);
}, 120_000);
afterAll(() => cleanup?.());

describe('Glue tables generated from the feed schemas', () => {
  it('declares exactly the columns, in order and type, of the parquet files ingest writes', async () => {
    const pos = sourceTables().find((t) => t.feed === 'pos')!;
    const input = curatedTableInput(pos, 's3://lake-bucket/athena/symlinks/pos_lines');
    const { curated } = await lake.committedFiles('pos');
    expect(curated.length).toBeGreaterThan(0);
    for (const key of curated) {
      const columns = await independentRows(`DESCRIBE SELECT * FROM read_parquet('${await lake.localFile(key)}', hive_partitioning = false)`);
      expect(columns.map((c) => ({ Name: c.column_name, Type: glueForDuckDb(String(c.column_type)) }))).toEqual(input.StorageDescriptor!.Columns);
    }
  });

  it('projects one partition per business day, over the symlink manifest of the committed curated/<table>/dt=YYYY-MM-DD/ files', async () => {
    const input = glueSourceTables('s3://lake-bucket/').find((t) => t.Name === 'pos_lines')!;
    const template = input.Parameters!['storage.location.template']!;
    expect(template).toBe('s3://lake-bucket/athena/symlinks/pos_lines/dt=${dt}/');
    const { curated } = await lake.committedFiles('pos');
    const days = new Set(curated.map((key) => /^curated\/pos_lines\/dt=(\d{4}-\d{2}-\d{2})\/[^/]+\.parquet$/.exec(key)?.[1]));
    expect([...days].sort()).toEqual(['2010-12-01', '2010-12-02']);
    // The dt folder is the partition key; the file itself must not carry a dt column too.
    expect(input.StorageDescriptor!.Columns!.map((c) => c.Name)).not.toContain('dt');
  });

  it('declares the quarantine columns ingest writes for rejected rows', async () => {
    const { quarantine } = await lake.committedFiles('pos');
    expect(quarantine.length).toBeGreaterThan(0);
    const columns = await independentRows(`DESCRIBE SELECT * FROM read_parquet('${await lake.localFile(quarantine[0]!)}', hive_partitioning = false)`);
    expect(columns.map((c) => ({ Name: c.column_name, Type: glueForDuckDb(String(c.column_type)) }))).toEqual(quarantineTableInput('quarantine_pos', 'pos', QUARANTINE_COLUMNS, 's3://b').StorageDescriptor!.Columns);
  });

  it('covers every source (the feeds and the audience export records), and names a type it cannot map instead of guessing', () => {
    const catalog = glueSourceTables('s3://b');
    expect(catalog).toHaveLength((Object.keys(FEEDS).length + 1) * 2);
    expect(new Set(catalog.map((t) => t.Name)).size).toBe(catalog.length);
    expect(glueType('DECIMAL(18, 4)')).toBe('decimal(18,4)');
    expect(() => glueType('HUGEINT')).toThrow(/HUGEINT/);
  });
});
