import { openScratchEngine } from '../../src/app/test.js';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestDatasets, REAL_DATASET_FEEDS } from '../../src/app/demo.js';
import { openWarehouse } from '../../src/app/warehouse.js';
import type { Engine } from '../../src/engine/engine.js';
import type { IngestRun } from '../../src/feeds/ingest.js';
import { Lake } from '../../src/lake/lake.js';
import { loadFullProject, loadProject } from '../../src/app/project.js';
import { buildModels } from '../../src/models/runner.js';
import { runTests, type TestResult } from '../../src/models/testing.js';
import { DATASETS, REPO, RETAIL_DAYS, scratchDir } from '../helpers.js';

/**
 * The mart catalogue on every shared real data set: POS (Online Retail, Dec 2010), calls (PwC),
 * web product views (DIGINETICA) and the Olist sample (customers, reviews, orders, items,
 * payments) land in one scratch lake, every model builds, every test of the project passes, and
 * marts are checked against computations made straight on the raw files (JS or a separate DuckDB
 * over the CSVs), not through the marts' SQL.
 */

const CALLS_CSV = path.join(DATASETS, 'pwc-call-centre', 'call-center.csv');
const VIEWS_CSV = path.join(DATASETS, 'diginetica-clickstream', 'item-views.csv');
const OLIST = path.join(DATASETS, 'olist-sample');
// Non-goods codes, written out from the data set's documentation, independently of the mapping file.
const NON_PRODUCT = `('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS','ADJUST','ADJUST2','TEST001','TEST002')`;

let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;
let engine: Engine;
let ingests: IngestRun[];
let buildRows: Map<string, number | null>;
let testResults: TestResult[];

const query = async (sql: string) => (await engine.query(sql)).rows;

/** SQL on the raw Online Retail CSV files (and the seeds), in a DuckDB of its own: the independent side. */
async function rawPos(sql: string): Promise<Record<string, unknown>[]> {
  const days = (await readdir(RETAIL_DAYS)).filter((f) => f.endsWith('.csv')).map((f) => `'${path.join(RETAIL_DAYS, f)}'`);
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`CREATE VIEW raw AS SELECT * FROM read_csv([${days.join(', ')}], header = true, all_varchar = true, quote = '"', escape = '"')`);
    await connection.run(
      `CREATE VIEW sale_lines AS SELECT InvoiceNo, StockCode, CAST(CAST(CustomerID AS DOUBLE) AS BIGINT) AS customer, ` +
        `CAST(substr(InvoiceDate, 1, 10) AS DATE) AS day, CAST(Quantity AS DOUBLE) AS q, CAST(UnitPrice AS DOUBLE) AS p ` +
        `FROM raw WHERE upper(StockCode) NOT IN ${NON_PRODUCT} AND StockCode NOT LIKE 'gift_%' AND CAST(Quantity AS DOUBLE) > 0`,
    );
    for (const seed of ['campaigns', 'campaign_members']) {
      await connection.run(`CREATE VIEW ${seed} AS SELECT * FROM read_csv('${path.join(REPO, 'seeds', `${seed}.csv`)}', header = true, all_varchar = true)`);
    }
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const readCsv = async (file: string, options: { delimiter?: string } = {}) =>
  parse(await readFile(file, 'utf8'), { bom: true, columns: true, skip_empty_lines: true, relax_quotes: false, ...options }) as Record<string, string>[];

const countBy = <T>(rows: T[], key: (row: T) => string) => {
  const out = new Map<string, number>();
  for (const row of rows) out.set(key(row), (out.get(key(row)) ?? 0) + 1);
  return out;
};

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('marts'));
  lake = new Lake(path.join(dir, 'lake'));
  ingests = await ingestDatasets(lake);
  const build = await openWarehouse(lake);
  try {
    const run = await buildModels(lake, build, await loadProject());
    buildRows = new Map(run.results.map((r) => [r.model, r.rows]));
  } finally {
    await build.close();
  }
  engine = await openWarehouse(lake);
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

describe('every real data set lands, builds and passes the project tests', () => {
  it('ingests all eight feeds with a reconciliation that adds up', () => {
    expect(ingests.map((r) => r.feed)).toEqual(REAL_DATASET_FEEDS.map((f) => f.feed));
    for (const run of ingests) {
      expect(run.totals.landed, run.feed).toBeGreaterThan(0);
      expect(run.totals.read, run.feed).toBe(run.totals.landed + run.totals.quarantined);
    }
  });

  it('builds every mart of the catalogue with rows', () => {
    const marts = [
      'customer_360', 'customer_segment_monthly', 'segment_migration', 'customer_profitability', 'profitability_deciles',
      'customer_lifecycle', 'cohort_retention', 'product_affinity', 'next_best_product', 'callcenter_kpis', 'satisfaction',
      'satisfaction_repeat', 'web_funnel', 'campaign_response', 'basket_thresholds', 'contact_frequency', 'data_quality', 'kpi_monthly',
    ];
    for (const mart of marts) expect(buildRows.get(mart), mart).toBeGreaterThan(0);
    expect(buildRows.get('profitability_deciles')).toBe(10);
    expect(buildRows.get('campaign_response')).toBe(4);
    expect(buildRows.get('data_quality')).toBe(8);
  });

  it('passes every data, singular and unit test of the project (crmlake test)', () => {
    expect(testResults.filter((r) => r.status !== 'pass').map((r) => `${r.name}: ${r.status} ${r.error ?? JSON.stringify(r.sample)}`)).toEqual([]);
    const kinds = countBy(testResults, (r) => r.kind);
    expect(kinds.get('data')).toBeGreaterThanOrEqual(150);
    expect(kinds.get('singular')).toBeGreaterThanOrEqual(6);
    expect(kinds.get('unit')).toBeGreaterThanOrEqual(8);
  });
});

describe('marts against independent computations on the raw files', () => {
  it('callcenter_kpis: calls offered, answered and abandoned per day, and the service level, as in call-center.csv', async () => {
    const calls = await readCsv(CALLS_CSV);
    expect(calls).toHaveLength(5000);
    const offered = countBy(calls, (c) => c.Date!);
    const answered = countBy(calls.filter((c) => c['Answered (Y/N)'] === 'Y'), (c) => c.Date!);
    const rows = await query(
      `select cast(call_date as varchar) as day, sum(offered) as offered, sum(answered) as answered, sum(abandoned) as abandoned, ` +
        `sum(answered_within_target) as within from callcenter_kpis group by 1 order by 1`,
    );
    expect(rows).toHaveLength(offered.size);
    for (const row of rows) {
      const day = String(row.day);
      expect(row.offered, day).toBe(offered.get(day));
      expect(row.answered, day).toBe(answered.get(day) ?? 0);
      expect(row.abandoned, day).toBe(offered.get(day)! - (answered.get(day) ?? 0));
    }
    const within = calls.filter((c) => c['Answered (Y/N)'] === 'Y' && Number(c['Speed of answer in seconds']) <= 20).length;
    expect(rows.reduce((n, r) => n + Number(r.within), 0)).toBe(within);
    const abandoned = calls.filter((c) => c['Answered (Y/N)'] === 'N').length;
    expect(abandoned).toBe(946);
  });

  it('web_funnel: sessions and product views per day as in item-views.csv', async () => {
    const lines = (await readFile(VIEWS_CSV, 'utf8')).split(/\r?\n/).filter((l) => l.trim() !== '');
    const [header, ...views] = lines.map((l) => l.split(';'));
    expect(header).toEqual(['session_id', 'user_id', 'item_id', 'timeframe', 'eventdate']);
    const perDay = countBy(views, (v) => v[4]!);
    const sessions = new Map<string, Set<string>>();
    for (const v of views) sessions.set(v[4]!, (sessions.get(v[4]!) ?? new Set()).add(v[0]!));
    const rows = await query(`select cast(date as varchar) as day, product_views, sessions, product_view_sessions, purchase_sessions from web_funnel order by day`);
    expect(rows.map((r) => r.day)).toEqual([...perDay.keys()].sort());
    for (const row of rows) {
      expect(row.product_views, String(row.day)).toBe(perDay.get(String(row.day)));
      expect(row.sessions, String(row.day)).toBe(sessions.get(String(row.day))!.size);
      expect(row.product_view_sessions).toBe(row.sessions);
      expect(row.purchase_sessions).toBe(0);
    }
  });

  it('satisfaction: review count and average score of the web channel as in the Olist reviews file', async () => {
    const reviews = await readCsv(path.join(OLIST, 'olist_order_reviews_dataset.csv'));
    const mean = reviews.reduce((s, r) => s + Number(r.review_score), 0) / reviews.length;
    const [row] = await query(
      `select sum(responses) as responses, sum(responses * avg_score) / sum(responses) as avg_score ` +
        `from satisfaction where channel = 'web' and dimension = 'all'`,
    );
    expect(row!.responses).toBe(reviews.length);
    expect(row!.avg_score as number).toBeCloseTo(mean, 9);
    // per month of the answer
    const byMonth = new Map<string, { n: number; sum: number }>();
    for (const r of reviews) {
      const month = r.review_answer_timestamp!.slice(0, 7);
      const m = byMonth.get(month) ?? { n: 0, sum: 0 };
      byMonth.set(month, { n: m.n + 1, sum: m.sum + Number(r.review_score) });
    }
    const months = await query(`select substr(cast(month as varchar), 1, 7) as month, responses, avg_score from satisfaction where channel = 'web' and dimension = 'all' order by month`);
    expect(months.map((m) => m.month)).toEqual([...byMonth.keys()].sort());
    for (const m of months) {
      const want = byMonth.get(String(m.month))!;
      expect(m.responses).toBe(want.n);
      expect(m.avg_score as number).toBeCloseTo(want.sum / want.n, 9);
    }
  });

  it('kpi_monthly: December 2010 revenue, orders and active customers as in the raw POS lines', async () => {
    const [want] = await rawPos(
      `select sum(CAST(Quantity AS DOUBLE) * CAST(UnitPrice AS DOUBLE)) as revenue
       from raw where upper(StockCode) not in ${NON_PRODUCT} and StockCode not like 'gift_%'`,
    );
    const [counts] = await rawPos(`select count(distinct InvoiceNo) as orders, count(distinct customer) as customers from sale_lines`);
    const [row] = await query(`select revenue, pos_revenue, orders, active_customers, new_customers from kpi_monthly where month = date '2010-12-01'`);
    expect(row!.revenue as number).toBeCloseTo(Number(want!.revenue), 2);
    expect(row!.pos_revenue).toBe(row!.revenue);
    expect(row!.orders).toBe(Number(counts!.orders));
    expect(row!.active_customers).toBe(Number(counts!.customers));
    expect(row!.new_customers).toBe(row!.active_customers);
  });

  it('product_affinity: support, confidence and lift of the strongest POS rules recomputed from the raw lines', async () => {
    const rules = await query(`select product_a, product_b, support, confidence, lift from product_affinity where source_feed = 'pos' order by lift desc, product_a, product_b limit 3`);
    expect(rules).toHaveLength(3);
    for (const rule of rules) {
      const [want] = await rawPos(
        `with baskets as (select distinct InvoiceNo, StockCode from sale_lines),
              n as (select count(distinct InvoiceNo) as baskets from baskets),
              a as (select InvoiceNo from baskets where StockCode = '${rule.product_a}'),
              b as (select InvoiceNo from baskets where StockCode = '${rule.product_b}')
         select (select count(*) from a join b using (InvoiceNo)) as both_, (select count(*) from a) as a_, (select count(*) from b) as b_, n.baskets
         from n`,
      );
      const [both, a, b, baskets] = [want!.both_, want!.a_, want!.b_, want!.baskets].map(Number) as [number, number, number, number];
      expect(rule.support as number).toBeCloseTo(both / baskets, 12);
      expect(rule.confidence as number).toBeCloseTo(both / a, 12);
      expect(rule.lift as number).toBeCloseTo(both / a / (b / baskets), 9);
    }
  });

  it('campaign_response: audience sizes and responders of every example campaign from the seeds and the raw POS lines', async () => {
    const expected = await rawPos(
      `select m.campaign_id, m.is_control, count(distinct m.source_customer_id) as members,
              count(distinct case when s.customer is not null then m.source_customer_id end) as responders
       from campaign_members m
       join campaigns c on c.campaign_id = m.campaign_id
       left join sale_lines s on s.customer = CAST(m.source_customer_id AS BIGINT)
         and s.day between CAST(c.start_date AS DATE) and CAST(c.end_date AS DATE)
       group by 1, 2 order by 1, 2`,
    );
    const rows = await query(`select campaign_id, treated_customers, control_customers, treated_responders, control_responders from campaign_response order by campaign_id`);
    expect(rows).toHaveLength(4);
    for (const row of rows) {
      const group = (control: string) => expected.find((e) => e.campaign_id === row.campaign_id && e.is_control === control)!;
      expect(row.treated_customers, String(row.campaign_id)).toBe(Number(group('false').members));
      expect(row.control_customers).toBe(Number(group('true').members));
      expect(row.treated_responders, String(row.campaign_id)).toBe(Number(group('false').responders));
      expect(row.control_responders).toBe(Number(group('true').responders));
    }
  });

  it('customer_360: one customer per POS id, per Olist person and per identified web visitor', async () => {
    const [pos] = await rawPos(`select count(distinct CAST(CAST(CustomerID AS DOUBLE) AS BIGINT)) as n from raw where CustomerID is not null and CustomerID <> ''`);
    const olist = new Set((await readCsv(path.join(OLIST, 'olist_customers_dataset.csv'))).map((c) => c.customer_unique_id));
    const views = (await readFile(VIEWS_CSV, 'utf8')).split(/\r?\n/).slice(1).filter(Boolean).map((l) => l.split(';')[1]);
    const visitors = new Set(views.filter((u) => u !== 'NA'));
    const rows = await query(`select source_systems, count(*) as n from customer_360 group by 1 order by 1`);
    expect(Object.fromEntries(rows.map((r) => [r.source_systems, r.n]))).toEqual({ olist: olist.size, pos: Number(pos!.n), web: visitors.size });
    const [stages] = await query(`select count(*) as n from customer_360 where lifecycle_stage = 'Prospect' and orders > 0`);
    expect(stages!.n).toBe(0);
  });
});

describe('data_quality on a delivery with rejected rows', () => {
  it('counts the quarantined rows of the day as the ingest reconciliation does', async () => {
    const { dir: small, cleanup: done } = await scratchDir('marts-dq');
    try {
      // Real calls, plus one with a rating outside the 1-5 scale (rejected by the calls feed).
      const lines = (await readFile(CALLS_CSV, 'utf8')).split('\r\n');
      const bad = lines[1]!.replace(/^ID0001,/, 'ID9999,').replace(/,3$/, ',9');
      const file = path.join(small, 'calls.csv');
      await writeFile(file, [...lines.slice(0, 51), bad].join('\r\n') + '\r\n');
      const smallLake = new Lake(path.join(small, 'lake'));
      const [run] = await ingestDatasets(smallLake, small, [{ feed: 'calls', paths: ['calls.csv'] }]);
      expect(run!.totals).toMatchObject({ read: 51, landed: 50, quarantined: 1 });
      const smallEngine = await openWarehouse(smallLake);
      try {
        await buildModels(smallLake, smallEngine, await loadProject(), { only: new Set(['int_quarantine_daily', 'data_quality']) });
        const rows = (await smallEngine.query(`select feed, rows_landed, rows_quarantined, rejected_files, quarantine_rate, deliveries from data_quality`)).rows;
        expect(rows).toEqual([{ feed: 'calls', rows_landed: 50, rows_quarantined: 1, rejected_files: 0, quarantine_rate: 1 / 51, deliveries: 1 }]);
        const reasons = (await smallEngine.query(`select field, rows_quarantined from int_quarantine_daily`)).rows;
        expect(reasons).toEqual([{ field: 'satisfaction_score', rows_quarantined: 1 }]);
      } finally {
        await smallEngine.close();
      }
    } finally {
      await done();
    }
  });
});
