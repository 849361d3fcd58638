import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'vitest';
import { openWarehouse } from '../src/app/warehouse.js';
import type { Engine } from '../src/engine/engine.js';
import type { FeedDefinition, RowResult } from '../src/feeds/feed.js';
import { createRecordMapper, loadMapping, RowError } from '../src/feeds/mapping.js';
import { Lake } from '../src/lake/lake.js';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The real public data sets, bundled in the repository (samples/README.md gives sources and licences). */
export const DATASETS = path.join(REPO, 'samples', 'datasets');
export const RETAIL_DAYS = path.join(DATASETS, 'online-retail', 'by-day');
export const CLI = path.join(REPO, 'bin', 'crmlake.js');

/**
 * The demo company at test size: ~300 people over four months still fill every feed, every report
 * query and one campaign; the default scale and 500k customers are measured in bench/, not here.
 */
export const SMALL_DEMO = { customers: 300, days: 120, end: '2026-11-30', seed: 7 };

/** A scratch folder removed by the returned cleanup. */
export async function scratchDir(prefix: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), `crmlake-${prefix}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A writable warehouse over an empty lake in a scratch folder; `close` closes it and removes the folder. */
export async function scratchWarehouse(prefix: string): Promise<{ engine: Engine; close: () => Promise<void> }> {
  const { dir, cleanup } = await scratchDir(prefix);
  const engine = await openWarehouse(new Lake(path.join(dir, 'lake')));
  return {
    engine,
    close: async () => {
      await engine.close();
      await cleanup();
    },
  };
}

/** SHA-256 of every file below `dir`, keyed by its path relative to `dir`. */
export async function fileDigests(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file), createHash('sha256').update(await readFile(file)).digest('hex'));
  }
  return out;
}

/** Copies some real Online Retail days into `dir/<name>` and returns that folder. */
export async function copyRetailDays(dir: string, days: string[], name = 'pos'): Promise<string> {
  const target = path.join(dir, name);
  await mkdir(target, { recursive: true });
  for (const day of days) await cp(path.join(RETAIL_DAYS, `${day}.csv`), path.join(target, `${day}.csv`));
  return target;
}

/** Maps and validates one source record with a feed's mapping, as ingest does (a RowError becomes a reject). */
export async function validateRecord(feed: FeedDefinition, header: string[], values: string[], mapping?: string): Promise<RowResult> {
  const loaded = await loadMapping(feed, mapping);
  try {
    return feed.createValidator(loaded)(createRecordMapper(loaded, header)(values), 2);
  } catch (error) {
    if (error instanceof RowError) return { ok: false, field: error.field, reason: error.message };
    throw error;
  }
}

/** Asserts a validation result is a reject of `field` with a reason matching `reason`. */
export function expectRejected(result: RowResult, field: string, reason: RegExp): void {
  expect(result).toEqual({ ok: false, field, reason: expect.stringMatching(reason) });
}

/** Runs `fn` with an engine over the lake, closed afterwards. */
export async function withEngine<T>(lake: Lake, fn: (engine: Engine) => Promise<T>): Promise<T> {
  const engine = await openWarehouse(lake);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** The rows of a query on the lake (marts, curated., quarantine.). */
export async function queryLake(lake: Lake, sql: string): Promise<Record<string, unknown>[]> {
  return withEngine(lake, async (engine) => (await engine.query(sql)).rows);
}

/** The rows of a query in a separate, empty DuckDB: the independent computation over raw files. */
export async function independentRows(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/**
 * Every built model's rows, sorted, as text. Doubles are compared to 12 significant digits:
 * sums of the same values in another order (DuckDB aggregates in parallel) may differ in the
 * last bits, between two full builds as well.
 */
export async function warehouseRows(lake: Lake): Promise<Map<string, string[]>> {
  // Personal data as stored: pseudonyms are keyed by each lake's own secret.
  const engine = await openWarehouse(lake, { readOnly: true, personalData: 'open' });
  try {
    const out = new Map<string, string[]>();
    for (const entry of engine.catalog()) {
      const { rows } = await engine.query(`select * from ${engine.modelRelation(entry.name)}`);
      // The build's id (customer_key_events: the build that recorded each event; customer_match_params:
      // the build that trained the parameters) differs between two builds of the same lake.
      const kept = (row: Record<string, unknown>) => Object.entries(row).filter(([k]) => k !== 'run_id' && k !== 'trained_run_id').map(([, v]) => v);
      const text = rows.map((row) => JSON.stringify(kept(row).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(12)) : v))));
      out.set(entry.name, text.sort());
    }
    return out;
  } finally {
    await engine.close();
  }
}
