import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.js';
import { runReport as buildReport } from '../../src/app/report.js';
import { copyRetailDays, scratchDir } from '../helpers.js';
import { buildLake, PAGES, SiteBrowser } from './site.js';

/**
 * Pages with no rows say so instead of failing: a lake with only two days of POS data (no calls,
 * web events or reviews: those marts are built but empty), then a lake with nothing in it at all
 * (no marts: every loader fails), built into the same folder.
 */

let cleanup: () => Promise<void>;
let scratch: string;
let site: SiteBrowser;

beforeAll(async () => {
  const dir = await scratchDir('report-empty');
  cleanup = dir.cleanup;
  scratch = dir.dir;
  const lake = new Lake(path.join(scratch, 'lake'));
  await buildLake(lake, { pos: [await copyRetailDays(scratch, ['2010-12-01', '2010-12-02'])] });
  site = await SiteBrowser.open(await buildReport(lake, path.join(scratch, 'site')));
}, 300_000);

afterAll(async () => {
  await site?.close();
  await cleanup?.();
});

/** Data rows of the site's kpi_monthly.csv. */
const kpiRows = async (out: string) => {
  const dir = path.join(out, '_file', 'data');
  const file = (await readdir(dir)).find((f) => f.startsWith('kpi_monthly.'))!;
  return (await readFile(path.join(dir, file), 'utf8')).split('\n').slice(1).filter((line) => line.trim()).length;
};

describe('the report site with missing data', () => {
  it('on POS data only: sales pages show it, the call center, web and satisfaction pages say they have none', async () => {
    expect(site.report.warnings).toEqual([]);
    for (const { path: pagePath, name } of PAGES) {
      const page = await site.goto(pagePath);
      expect(await page.locator('.observablehq--error').allTextContents(), name).toEqual([]);
      const empty = await page.locator('.no-data').count();
      if (['call-center', 'web', 'satisfaction', 'clv'].includes(name)) expect(empty, name).toBeGreaterThan(0);
      if (name === 'customers') expect(empty, name).toBe(0);
      await site.screenshot(`report-pos-only-${name}`);
    }
    await site.goto('');
    expect(await site.number('#kpi-orders')).toBeGreaterThan(0);
    expect(await site.page.textContent('#kpi-csat-avg')).toBe('no data'); // no calls: no CSAT, not a zero
    await site.goto('call-center');
    expect(await site.page.textContent('#cc-daily-calls')).toMatch(/No calls in the lake yet/);
    expect(site.takeProblems()).toEqual([]);
  });

  it('on an empty lake (nothing built): every page loads and says there is no data, and no data of the previous build is left', async () => {
    expect(await kpiRows(site.report.out)).toBeGreaterThan(0);
    const empty = await buildReport(new Lake(path.join(scratch, 'empty-lake')), site.report.out);
    expect(empty.pages).toHaveLength(PAGES.length);
    expect(empty.warnings.length).toBeGreaterThan(10);
    expect(empty.warnings.join('\n')).toMatch(/data\/kpi_monthly\.csv: .*kpi_monthly/);
    expect(await kpiRows(empty.out)).toBe(0);
    for (const { path: pagePath, name } of PAGES) {
      const page = await site.goto(pagePath);
      expect(await page.locator('.observablehq--error').allTextContents(), name).toEqual([]);
      expect(await page.locator('.no-data').count(), name).toBeGreaterThan(0);
      expect(await page.locator('#observablehq-main svg[class^="plot-"]').count(), name).toBe(0);
    }
    // The data quality page lists what did not load.
    await site.goto('data-quality');
    expect(await site.page.textContent('#dq-load-errors')).toMatch(/kpi_monthly/);
    await site.screenshot('report-empty-data-quality');
    expect(site.takeProblems()).toEqual([]);
  });
});
