import { openScratchEngine } from '../../src/app/test.js';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';
import { Lake } from '../../src/lake/lake.js';
import { projectDocs, readBuildRuns } from '../../src/models/docs.js';
import { loadFullProject, loadProject } from '../../src/app/project.js';
import { DEFAULT_MODELS_DIR } from '../../src/models/project.js';
import { buildModels } from '../../src/models/runner.js';
import { selectModels } from '../../src/models/select.js';
import { runTests, SAMPLE_ROWS } from '../../src/models/testing.js';
import { copyRetailDays, REPO, scratchDir, withEngine } from '../helpers.js';

const DAYS = ['2010-12-01', '2010-12-02', '2010-12-03'];

let dir: string;
let cleanup: () => Promise<void>;
let posDir: string;
let lake: Lake;

const ingest = async (l: Lake, days: string[]) =>
  ingestFiles(l, days.map((d) => path.join(posDir, `${d}.csv`)), { feed: posFeed, mapping: await loadMapping(posFeed) });

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('models-runner'));
  posDir = await copyRetailDays(dir, DAYS);
  lake = new Lake(path.join(dir, 'lake'));
  await ingest(lake, DAYS.slice(0, 2));
  await withEngine(lake, async (engine) => buildModels(lake, engine, await loadProject()));
});
afterAll(async () => cleanup());

describe('crmlake test on real Online Retail days', () => {
  it('passes every test of the shipped project: data tests, singular tests and unit tests', async () => {
    const project = await loadFullProject();
    const kinds = { data: 0, singular: 0, unit: 0 };
    const results = await withEngine(lake, (engine) =>
      runTests(engine, project, { openScratch: openScratchEngine, selection: { models: new Set(project.models.map((m) => m.name)) }, built: new Set(engine.catalog().map((e) => e.name)) }),
    );
    for (const r of results) kinds[r.kind]++;
    expect(results.filter((r) => r.status !== 'pass').map((r) => `${r.name}: ${r.status} ${r.error ?? JSON.stringify(r.sample)}`)).toEqual([]);
    expect(kinds.data).toBeGreaterThanOrEqual(20);
    expect(kinds.singular).toBeGreaterThanOrEqual(1);
    expect(kinds.unit).toBeGreaterThanOrEqual(2);
    expect(results.find((r) => r.name === 'unique_customer_rfm_customer_key')).toMatchObject({ kind: 'data', file: 'models/marts/_marts.yml', status: 'pass' });
  });

  it('reports a failing test with its count and up to five failing rows, matching an independent count', async () => {
    const copy = path.join(dir, 'broken');
    await cp(DEFAULT_MODELS_DIR, path.join(copy, 'models'), { recursive: true });
    await writeFile(
      path.join(copy, 'models/staging/_broken.yml'),
      `models:\n  - name: nothing_here\nunit_tests: []\n`,
    );
    const staging = path.join(copy, 'models/staging/_staging.yml');
    await writeFile(staging, (await readFile(staging, 'utf8')).replace('values: [sale, return, adjustment]', 'values: [sale]'));
    await mkdir(path.join(copy, 'tests'));
    await writeFile(path.join(copy, 'tests/no_returns.sql'), `{{ config(severity='warn') }}\nselect order_id from {{ ref('stg_pos__lines') }} where line_type = 'return'`);
    const project = await loadFullProject(path.join(copy, 'models'));
    const results = await withEngine(lake, (engine) => runTests(engine, project, { openScratch: openScratchEngine, selection: { models: new Set(['stg_pos__lines']), kinds: ['data', 'singular'] } }));
    const accepted = results.find((r) => r.name === 'accepted_values_stg_pos__lines_line_type')!;
    const independent = await withEngine(lake, async (engine) =>
      (await engine.query(`select line_type, count(*) as n from curated.pos_lines where line_type <> 'sale' group by 1 order by 1`)).rows,
    );
    expect(accepted).toMatchObject({ status: 'fail', failures: independent.length, file: 'models/staging/_staging.yml', line: expect.any(Number) });
    expect(accepted.sample).toEqual(expect.arrayContaining(independent.map((r) => ({ value_field: r.line_type, n_records: r.n }))));
    const returns = results.find((r) => r.name === 'no_returns')!;
    expect(returns.status).toBe('warn');
    expect(returns.sample).toHaveLength(SAMPLE_ROWS);
    expect(returns.failures).toBeGreaterThan(SAMPLE_ROWS);
    // Tests of models outside the selection do not run.
    expect(results.every((r) => r.model === undefined || r.model === 'stg_pos__lines')).toBe(true);
  });
});

describe('build with selection', () => {
  it('builds only the selected models, which read the others from the warehouse; docs show each last run', async () => {
    const models = await loadProject();
    const only = new Set(selectModels(models, { select: ['customer_rfm'] }).map((m) => m.name));
    const run = await withEngine(lake, (engine) => buildModels(lake, engine, models, { only, selection: { select: ['customer_rfm'] } }));
    expect(run.results.map((r) => [r.model, r.status])).toEqual([['customer_rfm', 'success']]);
    expect(run.select).toEqual(['customer_rfm']);
    const docs = projectDocs(await loadFullProject(), await readBuildRuns(lake));
    const rfm = docs.find((d) => d.name === 'customer_rfm')!;
    const stg = docs.find((d) => d.name === 'stg_pos__lines')!;
    expect(rfm.lastRun).toMatchObject({ status: 'success', engine: 'duckdb', at: run.startedAt, rows: run.results[0]!.rows });
    expect(stg.lastRun!.at < run.startedAt).toBe(true);
    expect(rfm).toMatchObject({ upstream: ['stg_pos__lines', 'int_customer_keys'], downstream: [], materialized: 'table', file: 'models/marts/customer_rfm.sql' });
    expect(stg.downstream).toEqual(expect.arrayContaining(['int_customer_orders', 'customer_rfm', 'sales_daily']));
    expect(rfm.columns.find((c) => c.name === 'customer_key')).toMatchObject({
      description: 'The golden customer (customer master); several POS ids of one person are one customer.',
      tests: ['unique', 'not_null', 'relationships'],
    });
    // The warehouse still opens after a partial rebuild (catalog no longer in dependency order).
    expect(await withEngine(lake, async (engine) => (await engine.query('select count(*) as n from int_customer_orders')).rows[0]!.n)).toBeGreaterThan(0);
  });
});

describe('incremental models', () => {
  const files = {
    'staging/stg_pos__lines.sql': '', // copied from the shipped models below
    'marts/daily_lines.sql': `{{ config(materialized='incremental', unique_key='business_date', lookback_days=1) }}
select business_date, count(*) as lines, cast(sum(line_amount) as double) as amount
from {{ ref('stg_pos__lines') }}
where {{ incremental_filter('business_date') }}
group by business_date`,
    'marts/order_log.sql': `{{ config(materialized='incremental', incremental_strategy='append') }}
select distinct order_id, business_date
from {{ ref('stg_pos__lines') }}
where {{ incremental_filter('business_date') }}`,
  };
  let root: string;
  let incLake: Lake;
  const build = async (l: Lake, fullRefresh = false) => withEngine(l, async (engine) => buildModels(l, engine, await loadProject(root), { fullRefresh }));
  const table = (l: Lake, sql: string) => withEngine(l, async (engine) => (await engine.query(sql)).rows);

  beforeAll(async () => {
    root = path.join(dir, 'incremental-models');
    for (const [file, sql] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(root, file)), { recursive: true });
      await writeFile(path.join(root, file), sql || (await readFile(path.join(REPO, 'models', file), 'utf8')));
    }
    incLake = new Lake(path.join(dir, 'incremental-lake'));
    await ingest(incLake, DAYS.slice(0, 2));
  });

  it('builds whole the first time, then adds only new rows (merge re-reads the lookback days, append only newer ones), equal to a full rebuild', async () => {
    const first = await build(incLake);
    expect(first.results.filter((r) => r.materialized === 'incremental').map((r) => [r.model, r.mode, r.rows])).toEqual([
      ['daily_lines', 'full', 2],
      ['order_log', 'full', expect.any(Number)],
    ]);
    const ordersBefore = first.results.find((r) => r.model === 'order_log')!.rows!;
    await ingest(incLake, DAYS.slice(2));
    const second = await build(incLake);
    const daily = second.results.find((r) => r.model === 'daily_lines')!;
    const log = second.results.find((r) => r.model === 'order_log')!;
    // Stored days 12-01 and 12-02: a 1-day lookback re-reads 12-01 onwards; the new day is 12-03.
    expect(daily).toMatchObject({ mode: 'incremental', inserted: 3, rows: 3 });
    const newOrders = await table(incLake, `select count(distinct order_id) as n from curated.pos_lines where business_date = date '2010-12-03'`);
    expect(log).toMatchObject({ mode: 'incremental', inserted: newOrders[0]!.n, rows: ordersBefore + Number(newOrders[0]!.n) });
    const incremental = await table(incLake, `select cast(business_date as varchar) as d, lines, amount from daily_lines order by 1`);
    const fromScratch = await table(incLake, `select cast(business_date as varchar) as d, count(*) as lines, cast(sum(line_amount) as double) as amount from curated.pos_lines group by 1 order by 1`);
    expect(incremental).toEqual(fromScratch);
    expect(await table(incLake, `select count(*) as n, count(distinct order_id) as d from order_log`)).toEqual([{ n: log.rows, d: log.rows }]);
    // Nothing new: merge re-reads the last days and replaces them; append adds nothing.
    const third = await build(incLake);
    expect(third.results.find((r) => r.model === 'order_log')).toMatchObject({ mode: 'incremental', inserted: 0, rows: log.rows });
    expect(await table(incLake, `select cast(business_date as varchar) as d, lines, amount from daily_lines order by 1`)).toEqual(fromScratch);
    // --full-refresh rebuilds from scratch.
    const refreshed = await build(incLake, true);
    expect(refreshed.results.filter((r) => r.materialized === 'incremental').map((r) => r.mode)).toEqual(['full', 'full']);
    expect(await table(incLake, `select cast(business_date as varchar) as d, lines, amount from daily_lines order by 1`)).toEqual(fromScratch);
  });
});
