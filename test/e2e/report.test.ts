import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';
import { buildLake, openSite, PAGES, RAW, rawNumber, rawQuery, testModels, type SiteBrowser } from './site.js';

/**
 * The whole report site, built once from a lake holding every real data set (POS, calls, web
 * clicks, Olist customers, reviews, orders, items, payments) and the model tests' results, then
 * read page by page in headless Chromium. Numbers on the pages are checked against the raw files
 * with straight DuckDB SQL (site.ts: rawQuery), never against the marts.
 */

let cleanup: () => Promise<void>;
let site: SiteBrowser;

beforeAll(async () => {
  const scratch = await scratchDir('report');
  cleanup = scratch.cleanup;
  const lake = new Lake(path.join(scratch.dir, 'lake'));
  await buildLake(lake, Object.fromEntries(Object.entries(RAW).map(([feed, file]) => [feed, [file]])));
  await testModels(lake);
  site = await openSite(lake, path.join(scratch.dir, 'site'));
}, 300_000);

afterAll(async () => {
  await site?.close();
  await cleanup?.();
});

// Run in the browser by page.evaluate (tsconfig has no DOM library).
declare const document: { querySelectorAll(selector: string): ArrayLike<BrowserElement> };
declare function getComputedStyle(element: unknown): { breakInside: string };
interface BrowserElement {
  id: string;
  textContent: string | null;
  childElementCount: number;
  closest(selector: string): BrowserElement | null;
  querySelector(selector: string): BrowserElement | null;
  querySelectorAll(selector: string): ArrayLike<BrowserElement>;
}

/** Product lines of the Online Retail files, as the POS mapping and stg_pos__lines define them. */
const POS_PRODUCT = `upper(StockCode) NOT IN ('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS') AND StockCode NOT LIKE 'gift%'`;
const DATA_MARKS = ['bar', 'line', 'dot', 'cell', 'rect', 'area'];

describe('the report site on every real data set', () => {
  it('is a small static site with one page per question, built from every mart without warnings', async () => {
    expect(site.report.pages).toEqual(['call-center.html', 'clv.html', 'customers.html', 'data-quality.html', 'index.html', 'roi.html', 'satisfaction.html', 'web.html']);
    expect(site.report.warnings).toEqual([]);
    expect(site.report.bytes).toBeLessThan(2 * 1024 * 1024);
    expect(site.report.seconds).toBeLessThan(60);
    // Nothing in the site points outside it (no CDN, no web fonts).
    for (const file of await readdir(site.report.out, { recursive: true })) {
      if (!/\.(html|css)$/.test(file)) continue;
      const text = await readFile(path.join(site.report.out, file), 'utf8');
      expect(text, file).not.toMatch(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
    }
  });

  it.each(PAGES)('$title loads without errors or outside requests, and every chart and table shows data', async ({ path: pagePath, name, title }) => {
    const page = await site.goto(pagePath);
    expect(await page.textContent('#observablehq-main h1')).toBe(title);
    // The sidebar lists every page.
    const nav = await page.locator('#observablehq-sidebar a').allTextContents();
    for (const p of PAGES) expect(nav).toContain(p.title);
    expect(await page.locator('.observablehq--error').allTextContents()).toEqual([]);
    // No section lacks data — except measured audience lift, which needs an `audience export`
    // this lake of public data never had (no consent data): that card must say so.
    expect(await page.locator('.no-data:not(#audience-lift .no-data)').allTextContents()).toEqual([]);
    if (pagePath === 'roi') expect(await page.locator('#audience-lift').textContent()).toMatch(/No audience exports recorded in this lake yet/);
    // Every chart draws marks from data, every table has rows.
    const charts = await page.evaluate((marks) => {
      return Array.from(document.querySelectorAll('#observablehq-main svg[class^="plot-"]:not([class$="-ramp"])')).map((svg) => {
        const card = svg.closest('.card');
        const data = marks.flatMap((m) => Array.from(svg.querySelectorAll(`g[aria-label="${m}"]`))).reduce((n, g) => n + g.childElementCount, 0);
        return { where: card?.id || card?.querySelector('h2')?.textContent || '?', data };
      });
    }, DATA_MARKS);
    expect(charts.length).toBeGreaterThan(0);
    expect(charts.filter((c) => c.data === 0)).toEqual([]);
    const tables = await page.locator('#observablehq-main table').evaluateAll((ts) => ts.map((t) => (t as unknown as BrowserElement).querySelectorAll('tbody tr').length));
    expect(tables.every((rows) => rows > 0)).toBe(true);
    // Every page says where its numbers come from.
    expect(await page.locator('.source', { hasText: 'mart' }).count()).toBeGreaterThan(0);
    await site.screenshot(`report-${name}`);
    expect(site.takeProblems()).toEqual([]);
  });

  it('has a print layout: no sidebar, cards not split across pages', async () => {
    const page = await site.goto('');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#observablehq-sidebar').isVisible()).toBe(false);
    expect(await page.locator('.card').first().evaluate((el) => getComputedStyle(el).breakInside)).toBe('avoid');
    await page.emulateMedia({ media: 'screen' });
    await site.screenshot('report-overview-print', { print: true });
    expect(site.takeProblems()).toEqual([]);
  });
});

describe('numbers on the pages equal the same numbers computed from the raw files', () => {
  it('Overview: revenue, orders and active customers of December 2010 from the raw POS lines', async () => {
    const page = await site.goto('');
    const defaultRevenue = await page.textContent('#kpi-revenue');
    await page.getByLabel('Month').selectOption({ label: 'Dec 2010' });
    await site.settle();
    const revenue = await rawNumber(
      `SELECT sum(CAST(Quantity AS DOUBLE) * CAST(UnitPrice AS DOUBLE)) FROM raw_pos WHERE InvoiceDate LIKE '2010-12%' AND (CAST(Quantity AS DOUBLE) > 0 OR CAST(UnitPrice AS DOUBLE) > 0) AND ${POS_PRODUCT}`,
    );
    const orders = await rawNumber(`SELECT count(DISTINCT InvoiceNo) FROM raw_pos WHERE CAST(Quantity AS DOUBLE) > 0 AND ${POS_PRODUCT}`);
    const customers = await rawNumber(`SELECT count(DISTINCT CustomerID) FROM raw_pos WHERE CustomerID IS NOT NULL AND CAST(Quantity AS DOUBLE) > 0 AND ${POS_PRODUCT}`);
    expect(await page.textContent('#kpi-revenue')).not.toBe(defaultRevenue); // the month input changed what is shown
    expect(await site.number('#kpi-revenue')).toBe(Math.round(revenue));
    expect(await site.number('#kpi-orders')).toBe(orders);
    expect(await site.number('#kpi-active-customers')).toBe(customers);
    // December 2010 is the first month: no previous month to compare with.
    expect(await page.textContent('#what-changed')).toMatch(/No KPI has a value in both|No earlier month/);
    await site.screenshot('report-overview-dec-2010');
    expect(site.takeProblems()).toEqual([]);
  });

  it('Call center: calls offered and answered rate from the raw PwC file, for all agents and for one', async () => {
    const page = await site.goto('call-center');
    const raw = async (where: string) =>
      (await rawQuery(`SELECT count(*) AS offered, avg(CASE WHEN "Answered (Y/N)" = 'Y' THEN 1.0 ELSE 0 END) AS answered FROM raw_calls WHERE ${where}`))[0]! as { offered: number; answered: number };
    const all = await raw('true');
    expect(await site.number('#cc-offered')).toBe(all.offered);
    expect(await site.number('#cc-answered-rate')).toBe(Number((all.answered * 100).toFixed(1)));
    await page.getByLabel('Agent').selectOption('Becky');
    await site.settle();
    const becky = await raw(`Agent = 'Becky'`);
    expect(becky.offered).toBeLessThan(all.offered);
    expect(await site.number('#cc-offered')).toBe(becky.offered);
    expect(await site.number('#cc-answered-rate')).toBe(Number((becky.answered * 100).toFixed(1)));
    const csat = await rawNumber(`SELECT avg(CAST("Satisfaction rating" AS DOUBLE)) FROM raw_calls WHERE Agent = 'Becky' AND "Satisfaction rating" IS NOT NULL`);
    expect(await site.number('#cc-csat')).toBe(Number(csat.toFixed(2)));
    expect(site.takeProblems()).toEqual([]);
  });

  it('Web: product views from the raw DIGINETICA log, in total and for one month', async () => {
    const page = await site.goto('web');
    expect(await site.number('#web-product-views')).toBe(await rawNumber('SELECT count(*) FROM raw_web'));
    await page.getByLabel('Period').selectOption({ label: 'May 2016' });
    await site.settle();
    expect(await site.number('#web-product-views')).toBe(await rawNumber(`SELECT count(*) FROM raw_web WHERE eventdate LIKE '2016-05-%'`));
    expect(site.takeProblems()).toEqual([]);
  });

  it('Satisfaction: the average review score from the raw Olist reviews and the call rating from the PwC file', async () => {
    const page = await site.goto('satisfaction');
    const reviews = await rawNumber('SELECT avg(CAST(review_score AS DOUBLE)) FROM raw_reviews');
    expect(await site.number('#sat-review-avg')).toBe(Number(reviews.toFixed(2)));
    const calls = await rawNumber(`SELECT avg(CAST("Satisfaction rating" AS DOUBLE)) FROM raw_calls WHERE "Satisfaction rating" IS NOT NULL`);
    expect(await site.number('#sat-call-avg')).toBe(Number(calls.toFixed(2)));
    // The channel input narrows the trend chart to one channel's line.
    const channels = async () => page.locator('#sat-trend svg[class^="plot-"] g[aria-label="line"] path').count();
    expect(await channels()).toBe(2);
    await page.getByLabel('Channel').selectOption({ label: 'Web (order reviews)' });
    await site.settle();
    expect(await channels()).toBe(1);
    expect(site.takeProblems()).toEqual([]);
  });

  it('Customers: the number of identified POS buyers from the raw lines; the segment input filters the table', async () => {
    const page = await site.goto('customers');
    expect(await site.number('#cust-rfm-customers')).toBe(
      await rawNumber(`SELECT count(DISTINCT CustomerID) FROM raw_pos WHERE CustomerID IS NOT NULL AND CAST(Quantity AS DOUBLE) > 0 AND ${POS_PRODUCT}`),
    );
    const select = page.getByLabel('Segment');
    const choices = await select.locator('option').allTextContents();
    expect(choices[0]).toBe('All segments');
    const segment = choices.find((c) => c === 'Loyal') ?? choices[1]!;
    await select.selectOption(segment);
    await expect
      .poll(async () => {
        const segments = await page.locator('#top-customers table tbody tr td:nth-child(3)').allTextContents(); // first cell: row marker
        return segments.length > 0 && segments.every((s) => s.trim() === segment);
      })
      .toBe(true);
    expect(site.takeProblems()).toEqual([]);
  });
});

describe('inputs change what the pages show', () => {
  it('Lifetime value: lowering the P(alive) threshold shortens the at-risk list', async () => {
    const page = await site.goto('clv');
    const before = await site.number('#clv-at-risk-count');
    expect(before).toBeGreaterThan(0);
    await page.getByLabel('P(alive) below').first().fill('0.7');
    await site.settle();
    const after = await site.number('#clv-at-risk-count');
    expect(after).toBeLessThan(before);
    // The table holds the most valuable of them (at most 50, the site ships no row per customer):
    // every one below the threshold, by value.
    const rows = await page.locator('#clv-at-risk table tbody tr').evaluateAll((trs) =>
      trs.map((tr) => Array.from((tr as unknown as BrowserElement).querySelectorAll('td')).map((td) => td.textContent ?? '')),
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(Math.min(after, 50));
    const number = (text: string) => Number(text.replace(/[^0-9.-]/g, ''));
    for (const row of rows) expect(number(row[3]!)).toBeLessThan(70); // P(alive), "45.1%"
    const values = rows.map((row) => number(row[2]!));
    expect(values).toEqual([...values].sort((a, b) => b - a));
    expect(site.takeProblems()).toEqual([]);
  });

  it('Campaign ROI: the threshold input redraws the basket distribution for that threshold', async () => {
    const page = await site.goto('roi');
    const select = page.getByLabel('Threshold');
    const options = await select.locator('option').allTextContents();
    expect(options.length).toBeGreaterThan(1);
    const note = async () => page.textContent('#basket-thresholds .kpi-note');
    const first = await note();
    const other = options.find((o) => !first?.includes(o.match(/£\d+/)![0]))!;
    await select.selectOption({ label: other });
    await site.settle();
    expect(await note()).toContain(other.match(/£\d+/)![0]);
    expect(site.takeProblems()).toEqual([]);
  });

  it('Customers: the month-end input changes the migration matrix', async () => {
    const page = await site.goto('customers');
    const summary = async () => page.textContent('#segment-migration .kpi-note');
    const first = await summary();
    await page.getByLabel('Month end').selectOption({ label: 'Dec 2010' });
    await site.settle();
    expect(await summary()).not.toBe(first);
    expect(await summary()).toMatch(/^Dec 2010: 884 customers/);
    expect(site.takeProblems()).toEqual([]);
  });

  it('Data quality: the feeds reconcile, every model built and its tests ran; the filter narrows the models table', async () => {
    const page = await site.goto('data-quality');
    const rows = await rawNumber(`SELECT (SELECT count(*) FROM raw_pos) + (SELECT count(*) FROM raw_calls) + (SELECT count(*) FROM raw_web) + (SELECT count(*) FROM raw_reviews)`);
    expect(await site.number('#dq-landed')).toBeGreaterThan(rows); // plus the other Olist files
    expect(await page.textContent('#dq-tests')).toMatch(/^\d[\d,]* \/ \d[\d,]*$/);
    // The table renders its rows in pages (30 at first): compare what the rows are, not how many.
    const layers = async () => (await page.locator('#dq-models table tbody tr td:nth-child(2)').allTextContents()).map((m) => /^(stg|int)_/.test(m.trim()));
    expect(await layers()).toContain(true);
    await page.getByLabel('Marts').check();
    await site.settle();
    const marts = await layers();
    expect(marts.length).toBeGreaterThan(0);
    expect(marts).not.toContain(true);
    expect(site.takeProblems()).toEqual([]);
  });
});
