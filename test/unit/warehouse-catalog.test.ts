import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryLake as analystQuery } from '../../src/app/sql.js';
import { CATALOG_KEY, WarehouseCatalog } from '../../src/engine/duckdb/catalog.js';
import { Lake, RETIRED_FILES_KEPT_MS } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratchDir('catalog')));
afterAll(() => cleanup());

const entry = (name: string, build: string) => ({ name, materialized: 'table' as const, location: `warehouse/${name}/${build}.parquet`, rows: 1, builtAt: build });

describe('the warehouse catalog (one build\'s marts together, old files kept for readers)', () => {
  it('shows readers the previous build whole until a build commits, then the new one whole', async () => {
    const lake = new Lake(`${dir}/lake`);
    for (const f of ['a/b1', 'b/b1']) await lake.store.writeText(`warehouse/${f}.parquet`, 'x');
    const first = await WarehouseCatalog.load(lake);
    first.begin();
    await first.put(entry('a', 'b1'));
    await first.put(entry('b', 'b1'));
    await first.commit({ collectDebris: true });

    const second = await WarehouseCatalog.load(lake);
    second.begin();
    for (const f of ['a/b2', 'b/b2']) await lake.store.writeText(`warehouse/${f}.parquet`, 'x');
    await second.put(entry('a', 'b2'));
    // Killed here: a reader loads the catalog and sees build 1 for both marts, not a mix.
    expect((await WarehouseCatalog.load(lake)).entries().map((e) => e.location)).toEqual(['warehouse/a/b1.parquet', 'warehouse/b/b1.parquet']);
    await second.put(entry('b', 'b2'));
    await second.commit({ collectDebris: true });
    expect((await WarehouseCatalog.load(lake)).entries().map((e) => e.location)).toEqual(['warehouse/a/b2.parquet', 'warehouse/b/b2.parquet']);
    // The replaced files stay for readers still on build 1 ...
    expect(await lake.exists('warehouse/a/b1.parquet')).toBe(true);
    // ... until they are older than RETIRED_FILES_KEPT_MS at a later commit.
    const stored = (await lake.readJson<{ retired: { location: string; retiredAt: string }[] }>(CATALOG_KEY))!;
    expect(stored.retired.map((r) => r.location).sort()).toEqual(['warehouse/a/b1.parquet', 'warehouse/b/b1.parquet']);
    const old = new Date(Date.now() - RETIRED_FILES_KEPT_MS - 1000).toISOString();
    await lake.writeJsonAtomic(CATALOG_KEY, { ...stored, retired: stored.retired.map((r) => ({ ...r, retiredAt: old })) });
    const third = await WarehouseCatalog.load(lake);
    third.begin();
    await third.commit({ collectDebris: true });
    expect(await lake.exists('warehouse/a/b1.parquet')).toBe(false);
    expect(await lake.exists('warehouse/a/b2.parquet')).toBe(true);
  });
});

describe('a table kept in parts (an incremental model)', () => {
  it('retires only the parts a build stopped using, and an aborted build removes only the parts it wrote', async () => {
    const lake = new Lake(`${dir}/parts-lake`);
    const parts = (...names: string[]) => names.map((n) => `warehouse/t/${n}.parquet`);
    // A build writes its new parts, then puts the entry (files no catalog names are debris at a commit).
    const put = async (catalog: WarehouseCatalog, files: string[]) => {
      for (const key of files) if (!(await lake.exists(key))) await lake.store.writeText(key, 'x');
      await catalog.put({ name: 't', materialized: 'incremental', location: files[0]!, parts: files, rows: 1, builtAt: files.join() });
    };

    const first = await WarehouseCatalog.load(lake);
    first.begin();
    await put(first, parts('p1', 'p2'));
    await first.commit({ collectDebris: true });

    // p2 lost rows: p3 replaces it; p1 is still part of the table.
    const second = await WarehouseCatalog.load(lake);
    second.begin();
    await put(second, parts('p1', 'p3'));
    await second.commit({ collectDebris: true });
    const stored = (await lake.readJson<{ retired: { location: string }[] }>(CATALOG_KEY))!;
    expect(stored.retired.map((r) => r.location)).toEqual(parts('p2'));
    expect(await lake.exists(parts('p1')[0]!)).toBe(true);

    // A build that adds p4 and is aborted removes p4, not the parts it kept.
    const third = await WarehouseCatalog.load(lake);
    third.begin();
    await put(third, parts('p1', 'p3', 'p4'));
    await third.abort();
    expect(await lake.exists(parts('p4')[0]!)).toBe(false);
    for (const key of parts('p1', 'p3')) expect(await lake.exists(key)).toBe(true);
  });
});

describe('crmlake sql is read-only over the lake', () => {
  it('refuses files outside the lake, writes, attaches, installs and settings', async () => {
    const lake = new Lake(`${dir}/sql-lake`);
    expect((await analystQuery(lake, 'select 41 + 1 as n')).rows).toEqual([{ n: 42 }]);
    const refused: [string, RegExp][] = [
      ["select * from read_csv('/etc/passwd')", /Permission Error|not allowed|disabled/i],
      [`copy (select 1 as x) to '${dir}/sql-lake/warehouse/x.parquet' (format parquet)`, /read-only: statement 1 is COPY|Permission Error/],
      [`attach '${dir}/other.db' as other`, /read-only: statement 1 is ATTACH/],
      ['install httpfs', /read-only/],
      ['set enable_external_access = true', /read-only/],
      ['select 1; create table t as select 1', /read-only: statement 2/],
    ];
    for (const [sql, error] of refused) await expect(analystQuery(lake, sql), sql).rejects.toThrow(error);
  });
});
