import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { demoAudienceLift, ingestDemoCompany, runDemoCampaign, type DemoCampaignRun, type DemoCompanyRun } from '../../src/app/demo.js';
import { runReport } from '../../src/app/report.js';
import { withWarehouse } from '../../src/app/warehouse.js';
import { generateCompany } from '../../src/demo/index.js';
import { Lake } from '../../src/lake/lake.js';
import { SiteBrowser } from '../e2e/site.js';
import { fileDigests, scratchDir, SMALL_DEMO } from '../helpers.js';

// The loop the demo closes: export an audience as of a start day, let the generator answer for
// its targets, land the re-delivered files, build, and measure in audience_lift.
const SMALL = SMALL_DEMO;
const WINDOW = { start: '2026-10-26', end: '2026-11-24' };

/** `system:id` of every record in one of the generator's profile files. */
async function sourceIds(dir: string, file: string): Promise<string[]> {
  const lines = (await readFile(path.join(dir, 'customers', 'crmlake-profiles', file), 'utf8')).split('\n').slice(1).filter(Boolean);
  return lines.map((line) => line.split(',').slice(0, 2).join(':'));
}

describe('the demo generator answers for an exported audience', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await scratchDir('demo-response')));
  afterAll(async () => cleanup?.());

  it('appends the targets’ response orders to the window’s files and leaves every other byte as it was', async () => {
    const plain = path.join(dir, 'plain');
    const answered = path.join(dir, 'answered');
    generateCompany({ ...SMALL, out: plain });
    const records = [...(await sourceIds(plain, 'loyalty-desk.csv')), ...(await sourceIds(plain, 'web-accounts.csv'))];
    const targets = records.filter((_, i) => i % 3 === 0);
    const m = generateCompany({ ...SMALL, out: answered, audienceResponse: { ...WINDOW, targets, uplift: 1 } });
    const r = m.audienceResponse!;
    expect(r.targets).toBeGreaterThan(30);
    // With uplift 1 every target orders, unless it had neither a card nor a web account by that day.
    expect(r.orders).toBe(r.storeOrders + r.webOrders);
    expect(r.orders).toBeGreaterThan(r.targets * 0.8);
    expect(r.storeOrders).toBeGreaterThan(0);
    expect(r.webOrders).toBeGreaterThan(0);

    const [before, after] = await Promise.all([fileDigests(plain), fileDigests(answered)]);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    const changed = [...after.entries()].filter(([file, hash]) => before.get(file) !== hash).map(([file]) => file).sort();
    expect(changed).toEqual(r.files);
    // Only monthly files of the window's months took orders: October and November 2026.
    for (const file of changed) expect(file, file).toMatch(/2026-?1[01]/);
    // The web orders file of a changed month grew by exactly the web response orders of that month.
    const webOrderFiles = changed.filter((f) => f.startsWith('web-orders/'));
    let added = 0;
    for (const file of webOrderFiles) {
      const count = async (root: string) => (await readFile(path.join(root, file), 'utf8')).split('\n').filter(Boolean).length;
      added += (await count(answered)) - (await count(plain));
    }
    expect(added).toBe(r.webOrders);
  });
});

describe('the demo campaign: export, responses through the feeds, lift', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lake: Lake;
  let demo: DemoCompanyRun;
  let first: DemoCampaignRun;
  const audiences = () => path.join(dir, 'audiences');
  const counts = () =>
    withWarehouse(lake, async (engine) => {
      const [row] = (
        await engine.query(
          `select (select count(distinct order_id) from curated.pos_lines) as receipts,
                  (select count(*) from curated.web_orders) as web_orders,
                  (select count(*) from curated.pos_lines) as pos_lines`,
        )
      ).rows;
      return { receipts: Number(row!.receipts), webOrders: Number(row!.web_orders), posLines: Number(row!.pos_lines) };
    });
  let landed: { receipts: number; webOrders: number; posLines: number };

  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('demo-campaign'));
    lake = new Lake(path.join(dir, 'lake'));
    demo = await ingestDemoCompany(lake, SMALL);
    // Everyone who bought: a segment large enough at 300 people for the split to mean something.
    await mkdir(audiences(), { recursive: true });
    await writeFile(
      path.join(audiences(), 'loop-test.yml'),
      [
        'name: loop-test',
        'segment: orders >= 1',
        'channel: email',
        'offer: "15% off your next order"',
        'control_share: 0.3',
        'response_window_days: 30',
        'cost: { per_contact: 0.1, fixed: 20 }',
        '',
      ].join('\n'),
    );
    landed = await counts();
    first = await runDemoCampaign(lake, demo, { audience: 'loop-test', dir: audiences(), out: path.join(dir, 'exports'), start: WINDOW.start, uplift: 1 });
  });
  afterAll(async () => cleanup?.());

  it('exports target and control as of the start, and lands exactly the response orders once', async () => {
    const manifest = first.exported!.manifest;
    expect(first.exported!.result?.vendorFile).toBeDefined();
    expect(manifest.window_start).toBe(WINDOW.start);
    expect(manifest.window_end).toBe(WINDOW.end);
    expect(manifest.target).toBeGreaterThan(20);
    expect(manifest.control).toBeGreaterThan(5);
    const r = first.response!;
    expect(r.orders).toBeGreaterThan(0);
    // A re-delivered monthly file replaces the earlier delivery of it: nothing is counted twice.
    const now = await counts();
    expect(now.receipts - landed.receipts).toBe(r.storeOrders);
    expect(now.webOrders - landed.webOrders).toBe(r.webOrders);
  });

  it('measures the offer in audience_lift: the targets responded far more than the control group', async () => {
    await runBuild(lake, { var: demo.buildVars });
    // The lake was built twice (as of the start, then now): the second, incremental, match kept
    // the reviewers' queue of the first.
    const review = await withWarehouse(lake, async (engine) => Number((await engine.query('select count(*) as n from customer_match_review')).rows[0]!.n));
    expect(review).toBeGreaterThan(0);
    const lift = (await demoAudienceLift(lake, first.exported!.manifest.export_id))!;
    expect(lift).toBeDefined();
    expect(Number(lift.target_customers)).toBe(first.exported!.manifest.target);
    expect(Number(lift.control_customers)).toBe(first.exported!.manifest.control);
    expect(lift.window_complete).toBe(true);
    // Uplift 1: each target the generator found placed an order in the window.
    expect(Number(lift.target_response_rate)).toBeGreaterThan(0.9);
    expect(Number(lift.control_response_rate)).toBeLessThan(Number(lift.target_response_rate));
    expect(Number(lift.response_uplift_low)).toBeGreaterThan(0);
    // Revenue per customer is heavy-tailed (gift and corporate orders): at 49 customers its
    // interval may still include 0, and the verdict must then say so rather than claim a lift.
    expect(Number(lift.lift_per_customer)).toBeGreaterThan(0);
    const significant = Number(lift.lift_per_customer_low) > 0;
    expect(lift.lift_significant).toBe(significant);
    expect(lift.lift_verdict).toMatch(significant ? /^significant lift/ : /^not significant/);
  });

  it('shows the latest export on the Campaign ROI page: groups, lift with its interval, the verdict in words', async () => {
    const lift = (await demoAudienceLift(lake, first.exported!.manifest.export_id))!;
    const site = await SiteBrowser.open(await runReport(lake, path.join(dir, 'site')));
    try {
      await site.goto('roi');
      expect(await site.page.textContent('#audience-latest')).toContain('loop-test');
      const kpis = (await site.page.textContent('#audience-kpis')) ?? '';
      expect(kpis).toContain(`${first.exported!.manifest.target} / ${first.exported!.manifest.control}`);
      expect(kpis).toMatch(/95% CI [+−]\S+ to [+−]\S+/);
      const verdict = (await site.page.textContent('#audience-verdict')) ?? '';
      expect(verdict).toContain(String(lift.lift_verdict));
      expect(Number(lift.detectable_lift_per_customer)).toBeGreaterThan(0);
      expect(verdict).toMatch(/only a lift of about \S+ per customer or more could be seen \(80% power\)/);
      expect(await site.page.locator('#audience-lift svg').count()).toBeGreaterThan(0);
      expect(await site.page.locator('#audience-lift tbody tr').count()).toBe(1);
      expect(site.takeProblems()).toEqual([]);
    } finally {
      await site.close();
    }
  });

  it('is idempotent: a second run finds its export recorded and lands nothing new', async () => {
    const before = await counts();
    const again = await runDemoCampaign(lake, demo, { audience: 'loop-test', dir: audiences(), out: path.join(dir, 'exports'), start: WINDOW.start, uplift: 1 });
    expect(again.exported!.result).toBeUndefined();
    expect(again.exported!.manifest.export_id).toBe(first.exported!.manifest.export_id);
    expect(await counts()).toEqual(before);
  });
});
