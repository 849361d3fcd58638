import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Materialization } from '../engine/engine.js';
import { ModelError } from './errors.js';
import { programColumns, type ProgramModel } from './program.js';
import { DEFAULT_SEEDS_DIR, defaultSeedsDir, listSeedFiles, listSeedYaml, readSeed } from './seeds.js';
import { readProjectYaml, type DataTestDef, type ModelYaml, type UnitTestDef } from './yaml.js';

export { ModelError };

/** The SQL models that ship with crmlake. */
export const DEFAULT_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

export interface ModelColumnDoc {
  name: string;
  description?: string;
}

/** How a model is stored: a view, a table rebuilt each run, or a table that grows run by run. */
export type ModelMaterialization = Materialization;

export interface ModelConfig {
  /** Incremental models: the columns that identify a row (merge replaces rows with the same key). */
  uniqueKey: string[];
  /** Incremental models: `append` adds the new rows; `merge` replaces rows whose unique_key comes again. */
  incrementalStrategy: 'append' | 'merge';
  /** Incremental models: how many days before the newest stored row `incremental_filter()` re-reads. */
  lookbackDays: number;
  /**
   * Incremental merge models: the column, or pairs of columns (earliest, latest), holding the
   * business dates of the source rows a stored row was computed from (a pair per kind of source
   * whose dates lie apart, each NULL where there are none). A stored row whose dates
   * cover a date whose curated partition changed since the model's last build (a new, late or
   * corrected delivery) is deleted; the model recomputes it if its key still exists (see
   * `{{ changed_rows() }}`). Empty: only rows whose key comes again are replaced.
   */
  sourceDates: string[];
  /**
   * Incremental merge models: a date column of the model whose values, for the rows a build
   * deleted or inserted, are the changed dates it passes on to the incremental models that read
   * it (`dates_from`). `int_orders` publishes its `order_date`s.
   */
  publishesDates?: string;
  /**
   * Incremental models: upstream incremental tables (publishing their dates) whose changed dates
   * are changed dates of this model too, beside those of the feeds it reads through views.
   */
  datesFrom: string[];
  /**
   * Incremental models: which dates of the feeds it reads count as changed. `business_date` (the
   * default): the business dates whose curated files changed. `ingest_date`: the UTC days on
   * which deliveries landed whose files (curated or quarantined) changed, for a model of the
   * deliveries themselves (`data_quality`, per feed and ingest day).
   */
  datesBy: 'business_date' | 'ingest_date';
  /**
   * Incremental merge models: a date column; on an incremental run the stored rows whose value is
   * on or after the new rows' least value, or the first changed date, are replaced whole (deleted,
   * whether or not the new rows bring their key): for a model that recomputes everything from a
   * point on, such as the month ends of `customer_segment_monthly` from the first changed month.
   */
  replacesFrom?: string;
  /** Athena: Hive partition columns of the table (they must be the SELECT's last columns). */
  partitionedBy: string[];
  tags: string[];
}

export interface Model {
  name: string;
  /** SQL file, or a TypeScript program (see ./program.ts). */
  kind: 'sql' | 'program';
  program?: ProgramModel;
  /** Path relative to the models folder, e.g. `marts/customer_rfm.sql`; for programs the source file. */
  file: string;
  raw: string;
  materialized: ModelMaterialization;
  config: ModelConfig;
  /** Line of the `{{ config(…) }}` call, if any. */
  configLine?: number;
  refs: string[];
  sources: { source: string; table: string }[];
  description?: string;
  columns: ModelColumnDoc[];
  /** Generic data tests declared in the YAML. */
  tests: DataTestDef[];
  /** Where the model's YAML entry is. */
  doc?: { file: string; line: number };
}

/** A singular test: `tests/<name>.sql`, a query that returns the rows breaking a rule. */
export interface SingularTest {
  name: string;
  /** Absolute path. */
  path: string;
  /** Path for messages, relative to the project root (e.g. `tests/x.sql`). */
  file: string;
  raw: string;
  refs: string[];
  sources: { source: string; table: string }[];
  severity: 'error' | 'warn';
}

export interface Project {
  /** The models folder. */
  dir: string;
  models: Model[];
  unitTests: UnitTestDef[];
  singularTests: SingularTest[];
  /** The singular tests folder (may not exist). */
  testsDir: string;
  /** The seeds folder (may not exist). */
  seedsDir?: string;
  /** YAML entries that name no model (lint reports them). */
  orphanDocs: ModelYaml[];
}

/** A `{{ … }}` expression in a model; only the calls below are understood. */
const JINJA = /\{\{\s*([\s\S]*?)\s*\}\}/g;
const CALL = /^(ref|source|var|config|incremental_filter|is_incremental|changed_rows|first_changed_date|stored)\s*\(([\s\S]*)\)$/;
export const TEMPLATE_FUNCTIONS = ['ref', 'source', 'var', 'config', 'this', 'is_incremental', 'incremental_filter', 'changed_rows', 'first_changed_date', 'stored'] as const;
/** Template calls that only incremental models may use. */
export const INCREMENTAL_FUNCTIONS: readonly string[] = ['this', 'is_incremental', 'incremental_filter', 'changed_rows', 'first_changed_date', 'stored'];

export function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/**
 * Parses the arguments of a call like `'a', 'b'` or `materialized='table'`. A list value
 * (`tags=['a', 'b']`) comes back comma-joined (`'a,b'`).
 */
export function parseArgs(text: string): { positional: string[]; named: Record<string, string> } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  const pattern = /\s*(?:(\w+)\s*=\s*)?(?:'([^']*)'|"([^"]*)"|\[([^\]]*)\]|([\w.-]+))\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < text.length && (match = pattern.exec(text))) {
    let value = match[2] ?? match[3] ?? match[5] ?? '';
    if (match[4] !== undefined) {
      const items = match[4].split(',').map((s) => s.trim()).filter(Boolean);
      if (items.some((s) => !/^(?:'[^']*'|"[^"]*"|[\w.-]+)$/.test(s))) throw new Error(`cannot read the list [${match[4]}]`);
      value = items.map((s) => s.replace(/^['"]|['"]$/g, '')).join(',');
    }
    if (match[1]) named[match[1]] = value;
    else positional.push(value);
    consumed = pattern.lastIndex;
  }
  if (text.slice(consumed).trim() !== '') throw new Error(`cannot read arguments: ${text}`);
  return { positional, named };
}

export interface JinjaCall {
  fn: (typeof TEMPLATE_FUNCTIONS)[number];
  positional: string[];
  named: Record<string, string>;
  start: number;
  end: number;
  line: number;
}

/** Every `{{ … }}` call in a model, or an error naming the file and line of one it cannot read. */
export function findCalls(raw: string, file: string): JinjaCall[] {
  const block = /\{[%#]/.exec(raw);
  if (block) {
    throw new ModelError(
      `${file}:${lineOf(raw, block.index)}: template blocks {% … %} and comments {# … #} are not supported: use SQL comments, and {{ incremental_filter('date_column') }} instead of {% if is_incremental() %}`,
    );
  }
  const calls: JinjaCall[] = [];
  for (const match of raw.matchAll(JINJA)) {
    const line = lineOf(raw, match.index);
    const body = match[1]!.trim();
    const base = { start: match.index, end: match.index + match[0].length, line };
    if (body === 'this') {
      calls.push({ fn: 'this', positional: [], named: {}, ...base });
      continue;
    }
    const call = CALL.exec(body);
    if (!call) throw new ModelError(`${file}:${line}: unsupported expression {{ ${match[1]} }} (use ${TEMPLATE_FUNCTIONS.join(', ')})`);
    let args;
    try {
      args = parseArgs(call[2]!);
    } catch (error) {
      throw new ModelError(`${file}:${line}: ${(error as Error).message}`);
    }
    calls.push({ fn: call[1] as JinjaCall['fn'], ...args, ...base });
  }
  return calls;
}

async function listFiles(dir: string, ext: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => {
    throw new ModelError(`Models folder not found: ${dir}`);
  });
  return entries
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

const splitList = (value: string | undefined) => (value ? value.split(',').map((s) => s.trim()).filter(Boolean) : []);

/** Reads and checks a model's `{{ config(…) }}`. */
function readConfig(file: string, config: JinjaCall | undefined, yamlTags: string[]): { materialized: ModelMaterialization; config: ModelConfig } {
  const named = config?.named ?? {};
  const where = `${file}:${config?.line ?? 1}`;
  const known = ['materialized', 'unique_key', 'incremental_strategy', 'lookback_days', 'source_dates', 'publishes_dates', 'dates_from', 'dates_by', 'replaces_from', 'partitioned_by', 'partition_by', 'tags', 'enabled'];
  for (const key of Object.keys(named)) {
    if (!known.includes(key)) throw new ModelError(`${where}: config has no setting '${key}' (known: ${known.join(', ')})`);
  }
  const materialized = (named.materialized ?? (file.startsWith('marts/') ? 'table' : 'view')) as ModelMaterialization;
  if (!['view', 'table', 'incremental'].includes(materialized)) {
    throw new ModelError(`${where}: materialized must be 'view', 'table' or 'incremental', not '${materialized}'`);
  }
  const uniqueKey = splitList(named.unique_key);
  const strategy = named.incremental_strategy ?? (uniqueKey.length ? 'merge' : 'append');
  if (strategy !== 'append' && strategy !== 'merge') {
    throw new ModelError(`${where}: incremental_strategy must be 'append' or 'merge', not '${strategy}'`);
  }
  const lookbackText = named.lookback_days ?? '0';
  const lookbackDays = Number(lookbackText);
  if (!Number.isInteger(lookbackDays) || lookbackDays < 0) throw new ModelError(`${where}: lookback_days must be a whole number of days ≥ 0, not '${lookbackText}'`);
  const sourceDates = splitList(named.source_dates);
  if (sourceDates.length > 1 && sourceDates.length % 2 === 1) {
    throw new ModelError(`${where}: source_dates names one date column, or pairs of them (earliest, latest), not ${sourceDates.length}`);
  }
  if (sourceDates.length && strategy !== 'merge') {
    throw new ModelError(`${where}: source_dates deletes stored rows, which needs incremental_strategy='merge' with a unique_key`);
  }
  // Settings naming one column of a merge model.
  const mergeColumn = (setting: 'publishes_dates' | 'replaces_from', what: string) => {
    const value = named[setting]?.trim() || undefined;
    if (value !== undefined && (splitList(value).length !== 1 || strategy !== 'merge')) {
      throw new ModelError(`${where}: ${setting} names one ${what} of a model with incremental_strategy='merge', not '${value}'`);
    }
    return value;
  };
  const publishesDates = mergeColumn('publishes_dates', 'date column');
  const replacesFrom = mergeColumn('replaces_from', 'date column');
  const datesFrom = splitList(named.dates_from);
  const datesBy = named.dates_by?.trim() || 'business_date';
  if (datesBy !== 'business_date' && datesBy !== 'ingest_date') throw new ModelError(`${where}: dates_by must be 'business_date' or 'ingest_date', not '${datesBy}'`);
  if (datesBy === 'ingest_date' && datesFrom.length) {
    throw new ModelError(`${where}: dates_from passes on business dates, which a model with dates_by='ingest_date' cannot compare with its ingest dates`);
  }
  if (materialized === 'incremental') {
    if (strategy === 'merge' && uniqueKey.length === 0) {
      throw new ModelError(`${where}: incremental_strategy='merge' needs unique_key='<column>' (or a list) to know which rows to replace`);
    }
    if (strategy === 'append' && lookbackDays > 0) {
      throw new ModelError(
        `${where}: lookback_days=${lookbackDays} with incremental_strategy='append' would insert the re-read days twice; use incremental_strategy='merge' with a unique_key`,
      );
    }
  } else if (named.unique_key || named.incremental_strategy || named.lookback_days || named.source_dates || publishesDates || datesFrom.length || named.dates_by || replacesFrom) {
    throw new ModelError(`${where}: unique_key, incremental_strategy, lookback_days, source_dates, publishes_dates, dates_from, dates_by and replaces_from apply to materialized='incremental' only`);
  }
  return {
    materialized,
    config: {
      uniqueKey,
      incrementalStrategy: strategy,
      lookbackDays,
      sourceDates,
      ...(publishesDates ? { publishesDates } : {}),
      datesFrom,
      datesBy,
      ...(replacesFrom ? { replacesFrom } : {}),
      partitionedBy: splitList(named.partitioned_by ?? named.partition_by),
      tags: [...new Set([...splitList(named.tags), ...yamlTags])],
    },
  };
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

/** The singular tests folder for a models folder: `tests/` beside it. */
export function defaultTestsDir(modelsDir: string): string {
  return path.resolve(modelsDir, '..', 'tests');
}

/**
 * Reads every model under `dir` with its YAML docs (dbt's `models:` list in any .yml file),
 * plus the program models (computed in TypeScript) that build on them. The runner knows no
 * program of its own: the caller hands them in (src/app/project.ts lists crmlake's).
 */
export async function loadProject(dir: string = DEFAULT_MODELS_DIR, programs: ProgramModel[] = [], sources?: string[]): Promise<Model[]> {
  return (await loadFullProject(dir, { programs, sources })).models;
}

export interface ProjectOptions {
  programs?: ProgramModel[];
  /** The tables `source()` may name, as `feed.table` (the caller knows the feeds); absent: not checked. */
  sources?: string[];
  testsDir?: string;
  seedsDir?: string;
}

/** A `source('feed', 'table')` must name a feed's curated table: say which exist. */
function checkSource(call: { positional: string[]; line: number }, file: string, sources: string[] | undefined): void {
  const [source, table] = call.positional;
  if (sources && !sources.includes(`${source}.${table}`)) {
    throw new ModelError(`${file}:${call.line}: source('${source}', '${table}') is not a known feed table (${sources.join(', ')})`);
  }
}

/**
 * The models with their YAML, unit tests and singular tests (`tests/*.sql` beside the models folder).
 * `programs`: models computed in TypeScript; in a models folder other than the shipped one, a
 * program whose refs the folder lacks is left out (it was written for the shipped models).
 */
export async function loadFullProject(
  dir: string = DEFAULT_MODELS_DIR,
  options: ProjectOptions = {},
): Promise<Project> {
  try {
    return await readFullProject(dir, options);
  } catch (error) {
    // Errors name files relative to the models folder; say which folder (models/marts/x.sql:3).
    const file = error instanceof ModelError ? /^([^\s:]+\.(?:sql|ya?ml)):\d+:/.exec(error.message)?.[1] : undefined;
    if (file && error instanceof ModelError && existsSync(path.join(dir, file))) error.message = `${path.basename(path.resolve(dir))}/${error.message}`;
    throw error;
  }
}

async function readFullProject(dir: string, options: ProjectOptions): Promise<Project> {
  const programs = options.programs ?? [];
  const seedsDir = options.seedsDir ?? defaultSeedsDir(dir);
  const relativeToModels = (file: string) => path.relative(dir, file).split(path.sep).join('/');
  const yamlFiles = await listFiles(dir, /\.ya?ml$/);
  const seedYaml = (await listSeedYaml(seedsDir)).map(relativeToModels).filter((f) => !yamlFiles.includes(f));
  const yaml = await readProjectYaml(dir, [...yamlFiles, ...seedYaml]);
  const models: Model[] = [];
  const seen = new Map<string, string>();
  const fromYaml = (name: string) => {
    const doc = yaml.models.get(name);
    return doc ? { tests: doc.tests, doc: { file: doc.file, line: doc.line } } : { tests: [] };
  };
  for (const file of await listFiles(dir, /\.sql$/)) {
    const name = path.basename(file, '.sql');
    if (seen.has(name)) throw new ModelError(`Two models are named ${name}: ${seen.get(name)} and ${file}`);
    seen.set(name, file);
    const raw = await readFile(path.join(dir, file), 'utf8');
    const calls = findCalls(raw, file);
    const configs = calls.filter((c) => c.fn === 'config');
    if (configs.length > 1) throw new ModelError(`${file}:${configs[1]!.line}: a model has one {{ config(…) }} (another is on line ${configs[0]!.line})`);
    const doc = yaml.models.get(name);
    const { materialized, config } = readConfig(file, configs[0], doc?.tags ?? []);
    for (const call of calls) {
      if (INCREMENTAL_FUNCTIONS.includes(call.fn) && materialized !== 'incremental') {
        throw new ModelError(`${file}:${call.line}: {{ ${call.fn}${call.fn === 'this' ? '' : '()'} }} is for materialized='incremental' models only`);
      }
      if (call.fn === 'changed_rows' && (call.positional.length < 1 || call.positional.length > 2)) {
        throw new ModelError(`${file}:${call.line}: changed_rows needs the business date column, or two (earliest, latest): {{ changed_rows('business_date') }}`);
      }
      if (call.fn === 'stored' && call.positional.length < 1) {
        throw new ModelError(`${file}:${call.line}: stored needs the columns it reads from the stored table: {{ stored('order_key', 'customer_key') }}`);
      }
      if (call.fn === 'incremental_filter' && !call.positional[0]) {
        throw new ModelError(`${file}:${call.line}: incremental_filter needs the date column: {{ incremental_filter('business_date') }}`);
      }
      if ((call.fn === 'ref' && !call.positional[0]) || (call.fn === 'source' && call.positional.length !== 2)) {
        throw new ModelError(`${file}:${call.line}: write ref('model') or source('feed', 'table')`);
      }
      if (call.fn === 'source') checkSource(call, file, options.sources);
    }
    models.push({
      name,
      kind: 'sql',
      file,
      raw,
      materialized,
      config,
      configLine: configs[0]?.line,
      refs: [...new Set(calls.filter((c) => c.fn === 'ref').map((c) => c.positional[0]!))],
      sources: calls.filter((c) => c.fn === 'source').map((c) => ({ source: c.positional[0]!, table: c.positional[1]! })),
      description: doc?.description,
      columns: doc?.columns.map((c) => ({ name: c.name, description: c.description })) ?? [],
      ...fromYaml(name),
    });
  }
  const referenced = new Set(models.flatMap((m) => m.refs));
  // Seeds: the CSV files of the seeds folder; a models folder without seeds of its own (a copy of
  // the shipped models, say) gets the shipped seeds its models ref.
  const seedFiles = await listSeedFiles(seedsDir);
  if (path.resolve(seedsDir) !== DEFAULT_SEEDS_DIR) {
    const own = new Set(seedFiles.map((f) => path.basename(f, path.extname(f))));
    for (const file of await listSeedFiles(DEFAULT_SEEDS_DIR)) {
      const name = path.basename(file, path.extname(file));
      if (!own.has(name) && referenced.has(name)) seedFiles.push(file);
    }
  }
  const seeds: ProgramModel[] = [];
  for (const file of seedFiles) {
    const name = path.basename(file, path.extname(file));
    const shown = `${path.basename(path.dirname(file))}/${path.basename(file)}`;
    if (seen.has(name)) throw new ModelError(`${shown}: seed ${name} has the name of the model ${seen.get(name)}`);
    const doc = yaml.models.get(name);
    seeds.push(
      await readSeed(file, {
        shown,
        description: doc?.description,
        columnTypes: doc?.columnTypes,
        columnDescriptions: Object.fromEntries(doc?.columns.map((c) => [c.name, c.description]) ?? []),
      }),
    );
  }
  for (const program of [...seeds, ...programs]) {
    const plugin = !seeds.includes(program);
    // The programs read the shipped models; a project folder of its own without those models
    // simply has none of them. One that reads no model joins such a folder only when one of its
    // models refs it.
    if (plugin && path.resolve(dir) !== DEFAULT_MODELS_DIR && (program.refs.some((r) => !seen.has(r)) || (program.refs.length === 0 && !referenced.has(program.name)))) continue;
    if (seen.has(program.name)) throw new ModelError(`Model ${program.name} is defined in ${seen.get(program.name)} and by ${program.file}`);
    seen.set(program.name, program.file);
    const doc = yaml.models.get(program.name);
    const described = new Map(doc?.columns.map((c) => [c.name, c.description]) ?? []);
    models.push({
      name: program.name,
      kind: 'program',
      program,
      file: program.file,
      raw: '',
      materialized: 'table',
      config: { uniqueKey: [], incrementalStrategy: 'append', lookbackDays: 0, sourceDates: [], datesFrom: [], datesBy: 'business_date', partitionedBy: [], tags: doc?.tags ?? [] },
      refs: program.refs,
      sources: [],
      description: doc?.description ?? program.description,
      columns: programColumns(program, {}).map((c) => ({ name: c.name, description: described.get(c.name) ?? c.description })),
      ...fromYaml(program.name),
    });
  }
  const refLine = (model: Model, ref: string) => findCalls(model.raw, model.file).find((c) => c.fn === 'ref' && c.positional[0] === ref)?.line ?? 1;
  for (const model of models) {
    for (const ref of model.refs) {
      if (!seen.has(ref)) throw new ModelError(`${model.file}:${refLine(model, ref)}: ref('${ref}') names no model`);
    }
    for (const name of model.config.datesFrom) {
      const upstream = models.find((m) => m.name === name);
      if (!model.refs.includes(name) || !upstream?.config.publishesDates) {
        throw new ModelError(`${model.file}: dates_from='${name}' must name a model it refs that sets publishes_dates`);
      }
    }
    for (const test of model.tests) {
      if (test.to?.ref && !seen.has(test.to.ref)) throw new ModelError(`${test.file}:${test.line}: ${test.name}: ref('${test.to.ref}') names no model`);
    }
  }
  for (const unit of yaml.unitTests) {
    const model = models.find((m) => m.name === unit.model);
    if (!model) throw new ModelError(`${unit.file}:${unit.line}: unit test ${unit.name}: model ${unit.model} does not exist`);
    if (model.kind !== 'sql') throw new ModelError(`${unit.file}:${unit.line}: unit test ${unit.name}: ${unit.model} is a program model; unit tests run SQL models`);
  }
  const testsDir = options.testsDir ?? defaultTestsDir(dir);
  const singularTests: SingularTest[] = [];
  if (await exists(testsDir)) {
    for (const file of await listFiles(testsDir, /\.sql$/)) {
      const full = path.join(testsDir, file);
      const shown = path.join(path.basename(testsDir), file).split(path.sep).join('/');
      const raw = await readFile(full, 'utf8');
      const calls = findCalls(raw, shown);
      for (const call of calls) {
        if (call.fn === 'ref' && !seen.has(call.positional[0]!)) throw new ModelError(`${shown}:${call.line}: ref('${call.positional[0]}') names no model`);
        if (call.fn === 'source') checkSource(call, shown, options.sources);
        if (INCREMENTAL_FUNCTIONS.includes(call.fn)) throw new ModelError(`${shown}:${call.line}: {{ ${call.fn} }} belongs in incremental models, not tests`);
      }
      const severity = calls.find((c) => c.fn === 'config')?.named.severity ?? 'error';
      if (severity !== 'error' && severity !== 'warn') throw new ModelError(`${shown}:1: severity must be error or warn, not '${severity}'`);
      singularTests.push({
        name: file.replace(/\.sql$/, '').replace(/\//g, '__'),
        path: full,
        file: shown,
        raw,
        refs: [...new Set(calls.filter((c) => c.fn === 'ref').map((c) => c.positional[0]!))],
        sources: calls.filter((c) => c.fn === 'source').map((c) => ({ source: c.positional[0]!, table: c.positional[1]! })),
        severity,
      });
    }
  }
  const orphanDocs = [...yaml.models.values()].filter((doc) => !seen.has(doc.name));
  return { dir, models, unitTests: yaml.unitTests, singularTests, testsDir, seedsDir, orphanDocs };
}

/** Models in dependency order; a cycle is an error that names it. */
export function topologicalOrder(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const order: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, trail: string[]) => {
    const current = state.get(model.name);
    if (current === 'done') return;
    if (current === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(model.name)), model.name];
      // Point at the ref that closes the cycle.
      const from = byName.get(trail.at(-1)!)!;
      const line = from.raw ? (findCalls(from.raw, from.file).find((c) => c.fn === 'ref' && c.positional[0] === model.name)?.line ?? 1) : 1;
      throw new ModelError(`Models form a cycle: ${cycle.join(' → ')} (${from.file}:${line}: ref('${model.name}'))`);
    }
    state.set(model.name, 'visiting');
    for (const ref of [...model.refs].sort()) {
      const upstream = byName.get(ref);
      if (upstream) visit(upstream, [...trail, model.name]);
    }
    state.set(model.name, 'done');
    order.push(model);
  };
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(model, []);
  return order;
}
