import path from 'node:path';
import { readdir, readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { ingestDatasets, REAL_DATASET_FEEDS, REAL_DATASETS } from '../../src/app/demo.js';
import { warehouseSettings } from '../../src/app/settings.js';
import { queryLake } from '../../src/app/sql.js';
import { runProjectTests } from '../../src/app/test.js';
import { canonical, compareWarehouses } from '../../src/app/compare.js';
import { AthenaEngine } from '../../src/engine/athena/index.js';
import { QUARANTINE_COLUMNS, sourceTables } from '../../src/feeds/index.js';
import { Lake } from '../../src/lake/lake.js';
import { S3Store } from '../../src/lake/s3.js';
import { AthenaDouble } from '../athena-double.js';
import { REPO, scratchDir } from '../helpers.js';
import { startLocalS3, type LocalS3 } from '../s3.js';

/**
 * Layers 2–4 of the Athena proof (DESIGN.md): every model built by the Athena engine — its real
 * statements, order, Glue calls, staged names and table swaps — executed by a double of Athena and
 * Glue on DuckDB over a real S3 server, and compared row for row with the DuckDB engine's build
 * of the same lake. The double enforces Athena's limits, so the engine's batching really runs.
 */
let s3: LocalS3;
let double: AthenaDouble;
let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;
let posDays: number;

const athenaSettings = warehouseSettings({ engine: 'athena' }, { CRMLAKE_ATHENA_WORKGROUP: 'crmlake-build' });
const duckdbSettings = warehouseSettings({ engine: 'duckdb' }, {});

beforeAll(async () => {
  s3 = await startLocalS3();
  double = await AthenaDouble.start(s3.client);
  ({ dir, cleanup } = await scratchDir('athena'));
  lake = new Lake(new S3Store(`s3://${s3.bucket}/lake`, s3.client, path.join(dir, 'cache')));
  // Every bundled real data set into its feed; POS: the first 8 days (every model gets rows, the
  // double stays quick).
  const days = (await readdir(path.join(REAL_DATASETS, 'online-retail/by-day'))).sort().slice(0, 8);
  posDays = days.length;
  await ingestDatasets(lake, REAL_DATASETS, REAL_DATASET_FEEDS.map((f) => (f.feed === 'pos' ? { feed: 'pos', paths: days.map((d) => `online-retail/by-day/${d}`) } : f)));
}, 240_000);

afterAll(async () => {
  await double?.stop();
  await s3?.stop();
  await cleanup?.();
});

describe('the Athena engine (against a double of Athena and Glue over a real S3 server)', () => {
  it('builds every model with the same rows as the DuckDB engine, registering curated tables over symlink manifests', async () => {
    const onDuckDb = await runBuild(lake, { settings: duckdbSettings });
    const onAthena = await runBuild(lake, { settings: athenaSettings });
    expect(onAthena.results.filter((r) => r.status !== 'success').map((r) => `${r.model}: ${r.error}`)).toEqual([]);
    expect(onAthena.committed).toBe(true);
    expect(onAthena.engine).toBe('athena');
    expect(onAthena.results.map((r) => r.model)).toEqual(onDuckDb.results.map((r) => r.model));
    // Bytes scanned are counted per model and for the build.
    expect(onAthena.bytesScanned).toBeGreaterThan(0);
    expect(onAthena.results.every((r) => typeof r.bytesScanned === 'number')).toBe(true);

    const differing = await compareWarehouses(lake, duckdbSettings, athenaSettings, onDuckDb.results.map((r) => r.model));
    expect(differing).toEqual([]);

    // The final names hold every model; no staged table survives the commit.
    const names = double.tableNames('crmlake_warehouse');
    expect(names.filter((n) => n.includes('__stage_') || n.includes('__rows_'))).toEqual([]);
    for (const { model } of onAthena.results) expect(names).toContain(model);
    // Curated tables: partition projection over symlink manifests that list committed files.
    const pos = double.table('crmlake_curated', 'pos_lines')!;
    expect(pos.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'storage.location.template': `s3://${s3.bucket}/lake/athena/symlinks/pos_lines/dt=\${dt}/` });
    expect(pos.StorageDescriptor!.InputFormat).toBe('org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat');
    const symlinks = (await lake.list('athena/symlinks/pos_lines/')).filter((k) => k.endsWith('symlink.txt'));
    expect(symlinks).toHaveLength(posDays); // one manifest per business day
    const committed = await lake.committedFiles('pos');
    const listed = (await Promise.all(symlinks.map((k) => lake.store.readText(k)))).flatMap((t) => t!.trim().split('\n'));
    expect(listed.sort()).toEqual(committed.curated.map((k) => `s3://${s3.bucket}/lake/${k}`).sort());
  }, 900_000);

  it('a second build swaps tables to new folders, keeps readers whole and collects old versions', async () => {
    const before = double.table('crmlake_warehouse', 'customer_rfm')!.StorageDescriptor!.Location!;
    await new Promise((resolve) => setTimeout(resolve, 1100)); // a new run id (second resolution)
    const second = await runBuild(lake, { settings: athenaSettings, select: ['customer_rfm'] });
    expect(second.committed).toBe(true);
    const after = double.table('crmlake_warehouse', 'customer_rfm')!.StorageDescriptor!.Location!;
    expect(after).not.toBe(before);
    expect(after).toMatch(/\/athena\/warehouse\/customer_rfm\/\d{8}t\d{6}z\/$/);
    // Table swap, not drop and re-create: no DROP TABLE of the mart was sent.
    expect(double.statements.filter((s) => /^DROP TABLE IF EXISTS crmlake_warehouse\.customer_rfm$/.test(s))).toEqual([]);
    const runs = new Set((await lake.list('athena/warehouse/customer_rfm/')).map((k) => k.split('/')[3]));
    expect(runs.size).toBe(2);
  }, 300_000);

  it('keeps the customer master where it is when its inputs are unchanged (digest read from Athena)', async () => {
    const before = double.table('crmlake_warehouse', 'customer_xref')!.StorageDescriptor!.Location!;
    const again = await runBuild(lake, { settings: athenaSettings, select: ['customer_xref'] });
    expect(again.committed).toBe(true);
    expect(again.results.map((r) => [r.model, r.mode])).toEqual(
      ['customer_xref', 'customer_key_events', 'customer_match_params', 'customer_match_review', 'dim_customer'].map((m) => [m, 'kept']),
    );
    expect(double.table('crmlake_warehouse', 'customer_xref')!.StorageDescriptor!.Location!).toBe(before);
    // Matching again reads the records once: Athena cannot digest them where they are, so the
    // rows read for the match are the ones hashed.
    const sent = double.statements.length;
    const matched = await runBuild(lake, { settings: athenaSettings, select: ['customer_xref'], fullRefresh: true });
    expect(matched.results.find((r) => r.model === 'customer_xref')!.mode).toBeUndefined();
    expect(double.statements.slice(sent).filter((s) => /\bint_customer_records\b/.test(s))).toHaveLength(1);
  }, 300_000);

  it('an aborted build commits nothing: staged tables and their folders are removed, the marts stay', async () => {
    const location = double.table('crmlake_warehouse', 'customer_rfm')!.StorageDescriptor!.Location!;
    const engine = await AthenaEngine.open(lake, { engine: 'athena', athena: athenaSettings.athena, sources: sourceTables(), quarantineColumns: QUARANTINE_COLUMNS });
    try {
      const session = await engine.beginBuild('20300201T000000Z');
      await engine.materialize({ name: 'customer_rfm', materialized: 'table', compile: () => 'SELECT 1 AS customer_id' });
      expect(double.tableNames('crmlake_warehouse')).toContain('customer_rfm__stage_20300201t000000z');
      await session.abort();
    } finally {
      await engine.close();
    }
    expect(double.table('crmlake_warehouse', 'customer_rfm')!.StorageDescriptor!.Location).toBe(location);
    expect(double.tableNames('crmlake_warehouse').filter((n) => n.includes('__stage_'))).toEqual([]);
    expect(await lake.list('athena/warehouse/customer_rfm/20300201t000000z/')).toEqual([]);
  }, 300_000);
});

describe('reading the Athena warehouse', () => {
  it('the report loaders and analysts read marts by name, with the same answers as on DuckDB', async () => {
    const loaders = (await readdir(path.join(REPO, 'reports/src/data'))).filter((f) => f.endsWith('.sql'));
    expect(loaders.length).toBeGreaterThan(10);
    const differing: string[] = [];
    // The same values on both sides: DuckDB's analyst sessions would pseudonymize contact fields.
    process.env.CRMLAKE_PERSONAL_DATA = 'open';
    onTestFinished(() => void delete process.env.CRMLAKE_PERSONAL_DATA);
    for (const loader of loaders) {
      const sql = await readFile(path.join(REPO, 'reports/src/data', loader), 'utf8');
      const [duck, athena] = [await queryLake(lake, sql, { settings: duckdbSettings }), await queryLake(lake, sql, { settings: athenaSettings })];
      const canon = (rows: Record<string, unknown>[]) => rows.map((r) => JSON.stringify(r, (_k, v) => canonical(v))).sort();
      if (JSON.stringify(canon(duck.rows)) !== JSON.stringify(canon(athena.rows))) differing.push(`${loader}: ${duck.rows.length} vs ${athena.rows.length} rows`);
    }
    expect(differing).toEqual([]);
    await expect(queryLake(lake, 'DROP TABLE customer_rfm', { settings: athenaSettings })).rejects.toThrow(/reads only/);
  }, 300_000);

  it('the models\' data tests run on Athena with the same outcomes as on DuckDB', async () => {
    const [duck, athena] = [await runProjectTests(lake, { settings: duckdbSettings }), await runProjectTests(lake, { settings: athenaSettings })];
    const outcome = (run: typeof duck) => run.results.filter((r) => r.kind !== 'unit').map((r) => `${r.name}: ${r.status}`).sort();
    expect(outcome(athena)).toEqual(outcome(duck));
    expect(athena.results.length).toBeGreaterThan(50);
  }, 300_000);
});

describe("Athena's limits, enforced by the double, respected by the engine", () => {
  const openAthena = () =>
    AthenaEngine.open(lake, { engine: 'athena', athena: athenaSettings.athena, sources: sourceTables(), quarantineColumns: QUARANTINE_COLUMNS });

  it('writes a table of more than 100 partitions in batches of 100 (CTAS, then INSERT INTO)', async () => {
    const engine = await openAthena();
    try {
      const session = await engine.beginBuild('20300101T000000Z');
      const digits = `(VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9))`;
      const numbers = `SELECT a.d * 100 + b.d * 10 + c.d + 1 AS n FROM ${digits} AS a(d) CROSS JOIN ${digits} AS b(d) CROSS JOIN ${digits} AS c(d)`;
      const select = `SELECT n, n % 250 AS part FROM (${numbers}) AS numbers`;
      const result = await engine.materialize({ name: 'many_parts', materialized: 'table', compile: () => select, partitionedBy: ['part'] });
      expect(result.rows).toBe(1000);
      const writes = double.statements.filter((s) => /^(CREATE TABLE|INSERT INTO) crmlake_warehouse\.many_parts__stage/.test(s));
      expect(writes.map((s) => s.split(' ')[0])).toEqual(['CREATE', 'INSERT', 'INSERT']);
      await session.commit();
      expect((await engine.query('SELECT count(DISTINCT part) AS parts, sum(n) AS total FROM crmlake_warehouse.many_parts')).rows).toEqual([{ parts: 250, total: 500500 }]);
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('merges incremental rows through an Iceberg table; the double refuses MERGE on a Hive table', async () => {
    const engine = await openAthena();
    try {
      const request = (fullRefresh: boolean) => ({
        name: 'merged',
        materialized: 'incremental' as const,
        compile: (_r: unknown, options?: { isIncremental?: boolean }) =>
          options?.isIncremental ? `SELECT * FROM (VALUES (2, 'b2'), (3, 'c')) AS t(k, v)` : `SELECT * FROM (VALUES (1, 'a'), (2, 'b')) AS t(k, v)`,
        incremental: { strategy: 'merge' as const, uniqueKey: ['k'], fullRefresh },
      });
      let session = await engine.beginBuild('20300102T000000Z');
      expect((await engine.materialize(request(false))).mode).toBe('full');
      await session.commit();
      expect(double.table('crmlake_warehouse', 'merged')!.Parameters!.table_type).toBe('ICEBERG');
      session = await engine.beginBuild('20300103T000000Z');
      expect(await engine.materialize(request(false))).toMatchObject({ mode: 'incremental', rows: 3 });
      await session.commit();
      expect((await engine.query('SELECT k, v FROM crmlake_warehouse.merged ORDER BY k')).rows).toEqual([
        { k: 1, v: 'a' },
        { k: 2, v: 'b2' },
        { k: 3, v: 'c' },
      ]);
      await expect(engine.queries.execute(`MERGE INTO crmlake_warehouse.many_parts AS target\nUSING crmlake_warehouse.merged AS batch\nON target.n = batch.k\nWHEN MATCHED THEN DELETE`)).rejects.toThrow(
        /only supported for transactional tables/,
      );
    } finally {
      await engine.close();
    }
  }, 120_000);

  it('refuses a statement longer than Athena takes before sending it', async () => {
    const engine = await openAthena();
    try {
      await engine.beginBuild('20300104T000000Z');
      const sent = double.statements.length;
      const huge = `SELECT ${Array.from({ length: 30_000 }, (_, i) => `${i} AS c${i}`).join(', ')}`;
      await expect(engine.materialize({ name: 'huge', materialized: 'table', compile: () => huge })).rejects.toThrow(/Athena takes at most 262,144/);
      expect(double.statements.length).toBe(sent);
    } finally {
      await engine.close();
    }
  });

  it('stops a build at its scan budget', async () => {
    const settings = warehouseSettings({ engine: 'athena', maxScanGb: 1e-7 }, { CRMLAKE_ATHENA_WORKGROUP: 'crmlake-build' });
    const failed = await runBuild(lake, { settings, select: ['customer_rfm+'] }).catch((e: unknown) => e);
    expect(String((failed as Error).message)).toMatch(/Scan budget reached/);
  }, 120_000);
});
