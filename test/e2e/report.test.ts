import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDbEngine } from '../../src/engine/duckdb.js';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';
import { Lake } from '../../src/lake/lake.js';
import { loadProject } from '../../src/models/project.js';
import { buildModels } from '../../src/models/runner.js';
import { buildReport, type ReportResult } from '../../src/report/build.js';
import { serveSite } from '../../src/report/serve.js';
import { copyRetailDays, REPO, scratchDir } from '../helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const DAYS = ['2010-12-01', '2010-12-02', '2010-12-03', '2010-12-05', '2010-12-06'];

let cleanup: () => Promise<void>;
let posFiles: string[];
let lake: Lake;
let scratchRoot: string;
let report: ReportResult;
let server: Server;
let url: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  const scratch = await scratchDir('report');
  cleanup = scratch.cleanup;
  const posDir = await copyRetailDays(scratch.dir, DAYS);
  posFiles = DAYS.map((d) => path.join(posDir, `${d}.csv`));
  scratchRoot = scratch.dir;
  lake = new Lake(path.join(scratch.dir, 'lake'));
  await ingestFiles(lake, posFiles, { feed: posFeed, mapping: await loadMapping(posFeed) });
  const engine = await DuckDbEngine.open(lake);
  await buildModels(lake, engine, await loadProject());
  await engine.close();
  report = await buildReport(lake, path.join(scratch.dir, 'site'));
  ({ server, url } = await serveSite(report.out));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('request', (r) => !r.url().startsWith(url) && !r.url().startsWith('data:') && problems.push(`outside request: ${r.url()}`));
  page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.waitForSelector('#top-customers table tbody tr', { timeout: 30_000 });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await cleanup?.();
});

async function rawScalar(sql: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE VIEW raw AS SELECT * FROM read_csv([${posFiles.map((f) => `'${f}'`).join(', ')}], header = true, all_varchar = true)`);
    return Number((await connection.runAndReadAll(sql)).getRows()[0]![0]);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const number = (text: string | null) => Number((text ?? '').replace(/[^0-9.-]/g, ''));

describe('the report site in headless Chromium', () => {
  it('is a small static site that loads without errors or requests outside itself', async () => {
    expect(report.pages).toContain('index.html');
    expect(report.bytes).toBeLessThan(5 * 1024 * 1024);
    expect(problems).toEqual([]);
    await mkdir(path.join(REPO, 'test-output'), { recursive: true });
    await page.screenshot({ path: path.join(REPO, 'test-output', 'report-overview.png'), fullPage: true });
  });

  it('draws the revenue chart with one bar per trading day', async () => {
    const bars = await page.locator('#revenue-trend svg g[aria-label="bar"] rect').count();
    expect(bars).toBe(DAYS.length);
    expect(await page.locator('#segment-sizes svg g[aria-label="bar"] rect').count()).toBeGreaterThan(3);
  });

  it('shows KPI numbers equal to the same numbers computed from the raw files', async () => {
    const orders = await rawScalar(
      `SELECT count(DISTINCT InvoiceNo) FROM raw WHERE CAST(Quantity AS DOUBLE) > 0 AND upper(StockCode) NOT IN ('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS') AND StockCode NOT LIKE 'gift%'`,
    );
    const customers = await rawScalar(
      `SELECT count(DISTINCT CustomerID) FROM raw WHERE CustomerID IS NOT NULL AND CAST(Quantity AS DOUBLE) > 0 AND upper(StockCode) NOT IN ('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS') AND StockCode NOT LIKE 'gift%'`,
    );
    const revenue = await rawScalar(
      `SELECT sum(CAST(Quantity AS DOUBLE) * CAST(UnitPrice AS DOUBLE)) FROM raw WHERE (CAST(Quantity AS DOUBLE) > 0 OR CAST(UnitPrice AS DOUBLE) > 0) AND upper(StockCode) NOT IN ('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS') AND StockCode NOT LIKE 'gift%'`,
    );
    expect(number(await page.textContent('#kpi-orders'))).toBe(orders);
    expect(number(await page.textContent('#kpi-customers'))).toBe(customers);
    expect(number(await page.textContent('#kpi-revenue'))).toBe(Math.round(revenue));
  });

  it('lists top customers, and the segment input filters the table', async () => {
    const rows = page.locator('#top-customers table tbody tr');
    expect(await rows.count()).toBeGreaterThan(5);
    const select = page.getByLabel('Segment');
    const choices = await select.locator('option').allTextContents();
    expect(choices[0]).toBe('All segments');
    const segment = choices.find((c) => c === 'Loyal') ?? choices[1]!;
    await select.selectOption(segment);
    await expect.poll(async () => {
      const segments = await page.locator('#top-customers table tbody tr td:nth-child(3)').allTextContents(); // first cell: row marker
      return segments.length > 0 && segments.every((s) => s.trim() === segment);
    }).toBe(true);
  });

  it('switches the chart measure with the radio input', async () => {
    await page.getByLabel('Orders').check();
    await expect.poll(async () => page.locator('#revenue-trend svg').first().textContent()).toMatch(/Orders/);
  });

  it('rebuilds over an existing site with the new data (no stale loader cache)', async () => {
    const kpis = async () => {
      const dir = path.join(report.out, '_file', 'data');
      const file = (await readdir(dir)).find((f) => f.startsWith('kpis.'))!;
      return JSON.parse(await readFile(path.join(dir, file), 'utf8'))[0] as { last_date: string; orders: number };
    };
    expect((await kpis()).last_date).toBe('2010-12-06');
    const more = await copyRetailDays(scratchRoot, ['2010-12-07'], 'more');
    await ingestFiles(lake, [path.join(more, '2010-12-07.csv')], { feed: posFeed, mapping: await loadMapping(posFeed) });
    const engine = await DuckDbEngine.open(lake);
    await buildModels(lake, engine, await loadProject());
    await engine.close();
    const before = (await kpis()).orders;
    report = await buildReport(lake, report.out);
    const after = await kpis();
    expect(after.last_date).toBe('2010-12-07');
    expect(after.orders).toBeGreaterThan(before);
  });
});
