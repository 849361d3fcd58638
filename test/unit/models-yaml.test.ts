import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadFullProject } from '../../src/app/project.js';
import { openScratchEngine } from '../../src/app/test.js';
import { type Project } from '../../src/models/project.js';
import { dataTestSql, UnitTestEngine } from '../../src/models/testing.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-yaml-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(dir, 'p-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), text);
  }
  return root;
}

const relations = { modelRelation: (m: string) => `wh.${m}`, sourceRelation: (s: string, t: string) => `src.${t}`, quarantineRelation: (f: string) => `rejects.${f}` };

const SCHEMA = `version: 2
models:
  - name: orders
    description: One row per order.
    config:
      tags: [daily]
    data_tests:
      - expression_is_true:
          expression: "amount >= 0"
      - unique:
          column_name: "customer_id || order_id"
    columns:
      - name: order_id
        description: The order.
        data_tests:
          - unique
          - not_null
      - name: status
        tests:
          - accepted_values:
              values: [open, closed]
              config:
                severity: warn
                where: "order_date >= date '2020-01-01'"
      - name: customer_id
        data_tests:
          - relationships:
              arguments:
                to: ref('customers')
                field: id
      - name: amount
        data_tests:
          - dbt_utils.expression_is_true:
              expression: "< 1000000"
              name: amount_is_plausible
  - name: customers
`;

describe('models YAML: generic data tests', () => {
  let loaded: Project;
  beforeAll(async () => {
    const root = await project({
      'marts/orders.sql': `select * from {{ ref('customers') }}`,
      'marts/customers.sql': `select 1 as id`,
      'marts/_marts.yml': SCHEMA,
    });
    loaded = await loadFullProject(root, { programs: [] });
  });

  it('reads model- and column-level tests (data_tests: and tests:, dbt 1.10 arguments:, severity, where, custom names), with their lines', () => {
    const orders = loaded.models.find((m) => m.name === 'orders')!;
    expect(orders.config.tags).toEqual(['daily']);
    expect(orders.doc).toEqual({ file: 'marts/_marts.yml', line: 3 });
    expect(orders.tests.map((t) => [t.name, t.kind, t.column ?? null, t.severity, t.line])).toEqual([
      ['expression_is_true_orders_amount_0', 'expression_is_true', null, 'error', 8],
      ['unique_orders_customer_id_order_id', 'unique', 'customer_id || order_id', 'error', 10],
      ['unique_orders_order_id', 'unique', 'order_id', 'error', 16],
      ['not_null_orders_order_id', 'not_null', 'order_id', 'error', 17],
      ['accepted_values_orders_status', 'accepted_values', 'status', 'warn', 20],
      ['relationships_orders_customer_id__customers_id', 'relationships', 'customer_id', 'error', 27],
      ['amount_is_plausible', 'expression_is_true', 'amount', 'error', 33],
    ]);
    expect(orders.columns.map((c) => c.name)).toEqual(['order_id', 'status', 'customer_id', 'amount']);
  });

  it('writes each test as a query for the failing rows, in the Trino subset', () => {
    const tests = Object.fromEntries(loaded.models.find((m) => m.name === 'orders')!.tests.map((t) => [t.kind + (t.column ? `:${t.column}` : ''), dataTestSql(t, relations)]));
    expect(tests['not_null:order_id']).toBe('select * from wh.orders as tested where order_id is null');
    expect(tests['unique:order_id']).toBe('select order_id as unique_field, count(*) as n_records from wh.orders as tested where order_id is not null group by order_id having count(*) > 1');
    expect(tests['accepted_values:status']).toBe(
      `select status as value_field, count(*) as n_records from (select * from wh.orders where order_date >= date '2020-01-01') as tested where status is not null and status not in ('open', 'closed') group by status`,
    );
    expect(tests['relationships:customer_id']).toBe(
      'select tested.customer_id as from_field from wh.orders as tested left join wh.customers as parent on tested.customer_id = parent.id where tested.customer_id is not null and parent.id is null',
    );
    expect(tests['expression_is_true']).toBe('select * from wh.orders as tested where not (amount >= 0)');
    expect(tests['expression_is_true:amount']).toBe('select * from wh.orders as tested where not (amount < 1000000)');
  });

  it('lists YAML entries for models that do not exist', async () => {
    const root = await project({ 'a.sql': 'select 1', '_s.yml': 'models:\n  - name: a\n  - name: gone\n' });
    const loaded2 = await loadFullProject(root, { programs: [] });
    expect(loaded2.orphanDocs.map((d) => [d.name, d.file, d.line])).toEqual([['gone', '_s.yml', 3]]);
  });
});

describe('models YAML: errors name the file and line', () => {
  const cases: [string, string, RegExp][] = [
    ['unknown test', `models:\n  - name: a\n    columns:\n      - name: x\n        data_tests:\n          - positive`, /_s\.yml:6: unknown test 'positive' on a\.x \(crmlake runs unique, not_null, accepted_values, relationships, expression_is_true/],
    ['accepted_values without values', `models:\n  - name: a\n    columns:\n      - name: x\n        data_tests:\n          - accepted_values:\n              quote: false`, /_s\.yml:6: accepted_values on a\.x needs values/],
    ['relationships without to', `models:\n  - name: a\n    columns:\n      - name: x\n        data_tests:\n          - relationships:\n              field: id`, /_s\.yml:6: relationships on a\.x needs to: ref/],
    ['relationships to a missing model', `models:\n  - name: a\n    columns:\n      - name: x\n        data_tests:\n          - relationships:\n              to: ref('nope')\n              field: id`, /_s\.yml:6: relationships_a_x__nope_id: ref\('nope'\) names no model/],
    ['model-level unique without column', `models:\n  - name: a\n    data_tests:\n      - unique`, /_s\.yml:4: unique on a needs a column/],
    ['bad severity', `models:\n  - name: a\n    columns:\n      - name: x\n        data_tests:\n          - not_null:\n              config:\n                severity: fatal`, /_s\.yml:7: severity must be error or warn, not 'fatal'/],
    ['broken YAML', `models:\n  - name: a\n   columns: [`, /_s\.yml:3: /],
    ['unit test for a missing model', `unit_tests:\n  - name: t\n    model: nope\n    given: []\n    expect:\n      rows: []`, /_s\.yml:2: unit test t: model nope does not exist/],
    ['unit test without expect', `unit_tests:\n  - name: t\n    model: a\n    given: []`, /_s\.yml:2: unit test t needs expect/],
    ['unit test with a bad input', `unit_tests:\n  - name: t\n    model: a\n    given:\n      - input: a_table\n        rows: []\n    expect:\n      rows: []`, /_s\.yml:5: unit test t: input must be ref\('model'\), source\('feed', 'table'\) or this/],
    ['model documented twice', `models:\n  - name: a\n  - name: a`, /_s\.yml:3: model a is documented twice \(also in _s\.yml:2\)/],
  ];
  it.each(cases)('%s', async (_name, yaml, error) => {
    const root = await project({ 'a.sql': 'select 1 as x', '_s.yml': yaml });
    await expect(loadFullProject(root, { programs: [] })).rejects.toThrow(error);
  });
});

describe('unit tests (dbt 1.8 syntax) on DuckDB', () => {
  let root: string;
  let loaded: Project;
  let engine: UnitTestEngine;
  beforeAll(async () => {
    root = await project({
      'models/staging/stg.sql': `select order_id, customer_id, business_date, line_amount, line_type from {{ source('pos', 'pos_lines') }}`,
      'models/marts/totals.sql': `{{ config(materialized='table') }}\nselect customer_id, count(distinct order_id) as orders, sum(line_amount) as amount, max(business_date) as last_date\nfrom {{ ref('stg') }}\nwhere line_type = 'sale' and business_date < cast('{{ var("as_of", "2100-01-01") }}' as date)\ngroup by customer_id`,
      'models/marts/daily.sql': `{{ config(materialized='incremental', unique_key='business_date', lookback_days=1) }}\nselect business_date, count(*) as lines from {{ ref('stg') }} where {{ incremental_filter('business_date') }} group by business_date`,
      'models/marts/_unit.yml': `unit_tests:
  - name: totals_count_sales_before_as_of
    model: totals
    overrides:
      vars: {as_of: "2011-01-01"}
    given:
      - input: ref('stg')
        rows:
          - {order_id: o1, customer_id: A, business_date: "2010-12-01", line_amount: 10.5, line_type: sale}
          - {order_id: o2, customer_id: A, business_date: "2010-12-02", line_amount: 4.5, line_type: sale}
          - {order_id: o3, customer_id: A, business_date: "2011-01-01", line_amount: 99, line_type: sale}
          - {order_id: o4, customer_id: B, business_date: "2010-12-03", line_amount: -3, line_type: return}
    expect:
      rows:
        - {customer_id: A, orders: 2, amount: 15, last_date: "2010-12-02"}
  - name: totals_wrong_expectation
    model: totals
    given:
      - input: ref('stg')
        format: csv
        rows: |
          order_id,customer_id,business_date,line_amount,line_type
          o1,A,2010-12-01,10,sale
    expect:
      rows:
        - {customer_id: A, orders: 2}
  - name: totals_missing_input
    model: totals
    given: []
    expect:
      rows: []
  - name: totals_unknown_column
    model: totals
    given:
      - input: ref('stg')
        rows:
          - {order_id: o1, colour: red}
    expect:
      rows: []
  - name: daily_incremental_run
    model: daily
    overrides:
      macros: {is_incremental: true}
    given:
      - input: this
        rows:
          - {business_date: "2010-12-01", lines: 5}
          - {business_date: "2010-12-03", lines: 7}
      - input: ref('stg')
        rows:
          - {order_id: o1, business_date: "2010-12-01"}
          - {order_id: o2, business_date: "2010-12-02"}
          - {order_id: o3, business_date: "2010-12-03"}
          - {order_id: o4, business_date: "2010-12-04"}
          - {order_id: o5, business_date: "2010-12-04"}
    expect:
      rows:
        - {business_date: "2010-12-02", lines: 1}
        - {business_date: "2010-12-03", lines: 1}
        - {business_date: "2010-12-04", lines: 2}
`,
    });
    loaded = await loadFullProject(path.join(root, 'models'));
    engine = await UnitTestEngine.open(loaded, openScratchEngine);
  });
  afterAll(async () => engine?.close());

  const run = (name: string) => {
    const test = loaded.unitTests.find((t) => t.name === name)!;
    return engine.run(test, test.vars);
  };

  it('runs the model over the given rows (typed like the real input, other columns NULL) and passes', async () => {
    expect(await run('totals_count_sales_before_as_of')).toEqual({ status: 'pass', failures: 0, sample: [] });
  });

  it('fails with the differing rows, both ways', async () => {
    expect(await run('totals_wrong_expectation')).toEqual({
      status: 'fail',
      failures: 2,
      sample: [
        { diff: 'expected, missing', customer_id: 'A', orders: 2 },
        { diff: 'output, not expected', customer_id: 'A', orders: 1 },
      ],
    });
  });

  it('runs an incremental model as an incremental run against given: this', async () => {
    expect(await run('daily_incremental_run')).toEqual({ status: 'pass', failures: 0, sample: [] });
  });

  it('explains a missing input and an unknown column with file and line', async () => {
    await expect(run('totals_missing_input')).rejects.toThrow(/models\/marts\/_unit\.yml:27: unit test totals_missing_input: totals reads ref\('stg'\): give it under given \(rows: \[\] for none\)/);
    await expect(run('totals_unknown_column')).rejects.toThrow(/models\/marts\/_unit\.yml:35: unit test totals_unknown_column, ref\('stg'\): no column 'colour' \(columns: order_id, customer_id/);
  });
});
