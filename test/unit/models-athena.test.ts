import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAthenaBuild, renderPlan, type AthenaModelPlan, type AthenaPlanOptions } from '../../src/app/compile.js';
import { checkAthenaStatement } from '../../src/engine/athena/syntax.js';
import { loadProject } from '../../src/app/project.js';
import { topologicalOrder } from '../../src/models/project.js';

const OPTIONS: AthenaPlanOptions = {
  database: 'crm_wh',
  sourceDatabase: 'crm_curated',
  location: 's3://bucket/warehouse/',
  runId: 'R1',
  vars: {},
};

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-athena-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(dir, 'p-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), sql);
  }
  return root;
}

/** Every statement of every plan parses (see checkAthenaStatement for the grammar's gaps). */
async function expectAllParse(plans: AthenaModelPlan[]): Promise<number> {
  let count = 0;
  for (const plan of plans) {
    for (const statement of plan.statements) {
      const check = await checkAthenaStatement(statement);
      expect(check, `${plan.model} ${statement.kind}:\n${statement.sql}`).toMatchObject({ ok: true });
      count++;
    }
  }
  return count;
}

describe('Athena compile of the shipped models', () => {
  it('plans every model in dependency order under staged names, resolves ref/source to database.table and parses every statement', async () => {
    const models = topologicalOrder(await loadProject());
    const plans = planAthenaBuild(models, OPTIONS);
    expect(plans.map((p) => p.model)).toEqual(models.map((m) => m.name));
    const stg = plans.find((p) => p.model === 'stg_pos__lines')!;
    expect(stg.statements).toHaveLength(1);
    expect(stg.statements[0]!.sql).toMatch(/^CREATE OR REPLACE VIEW crm_wh\.stg_pos__lines__stage_r1 AS\n/);
    expect(stg.statements[0]!.sql).toContain('from crm_curated.pos_lines');
    expect(renderPlan(stg)).toMatch(/at the build's commit: CREATE OR REPLACE VIEW crm_wh\.stg_pos__lines over the final names/);
    const rfm = plans.find((p) => p.model === 'customer_rfm')!;
    expect(rfm.statements.map((s) => s.kind)).toEqual(['ctas']);
    expect(rfm.statements[0]!.sql).toMatch(
      /^CREATE TABLE crm_wh\.customer_rfm__stage_r1\nWITH \(\n  format = 'PARQUET',\n  write_compression = 'SNAPPY',\n  external_location = 's3:\/\/bucket\/warehouse\/customer_rfm\/r1\/'\n\) AS\n/,
    );
    // Later models of the build read the staged tables; nothing of the DuckDB names is left.
    expect(rfm.statements[0]!.sql).toMatch(/join crm_wh\.int_customer_keys__stage_r1\b/);
    expect(rfm.statements[0]!.sql).not.toMatch(/\{\{|main\."|curated\."/);
    expect(renderPlan(rfm)).toMatch(/the Glue table crm_wh\.customer_rfm is switched to s3:\/\/bucket\/warehouse\/customer_rfm\/r1\//);
    // Program models are not SQL: listed, with no statements.
    const clv = plans.find((p) => p.model === 'customer_clv')!;
    expect(clv).toMatchObject({ kind: 'program', statements: [] });
    expect(renderPlan(clv)).toMatch(/program model: computed in TypeScript \(src\/clv\/models\.ts\), not SQL/);
    expect(await expectAllParse(plans)).toBe(plans.filter((p) => p.kind === 'sql').reduce((n, p) => n + p.statements.length, 0));
  });

  it('passes vars into the SQL', async () => {
    const models = await loadProject();
    const [rfm] = planAthenaBuild(models.filter((m) => m.name === 'customer_rfm'), { ...OPTIONS, vars: { as_of: '2011-01-01' } });
    expect(rfm!.statements[0]!.sql).toContain(`cast(nullif('2011-01-01', '') as date)`);
  });
});

describe('Athena compile of incremental and partitioned models', () => {
  let plans: AthenaModelPlan[];
  let rebuild: AthenaModelPlan[];
  beforeAll(async () => {
    const root = await project({
      'staging/stg.sql': `select * from {{ source('pos', 'pos_lines') }}`,
      'marts/daily.sql': `{{ config(materialized='incremental', unique_key=['business_date', 'store_id'], lookback_days=2, partitioned_by=['business_date']) }}\nselect store_id, sum(line_amount) as amount, business_date\nfrom {{ ref('stg') }}\nwhere {{ incremental_filter('business_date') }}\ngroup by business_date, store_id`,
      'marts/log.sql': `{{ config(materialized='incremental') }}\nselect order_id, business_date from {{ ref('stg') }} where {{ incremental_filter('business_date') }}`,
      'marts/part.sql': `{{ config(materialized='table', partitioned_by='business_date') }}\nselect order_id, business_date from {{ ref('stg') }}`,
    });
    const models = topologicalOrder(await loadProject(root, []));
    plans = planAthenaBuild(models, OPTIONS);
    rebuild = planAthenaBuild(models, { ...OPTIONS, fullRefresh: true });
  });

  it('merge: stages the new rows, deletes stored rows with their keys (Iceberg MERGE), inserts; CTAS for the first build', () => {
    const daily = plans.find((p) => p.model === 'daily')!;
    expect(daily.statements.map((s) => s.kind)).toEqual(['drop', 'ctas', 'merge-delete', 'insert', 'drop']);
    const [, stage, merge, insert] = daily.statements;
    expect(stage!.sql).toContain(`CREATE TABLE crm_wh.daily__incremental`);
    expect(stage!.sql).toContain(`(business_date >= (select date_add('day', -2, max(business_date)) from crm_wh.daily) or (select max(business_date) from crm_wh.daily) is null)`);
    // The staged view of this build is what the incremental run reads.
    expect(stage!.sql).toContain('from crm_wh.stg__stage_r1');
    expect(merge!.sql).toBe(
      'MERGE INTO crm_wh.daily AS target\nUSING crm_wh.daily__incremental AS batch\nON target.business_date IS NOT DISTINCT FROM batch.business_date AND target.store_id IS NOT DISTINCT FROM batch.store_id\nWHEN MATCHED THEN DELETE',
    );
    expect(insert!.sql).toBe('INSERT INTO crm_wh.daily\nSELECT * FROM crm_wh.daily__incremental');
    const ctas = rebuild.find((p) => p.model === 'daily')!.statements.find((s) => s.kind === 'ctas')!;
    expect(ctas.sql).toContain(`table_type = 'ICEBERG'`);
    expect(ctas.sql).toContain(`partitioning = ARRAY['business_date']`);
    expect(ctas.sql).toContain('where true');
    expect(renderPlan(daily)).toMatch(/more than 100 partitions are written by one CTAS and INSERT INTO statements of 100 each/);
  });

  it('append: INSERT INTO the Hive table with the filter; --full-refresh plans the CTAS', () => {
    const log = plans.find((p) => p.model === 'log')!;
    expect(log.statements).toEqual([expect.objectContaining({ kind: 'insert', sql: expect.stringMatching(/^INSERT INTO crm_wh\.log\nselect order_id, business_date from crm_wh\.stg__stage_r1 where \(business_date > \(select max\(business_date\) from crm_wh\.log\)/) })]);
    const full = rebuild.find((p) => p.model === 'log')!;
    expect(full.statements.map((s) => s.kind)).toEqual(['drop', 'ctas']);
    expect(full.statements[1]!.sql).toContain(`external_location = 's3://bucket/warehouse/log/r1/'`);
  });

  it('partitioned tables get partitioned_by', () => {
    const part = plans.find((p) => p.model === 'part')!;
    expect(part.statements[0]!.sql).toContain(`partitioned_by = ARRAY['business_date']`);
  });

  it('every statement parses', async () => {
    expect(await expectAllParse([...plans, ...rebuild])).toBeGreaterThan(10);
  });
});

describe('the syntax check catches what Athena would reject', () => {
  it.each([
    ['QUALIFY', `select * from t qualify row_number() over (order by a) = 1`],
    ['GROUP BY ALL', `select a, count(*) from t group by all`],
    ['a typo', `select a, from t`],
    ['an unclosed paren', `select count(a from t`],
  ])('%s', async (_what, select) => {
    const check = await checkAthenaStatement({ kind: 'ctas', sql: `CREATE TABLE db.x WITH (format = 'PARQUET') AS\n${select}`, select });
    expect(check.ok).toBe(false);
    expect(check.error).toBeTruthy();
  });

  it('parses whole views and inserts with the trino grammar, CTAS by its SELECT', async () => {
    expect(await checkAthenaStatement({ kind: 'view', sql: 'CREATE OR REPLACE VIEW db.v AS\nselect 1 as a', select: 'select 1 as a' })).toEqual({ ok: true, grammar: 'trino', parsed: 'statement' });
    expect(await checkAthenaStatement({ kind: 'ctas', sql: `CREATE TABLE db.t WITH (format = 'PARQUET') AS\nselect 1 as a`, select: 'select 1 as a' })).toEqual({ ok: true, grammar: 'trino', parsed: 'select' });
    expect(await checkAthenaStatement({ kind: 'drop', sql: 'DROP TABLE IF EXISTS db.t' })).toMatchObject({ ok: true, grammar: 'pattern' });
    expect(await checkAthenaStatement({ kind: 'drop', sql: 'DROP TABLE db.t; DELETE' })).toMatchObject({ ok: false });
  });
});
