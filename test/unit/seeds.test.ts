import { openScratchEngine } from '../../src/app/test.js';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { Lake } from '../../src/lake/lake.js';
import { loadFullProject, loadProject } from '../../src/app/project.js';
import { DEFAULT_MODELS_DIR } from '../../src/models/project.js';
import { buildModels } from '../../src/models/runner.js';
import { DEFAULT_SEEDS_DIR, inferSeedType, readSeed } from '../../src/models/seeds.js';
import { runTests } from '../../src/models/testing.js';
import { scratchDir } from '../helpers.js';

let root: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir: root, cleanup } = await scratchDir('seeds'));
});
afterEach(async () => cleanup());

async function write(file: string, text: string): Promise<string> {
  const full = path.join(root, file);
  await mkdir(path.dirname(full), { recursive: true });
  await writeFile(full, text);
  return full;
}

describe('seed column types', () => {
  it('infers the narrowest type every value fits, ignoring empty cells', () => {
    expect(inferSeedType(['1', '-20', ''])).toBe('INTEGER');
    expect(inferSeedType(['1', '2.5', '1e3'])).toBe('DOUBLE');
    expect(inferSeedType(['3000000000'])).toBe('DOUBLE');
    expect(inferSeedType(['true', 'FALSE', ''])).toBe('BOOLEAN');
    expect(inferSeedType(['2010-12-01', '2011-02-28'])).toBe('DATE');
    expect(inferSeedType(['2011-02-30'])).toBe('VARCHAR');
    expect(inferSeedType(['17850', 'A12'])).toBe('VARCHAR');
    expect(inferSeedType(['', ''])).toBe('VARCHAR');
  });

  it('reads a CSV into typed rows: quoted commas, empty cells as NULL, declared types over inferred ones', async () => {
    const file = await write('seeds/promos.csv', 'id,name,starts,amount,active,customer\nP1,"Spend, save",2010-12-01,10.5,true,017850\nP2,Winter,,,false,12\n');
    const seed = await readSeed(file, { shown: 'seeds/promos.csv', columnTypes: { customer: 'varchar' } });
    expect(seed).toMatchObject({ name: 'promos', file: 'seeds/promos.csv', refs: [] });
    expect((seed.columns as { name: string; type: string }[]).map((c) => [c.name, c.type])).toEqual([
      ['id', 'VARCHAR'],
      ['name', 'VARCHAR'],
      ['starts', 'DATE'],
      ['amount', 'DOUBLE'],
      ['active', 'BOOLEAN'],
      ['customer', 'VARCHAR'],
    ]);
    expect(await seed.build({} as never)).toEqual([
      ['P1', 'Spend, save', '2010-12-01', 10.5, true, '017850'],
      ['P2', 'Winter', null, null, false, '12'],
    ]);
  });

  it('names the file, line and column of a value that does not fit its declared type', async () => {
    const file = await write('seeds/x.csv', 'id,amount\n1,5\n2,lots\n');
    await expect(readSeed(file, { shown: 'seeds/x.csv', columnTypes: { amount: 'double' } })).rejects.toThrow("seeds/x.csv:3: amount: 'lots' is not a number");
    await expect(readSeed(file, { shown: 'seeds/x.csv', columnTypes: { amount: 'money' } })).rejects.toThrow(/column type 'money' is not one of/);
    await expect(readSeed(file, { shown: 'seeds/x.csv', columnTypes: { price: 'double' } })).rejects.toThrow(/column_types names price, which the CSV does not have/);
    const twice = await write('seeds/y.csv', 'id,id\n1,2\n');
    await expect(readSeed(twice, { shown: 'seeds/y.csv' })).rejects.toThrow('seeds/y.csv:1: column id appears twice');
  });
});

describe('seeds in a project', () => {
  it('become relations models ref, documented and tested under seeds: in a YAML beside them, built like tables', async () => {
    await write('models/marts/big_promos.sql', `select id, amount from {{ ref('promos') }} where amount > 5`);
    await write('seeds/promos.csv', 'id,amount,customer\nP1,10,17850\nP2,2,12\n');
    await write(
      'seeds/_seeds.yml',
      [
        'seeds:',
        '  - name: promos',
        '    description: Example promotions.',
        '    config: { column_types: { customer: varchar } }',
        '    columns:',
        '      - name: id',
        '        description: Promotion code.',
        '        data_tests: [unique, not_null]',
        '',
      ].join('\n'),
    );
    const project = await loadFullProject(path.join(root, 'models'));
    const seed = project.models.find((m) => m.name === 'promos')!;
    expect(seed).toMatchObject({ kind: 'program', file: 'seeds/promos.csv', materialized: 'table', description: 'Example promotions.' });
    expect(seed.columns.find((c) => c.name === 'id')!.description).toBe('Promotion code.');
    expect(project.models.map((m) => m.name).sort()).toEqual(['big_promos', 'promos']);
    expect(project.orphanDocs).toEqual([]);

    const lake = new Lake(path.join(root, 'lake'));
    const engine = await openWarehouse(lake);
    try {
      const run = await buildModels(lake, engine, project.models);
      expect(run.results.map((r) => [r.model, r.rows])).toEqual([
        ['promos', 2],
        ['big_promos', 1],
      ]);
      expect((await engine.query(`select * from big_promos`)).rows).toEqual([{ id: 'P1', amount: 10 }]);
      const types = (await engine.query(`select * from promos limit 0`)).columns.map((c) => c.type);
      expect(types).toEqual(['VARCHAR', 'INTEGER', 'VARCHAR']);
      const results = await runTests(engine, project, { openScratch: openScratchEngine, selection: { models: new Set(['promos']) } });
      expect(results.map((r) => [r.name, r.status, r.file])).toEqual([
        ['unique_promos_id', 'pass', 'seeds/_seeds.yml'],
        ['not_null_promos_id', 'pass', 'seeds/_seeds.yml'],
      ]);
    } finally {
      await engine.close();
    }
  });

  it('column_types is a seed setting: a models: entry with it is an error naming the file and line', async () => {
    await write('models/a.sql', 'select 1 as x');
    await write('models/_a.yml', 'models:\n  - name: a\n    config: { column_types: { x: integer } }\n');
    await expect(loadFullProject(path.join(root, 'models'), { programs: [] })).rejects.toThrow(/_a\.yml:3: column_types is a seed setting/);
  });

  it('a seed and a model cannot share a name', async () => {
    await write('models/promos.sql', 'select 1 as x');
    await write('seeds/promos.csv', 'id\n1\n');
    await expect(loadProject(path.join(root, 'models'), [])).rejects.toThrow(/seeds\/promos\.csv: seed promos has the name of the model promos\.sql/);
  });

  it('a models folder without seeds of its own gets the shipped seeds its models ref, and only those', async () => {
    await write('models/a.sql', `select campaign_id from {{ ref('campaigns') }}`);
    const names = (await loadProject(path.join(root, 'models'))).map((m) => m.name).sort();
    expect(names).toEqual(['a', 'campaigns']);
    const unrelated = path.join(root, 'other');
    await write('other/b.sql', 'select 1 as x');
    expect((await loadProject(unrelated)).map((m) => m.name)).toEqual(['b']);
  });

  it('a copy of the shipped models builds its seed refs from the shipped seeds folder', async () => {
    await cp(DEFAULT_MODELS_DIR, path.join(root, 'copy', 'models'), { recursive: true });
    const copy = await loadFullProject(path.join(root, 'copy', 'models'));
    const shipped = await loadFullProject();
    expect(copy.models.map((m) => m.name).sort()).toEqual(shipped.models.map((m) => m.name).sort());
    expect(shipped.seedsDir).toBe(DEFAULT_SEEDS_DIR);
    expect(shipped.models.filter((m) => m.file.startsWith('seeds/')).map((m) => m.name).sort()).toEqual(['campaign_members', 'campaigns', 'fx_rates']);
  });
});
