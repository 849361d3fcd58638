import { describe, expect, it } from 'vitest';
import type { Model } from '../../src/models/project.js';
import { matchSelectors, selectModels } from '../../src/models/select.js';

/** A small DAG:  stg_a → int_b → mart_c → mart_d;  stg_e → mart_c;  stg_f (alone); prog_g ← int_b */
function model(name: string, file: string, refs: string[] = [], tags: string[] = [], kind: 'sql' | 'program' = 'sql'): Model {
  return {
    name,
    kind,
    file,
    raw: '',
    materialized: 'view',
    config: { uniqueKey: [], incrementalStrategy: 'append', lookbackDays: 0, sourceDates: [], datesFrom: [], datesBy: 'business_date' as const, partitionedBy: [], tags },
    refs,
    sources: [],
    columns: [],
    tests: [],
  };
}
const MODELS = [
  model('stg_a', 'staging/stg_a.sql', [], ['daily']),
  model('stg_e', 'staging/stg_e.sql'),
  model('stg_f', 'staging/other/stg_f.sql'),
  model('int_b', 'intermediate/int_b.sql', ['stg_a']),
  model('mart_c', 'marts/mart_c.sql', ['int_b', 'stg_e'], ['daily', 'finance']),
  model('mart_d', 'marts/mart_d.sql', ['mart_c'], ['finance']),
  model('prog_g', 'src/clv/models.ts', ['int_b'], [], 'program'),
];
const names = (selectors: string[], exclude?: string[]) => selectModels(MODELS, { select: selectors, exclude }).map((m) => m.name);
const set = (selectors: string[]) => [...matchSelectors(MODELS, selectors)].sort();

describe('model selection', () => {
  it('a program model brings the models that keep its memory (the customer master and its key events, its review queue)', () => {
    const master = model('master', 'src/customers/models.ts', ['int_b'], [], 'program');
    master.program = { name: 'master', file: master.file, refs: ['int_b'], description: '', columns: [], build: async () => [], memory: ['master_events'] };
    const events = model('master_events', 'src/customers/models.ts', ['master'], [], 'program');
    const all = [...MODELS, master, events];
    expect(selectModels(all, { select: ['master'] }).map((m) => m.name)).toEqual(['master', 'master_events']);
    expect(selectModels(all, { select: ['+master'] }).map((m) => m.name)).toEqual(['stg_a', 'int_b', 'master', 'master_events']);
    expect(selectModels(all, { select: ['master_events'] }).map((m) => m.name)).toEqual(['master_events']);
  });

  it('selects one model by name', () => {
    expect(names(['int_b'])).toEqual(['int_b']);
  });

  it('model+ adds everything downstream, +model everything upstream, in dependency order', () => {
    expect(names(['int_b+'])).toEqual(['int_b', 'mart_c', 'mart_d', 'prog_g']);
    expect(names(['+mart_c'])).toEqual(['stg_a', 'int_b', 'stg_e', 'mart_c']);
    expect(names(['+int_b+'])).toEqual(['stg_a', 'int_b', 'mart_c', 'mart_d', 'prog_g']);
  });

  it('limits the depth with a number: 1+model, model+1', () => {
    expect(set(['1+mart_d'])).toEqual(['mart_c', 'mart_d']);
    expect(set(['stg_a+1'])).toEqual(['int_b', 'stg_a']);
    expect(set(['stg_a+2'])).toEqual(['int_b', 'mart_c', 'prog_g', 'stg_a']);
  });

  it('path: selects a folder (with or without models/), nested folders included, or a file', () => {
    expect(set(['path:staging'])).toEqual(['stg_a', 'stg_e', 'stg_f']);
    expect(set(['path:models/marts/'])).toEqual(['mart_c', 'mart_d']);
    expect(set(['path:staging/other'])).toEqual(['stg_f']);
    expect(set(['path:marts/mart_d.sql'])).toEqual(['mart_d']);
    expect(set(['path:src/clv'])).toEqual(['prog_g']);
  });

  it('tag: selects tagged models', () => {
    expect(set(['tag:finance'])).toEqual(['mart_c', 'mart_d']);
    expect(set(['tag:daily+'])).toEqual(['int_b', 'mart_c', 'mart_d', 'prog_g', 'stg_a']);
  });

  it('wildcards match names', () => {
    expect(set(['stg_*'])).toEqual(['stg_a', 'stg_e', 'stg_f']);
    expect(set(['*_c'])).toEqual(['mart_c']);
  });

  it('several selectors are a union (repeated or space-separated); a,b is an intersection', () => {
    expect(set(['stg_e', 'mart_d'])).toEqual(['mart_d', 'stg_e']);
    expect(set(['stg_e mart_d'])).toEqual(['mart_d', 'stg_e']);
    expect(set(['tag:daily,path:marts'])).toEqual(['mart_c']);
    expect(set(['+mart_d,tag:daily'])).toEqual(['mart_c', 'stg_a']);
  });

  it('--exclude removes what it matches', () => {
    expect(names(['int_b+'], ['prog_g'])).toEqual(['int_b', 'mart_c', 'mart_d']);
    expect(names([], ['path:staging', 'tag:finance'])).toEqual(['int_b', 'prog_g']);
    expect(selectModels(MODELS).map((m) => m.name)).toHaveLength(MODELS.length);
  });

  it('explains a selector that matches nothing', () => {
    expect(() => names(['nope'])).toThrow(/--select nope: no model is named nope \(models: int_b, mart_c/);
    expect(() => names(['tag:weekly'])).toThrow(/no model has tag 'weekly' \(tags in use: daily, finance\)/);
    expect(() => names(['path:reports'])).toThrow(/no model is under reports \(folders: intermediate, marts, src\/clv, staging, staging\/other\)/);
    expect(() => names(['c!'])).toThrow(/cannot read this selector/);
    expect(() => names(['int_b'], ['int_b'])).toThrow(/The selection matches no model/);
    expect(() => names([], ['nope'])).toThrow(/--exclude nope/);
  });
});
