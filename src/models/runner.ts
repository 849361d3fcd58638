import type { Engine } from '../engine/engine.js';
import { FEEDS } from '../feeds/index.js';
import type { Lake } from '../lake/lake.js';
import { programColumns, type Vars } from './program.js';
import { findCalls, ModelError, topologicalOrder, type Model } from './project.js';

export type { Vars };

/** Renders a model's `{{ … }}` calls into SQL for one engine. */
export function compileModel(model: Model, engine: Engine, vars: Vars): string {
  const feedTables = new Set(Object.values(FEEDS).map((f) => `${f.name}.${f.table}`));
  let sql = model.raw;
  for (const call of findCalls(model.raw, model.file).reverse()) {
    let replacement = '';
    const where = `${model.file}:${call.line}`;
    switch (call.fn) {
      case 'ref':
        replacement = engine.modelRelation(call.positional[0]!);
        break;
      case 'source': {
        const [source, table] = call.positional;
        if (!source || !table || !feedTables.has(`${source}.${table}`)) {
          throw new ModelError(`${where}: source('${source}', '${table}') is not a known feed table (${[...feedTables].join(', ')})`);
        }
        replacement = engine.sourceRelation(source, table);
        break;
      }
      case 'var': {
        const [name, fallback] = call.positional;
        const value = vars[name!] ?? fallback;
        if (value === undefined) throw new ModelError(`${where}: var('${name}') has no value and no default`);
        replacement = value;
        break;
      }
      case 'config':
        replacement = '';
        break;
    }
    sql = sql.slice(0, call.start) + replacement + sql.slice(call.end);
  }
  return sql.trim().replace(/;\s*$/, '');
}

export interface ModelRunResult {
  model: string;
  file: string;
  materialized: string;
  status: 'success' | 'error' | 'skipped';
  rows: number | null;
  seconds: number;
  error?: string;
  /** Caveats a program model reported (e.g. too little data to fit). */
  notes?: string[];
}

export interface BuildRun {
  engine: string;
  startedAt: string;
  seconds: number;
  vars: Vars;
  results: ModelRunResult[];
}

export class BuildError extends Error {
  constructor(
    message: string,
    readonly run: BuildRun,
  ) {
    super(message);
  }
}

/**
 * Builds every model in dependency order. A failing model stops the build: the models that
 * depend on it are skipped and the error names the model and its file.
 */
export async function buildModels(
  lake: Lake,
  engine: Engine,
  models: Model[],
  options: { vars?: Vars; onModel?: (result: ModelRunResult, index: number, total: number) => void } = {},
): Promise<BuildRun> {
  const vars = options.vars ?? {};
  const started = Date.now();
  const order = topologicalOrder(models);
  const results: ModelRunResult[] = [];
  let failure: ModelRunResult | undefined;
  for (const [index, model] of order.entries()) {
    const base = { model: model.name, file: model.file, materialized: model.materialized };
    if (failure) {
      results.push({ ...base, status: 'skipped', rows: null, seconds: 0 });
      continue;
    }
    const t0 = performance.now();
    let result: ModelRunResult;
    try {
      const notes: string[] = [];
      let rows: number | null;
      if (model.program) {
        const program = model.program;
        const data = await program.build({ engine, vars, ref: (name) => engine.modelRelation(name), note: (m) => notes.push(m) });
        ({ rows } = await engine.materializeRows({ name: model.name, columns: programColumns(program, vars), rows: data }));
      } else {
        const sql = compileModel(model, engine, vars);
        ({ rows } = await engine.materialize({ name: model.name, sql, materialized: model.materialized }));
      }
      result = { ...base, status: 'success', rows, seconds: (performance.now() - t0) / 1000, ...(notes.length ? { notes } : {}) };
    } catch (error) {
      result = { ...base, status: 'error', rows: null, seconds: (performance.now() - t0) / 1000, error: (error as Error).message };
      failure = result;
    }
    results.push(result);
    options.onModel?.(result, index, order.length);
  }
  const run: BuildRun = {
    engine: engine.name,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    vars,
    results,
  };
  await lake.writeJsonAtomic(`_runs/${run.startedAt.replace(/[:.]/g, '-')}-build.json`, run);
  if (failure) {
    const where = failure.file.startsWith('src/') ? failure.file : `models/${failure.file}`;
    throw new BuildError(`Model ${failure.model} (${where}) failed: ${failure.error}`, run);
  }
  return run;
}
