import type { Engine, MaterializeResult } from '../engine/engine.js';
import type { Lake } from '../lake/lake.js';
import { changedDatesPredicate, compileModel, dateRanges, firstChangedDate } from './compile.js';
import { changedDates, incrementalInputs, readIncrementalState, tableVersion, unpublished, writeIncrementalState, type IncrementalInputs } from './incremental.js';
import { buildMemo, programColumns, UNCHANGED, type ProgramContext, type Vars } from './program.js';
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
  /** When it started, in seconds from the build's start (models can run two at a time). */
  started?: number;
  error?: string;
  /** Caveats a program model reported (e.g. too little data to fit). */
  notes?: string[];
  /**
   * Incremental models: whether this run built the table whole or added rows, and how many.
   * `kept`: a program model whose inputs had not changed since the table was stored; it was kept.
   */
  mode?: 'full' | 'incremental' | 'kept';
  inserted?: number | null;
  /** Bytes the engine scanned for this model (engines that report it: Athena). */
  bytesScanned?: number;
}

export interface BuildRun {
  engine: string;
  /** Names this build's files and staged tables. */
  runId: string;
  startedAt: string;
  seconds: number;
  /** Whether the build's models were committed (a failed build leaves the previous warehouse as it was). */
  committed: boolean;
  /** Bytes scanned by the whole build (engines that report it). */
  bytesScanned?: number;
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
  /** Remove models that are no longer in the project from the warehouse (with the build's commit). */
  dropOthers?: boolean;
  /** Called just before the build commits; throwing stops the commit (the writer lock's check). */
  beforeCommit?: () => Promise<void>;
  /**
   * Run the program models beside the SQL models where the engine offers a second session
   * (default true); false: one model at a time.
   */
  concurrent?: boolean;
}

/**
 * What an incremental run of a model is told: whether to build it whole, and which business
 * dates of its sources changed since its stored table was built.
 */
interface IncrementalPlan {
  fullRefresh: boolean;
  changed: string[];
}

/** Builds one model on an engine; returns its row count (null for views). */
async function buildOne(
  engine: Engine,
  model: Model,
  vars: Vars,
  plan: IncrementalPlan,
  notes: string[],
  memo: ProgramContext['memo'],
): Promise<Omit<MaterializeResult, 'mode'> & Pick<ModelRunResult, 'mode'>> {
  if (model.program) {
    const program = model.program;
    const data = await program.build({ engine, vars, ref: (name) => engine.modelRelation(name), note: (m) => notes.push(m), memo, fullRefresh: plan.fullRefresh });
    if (data === UNCHANGED) {
      const stored = engine.catalog().find((entry) => entry.name === model.name);
      if (!stored) throw new Error(`${model.name} (${model.file}) answered that its stored table is unchanged, but no table of it is stored`);
      return { rows: stored.rows, mode: 'kept' };
    }
    return engine.materializeRows({ name: model.name, columns: programColumns(program, vars), rows: data });
  }
  if (model.materialized === 'incremental' && !engine.capabilities.incremental) throw new Error(`the ${engine.name} engine cannot build incremental models`);
  const { sourceDates } = model.config;
  // One column, or pairs (earliest, latest): a stored row is stale when any of them covers a changed date.
  const ranges = sourceDates.length === 1 ? [[sourceDates[0]!, sourceDates[0]!]] : sourceDates.flatMap((c, i) => (i % 2 === 0 ? [[c, sourceDates[i + 1]!]] : []));
  const staleWhere = ranges.length && plan.changed.length ? `(${ranges.map(([a, b]) => changedDatesPredicate(a!, b!, plan.changed)).join(' or ')})` : undefined;
  // The date a row belongs to: the one it publishes, replaces from, or its first source date.
  const filesBy = model.config.publishesDates ?? model.config.replacesFrom ?? sourceDates[0];
  return engine.materialize({
    name: model.name,
    materialized: model.materialized,
    compile: (relations, options) => compileModel(model, relations, vars, { ...options, changedDates: plan.changed }),
    partitionedBy: model.config.partitionedBy,
    ...(model.materialized === 'incremental'
      ? {
          incremental: {
            strategy: model.config.incrementalStrategy,
            uniqueKey: model.config.uniqueKey,
            fullRefresh: plan.fullRefresh,
            ...(staleWhere ? { staleWhere } : {}),
            ...(model.config.publishesDates ? { publishDates: model.config.publishesDates } : {}),
            ...(model.config.replacesFrom ? { replaceFrom: model.config.replacesFrom } : {}),
            ...(filesBy ? { filesBy } : {}),
            ...(model.config.replacesFrom && plan.changed.length ? { firstChangedDate: firstChangedDate(plan.changed) } : {}),
          },
        }
      : {}),
  });
}

/** A build's id: its start time, sortable, safe in file and table names (20261206T051744Z). */
export const runIdAt = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/**
 * Builds the models in dependency order (all, or `options.only`) as one build: readers see the
 * new models together once all succeeded. Program models run beside SQL models where the engine
 * offers a second session (`Engine.concurrent`). A failing model stops the build: the models not
 * yet started are skipped, nothing of the build is committed, and the error names the model and
 * its file.
 */
export async function buildModels(lake: Lake, engine: Engine, models: Model[], options: BuildOptions = {}): Promise<BuildRun> {
  const vars = options.vars ?? {};
  const started = Date.now();
  const startedAt = performance.now();
  const runId = runIdAt(new Date(started));
  const order = topologicalOrder(models).filter((m) => !options.only || options.only.has(m.name));
  const results: ModelRunResult[] = [];
  let failure = undefined as ModelRunResult | undefined;
  const scanned = () => engine.usage().bytesScanned;
  const scannedAtStart = scanned();
  const session = await engine.beginBuild(runId);
  // Program models of this build share work through it (models read only models built before them).
  const memo = buildMemo();
  if (options.dropOthers) await engine.dropModels(new Set(models.map((m) => m.name)));
  // Incremental models: what each stored table was built from, and what its inputs are now.
  const state = await readIncrementalState(lake, engine.name);
  const inputs = new Map<string, IncrementalInputs>();

  /**
   * Per date of a publishing model's table, the build that last changed its rows: the dates an
   * incremental run replaced get this build's id, the others keep theirs. Every date gets it when
   * the table was built whole, when the engine could not say which dates it replaced, or when no
   * earlier record exists: the models reading it then recompute every date, never too few.
   */
  const publish = async (on: Engine, model: Model, replaced: string[] | undefined, before: Record<string, string> | undefined) => {
    const column = model.config.publishesDates!;
    const { rows } = await on.query(`SELECT DISTINCT CAST(${column} AS VARCHAR) AS d FROM ${on.modelRelation(model.name)} WHERE ${column} IS NOT NULL`);
    const kept = replaced && before ? before : {};
    const changed = new Set(replaced ?? []);
    const published: Record<string, string> = {};
    for (const date of rows.map((r) => String(r.d)).sort()) published[date] = !changed.has(date) && kept[date] ? kept[date] : runId;
    return published;
  };
  // The published dates of an upstream model as of now: from this build if it built the model, else as recorded with its stored table.
  const publishedDates = (name: string, on: Engine) => {
    if (inputs.has(name)) return inputs.get(name)!.published;
    const recorded = state.models[name];
    return recorded && recorded.table === tableVersion(on, name) ? recorded.published : undefined;
  };

  const runModel = async (model: Model, on: Engine): Promise<ModelRunResult> => {
    const t0 = performance.now();
    const base = { model: model.name, file: model.file, materialized: model.materialized, started: Math.round(t0 - startedAt) / 1000 };
    const scannedBefore = scanned();
    try {
      const notes: string[] = [];
      const plan: IncrementalPlan = { fullRefresh: options.fullRefresh ?? false, changed: [] };
      if (model.materialized === 'incremental' && !model.program) {
        const now = await incrementalInputs(lake, on, model, models, vars, (name) => publishedDates(name, on));
        inputs.set(model.name, now);
        const recorded = state.models[model.name];
        // The state describes the stored table only if that is the table it was written for.
        const before = recorded && recorded.table === tableVersion(on, model.name) ? recorded : undefined;
        const unknown = unpublished(model, now.partitions);
        if (!before || before.fingerprint !== now.fingerprint || unknown.length) plan.fullRefresh = true;
        else {
          const changed = changedDates(before.partitions, now.partitions);
          if (changed) plan.changed = changed;
          else plan.fullRefresh = true;
        }
        if (before && !plan.fullRefresh && plan.changed.length) {
          notes.push(`${model.config.datesBy === 'ingest_date' ? 'ingest days' : 'source dates'} changed since its last build: ${dateRanges(plan.changed).map(([a, b]) => (a === b ? a : `${a}..${b}`)).join(', ')}`);
        }
        if (!options.fullRefresh) {
          if (unknown.length) notes.push(`built whole: no record of the dates whose rows changed in ${unknown.join(', ')} (build it in the same build)`);
          else if (before && before.fingerprint !== now.fingerprint) notes.push('built whole: its SQL, an upstream model or a seed changed since its last build');
          else if (!before && tableVersion(on, model.name)) notes.push('built whole: no record of what its stored table was built from (a first incremental build, or another build wrote it)');
          else if (before && !plan.changed.length && plan.fullRefresh) notes.push('built whole: a curated file outside any dt= partition changed');
        }
      }
      const { rows, mode, inserted, changedDates: replaced } = await buildOne(on, model, vars, plan, notes, memo);
      if (model.config.publishesDates && inputs.has(model.name)) {
        inputs.get(model.name)!.published = await publish(on, model, mode === 'incremental' ? replaced : undefined, state.models[model.name]?.published);
      }
      const scannedAfter = scanned();
      return {
        ...base,
        status: 'success',
        rows,
        seconds: (performance.now() - t0) / 1000,
        ...(notes.length ? { notes } : {}),
        ...(mode ? { mode, inserted } : {}),
        ...(scannedAfter !== null && scannedBefore !== null ? { bytesScanned: scannedAfter - scannedBefore } : {}),
      };
    } catch (error) {
      return { ...base, status: 'error', rows: null, seconds: (performance.now() - t0) / 1000, error: (error as Error).message };
    }
  };

  // Two lanes where the engine has a concurrent session: program models (TypeScript work:
  // matching, CLV fits) on it, SQL models on the engine, each lane taking the first model of the
  // dependency order whose upstream models are built. A model reads only models built before it,
  // so what it computes does not depend on what runs beside it. The SQL lane moves on only when
  // the main thread is free: the CLV fits run in worker threads (src/clv/threads.ts), the
  // customer master's matching does not yet. Without a second session, one lane runs the models
  // in dependency order, as before.
  const programs = options.concurrent === false ? undefined : await engine.concurrent?.();
  const laneOf = (model: Model) => (programs && model.program ? 'program' : 'sql');
  const sessionOf = { sql: engine, program: programs ?? engine };
  const inBuild = new Set(order.map((m) => m.name));
  const done = new Set<string>();
  const waiting = [...order];
  const running = new Map<string, Promise<void>>();
  const finished = new Map<string, ModelRunResult>();
  try {
    while (waiting.length || running.size) {
      if (!failure) {
        for (const lane of ['sql', 'program'] as const) {
          if (running.has(lane)) continue;
          const next = waiting.findIndex((m) => laneOf(m) === lane && m.refs.every((r) => !inBuild.has(r) || done.has(r)));
          if (next < 0) continue;
          const [model] = waiting.splice(next, 1) as [Model];
          running.set(
            lane,
            runModel(model, sessionOf[lane]).then((result) => {
              running.delete(lane);
              finished.set(model.name, result);
              if (result.status === 'success') done.add(model.name);
              else failure ??= result;
              options.onModel?.(result, finished.size - 1, order.length);
            }),
          );
        }
      }
      if (!running.size) break;
      await Promise.race(running.values());
    }
  } finally {
    await programs?.close();
  }
  // The run lists the models in dependency order; those a failure stopped are skipped.
  for (const model of order) {
    results.push(finished.get(model.name) ?? { model: model.name, file: model.file, materialized: model.materialized, status: 'skipped', rows: null, seconds: 0 });
  }
  if (!failure) {
    try {
      await options.beforeCommit?.();
    } catch (error) {
      await session.abort();
      throw error;
    }
  }
  if (failure) await session.abort();
  else {
    await session.commit();
    // After the commit: a state older than the tables (a crash right here) only makes the next
    // run recompute more dates, never fewer.
    const built = results.filter((r) => r.status === 'success' && inputs.has(r.model));
    if (built.length) await writeIncrementalState(lake, engine, state, new Map(built.map((r) => [r.model, inputs.get(r.model)!])));
  }
  const scannedAtEnd = scanned();
  const run: BuildRun = {
    engine: engine.name,
    runId,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    committed: !failure,
    ...(scannedAtEnd !== null && scannedAtStart !== null ? { bytesScanned: scannedAtEnd - scannedAtStart } : {}),
    vars,
    ...(options.selection?.select?.length ? { select: options.selection.select } : {}),
    ...(options.selection?.exclude?.length ? { exclude: options.selection.exclude } : {}),
    ...(options.fullRefresh ? { fullRefresh: true } : {}),
    results,
  };
  await lake.writeJsonAtomic(`_runs/${run.startedAt.replace(/[:.]/g, '-')}-build.json`, run);
  if (failure) {
    const where = failure.file.startsWith('src/') ? failure.file : `models/${failure.file}`;
    throw new BuildError(`Model ${failure.model} (${where}) failed: ${failure.error}. Nothing of this build was committed: readers keep the previous warehouse.`, run);
  }
  return run;
}
