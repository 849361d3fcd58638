import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { ingestDemoCompany, type DemoCompanyRun } from '../../src/app/demo.js';
import { loadFullProject } from '../../src/app/project.js';
import { openScratchEngine } from '../../src/app/test.js';
import { openWarehouse } from '../../src/app/warehouse.js';
import { generateCompany } from '../../src/demo/index.js';
import { PRODUCTS } from '../../src/demo/company.js';
import type { Engine } from '../../src/engine/engine.js';
import { Lake } from '../../src/lake/lake.js';
import { runTests, type TestResult } from '../../src/models/testing.js';
import { fileDigests, REPO, scratchDir, SMALL_DEMO } from '../helpers.js';

const SMALL = SMALL_DEMO;

describe('the demo company generator', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await scratchDir('demo-gen')));
  afterAll(async () => cleanup?.());

  it('writes byte-identical files for the same seed, and other files for another seed', async () => {
    const a = generateCompany({ ...SMALL, customers: 150, out: path.join(dir, 'a') });
    const b = generateCompany({ ...SMALL, customers: 150, out: path.join(dir, 'b') });
    const c = generateCompany({ ...SMALL, customers: 150, seed: 8, out: path.join(dir, 'c') });
    expect(b).toEqual(a);
    const [da, db, dc] = await Promise.all([fileDigests(path.join(dir, 'a')), fileDigests(path.join(dir, 'b')), fileDigests(path.join(dir, 'c'))]);
    expect(da.size).toBeGreaterThan(30);
    expect([...db.entries()]).toEqual([...da.entries()]);
    const same = [...dc.entries()].filter(([file, hash]) => da.get(file) === hash).map(([file]) => file);
    expect(same.filter((f) => !f.startsWith('campaigns/'))).toEqual([]);
  });

  it('holds out the configured share of each campaign audience as control', () => {
    const m = generateCompany({ ...SMALL, customers: 2000, days: 400, controlShare: 0.3, out: path.join(dir, 'share') });
    const treated = m.campaigns.reduce((n, c) => n + c.treated, 0);
    const control = m.campaigns.reduce((n, c) => n + c.control, 0);
    expect(m.campaigns.length).toBeGreaterThanOrEqual(4);
    expect(control / (treated + control)).toBeGreaterThan(0.27);
    expect(control / (treated + control)).toBeLessThan(0.33);
  });
});

describe('the demo company lands through the real feeds and fills every report query', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lake: Lake;
  let demo: DemoCompanyRun;
  let engine: Engine;
  let testResults: TestResult[];
  const query = async (sql: string) => (await engine.query(sql)).rows;

  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('demo-company'));
    lake = new Lake(path.join(dir, 'lake'));
    demo = await ingestDemoCompany(lake, { ...SMALL, filesDir: path.join(dir, 'files') });
    await runBuild(lake, { var: demo.buildVars });
    engine = await openWarehouse(lake, { readOnly: true });
    const project = await loadFullProject();
    testResults = await runTests(engine, project, {
      openScratch: openScratchEngine,
      selection: { models: new Set(project.models.map((m) => m.name)) },
      built: new Set(engine.catalog().map((e) => e.name)),
    });
  });

  afterAll(async () => {
    await engine?.close();
    await cleanup?.();
  });

  it('quarantines exactly the rows written wrong on purpose, and lands everything else', () => {
    const feeds = new Set(demo.runs.map((r) => r.feed));
    expect([...feeds].sort()).toEqual(
      ['calls', 'campaign-members', 'campaigns', 'customers', 'pos', 'surveys', 'web', 'web-order-items', 'web-orders', 'web-payments'].sort(),
    );
    demo.runs.forEach((run, i) => {
      const delivery = demo.manifest.deliveries[i]!;
      expect(run.totals.read, delivery.mapping).toBe(delivery.rows);
      expect(run.totals.quarantined, delivery.mapping).toBe(delivery.injectedRejects);
      expect(run.totals.landed, delivery.mapping).toBe(delivery.rows - delivery.injectedRejects);
      expect(run.files.filter((f) => f.outcome === 'rejected'), delivery.mapping).toEqual([]);
    });
    // One bad row in every monthly file of the POS, web, calls and survey feeds; a duplicate in the partner list.
    for (const d of demo.manifest.deliveries) {
      const expected = ['pos', 'web', 'calls', 'surveys'].includes(d.feed) ? d.paths.length : d.feed === 'customers' ? 1 : 0;
      expect(d.injectedRejects, d.mapping).toBe(expected);
    }
  });

  it('quarantines the injected rows for the reasons they were injected', async () => {
    const reasons = await query(
      `select feed, reason from (${['pos', 'calls', 'web', 'surveys', 'customers']
        .map((f) => `select '${f}' as feed, reason from quarantine."${f}"`)
        .join(' union all ')}) group by all order by 1, 2`,
    );
    const byFeed = (feed: string) => reasons.filter((r) => r.feed === feed).map((r) => String(r.reason));
    expect(byFeed('pos').some((r) => /quantity is zero/.test(r))).toBe(true);
    expect(byFeed('pos').some((r) => /not a number/.test(r))).toBe(true);
    expect(byFeed('calls')).toEqual([expect.stringMatching(/satisfaction score 0 is outside 1-5/)]);
    expect(byFeed('web')).toEqual([expect.stringMatching(/event type/)]);
    expect(byFeed('surveys')).toEqual([expect.stringMatching(/empty response/)]);
    expect(byFeed('customers')).toEqual([expect.stringMatching(/duplicate customer/)]);
  });

  it('reads the GBK till export back as the same Chinese text', async () => {
    const names = new Set(PRODUCTS.map((p) => p.name));
    const rows = await query(
      `select description, count(*) as n from curated.pos_lines where _mapping like 'lotus-pos-legacy@%' and is_product group by 1`,
    );
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.map((r) => String(r.description)).filter((d) => !names.has(d))).toEqual([]);
    const [stores] = await query(`select count(distinct store_id) as n, min(order_ts) as first from curated.pos_lines where _mapping like 'lotus-pos-legacy@%'`);
    expect(Number(stores!.n)).toBe(6); // Changsha, Wuhan and Chengdu: two stores each
  });

  it('unifies customers across systems: one key holds records from the loyalty desk, the web shop, the call centre', async () => {
    const [row] = await query(
      `select count(*) as customers, count(case when systems >= 2 then 1 end) as multi
       from (select customer_key, count(distinct source_system) as systems from customer_xref group by 1)`,
    );
    expect(Number(row!.multi)).toBeGreaterThan(Number(row!.customers) * 0.1);
    // The generator's ids encode the person (cards 62/63 + index, W + 3·index + 1, C + 100000 + index,
    // PT + 7·index + 3), so the test knows the truth: keys must rarely hold two different people.
    const [truth] = await query(
      `with x as (
         select customer_key, case source_system
           when 'pos' then cast(substr(source_customer_id, 3) as integer)
           when 'web' then (cast(substr(source_customer_id, 2) as integer) - 1) / 3
           when 'calls' then cast(substr(source_customer_id, 2) as integer) - 100000
           when 'partner' then (cast(substr(source_customer_id, 3) as integer) - 3) / 7 end as person
         from customer_xref)
       select count(*) as keys, count(case when people > 1 then 1 end) as overmerged
       from (select customer_key, count(distinct person) as people from x group by 1)`,
    );
    expect(Number(truth!.overmerged)).toBeLessThanOrEqual(Number(truth!.keys) * 0.02);
    const issues = await query(`select count(*) as n from dim_customer where issues like '%ambiguous day/month%'`);
    expect(Number(issues[0]!.n)).toBe(0); // the demo declares the date order of every system
  });

  it('fills the latest month of every page: sales, calls, satisfaction, web funnel, campaigns', async () => {
    const [kpi] = await query(`select * from kpi_monthly order by month desc limit 1`);
    expect(String(kpi!.month)).toMatch(/^2026-11/);
    for (const column of ['revenue', 'pos_revenue', 'web_revenue', 'orders', 'active_customers', 'calls_offered', 'calls_answered', 'csat_responses', 'review_responses']) {
      expect(Number(kpi![column]), column).toBeGreaterThan(0);
    }
    const latest = async (sql: string) => Number((await query(sql))[0]!.n);
    expect(await latest(`select count(*) as n from callcenter_kpis where call_date >= date '2026-11-01'`)).toBeGreaterThan(0);
    expect(await latest(`select sum(purchase_sessions) as n from web_funnel where date >= date '2026-11-01'`)).toBeGreaterThan(0);
    expect(await latest(`select sum(add_to_cart_sessions) as n from web_funnel where date >= date '2026-11-01'`)).toBeGreaterThan(0);
    expect(await latest(`select count(*) as n from satisfaction`)).toBeGreaterThan(0);
    expect(await latest(`select count(*) as n from campaign_response where end_date >= date '2026-11-01' and treated_customers > 0 and control_customers > 0`)).toBeGreaterThan(0);
    expect(await latest(`select count(*) as n from customer_profitability where profit < 0`)).toBeGreaterThan(0);
  });

  it('carries marketing consent from every system, and the golden record keeps the latest statement', async () => {
    const [c] = await query(
      `select count(case when email_consent then 1 end) as email_yes, count(case when not email_consent then 1 end) as email_no,
              count(case when sms_consent then 1 end) as sms_yes, count(case when not sms_consent then 1 end) as sms_no,
              count(ads_consent) as ads_known, count(*) as customers
       from int_customer_consent`,
    );
    for (const k of ['email_yes', 'email_no', 'sms_yes', 'sms_no', 'ads_known']) expect(Number(c![k]), k).toBeGreaterThan(0);
    // No customer has a later statement on record than the one the golden record keeps.
    const [later] = await query(
      `select count(*) as n
       from int_customer_consent as g
       inner join int_customer_keys as k on k.customer_key = g.customer_key
       inner join curated.customer_profiles as p on p.source_system = k.source_system and p.source_customer_id = k.source_customer_id
       where p.email_consent_at > g.email_consent_at or p.sms_consent_at > g.sms_consent_at`,
    );
    expect(Number(later!.n)).toBe(0);
  });

  it('has baskets with affinities: tea with its teaware, and a next best product for customers', async () => {
    const pairs = await query(`select product_a, product_b, lift from product_affinity where source_feed = 'pos' order by lift desc`);
    const partners = PRODUCTS.filter((p) => p.goesWith).map((p) => `${p.sku}>${p.goesWith!.sku}`);
    const found = pairs.filter((r) => partners.includes(`${r.product_a}>${r.product_b}`));
    expect(found.length).toBeGreaterThan(0);
    for (const r of found) expect(Number(r.lift)).toBeGreaterThan(1.5);
    const [nbp] = await query(`select count(*) as n from next_best_product`);
    expect(Number(nbp!.n)).toBeGreaterThan(0);
  });

  it('gives every report data query rows', async () => {
    const folder = path.join(REPO, 'reports', 'src', 'data');
    // audience_lift measures `crmlake audience export` runs, which the demo does not make.
    const loaders = (await readdir(folder)).filter((f) => f.endsWith('.sql') && f !== 'audience_lift.json.sql');
    expect(loaders.length).toBeGreaterThan(10);
    const empty: string[] = [];
    for (const file of loaders) {
      const rows = await query(await readFile(path.join(folder, file), 'utf8'));
      if (rows.length === 0) empty.push(file);
    }
    // The at-risk loaders list customers with P(alive) below the page's slider; a 120-day history
    // can leave every customer at P(alive) = 1 (a fit on the boundary), and then they are rightly empty.
    const [alive] = await query(`select count(*) as n from customer_clv where p_alive < 1`);
    const atRisk = ['clv_at_risk_steps.json.sql', 'clv_at_risk_top.json.sql'];
    const expected = Number(alive!.n) === 0 ? empty.filter((f) => atRisk.includes(f)) : [];
    expect(empty).toEqual(expected);
  });

  it('passes the project data tests on the demo company', () => {
    expect(testResults.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => `${r.name}: ${r.status} ${r.error ?? ''}`)).toEqual([]);
  });
});
