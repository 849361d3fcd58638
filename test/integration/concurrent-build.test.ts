import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { ingestDemoCompany } from '../../src/app/demo.js';
import { CATALOG_KEY } from '../../src/engine/duckdb/catalog.js';
import { Lake } from '../../src/lake/lake.js';
import { DEFAULT_MODELS_DIR } from '../../src/models/project.js';
import { BuildError, type BuildRun, type ModelRunResult } from '../../src/models/runner.js';
import { scratchDir, warehouseRows } from '../helpers.js';

// The runner builds the program models (customer master, CLV marts, …) on a second DuckDB
// connection beside the SQL models. Every feed of a small demo company, so that the master
// matches and the CLV marts fit.
const COMPANY = { customers: 300, seed: 11, days: 90, end: '2026-11-29' };

const isProgram = (r: ModelRunResult) => r.file.startsWith('src/');
const end = (r: ModelRunResult) => r.started! + r.seconds;

/** Pairs of a program model and a SQL model that were running at the same time (1 ms of slack for rounding). */
function overlaps(run: BuildRun): string[] {
  const ran = run.results.filter((r) => r.status !== 'skipped' && r.started !== undefined);
  return ran.filter(isProgram).flatMap((p) =>
    ran.filter((q) => !isProgram(q) && q.started! < end(p) - 0.001 && p.started! < end(q) - 0.001).map((q) => `${p.model} | ${q.model}`),
  );
}

describe('program models beside SQL models', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lake: Lake;
  let vars: string[];

  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('concurrent-build'));
    lake = new Lake(path.join(dir, 'lake'));
    vars = (await ingestDemoCompany(lake, { ...COMPANY, filesDir: path.join(dir, 'files') })).buildVars;
  });
  afterAll(async () => cleanup());

  it('build the same tables as one model at a time, and do run at the same time', async () => {
    const copy = new Lake(path.join(dir, 'lake-one-at-a-time'));
    await cp(lake.uri, copy.uri, { recursive: true });
    const two = await runBuild(lake, { var: vars });
    const one = await runBuild(copy, { var: vars, concurrent: false });
    expect(overlaps(one)).toEqual([]);
    expect(overlaps(two).length).toBeGreaterThan(0);
    // The programs ran and produced rows: the master matched, the CLV marts fitted.
    for (const model of ['customer_xref', 'dim_customer', 'customer_clv', 'clv_fit', 'clv_tracking']) {
      expect(two.results.find((r) => r.model === model)?.rows, model).toBeGreaterThan(0);
    }
    // The run lists every model once, in dependency order, as a one-at-a-time build does.
    expect(two.results.map((r) => r.model)).toEqual(one.results.map((r) => r.model));
    const [rowsTwo, rowsOne] = [await warehouseRows(lake), await warehouseRows(copy)];
    expect([...rowsTwo.keys()].sort()).toEqual([...rowsOne.keys()].sort());
    const differing = [...rowsOne].filter(([name, rows]) => JSON.stringify(rowsTwo.get(name)) !== JSON.stringify(rows)).map(([name]) => name);
    expect(differing).toEqual([]);
    await rm(copy.uri, { recursive: true, force: true });
  });

  it('commit nothing when a SQL model fails while a program model runs', async () => {
    const models = path.join(dir, 'models');
    await cp(DEFAULT_MODELS_DIR, models, { recursive: true });
    // Ready with the customer records, so it runs while the customer master matches them; it
    // fails on its first row.
    await writeFile(
      path.join(models, 'marts', 'broken_mart.sql'),
      "{{ config(materialized='table') }}\nselect cast(source_system || 'x' as integer) as n from {{ ref('int_customer_records') }}\n",
    );
    const catalog = () => readFile(path.join(lake.uri, CATALOG_KEY), 'utf8').catch(() => null);
    const catalogBefore = await catalog();
    const failed = await runBuild(lake, { var: vars, models }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(failed).toBeInstanceOf(BuildError);
    const run = (failed as BuildError).run;
    expect(run.committed).toBe(false);
    expect(run.results.find((r) => r.model === 'broken_mart')).toMatchObject({ status: 'error', error: expect.stringMatching(/Conversion Error|Could not convert/) });
    expect(overlaps(run).filter((pair) => pair.endsWith('| broken_mart')).length).toBeGreaterThan(0);
    // Models after the failure did not start; what was running beside it finished; nothing of it is visible.
    expect(run.results.some((r) => r.status === 'skipped')).toBe(true);
    expect(run.results.map((r) => r.model).sort()).toEqual([...new Set(run.results.map((r) => r.model))].sort());
    expect(await catalog()).toBe(catalogBefore);
  });
});
