import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { ingestPaths } from '../../src/app/ingest.js';
import { queryLake } from '../../src/app/sql.js';
import { isPersonalColumn } from '../../src/engine/duckdb/personal.js';
import { Lake } from '../../src/lake/lake.js';
import { copyRetailDays, scratchDir } from '../helpers.js';

/**
 * The analysts' database file a build writes (`<lake>/crmlake.duckdb`): opened read-only by a
 * separate process from another working directory, by relative and by absolute path, as the
 * DuckDB CLI, DBeaver, Python or R would open it.
 */

let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;

const DUCKDB = pathToFileURL(createRequire(import.meta.url).resolve('@duckdb/node-api')).href;

/** Runs queries in a new Node process with `cwd`, on the database file at `file` opened read-only. */
async function queryFile(cwd: string, file: string, queries: string[]): Promise<unknown[]> {
  const script = `
    const { DuckDBInstance } = await import(${JSON.stringify(DUCKDB)});
    const instance = await DuckDBInstance.create(${JSON.stringify(file)}, { access_mode: 'READ_ONLY' });
    const connection = await instance.connect();
    const out = [];
    for (const sql of ${JSON.stringify(queries)}) out.push((await connection.runAndReadAll(sql)).getRowObjectsJson());
    console.log(JSON.stringify(out));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd });
  return JSON.parse(stdout) as unknown[];
}

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('analyst-db'));
  const pos = await copyRetailDays(dir, ['2010-12-01', '2010-12-02']);
  // One line that cannot be read (a quantity that is no number) goes to quarantine.
  await writeFile(
    path.join(pos, '2010-12-03.csv'),
    'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n' +
      '600001,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-03 08:26:00,2.55,17850.0,United Kingdom\n' +
      '600002,71053,WHITE METAL LANTERN,six,2010-12-03 08:27:00,3.39,17850.0,United Kingdom\n',
  );
  // A relative lake location: the file must still name its parquet files absolutely.
  lake = new Lake(path.relative(process.cwd(), path.join(dir, 'lake')));
  await ingestPaths(lake, 'pos', [pos]);
  await runBuild(lake);
}, 300_000);

afterAll(async () => cleanup?.());

describe('the analysts’ DuckDB file', () => {
  it('opens read-only from another folder, by relative or absolute path, with models, curated tables and rejects by name', async () => {
    const elsewhere = path.join(dir, 'elsewhere', 'deeper');
    await mkdir(elsewhere, { recursive: true });
    const absolute = path.join(dir, 'lake', 'crmlake.duckdb');
    const expected = (await queryLake(lake, 'select count(*) as n, sum(revenue) as revenue from sales_daily')).rows[0]!;
    const queries = [
      'select count(*) as n, sum(revenue) as revenue from sales_daily',
      'select count(*) as n from curated.pos_lines',
      // Rejected records keep the original text: under the default policy they are left out and listed.
      "select count(*) as n from restricted_relations where relation = 'quarantine.pos'",
      // A view model reads other models and uses the Trino-name macros.
      'select count(*) as n from stg_pos__lines',
    ];
    for (const file of [absolute, path.relative(elsewhere, absolute)]) {
      const [sales, curated, quarantine, staging] = (await queryFile(elsewhere, file, queries)) as { n: string; revenue?: string }[][];
      expect(Number(sales![0]!.n)).toBe(expected.n);
      expect(Number(sales![0]!.revenue)).toBeCloseTo(Number(expected.revenue), 6);
      expect(Number(curated![0]!.n)).toBeGreaterThan(1000);
      expect(Number(quarantine![0]!.n)).toBe(1);
      expect(Number(staging![0]!.n)).toBe(Number(curated![0]!.n));
    }
  });

  it('is read-only when opened so, and `crmlake sql .tables` lists the same relations (less the restricted ones)', async () => {
    const file = path.join(dir, 'lake', 'crmlake.duckdb');
    await expect(queryFile(dir, file, ['create table x (a int)'])).rejects.toThrow(/read-only/i);
    const [inFile] = (await queryFile(dir, file, [
      "select table_schema as schema, table_name as name from information_schema.tables where table_schema in ('main', 'curated', 'quarantine') order by 1, 2",
    ])) as { schema: string; name: string }[][];
    const [restricted] = (await queryFile(dir, file, ['select relation from restricted_relations'])) as { relation: string }[][];
    const left = new Set(restricted!.map((r) => r.relation));
    const listed = (await queryLake(lake, '.tables')).rows.map((r) => ({ schema: r.schema, name: r.name }));
    const named = (rows: { schema: unknown; name: unknown }[]) => rows.map((r) => `${r.schema}.${r.name}`).filter((n) => !left.has(n) && n !== 'main.restricted_relations' && !n.includes('__pseudonymized_'));
    expect(named(listed).sort()).toEqual(named(inFile!).sort());
    expect(left.has('quarantine.pos')).toBe(true);
    expect([...left].some((n) => n.endsWith('customer_profiles'))).toBe(true);
    expect(listed.some((r) => r.schema === 'curated' && r.name === 'pos_lines')).toBe(true);
    expect(listed.some((r) => r.schema === 'quarantine' && r.name === 'pos')).toBe(true);
    expect(listed[0]!.schema).toBe('main');
  });

  it('leaves out exactly the views with a personal column (the columns as DESCRIBE gives them)', async () => {
    const file = path.join(dir, 'lake', 'crmlake.duckdb');
    const [views] = (await queryFile(dir, file, ["select schema_name, view_name from duckdb_views() where not internal and view_name <> 'restricted_relations'"])) as { schema_name: string; view_name: string }[][];
    const described = (await queryFile(dir, file, views!.map((v) => `describe "${v.schema_name}"."${v.view_name}"`))) as { column_name: string }[][];
    const personal = views!.filter((_, i) => described[i]!.some((c) => isPersonalColumn(c.column_name)));
    expect(views!.length).toBeGreaterThan(20);
    expect(personal.map((v) => `${v.schema_name}.${v.view_name}`)).toEqual([]);
    // And each restricted relation outside quarantine has one: read from the lake's own session.
    const [restricted] = (await queryFile(dir, file, ["select relation from restricted_relations where relation not like 'quarantine.%'"])) as { relation: string }[][];
    expect(restricted!.length).toBeGreaterThan(3);
    for (const { relation } of restricted!) {
      const [schema, name] = relation.split('.') as [string, string];
      const columns = (await queryLake(lake, `describe ${schema === 'main' ? '' : `${schema}.`}"${name}"`)).rows.map((r) => String(r.column_name));
      expect(columns.some(isPersonalColumn), relation).toBe(true);
    }
  });
});
