import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir } from 'node:fs/promises';
import type { Server } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { chromium, type Browser, type Page } from 'playwright-core';
import { openWarehouse } from '../../src/app/warehouse.js';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { expandInputs, Lake } from '../../src/lake/lake.js';
import { loadProject } from '../../src/app/project.js';
import { buildModels } from '../../src/models/runner.js';
import { runReport as buildReport } from '../../src/app/report.js';
import type { ReportResult } from '../../src/report/build.js';
import { serveSite } from '../../src/report/serve.js';
import { CLI, DATASETS, REPO } from '../helpers.js';

// Run in the browser by page.waitForFunction (tsconfig has no DOM library).
declare const document: { querySelector(selector: string): unknown };

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SHOTS = path.join(REPO, 'test-output');

/** Every page of the site: its path and the heading it shows. */
export const PAGES = [
  { path: '', name: 'overview', title: 'Overview' },
  { path: 'roi', name: 'roi', title: 'Campaign ROI' },
  { path: 'satisfaction', name: 'satisfaction', title: 'Satisfaction' },
  { path: 'customers', name: 'customers', title: 'Customers' },
  { path: 'clv', name: 'clv', title: 'Lifetime value' },
  { path: 'call-center', name: 'call-center', title: 'Call center' },
  { path: 'web', name: 'web', title: 'Web' },
  { path: 'data-quality', name: 'data-quality', title: 'Data quality' },
] as const;

/** The shared real data sets, by feed (each with the feed's default mapping). */
export const RAW = {
  pos: path.join(DATASETS, 'online-retail', 'by-day'),
  calls: path.join(DATASETS, 'pwc-call-centre', 'call-center.csv'),
  web: path.join(DATASETS, 'diginetica-clickstream', 'item-views.csv'),
  customers: path.join(DATASETS, 'olist-sample', 'olist_customers_dataset.csv'),
  surveys: path.join(DATASETS, 'olist-sample', 'olist_order_reviews_dataset.csv'),
  'web-orders': path.join(DATASETS, 'olist-sample', 'olist_orders_dataset.csv'),
  'web-order-items': path.join(DATASETS, 'olist-sample', 'olist_order_items_dataset.csv'),
  'web-payments': path.join(DATASETS, 'olist-sample', 'olist_order_payments_dataset.csv'),
} as const;

/** Lands files into their feeds, then builds every model. */
export async function buildLake(lake: Lake, feeds: Partial<Record<keyof typeof RAW, string[]>>): Promise<void> {
  for (const [name, inputs] of Object.entries(feeds)) {
    const feed = getFeed(name);
    await ingestFiles(lake, await expandInputs(inputs!), { feed, mapping: await loadMapping(feed) });
  }
  const engine = await openWarehouse(lake);
  try {
    await buildModels(lake, engine, await loadProject());
  } finally {
    await engine.close();
  }
}

/** Runs the model tests as `crmlake test` does (recorded in the lake's _runs/ for the data quality page). */
export async function testModels(lake: Lake): Promise<void> {
  await promisify(execFile)(process.execPath, [CLI, '--lake', lake.uri, 'test'], { maxBuffer: 64 * 1024 * 1024 }).catch((error: { code?: number }) => {
    if (error.code !== 1) throw error; // 1 = some test failed: still recorded, the page shows it
  });
}

/** A served site and a browser tab that records every console error, failed or outside request. */
export class SiteBrowser {
  readonly problems: string[] = [];
  private constructor(
    readonly report: ReportResult,
    readonly url: string,
    private readonly server: Server,
    private readonly browser: Browser,
    readonly page: Page,
  ) {}

  static async open(report: ReportResult, width = 1280): Promise<SiteBrowser> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (or set CHROMIUM_PATH)`);
    const { server, url } = await serveSite(report.out);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    const site = new SiteBrowser(report, url, server, browser, page);
    const problems = site.problems;
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith(url) && !r.url().startsWith('data:') && problems.push(`outside request: ${r.url()}`));
    page.on('requestfailed', (r) => problems.push(`failed request: ${r.url()}`));
    page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    return site;
  }

  /** Opens a page and waits until its code has run (no pending cells, fonts and data loaded). */
  async goto(pagePath: string): Promise<Page> {
    await this.page.goto(this.url + pagePath, { waitUntil: 'networkidle' });
    await this.page.waitForSelector('#observablehq-main h1');
    await this.settle();
    return this.page;
  }

  /** Waits for Framework's cells to finish (after an input changes, too). */
  async settle(): Promise<void> {
    await this.page.waitForFunction(() => !document.querySelector('observablehq-loading'), undefined, { timeout: 30_000 });
    await this.page.waitForTimeout(150);
  }

  /** Text of an element, as a number ("£760,324" → 760324, "81.1%" → 81.1). */
  async number(selector: string): Promise<number> {
    const text = (await this.page.textContent(selector)) ?? '';
    const value = Number(text.replace(/[^0-9.-]/g, ''));
    if (!text.trim() || Number.isNaN(value)) throw new Error(`${selector} shows "${text}", not a number`);
    return value;
  }

  /** Problems recorded since the last call. */
  takeProblems(): string[] {
    return this.problems.splice(0);
  }

  async screenshot(name: string, options: { print?: boolean } = {}): Promise<string> {
    await mkdir(SHOTS, { recursive: true });
    const file = path.join(SHOTS, `${name}.png`);
    if (options.print) await this.page.emulateMedia({ media: 'print' });
    await this.page.screenshot({ path: file, fullPage: true });
    if (options.print) await this.page.emulateMedia({ media: 'screen' });
    return file;
  }

  async close(): Promise<void> {
    await this.browser.close();
    this.server.close();
  }
}

/** Builds a site from a lake and opens it in headless Chromium. */
export async function openSite(lake: Lake, out: string): Promise<SiteBrowser> {
  return SiteBrowser.open(await buildReport(lake, out));
}

/**
 * Straight DuckDB over the raw shared files (not the lake, not the marts), for numbers checked
 * independently of the models: views raw_pos, raw_calls, raw_web and raw_reviews.
 */
export async function rawQuery(sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const posFiles = (await readdir(RAW.pos)).filter((f) => f.endsWith('.csv')).map((f) => `'${path.join(RAW.pos, f)}'`);
    await connection.run(`CREATE VIEW raw_pos AS SELECT * FROM read_csv([${posFiles.join(', ')}], header = true, all_varchar = true)`);
    await connection.run(`CREATE VIEW raw_calls AS SELECT * FROM read_csv('${RAW.calls}', header = true, all_varchar = true)`);
    await connection.run(`CREATE VIEW raw_web AS SELECT * FROM read_csv('${RAW.web}', header = true, delim = ';', all_varchar = true)`);
    await connection.run(`CREATE VIEW raw_reviews AS SELECT * FROM read_csv('${RAW.surveys}', header = true, all_varchar = true)`);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJson().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : Number(v)])));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export async function rawNumber(sql: string): Promise<number> {
  return Object.values((await rawQuery(sql))[0]!)[0] as number;
}
