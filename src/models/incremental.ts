import { createHash } from 'node:crypto';
import type { Engine, Relations } from '../engine/engine.js';
import type { Lake } from '../lake/lake.js';
import { compileModel } from './compile.js';
import { buildMemo, type Vars } from './program.js';
import type { Model } from './project.js';

/**
 * The change signal of incremental models. The curated zone is partitioned by business date
 * (`curated/<table>/dt=YYYY-MM-DD/`), and which files readers see is exactly what the committed
 * delivery manifests list: a new delivery adds files, a late one adds files to an old date, a
 * corrected re-delivery (or a quarantine fix landed again under its delivery name) replaces its
 * files. So for each business date of a feed, the files listed for it together with their
 * delivery's SHA-256 and landing time say what the date's rows are; a date whose list differs
 * from the one recorded when a model's table was built is a date whose rows changed, whatever
 * the reason (including rows that disappeared). "Dates after the newest stored row" would miss
 * all but the first case.
 *
 * The lists are recorded per engine and incremental model in
 * `_builds/incremental-state-<engine>.json`, written after a build commits (outside warehouse/,
 * whose unknown files a build removes), with the version of the table they describe (its catalog
 * entry). A state older than the tables (a crash between the commit and this write) only makes
 * the next run recompute more dates; a model without a state, whose stored table is not the one
 * the state describes (built by another warehouse on the same lake, restored), or whose SQL,
 * upstream models or seeds changed (`fingerprint`), is built whole.
 */
export const incrementalStateKey = (engine: string) => `_builds/incremental-state-${engine}.json`;

/** Per feed, per business date: a hash of the files readers see for it. */
export type PartitionSnapshot = Record<string, Record<string, string>>;

export interface IncrementalInputs {
  /** Hash of the model's compiled SQL, the SQL of every model upstream and the seeds' rows. */
  fingerprint: string;
  /** Per feed read through views (and per `dates_from` model, as `model:<name>`), per business date (per ingest day, as `ingest:<feed>`), what it holds. */
  partitions: PartitionSnapshot;
  /** A model with `publishes_dates`: per date of its table, the id of the build that last changed the date's rows. */
  published?: Record<string, string>;
}

export interface IncrementalState {
  format: 1;
  /** Per model: its inputs when it was built, and the table it built (catalog location and time). */
  models: Record<string, IncrementalInputs & { table: string }>;
}

/** The version of a stored table as the engine's catalog has it (a new file or a new build time each build). */
export function tableVersion(engine: Engine, model: string): string | undefined {
  const entry = engine.catalog().find((e) => e.name === model);
  return entry ? `${entry.location ?? ''} ${entry.builtAt}` : undefined;
}

/** The part of a delivery manifest (src/feeds/ingest.ts) the change signal reads. */
interface ManifestFiles {
  deliveryKey?: string;
  sha256?: string;
  ingestedAt?: string;
  files?: { curated?: string[]; quarantine?: string[] };
}

const PARTITION = /\/dt=(\d{4}-\d{2}-\d{2})\//;
const DAY = /^\d{4}-\d{2}-\d{2}/;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export async function readIncrementalState(lake: Lake, engine: string): Promise<IncrementalState> {
  try {
    const state = await lake.readJson<IncrementalState>(incrementalStateKey(engine));
    if (state?.format === 1 && state.models && typeof state.models === 'object') return state;
  } catch {
    // unreadable: every incremental model is built whole and the state written again
  }
  return { format: 1, models: {} };
}

/** Records what the committed tables of `built` were built from (after the build's commit). */
export async function writeIncrementalState(lake: Lake, engine: Engine, previous: IncrementalState, built: Map<string, IncrementalInputs>): Promise<void> {
  const models = { ...previous.models };
  for (const [name, inputs] of built) {
    const table = tableVersion(engine, name);
    if (table) models[name] = { ...inputs, table };
    else delete models[name];
  }
  await lake.writeJsonAtomic(incrementalStateKey(engine.name), { format: 1, models } satisfies IncrementalState);
}

/** Per date, a hash of the entries listed under it, dates sorted. */
function hashedByDate(entries: [date: string, entry: string][]): Record<string, string> {
  const byDate = new Map<string, string[]>();
  for (const [date, entry] of entries) {
    const list = byDate.get(date);
    if (list) list.push(entry);
    else byDate.set(date, [entry]);
  }
  return Object.fromEntries([...byDate].sort(([a], [b]) => a.localeCompare(b)).map(([date, list]) => [date, sha256(list.sort().join('\n'))]));
}

/** Per business date of a feed, a hash of its committed curated files and their deliveries. */
export async function feedPartitions(lake: Lake, feed: string): Promise<Record<string, string>> {
  const entries: [string, string][] = [];
  for (const manifest of await lake.listManifests<ManifestFiles>(feed)) {
    for (const key of manifest.files?.curated ?? []) {
      entries.push([PARTITION.exec(key)?.[1] ?? 'unpartitioned', `${key} ${manifest.sha256 ?? ''} ${manifest.ingestedAt ?? ''}`]);
    }
  }
  return hashedByDate(entries);
}

/**
 * Per ingest day of a feed (the UTC date a delivery landed, the date of its rows'
 * `_ingested_at`), a hash of the deliveries committed that day with their curated and quarantine
 * files. A corrected re-delivery changes two days: the day its earlier version landed (gone from
 * it) and the day it lands.
 */
export async function feedIngestDays(lake: Lake, feed: string): Promise<Record<string, string>> {
  const entries: [string, string][] = [];
  for (const manifest of await lake.listManifests<ManifestFiles>(feed)) {
    const files = [...(manifest.files?.curated ?? []), ...(manifest.files?.quarantine ?? [])].sort();
    const day = DAY.exec(manifest.ingestedAt ?? '')?.[0] ?? 'unpartitioned';
    entries.push([day, `${manifest.deliveryKey ?? ''} ${manifest.sha256 ?? ''} ${manifest.ingestedAt ?? ''} ${files.join(' ')}`]);
  }
  return hashedByDate(entries);
}

/**
 * The feeds a model reads through `source()`, directly or through views (whose rows are the
 * sources' rows of the moment). Tables it reads are whole relations the model compares itself
 * (`{{ stored() }}` against the current `ref()`).
 */
export function viewSources(model: Model, byName: Map<string, Model>): string[] {
  const feeds = new Set<string>();
  const seen = new Set<string>();
  const visit = (m: Model) => {
    if (seen.has(m.name)) return;
    seen.add(m.name);
    for (const s of m.sources) feeds.add(s.source);
    for (const ref of m.refs) {
      const upstream = byName.get(ref);
      if (upstream && upstream.materialized === 'view' && !upstream.program) visit(upstream);
    }
  };
  visit(model);
  return [...feeds].sort();
}

/** Every model upstream of `model` (through refs), itself excluded. */
function upstreamOf(model: Model, byName: Map<string, Model>): Model[] {
  const out = new Map<string, Model>();
  const stack = [...model.refs];
  while (stack.length) {
    const name = stack.pop()!;
    const m = byName.get(name);
    if (!m || out.has(name)) continue;
    out.set(name, m);
    stack.push(...m.refs);
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

const FINGERPRINT_RELATIONS: Pick<Relations, 'sourceRelation' | 'modelRelation'> = {
  sourceRelation: (source, table) => `source(${source}, ${table})`,
  modelRelation: (model) => `ref(${model})`,
};

/** Where a snapshot holds the published dates of a `dates_from` model (beside the feeds' names). */
export const datesFromKey = (model: string) => `model:${model}`;

/** Where a snapshot holds a feed's ingest days (dates_by='ingest_date'): switching between the two compares nothing alike. */
const ingestDaysKey = (feed: string) => `ingest:${feed}`;

/** The `dates_from` models whose published dates a snapshot lacks: the model cannot tell its changed dates. */
export const unpublished = (model: Model, partitions: PartitionSnapshot) => model.config.datesFrom.filter((name) => !partitions[datesFromKey(name)]);

/** What an incremental model's stored table would be built from now. */
export async function incrementalInputs(
  lake: Lake,
  engine: Engine,
  model: Model,
  models: Model[],
  vars: Vars,
  published: (model: string) => Record<string, string> | undefined,
): Promise<IncrementalInputs> {
  const byName = new Map(models.map((m) => [m.name, m]));
  // Compiled with names of their own, not the engine's (Athena's differ per build: staged tables).
  const parts = [compileModel(model, FINGERPRINT_RELATIONS, vars, { isIncremental: false })];
  for (const upstream of upstreamOf(model, byName)) {
    if (upstream.kind === 'sql') parts.push(`${upstream.name}\n${compileModel(upstream, FINGERPRINT_RELATIONS, vars)}`);
    // Seeds are rows in the repository: a changed exchange rate changes every stored amount.
    else if (upstream.program && upstream.file.endsWith('.csv')) {
      const rows = await upstream.program.build({ engine, vars, ref: (n) => engine.modelRelation(n), note: () => undefined, memo: buildMemo() });
      parts.push(`${upstream.name}\n${JSON.stringify(rows)}`);
    }
  }
  const partitions: PartitionSnapshot = {};
  for (const feed of viewSources(model, byName)) {
    if (model.config.datesBy === 'ingest_date') partitions[ingestDaysKey(feed)] = await feedIngestDays(lake, feed);
    else partitions[feed] = await feedPartitions(lake, feed);
  }
  for (const name of model.config.datesFrom) {
    const dates = published(name);
    if (dates) partitions[datesFromKey(name)] = dates;
  }
  return { fingerprint: sha256(parts.join('\n--\n')), partitions };
}

/**
 * The business dates whose files differ between two snapshots (added, replaced or gone); null
 * when a file outside any dt= partition changed (then the model is built whole).
 */
export function changedDates(before: PartitionSnapshot, now: PartitionSnapshot): string[] | null {
  const changed = new Set<string>();
  for (const feed of new Set([...Object.keys(before), ...Object.keys(now)])) {
    const a = before[feed] ?? {};
    const b = now[feed] ?? {};
    for (const date of new Set([...Object.keys(a), ...Object.keys(b)])) if (a[date] !== b[date]) changed.add(date);
  }
  if (changed.has('unpartitioned')) return null;
  return [...changed].sort();
}
