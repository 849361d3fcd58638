import type { Engine } from '../engine/engine.js';
import type { Lake } from '../lake/lake.js';
import { compileModel } from './compile.js';
import { programColumns, type Vars } from './program.js';
import { topologicalOrder, type Model } from './project.js';

export type { Vars };
export { compileModel };

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
  /** Incremental models: whether this run built the table whole or added rows, and how many. */
  mode?: 'full' | 'incremental';
  inserted?: number | null;
}

export interface BuildRun {
  engine: string;
  startedAt: string;
  seconds: number;
  vars: Vars;
  /** The selection the build ran with (absent: every model). */
  select?: string[];
  exclude?: string[];
  fullRefresh?: boolean;
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

export interface BuildOptions {
  vars?: Vars;
  onModel?: (result: ModelRunResult, index: number, total: number) => void;
  /** Build only these models (names); the others must already be built. Default: all. */
  only?: Set<string>;
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  /** Recorded with the run. */
  selection?: { select?: string[]; exclude?: string[] };
}

/** Builds one model on an engine; returns its row count (null for views). */
async function buildOne(engine: Engine, model: Model, vars: Vars, fullRefresh: boolean, notes: string[]): Promise<Partial<ModelRunResult> & { rows: number | null }> {
  if (model.program) {
    const program = model.program;
    const data = await program.build({ engine, vars, ref: (name) => engine.modelRelation(name), note: (m) => notes.push(m) });
    return engine.materializeRows({ name: model.name, columns: programColumns(program, vars), rows: data });
  }
  if (model.materialized === 'incremental') {
    if (!engine.materializeIncremental) throw new Error(`the ${engine.name} engine cannot build incremental models`);
    const result = await engine.materializeIncremental({
      name: model.name,
      sql: compileModel(model, engine, vars, { isIncremental: true }),
      fullSql: compileModel(model, engine, vars, { isIncremental: false }),
      strategy: model.config.incrementalStrategy,
      uniqueKey: model.config.uniqueKey,
      fullRefresh,
    });
    return { rows: result.rows, mode: result.mode, inserted: result.inserted };
  }
  return engine.materialize({ name: model.name, sql: compileModel(model, engine, vars), materialized: model.materialized });
}

/**
 * Builds the models in dependency order (all, or `options.only`). A failing model stops the
 * build: the models after it are skipped and the error names the model and its file.
 */
export async function buildModels(lake: Lake, engine: Engine, models: Model[], options: BuildOptions = {}): Promise<BuildRun> {
  const vars = options.vars ?? {};
  const started = Date.now();
  const order = topologicalOrder(models).filter((m) => !options.only || options.only.has(m.name));
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
      const { rows, mode, inserted } = await buildOne(engine, model, vars, options.fullRefresh ?? false, notes);
      result = {
        ...base,
        status: 'success',
        rows,
        seconds: (performance.now() - t0) / 1000,
        ...(notes.length ? { notes } : {}),
        ...(mode ? { mode, inserted } : {}),
      };
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
    ...(options.selection?.select?.length ? { select: options.selection.select } : {}),
    ...(options.selection?.exclude?.length ? { exclude: options.selection.exclude } : {}),
    ...(options.fullRefresh ? { fullRefresh: true } : {}),
    results,
  };
  await lake.writeJsonAtomic(`_runs/${run.startedAt.replace(/[:.]/g, '-')}-build.json`, run);
  if (failure) {
    const where = failure.file.startsWith('src/') ? failure.file : `models/${failure.file}`;
    throw new BuildError(`Model ${failure.model} (${where}) failed: ${failure.error}`, run);
  }
  return run;
}
