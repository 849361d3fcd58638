import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../src/app/report.js';
import type { ReportResult } from '../../src/report/build.js';
import { Lake } from '../../src/lake/lake.js';
import { copyRetailDays, scratchDir } from '../helpers.js';
import { buildLake, CHROMIUM, PAGES, RAW } from './site.js';

/**
 * The site as S3 behind CloudFront (or any plain static server) serves it: a URL is a file, no
 * clean-URL rewriting, only `/` answered with index.html (CloudFront's default root object). Built
 * from six POS days (December 2010) and the call centre's calls (2021), so most months have one
 * feed and not the other, and the lifetime-value fit has a six-day history to work with.
 */

// Run in the browser by page.waitForFunction (tsconfig has no DOM library).
declare const document: { querySelector(selector: string): unknown };

let cleanup: () => Promise<void>;
let report: ReportResult;
let server: Server;
let base: string;
let browser: Browser;
let page: Page;
const problems: string[] = [];

/** Serves `root` file for file: `/x.html` is x.html, `/` is index.html, anything else is a 404. */
async function plainServer(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer(async (req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(root, urlPath === '/' ? 'index.html' : urlPath);
    const info = file.startsWith(root) ? await stat(file).catch(() => undefined) : undefined;
    if (!info?.isFile()) return void res.writeHead(404).end('not found');
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' }[path.extname(file)];
    res.writeHead(200, type ? { 'content-type': type } : {});
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return { server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` };
}

async function open(url: string): Promise<void> {
  await page.goto(url, { waitUntil: 'networkidle' });
  await page.waitForFunction(() => !document.querySelector('observablehq-loading'), undefined, { timeout: 30_000 });
}

beforeAll(async () => {
  const scratch = await scratchDir('site-static');
  cleanup = scratch.cleanup;
  const pos = await copyRetailDays(scratch.dir, ['2010-12-01', '2010-12-02', '2010-12-03', '2010-12-05', '2010-12-06', '2010-12-07']);
  const lake = new Lake(path.join(scratch.dir, 'lake'));
  await buildLake(lake, { pos: [pos], calls: [RAW.calls] });
  report = await runReport(lake, path.join(scratch.dir, 'site'));
  ({ server, url: base } = await plainServer(report.out));
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('response', (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
}, 300_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  await cleanup?.();
});

describe('the report site on a plain static server', () => {
  it('reaches every page through its sidebar links, which name files', async () => {
    await open(base);
    const links = await page.locator('#observablehq-sidebar a').evaluateAll((as) => as.map((a) => (a as unknown as { href: string }).href));
    expect(links.length).toBeGreaterThanOrEqual(PAGES.length);
    for (const link of links) expect(link, 'a link to a file').toMatch(/\.html$/);
    for (const { title } of PAGES) {
      await open(base);
      await page.click(`#observablehq-sidebar a >> text="${title}"`);
      await page.waitForLoadState('networkidle');
      expect(await page.textContent('#observablehq-main h1')).toBe(title);
    }
    expect(problems.splice(0)).toEqual([]);
  });

  it('opened from file:// says how to view it instead of spinning', async () => {
    await page.goto(pathToFileURL(path.join(report.out, 'roi.html')).href);
    await page.waitForSelector('#file-protocol-message');
    expect(await page.textContent('#observablehq-main h1')).toBe('Open this report through a web server');
    expect(await page.textContent('#file-protocol-message')).toContain(`crmlake serve --dir ${report.out}`);
    expect(await page.locator('observablehq-loading').count()).toBe(0);
  });

  it('shows "no data" for a month no sales feed covers, not £0 and a missed target', async () => {
    await open(base + 'index.html');
    await page.selectOption('#observablehq-main form select', { label: 'Mar 2021' });
    await page.waitForTimeout(500);
    expect(await page.textContent('#kpi-revenue')).toBe('no data');
    expect(await page.textContent('#card-revenue')).toContain('no sales data for Mar 2021');
    expect(await page.textContent('#card-revenue')).not.toMatch(/missed|£0/);
    // The calls cover March 2021: their KPIs are numbers.
    expect(await page.textContent('#kpi-service-level')).toMatch(/^\d+\.\d%$/);
    await page.selectOption('#observablehq-main form select', { label: 'Dec 2010' });
    await page.waitForTimeout(500);
    expect(await page.textContent('#kpi-revenue')).toMatch(/^£[\d,]+$/);
    expect(await page.textContent('#kpi-csat-avg')).toBe('no data');
    expect(problems.splice(0)).toEqual([]);
  });

  it('qualifies the lifetime value of a six-day history instead of presenting it', async () => {
    await open(base + 'clv.html');
    expect(await page.textContent('#clv-weak-fit')).toMatch(/purchase history is only 7 days/);
    expect(await page.textContent('#clv-total')).toBe('not reliable');
    expect(problems.splice(0)).toEqual([]);
  });
});
