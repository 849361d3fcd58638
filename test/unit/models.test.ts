import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { findCalls, loadProject, parseArgs, topologicalOrder } from '../../src/models/project.js';
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
    await expect(loadProject(root, []).then(topologicalOrder)).rejects.toThrow(/cycle: a → b → c → a/);
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
    const bad = { ...s!, raw: `select * from {{ source('pos', 'nope') }}` };
    expect(() => compileModel(bad, fakeEngine, {})).toThrow(/staging\/s.sql:1: source\('pos', 'nope'\) is not a known feed table/);
  });
});
