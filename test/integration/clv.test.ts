import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';
import { Lake } from '../../src/lake/lake.js';
import { loadProject } from '../../src/app/project.js';
import { buildModels } from '../../src/models/runner.js';
import { CLI, copyRetailDays, DATASETS, RETAIL_DAYS, scratchDir } from '../helpers.js';

const exec = promisify(execFile);
const CDNOW = path.join(DATASETS, 'cdnow', 'CDNOW_sample.txt');
// All of December 2010 (20 trading days to the 23rd): long enough for a one-week hold-out.
const DAYS = readdirSync(RETAIL_DAYS).filter((f) => f.endsWith('.csv')).map((f) => f.replace('.csv', '')).sort();

let cleanup: () => Promise<void>;
let lake: Lake;
let files: string[];
let rows: Record<string, unknown>[];

beforeAll(async () => {
  const scratch = await scratchDir('clv');
  cleanup = scratch.cleanup;
  const posDir = await copyRetailDays(scratch.dir, DAYS);
  files = DAYS.map((d) => path.join(posDir, `${d}.csv`));
  lake = new Lake(path.join(scratch.dir, 'lake'));
  await ingestFiles(lake, files, { feed: posFeed, mapping: await loadMapping(posFeed) });
  const engine = await openWarehouse(lake);
  await buildModels(lake, engine, await loadProject());
  // The mart is keyed by the golden customer; the raw files know the POS id.
  rows = (
    await engine.query(
      `SELECT keys.source_customer_id AS pos_id, clv.* FROM customer_clv AS clv
       JOIN int_customer_keys AS keys ON keys.customer_key = clv.customer_key AND keys.source_system = 'pos' ORDER BY pos_id`,
    )
  ).rows;
  await engine.close();
}, 120_000);
afterAll(async () => cleanup());

describe('crmlake clv fit', () => {
  it('reproduces the published BG/NBD and Gamma-Gamma fits on the CDNOW data (Fader, Hardie & Lee 2005)', async () => {
    const args = [CLI, 'clv', 'fit', CDNOW, '--customer-col', '0', '--date-col', '2', '--value-col', '4', '--date-format', 'YYYYMMDD', '--calibration-end', '1997-09-30'];
    const { stdout } = await exec(process.execPath, [...args, '--json']);
    const result = JSON.parse(stdout);
    // FHL 2005 section 4: r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4
    expect([result.params.r, result.params.alpha, result.params.a, result.params.b].map((v: number) => v.toFixed(3))).toEqual(['0.243', '4.414', '0.793', '2.426']);
    expect(result.logLikelihood.toFixed(1)).toBe('-9582.4');
    // Fader & Hardie (2013), "The Gamma-Gamma Model of Monetary Value": p = 6.25, q = 3.74, v = 15.44
    expect([result.gammaGamma.p, result.gammaGamma.q, result.gammaGamma.v].map((v: number) => v.toFixed(2))).toEqual(['6.25', '3.74', '15.44']);
    expect(result.customers).toBe(2357);
    const text = (await exec(process.execPath, args)).stdout;
    expect(text).toMatch(/r\s+0\.2426/);
    expect(text).toMatch(/log-likelihood -9582\.4/);
  });

  it('fits the lake\'s own orders when no file is given', async () => {
    const { stdout } = await exec(process.execPath, [CLI, '--lake', lake.uri, 'clv', 'fit', '--period', 'day', '--json']);
    const result = JSON.parse(stdout);
    expect(result.source).toBe('lake: int_customer_orders');
    // Calibration ends two thirds into the history (Dec 1 to Dec 23); its cohort is who bought by then.
    expect(result.calibrationEnd).toBe('2010-12-15');
    const engine = await openWarehouse(lake);
    const cohort = (await engine.query(
      `SELECT count(*) AS n FROM (SELECT customer_key FROM int_customer_orders GROUP BY 1 HAVING min(order_date) <= DATE '2010-12-15')`,
    )).rows[0]!.n;
    await engine.close();
    expect(result.customers).toBe(cohort);
  });
});

describe('the customer_clv mart on Online Retail days', () => {
  it('has one row per customer with orders, with the repeat frequency counted from the raw files', async () => {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const expected = (await connection.runAndReadAll(
      `SELECT CAST(CAST(CAST(CustomerID AS DOUBLE) AS BIGINT) AS VARCHAR) AS customer_key,
              count(DISTINCT substr(InvoiceDate, 1, 10)) - 1 AS frequency
       FROM read_csv([${files.map((f) => `'${f}'`).join(', ')}], header = true, all_varchar = true)
       WHERE CustomerID IS NOT NULL AND CAST(Quantity AS DOUBLE) > 0
         AND upper(StockCode) NOT IN ('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS') AND StockCode NOT LIKE 'gift%'
       GROUP BY 1 ORDER BY 1`,
    )).getRowObjectsJson();
    connection.closeSync();
    instance.closeSync();
    expect(rows.map((r) => [r.pos_id, r.frequency])).toEqual(expected.map((r) => [r.customer_key, Number(r.frequency)]));
  });

  it('gives every customer a finite probability, expectation and CLV, and segments 20/30/50 by CLV', () => {
    for (const row of rows) {
      expect(row.p_alive as number).toBeGreaterThanOrEqual(0);
      expect(row.p_alive as number).toBeLessThanOrEqual(1);
      expect(Number.isFinite(row.expected_purchases_12m)).toBe(true);
      expect(Number.isFinite(row.clv_12m)).toBe(true);
      expect(row.as_of_date).toBe('2010-12-24');
    }
    const bySegment = (s: string) => rows.filter((r) => r.clv_segment === s);
    expect(bySegment('High').length).toBe(Math.ceil(0.2 * rows.length));
    expect(bySegment('High').length + bySegment('Medium').length).toBe(Math.ceil(0.5 * rows.length));
    const minHigh = Math.min(...bySegment('High').map((r) => r.clv_12m as number));
    const maxMedium = Math.max(...bySegment('Medium').map((r) => r.clv_12m as number));
    const maxLow = Math.max(...bySegment('Low').map((r) => r.clv_12m as number));
    expect(minHigh).toBeGreaterThanOrEqual(maxMedium);
    expect(Math.min(...bySegment('Medium').map((r) => r.clv_12m as number))).toBeGreaterThanOrEqual(maxLow);
  });

  it('tracks calibration and hold-out purchases, ending at the total repeat purchases', async () => {
    const engine = await openWarehouse(lake);
    const tracking = (await engine.query(`SELECT * FROM clv_tracking ORDER BY period`)).rows;
    // Repeat purchase days of the calibration cohort, counted independently from the orders.
    const total = (await engine.query(
      `SELECT sum(days - 1) AS n FROM (SELECT count(DISTINCT order_date) AS days FROM int_customer_orders
         GROUP BY customer_key HAVING min(order_date) <= (SELECT max(calibration_end) FROM clv_tracking))`,
    )).rows[0]!.n;
    await engine.close();
    expect(tracking.length).toBeGreaterThan(1);
    expect(tracking.some((t) => t.is_holdout) && tracking.some((t) => !t.is_holdout)).toBe(true);
    expect(tracking.at(-1)!.cumulative_actual).toBe(total);
  });

  it('records the fit behind the headline for the report to judge: history, repeaters, boundary, standard errors, hold-out', async () => {
    const engine = await openWarehouse(lake);
    const [fit] = (await engine.query(`SELECT * FROM clv_fit`)).rows;
    // The hold-out totals are the customers' conditional expectations, summed over clv_holdout_by_frequency's buckets.
    const holdout = (await engine.query(`SELECT sum(customers * actual_mean) AS actual, sum(customers * expected_mean) AS expected FROM clv_holdout_by_frequency`)).rows[0]!;
    await engine.close();
    // The POS sample runs from 1 to 23 December 2010; the as-of date is the day after.
    expect(fit).toMatchObject({ model: 'bgnbd', first_order_date: '2010-12-01', as_of_date: '2010-12-24', history_days: 23, customers: rows.length });
    expect(fit!.repeat_customers).toBe(rows.filter((r) => Number(r.frequency) > 0).length);
    expect(Object.keys(JSON.parse(String(fit!.params)))).toEqual(['r', 'alpha', 'a', 'b']);
    expect(typeof fit!.at_boundary).toBe('boolean');
    expect(fit!.boundary_note === null).toBe(fit!.at_boundary === false);
    expect(typeof fit!.standard_errors_finite).toBe('boolean');
    expect(fit!.holdout_actual).toBeCloseTo(Number(holdout.actual), 4);
    expect(fit!.holdout_actual).toBeGreaterThan(0);
    expect(fit!.holdout_expected).toBeCloseTo(Number(holdout.expected), 3);
  });
});
