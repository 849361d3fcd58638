import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { incrementalFilter } from '../../src/models/compile.js';
import { loadFullProject, loadProject } from '../../src/app/project.js';
import { findCalls, parseArgs, topologicalOrder } from '../../src/models/project.js';
import { compileModel } from '../../src/models/runner.js';

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-models-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(dir, 'p-'));
  for (const [name, sql] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), sql);
  }
  return root;
}

const fakeEngine = {
  name: 'duckdb',
  sourceRelation: (s: string, t: string) => `src.${s}_${t}`,
  modelRelation: (m: string) => `m.${m}`,
} as unknown as Engine;

describe('model project', () => {
  it('reads calls and their arguments', () => {
    expect(parseArgs(`'pos', "pos_lines"`)).toEqual({ positional: ['pos', 'pos_lines'], named: {} });
    expect(parseArgs(`materialized='table', enabled=true`)).toEqual({ positional: [], named: { materialized: 'table', enabled: 'true' } });
    const calls = findCalls(`select *\nfrom {{ ref('a') }}\njoin {{source('pos','pos_lines')}}`, 'x.sql');
    expect(calls.map((c) => [c.fn, c.positional, c.line])).toEqual([
      ['ref', ['a'], 2],
      ['source', ['pos', 'pos_lines'], 3],
    ]);
  });

  it('names the file and line of an expression it cannot read', () => {
    expect(() => findCalls(`select 1\n\n{{ macro_x() }}`, 'marts/m.sql')).toThrow('marts/m.sql:3: unsupported expression');
  });

  it('orders models by dependency, and defaults marts to tables', async () => {
    const root = await project({
      'staging/stg_a.sql': `select * from {{ source('pos', 'pos_lines') }}`,
      'intermediate/int_b.sql': `select * from {{ ref('stg_a') }}`,
      'marts/c.sql': `select * from {{ ref('int_b') }} join {{ ref('stg_a') }} using (x)`,
      'marts/d.sql': `{{ config(materialized='view') }} select 1`,
    });
    const models = await loadProject(root, []);
    expect(topologicalOrder(models).map((m) => m.name)).toEqual(['stg_a', 'int_b', 'c', 'd']);
    expect(Object.fromEntries(models.map((m) => [m.name, m.materialized]))).toEqual({ c: 'table', d: 'view', int_b: 'view', stg_a: 'view' });
  });

  it('reports a cycle with its path', async () => {
    const root = await project({
      'a.sql': `select * from {{ ref('b') }}`,
      'b.sql': `select * from {{ ref('c') }}`,
      'c.sql': `select * from {{ ref('a') }}`,
    });
    await expect(loadProject(root, []).then(topologicalOrder)).rejects.toThrow(/cycle: a → b → c → a \(c\.sql:1: ref\('a'\)\)/);
  });

  it('reports a ref to a missing model with file and line', async () => {
    const root = await project({ 'marts/x.sql': `select 1\nfrom {{ ref('nope') }}` });
    await expect(loadProject(root, [])).rejects.toThrow("marts/x.sql:2: ref('nope') names no model");
  });

  it('compiles refs, sources, vars and config for an engine', async () => {
    const root = await project({
      'staging/s.sql': `{{ config(materialized='view') }}\nselect * from {{ source('pos', 'pos_lines') }}`,
      'marts/m.sql': `select '{{ var("as_of", "") }}' as a, {{ var('n', '5') }} as n from {{ ref('s') }};`,
    });
    const [m, s] = await loadProject(root, []);
    expect(compileModel(s!, fakeEngine, {})).toBe('select * from src.pos_pos_lines');
    expect(compileModel(m!, fakeEngine, { as_of: '2010-12-05' })).toBe(`select '2010-12-05' as a, 5 as n from m.s`);
    const bad = await project({ 'staging/s.sql': `select * from {{ source('pos', 'nope') }}` });
    await expect(loadProject(bad, [])).rejects.toThrow(/staging\/s.sql:1: source\('pos', 'nope'\) is not a known feed table \(pos.pos_lines, /);
  });

  it('reads list arguments and the incremental config', async () => {
    expect(parseArgs(`tags=['daily', "finance"], unique_key=['a','b'], lookback_days=3`)).toEqual({
      positional: [],
      named: { tags: 'daily,finance', unique_key: 'a,b', lookback_days: '3' },
    });
    const root = await project({
      'marts/inc.sql': `{{ config(materialized='incremental', unique_key=['order_id', 'line'], lookback_days=2, tags=['daily']) }}\nselect * from {{ source('pos', 'pos_lines') }} where {{ incremental_filter('business_date') }}`,
      'marts/app.sql': `{{ config(materialized='incremental', partitioned_by=['business_date']) }}\nselect * from {{ source('pos', 'pos_lines') }} where {{ incremental_filter('business_date') }}`,
    });
    const [app, inc] = await loadProject(root, []);
    expect(inc).toMatchObject({ materialized: 'incremental', configLine: 1, config: { uniqueKey: ['order_id', 'line'], incrementalStrategy: 'merge', lookbackDays: 2, tags: ['daily'] } });
    expect(app).toMatchObject({ materialized: 'incremental', config: { uniqueKey: [], incrementalStrategy: 'append', lookbackDays: 0, partitionedBy: ['business_date'] } });
  });

  it('compiles incremental_filter to TRUE on a full build and to a lookback predicate on an incremental run', async () => {
    const root = await project({
      'marts/inc.sql': `{{ config(materialized='incremental', unique_key='d', lookback_days=3) }}\nselect * from {{ ref('s') }} where {{ incremental_filter('business_date', 'd') }} and {{ is_incremental() }} or x in (select d from {{ this }})`,
      'staging/s.sql': `select 1`,
    });
    const [inc] = await loadProject(root, []);
    expect(compileModel(inc!, fakeEngine, {})).toBe(`select * from m.s where true and false or x in (select d from m.inc)`);
    expect(compileModel(inc!, fakeEngine, {}, { isIncremental: true })).toBe(
      `select * from m.s where (business_date >= (select date_add('day', -3, max(d)) from m.inc) or (select max(d) from m.inc) is null) and true or x in (select d from m.inc)`,
    );
    expect(incrementalFilter('d', 'd', 't', { lookbackDays: 0, incrementalStrategy: 'append' })).toBe('(d > (select max(d) from t) or (select max(d) from t) is null)');
    expect(incrementalFilter('d', 'd', 't', { lookbackDays: 0, incrementalStrategy: 'merge' })).toBe('(d >= (select max(d) from t) or (select max(d) from t) is null)');
  });

  it('explains bad configs and templates with file and line', async () => {
    const cases: [string, RegExp][] = [
      [`select 1\n{{ config(materialized='ephemeral') }}`, /m\.sql:2: materialized must be 'view', 'table' or 'incremental', not 'ephemeral'/],
      [`{{ config(materialized='incremental', incremental_strategy='merge') }}`, /m\.sql:1: incremental_strategy='merge' needs unique_key/],
      [`{{ config(materialized='incremental', lookback_days=2) }}`, /lookback_days=2 with incremental_strategy='append' would insert the re-read days twice/],
      [`{{ config(materialized='incremental', unique_key='k', lookback_days=-1) }}`, /lookback_days must be a whole number of days/],
      [`{{ config(materialized='table', unique_key='k') }}`, /apply to materialized='incremental' only/],
      [`{{ config(materialized='table', dates_from='x') }}`, /apply to materialized='incremental' only/],
      [`{{ config(materialized='table', dates_by='ingest_date') }}`, /apply to materialized='incremental' only/],
      [`{{ config(materialized='incremental', unique_key='k', dates_by='load_date') }}`, /dates_by must be 'business_date' or 'ingest_date', not 'load_date'/],
      [`{{ config(materialized='incremental', unique_key='k', dates_by='ingest_date', dates_from='m') }}`, /dates_from passes on business dates, which a model with dates_by='ingest_date' cannot compare/],
      [`{{ config(materialized='incremental', unique_key='k', publishes_dates='a,b') }}`, /publishes_dates names one date column/],
      [`{{ config(materialized='incremental', replaces_from='d') }}`, /replaces_from names one date column of a model with incremental_strategy='merge'/],
      [`{{ config(materialized='incremental', unique_key='k', dates_from='m') }}`, /dates_from='m' must name a model it refs that sets publishes_dates/],
      [`{{ config(materialised='table') }}`, /config has no setting 'materialised'/],
      [`select 1\n\n{{ incremental_filter('d') }}`, /m\.sql:3: \{\{ incremental_filter\(\) \}\} is for materialized='incremental' models only/],
      [`select 1\n{% if is_incremental() %} where x {% endif %}`, /m\.sql:2: template blocks \{% … %\} .* are not supported/],
      [`{{ config(materialized='view') }}\n{{ config(materialized='table') }}`, /m\.sql:2: a model has one \{\{ config\(…\) \}\}/],
    ];
    for (const [sql, error] of cases) {
      const root = await project({ 'm.sql': sql });
      await expect(loadProject(root, []), sql).rejects.toThrow(error);
    }
  });

  it('loads singular tests beside the models folder and leaves the built-in programs out of other projects', async () => {
    const root = await project({
      'models/staging/s.sql': `select 1 as x`,
      'tests/no_negative_x.sql': `{{ config(severity='warn') }}\nselect * from {{ ref('s') }} where x < 0`,
    });
    const full = await loadFullProject(path.join(root, 'models'));
    expect(full.models.map((m) => m.name)).toEqual(['s']);
    expect(full.singularTests).toEqual([expect.objectContaining({ name: 'no_negative_x', file: 'tests/no_negative_x.sql', refs: ['s'], severity: 'warn' })]);
    const bad = await project({ 'models/s.sql': `select 1`, 'tests/t.sql': `select 1\nfrom {{ ref('nope') }}` });
    await expect(loadFullProject(path.join(bad, 'models'))).rejects.toThrow("tests/t.sql:2: ref('nope') names no model");
  });
});
