import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LINT_RULES, lintProject, lintSql, maskSql } from '../../src/models/lint.js';
import { loadFullProject } from '../../src/app/project.js';
import { DEFAULT_MODELS_DIR, type Project } from '../../src/models/project.js';

const rulesOf = (sql: string) => lintSql(sql, 'models/x.sql').map((f) => f.rule);

describe('crmlake lint on the real project', () => {
  it('finds nothing in models/ and tests/ (lint is part of npm test)', async () => {
    const project = await loadFullProject(DEFAULT_MODELS_DIR);
    expect(project.models.filter((m) => m.kind === 'sql').length).toBeGreaterThan(0);
    const findings = lintProject(project);
    expect(findings.map((f) => `${f.file}:${f.line}:${f.column} [${f.rule}] ${f.message}`)).toEqual([]);
  });
});

describe('lint rules: each violating snippet is flagged', () => {
  // One snippet per rule; every rule in LINT_RULES must appear here.
  const violations: Record<string, string> = {
    qualify: `select * from t qualify row_number() over (partition by a order by b) = 1`,
    'group-by-all': `select a, count(*) from t group by all`,
    'double-colon-cast': `select a::integer from t`,
    'select-exclude': `select * exclude (a) from t`,
    'list-literal': `select [1, 2, 3] as xs from t`,
    'struct-literal': `select {'a': 1} as s from t`,
    ilike: `select * from t where name ilike '%x%'`,
    'double-slash': `select a // 2 from t`,
    'double-equals': `select * from t where a == 1`,
    'special-join': `select * from t asof join u on t.ts >= u.ts`,
    pivot: `pivot t on year using sum(amount)`,
    'from-first': `from t select a`,
    'file-as-table': `select * from 'data/x.parquet'`,
    'table-function-range': `select * from range(10)`,
    'duckdb-function': `select strftime(ts, '%Y') from t`,
    'duckdb-type': `select cast(a as hugeint) from t`,
    'integer-division': `select count(*) / count(distinct customer_id) as per_customer from t`,
    'extract-dow': `select extract(dow from order_date) from t`,
    format: `select format('{}-{}', a, b) from t`,
    'log-one-argument': `select log(amount) from t`,
    'substr-zero': `select substr(name, 0, 3) from t`,
    'date-parse-format': `select date_parse(text_ts, '%Y-%m-%d %H:%i') from t`,
  };
  const projectRules = new Set(['incremental-without-filter', 'yaml-unknown-model']);

  it('has a snippet for every SQL rule', () => {
    expect(LINT_RULES.map((r) => r.id).filter((id) => !projectRules.has(id)).sort()).toEqual(Object.keys(violations).sort());
  });

  it.each(Object.entries(violations))('%s', (rule, sql) => {
    const findings = lintSql(`-- a model\n${sql}\n`, 'models/marts/x.sql');
    const finding = findings.find((f) => f.rule === rule);
    expect(finding, `${rule} not flagged in: ${sql} (found ${findings.map((f) => f.rule).join(', ')})`).toBeDefined();
    expect(finding!.file).toBe('models/marts/x.sql');
    expect(finding!.line).toBe(2);
    expect(finding!.column).toBeGreaterThanOrEqual(1);
    expect(finding!.hint.length).toBeGreaterThan(5);
  });

  it('points at the exact line and column', () => {
    const [finding] = lintSql(`select\n    a,\n    b::varchar as c\nfrom t`, 'm.sql');
    expect(finding).toMatchObject({ rule: 'double-colon-cast', line: 3, column: 6 });
  });

  it('flags the DuckDB-only functions with the Trino name to use', () => {
    const names = lintSql(`select median(x), approx_count_distinct(y), list_sort(z), string_agg(a, ','), epoch(ts), today() from t`, 'm.sql');
    expect(names.map((f) => f.message)).toEqual([
      'median() is DuckDB-only',
      'approx_count_distinct() is DuckDB-only',
      'list_sort() is DuckDB-only',
      'string_agg() is DuckDB-only',
      'epoch() is DuckDB-only',
      'today() is DuckDB-only',
    ]);
    expect(names[0]!.hint).toContain('approx_percentile(x, 0.5)');
  });

  it('flags integer division only where both sides are integers', () => {
    expect(rulesOf(`select 5/2 from t`)).toEqual(['integer-division']);
    expect(rulesOf(`select cast(a as integer) / 7 from t`)).toEqual(['integer-division']);
    expect(rulesOf(`select 5.0 / 2, cast(count(*) as double) / count(*), gross_sales / orders, sum(x) / 2 from t`)).toEqual([]);
  });

  it('flags date_parse formats only with specifiers the engines read differently', () => {
    expect(rulesOf(`select date_parse(d, '%Y-%m-%d'), date_parse(d, '%d/%m/%Y %H') from t`)).toEqual([]);
    expect(rulesOf(`select date_parse(d, '%Y-%m-%d %H:%i:%s') from t`)).toEqual(['date-parse-format']);
    expect(rulesOf(`select date_parse(d, fmt) from t`)).toEqual(['date-parse-format']);
  });
});

describe('lint: what is not a finding', () => {
  it('accepts the shared subset with Trino names', () => {
    const clean = `
      {{ config(materialized='table') }}
      with x as (select * from {{ ref('stg_pos__lines') }})
      select
        array[1, 2] as xs, xs[1] as first_x, cast(a as varchar) as v, cast(b as decimal(18, 4)) as d,
        date_diff('day', a, b) as days, date_add('day', -3, d) as earlier, approx_distinct(c) as n,
        regexp_like(s, '^a'), day_of_week(d), greatest(1, 2), concat('a', 'b'), log10(x), log(2, x),
        substr(s, 1, 2), try_cast(s as integer), row_number() over (partition by a order by b) as rn
      from x
      where s like 'a%' and a <> b and a != c
      group by 1, 2
    `;
    expect(lintSql(clean, 'm.sql')).toEqual([]);
  });

  it('ignores comments, strings, quoted identifiers and template expressions', () => {
    const sql = `-- group by all, a::int, qualify\n/* [1,2] {x} */\nselect 'a::b qualify [1]' as "x::y", '{{ var("as_of", "") }}' from {{ ref('a') }}`;
    expect(lintSql(sql, 'm.sql')).toEqual([]);
    expect(maskSql(sql)).toHaveLength(sql.length);
  });

  it('is silenced by -- lint: ignore <rule> on the line or the line above', () => {
    expect(rulesOf(`select a::int from t -- lint: ignore double-colon-cast`)).toEqual([]);
    expect(rulesOf(`-- lint: ignore qualify, group-by-all\nselect a from t group by all qualify true`)).toEqual([]);
    expect(rulesOf(`-- lint: ignore qualify\nselect a::int from t`)).toEqual(['double-colon-cast']);
  });
});

describe('lint: project rules', () => {
  const base = (over: Partial<Project>): Project => ({ dir: '/p/models', models: [], unitTests: [], singularTests: [], testsDir: '/p/tests', orphanDocs: [], ...over });
  const model = (name: string, raw: string, materialized: 'incremental' | 'table' = 'incremental') => ({
    name,
    kind: 'sql' as const,
    file: `marts/${name}.sql`,
    raw,
    materialized,
    config: { uniqueKey: ['k'], incrementalStrategy: 'merge' as const, lookbackDays: 0, sourceDates: [], datesFrom: [], datesBy: 'business_date' as const, partitionedBy: [], tags: [] },
    configLine: 1,
    refs: [],
    sources: [],
    columns: [],
    tests: [],
  });

  it('flags an incremental model that never filters for new rows', () => {
    const project = base({ models: [model('a', `{{ config(materialized='incremental', unique_key='k') }}\nselect 1 as k`), model('b', `select 1 as k from x where {{ incremental_filter('d') }}`)] });
    const findings = lintProject(project);
    expect(findings.map((f) => [path.basename(f.file), f.line, f.rule])).toEqual([['a.sql', 1, 'incremental-without-filter']]);
  });

  it('flags YAML that documents a model that does not exist, at its line', () => {
    const project = base({ orphanDocs: [{ name: 'gone', file: 'marts/_marts.yml', line: 12, columns: [], tags: [], tests: [] }] });
    expect(lintProject(project)).toEqual([expect.objectContaining({ rule: 'yaml-unknown-model', line: 12, file: expect.stringMatching(/marts\/_marts\.yml$/) })]);
  });
});
