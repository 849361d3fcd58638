import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import type { Lake } from '../../lake/lake.js';
import type { S3Store } from '../../lake/s3.js';
import type {
  AthenaSettings,
  BuildSession,
  CatalogEntry,
  Engine,
  EngineCapabilities,
  EngineOptions,
  EngineUsage,
  MaterializeRequest,
  MaterializeResult,
  QueryOptions,
  QueryResult,
  RowsRequest,
  CatalogSync,
} from '../engine.js';
import { AthenaQueries } from './client.js';
import { GlueCatalog } from './glue.js';
import { countRows, runStatement, stageRows } from './materializations.js';
import { planModel, tableLocation, type PlanContext } from './plan.js';
import { ATHENA_DEFAULT_NAMES, AthenaRelations } from './relations.js';
import { ATHENA_LAYOUT, syncSources } from './sources.js';
import { createView, ctas } from './statements.js';
import { orderedQuery } from '../sql.js';
import { resultDigest } from '../format.js';

/** Table folders kept per model: the current build's and the two before (for readers mid-query). */
export const TABLE_VERSIONS_KEPT = 3;
const THIRTY_MINUTES = 30 * 60 * 1000;

interface StoredCatalog {
  committedAt: string | null;
  entries: CatalogEntry[];
}

interface Build {
  runId: string;
  entries: CatalogEntry[];
  /** Tables and views written under a staged name, switched to their final name at commit. */
  staged: { kind: 'table' | 'view'; model: string; staged: string; location?: string; compile?: MaterializeRequest['compile'] }[];
  /** Models to remove from the warehouse at commit. */
  dropped: string[];
}

/** Reads that analysts may run on Athena through `crmlake sql` (the rest is for builds). */
const READ_ONLY_STATEMENT = /^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(select|with|show|describe|explain|values)\b/i;

/**
 * Athena (Trino over the Glue catalog) over a lake on S3. Curated tables are Glue tables over
 * symlink manifests of the committed files; a build writes each table model to a new folder under
 * a staged name and switches the final names at its commit (Glue table swap; views re-created),
 * so readers never see a mart missing or marts of two builds mixed. Bytes scanned are counted per
 * statement and a budget stops the build before it runs past it.
 */
export class AthenaEngine implements Engine {
  readonly name = 'athena' as const;
  readonly capabilities: EngineCapabilities = { incremental: true, reportsScannedBytes: true, fingerprintsInPlace: false };
  private build: Build | undefined;

  private constructor(
    private readonly lake: Lake,
    readonly settings: AthenaSettings,
    readonly queries: AthenaQueries,
    readonly glue: GlueCatalog,
    readonly relations: AthenaRelations,
    private readonly options: EngineOptions,
    private stored: StoredCatalog,
  ) {}

  static async open(lake: Lake, options: EngineOptions): Promise<AthenaEngine> {
    if (!lake.uri.startsWith('s3://')) {
      throw new Error(`The Athena engine reads the lake from S3: give --lake s3://bucket/prefix (${lake.uri} is a local folder; use --engine duckdb for it)`);
    }
    const settings = athenaSettings(options.athena);
    const region = settings.region ? { region: settings.region } : {};
    const queries = new AthenaQueries(new AthenaClient(region), {
      workgroup: settings.workgroup,
      outputLocation: settings.outputLocation,
      database: settings.database,
      queryTimeoutMs: settings.queryTimeoutMs ?? THIRTY_MINUTES,
      maxScanBytes: settings.maxScanBytes ?? null,
      readResultFile: (uri) => readS3Text(lake, uri),
    });
    const glue = new GlueCatalog(new GlueClient(region));
    const relations = new AthenaRelations({ database: settings.database, sourceDatabase: settings.sourceDatabase });
    const stored = (await lake.readJson<StoredCatalog>(ATHENA_LAYOUT.catalog)) ?? { committedAt: null, entries: [] };
    return new AthenaEngine(lake, settings, queries, glue, relations, options, stored);
  }

  sourceRelation(source: string, table: string): string {
    return this.relations.sourceRelation(source, table);
  }

  modelRelation(model: string): string {
    return this.relations.modelRelation(model);
  }

  quarantineRelation(feed: string): string {
    return this.relations.quarantineRelation(feed);
  }

  async query(sql: string, options?: QueryOptions): Promise<QueryResult> {
    if (this.options.readOnly && !READ_ONLY_STATEMENT.test(sql)) {
      throw new Error('crmlake sql reads only: SELECT, WITH, SHOW, DESCRIBE, EXPLAIN or VALUES (builds change the warehouse)');
    }
    return this.queries.query(orderedQuery(sql, options));
  }

  /** Registers the curated and quarantine tables over the lake's committed files (`crmlake catalog sync`). */
  async syncCatalog(): Promise<CatalogSync> {
    this.assertWritable();
    const sync = await syncSources(this.lake, this.glue, this.relations.names, this.options.sources, this.options.quarantineColumns);
    return { tables: sync.tables, changed: sync.manifestsChanged };
  }

  async beginBuild(runId: string): Promise<BuildSession> {
    this.assertWritable();
    if (this.build) throw new Error('a build is already in progress on this engine');
    await this.syncCatalog();
    this.build = { runId, entries: [...this.stored.entries], staged: [], dropped: [] };
    return {
      runId,
      commit: () => this.commit(),
      abort: () => this.abort(),
    };
  }

  async materialize(asked: MaterializeRequest): Promise<MaterializeResult> {
    const build = this.requireBuild();
    // Deleting the stored rows from the new rows' least value on (replaces_from) has no Athena
    // statements yet: such a model is built whole, as a full refresh.
    const request = asked.incremental?.replaceFrom ? { ...asked, incremental: { ...asked.incremental, fullRefresh: true } } : asked;
    const exists = request.materialized === 'incremental' ? (await this.glue.getTable(this.settings.database, request.name)) !== undefined : false;
    const plan = planModel(request, this.planContext(build, () => exists));
    const partitionedBy = request.partitionedBy ?? [];
    for (const statement of plan.statements) await runStatement(this.runContext(), statement, partitionedBy);
    const builtAt = new Date().toISOString();
    if (plan.staged) {
      const { kind, staged, location } = plan.staged;
      build.staged.push({ kind, model: request.name, staged, ...(location ? { location } : {}), ...(kind === 'view' ? { compile: request.compile } : {}) });
      const rows = kind === 'table' ? await countRows(this.queries, staged) : null;
      this.record(build, { name: request.name, materialized: request.materialized, rows, builtAt, ...(location ? { location } : {}) });
      return { rows, ...(location ? { location } : {}) };
    }
    const table = this.relations.finalRelation(request.name);
    const rows = await countRows(this.queries, table);
    const full = !exists || (request.incremental?.fullRefresh ?? false);
    const previous = build.entries.find((e) => e.name === request.name);
    const location = plan.inPlace?.location ?? previous?.location;
    this.record(build, { name: request.name, materialized: 'incremental', rows, builtAt, ...(location ? { location } : {}) });
    return { rows, ...(location ? { location } : {}), mode: full ? 'full' : 'incremental', inserted: full ? null : rows - (previous?.rows ?? 0) };
  }

  /**
   * Read row by row and hashed here. Trino's checksum() would compute it in Athena, but it cannot
   * be run on this machine (no Trino), so the digest any engine can compute is used.
   */
  async fingerprint(sql: string): Promise<string> {
    return resultDigest(await this.query(sql));
  }

  async materializeRows(request: RowsRequest): Promise<MaterializeResult> {
    const build = this.requireBuild();
    const context = this.planContext(build, () => false);
    const location = tableLocation(context, request.name);
    const staged = this.relations.stage(request.name, build.runId);
    const rowsTable = `${request.name}__rows_${build.runId.toLowerCase()}`;
    await stageRows(this.runContext(), request, {
      database: this.settings.database,
      rowsKey: `${ATHENA_LAYOUT.rows}/${request.name}/${build.runId.toLowerCase()}`,
      rowsTable,
      ctas: (select) => ctas({ table: staged, location, partitionedBy: [] }, select),
    });
    build.staged.push({ kind: 'table', model: request.name, staged, location });
    this.record(build, { name: request.name, materialized: 'table', rows: request.rows.length, builtAt: new Date().toISOString(), location });
    return { rows: request.rows.length, location };
  }

  catalog(): readonly CatalogEntry[] {
    return this.build?.entries ?? this.stored.entries;
  }

  async dropModels(keep: Set<string>): Promise<string[]> {
    this.assertWritable();
    const dropped = this.catalog().filter((e) => !keep.has(e.name)).map((e) => e.name);
    if (!dropped.length) return [];
    if (this.build) {
      this.build.dropped.push(...dropped);
      this.build.entries = this.build.entries.filter((e) => keep.has(e.name));
      return dropped;
    }
    for (const name of dropped) await this.glue.deleteTable(this.settings.database, name);
    await this.writeCatalog(this.stored.entries.filter((e) => keep.has(e.name)));
    return dropped;
  }

  usage(): EngineUsage {
    return { statements: this.queries.statements, bytesScanned: this.queries.bytesScanned };
  }

  async close(): Promise<void> {
    await this.queries.stopAll();
    this.queries.client.destroy();
    this.glue.client.destroy();
  }

  private async commit(): Promise<void> {
    const build = this.requireBuild();
    const database = this.settings.database;
    for (const item of build.staged.filter((s) => s.kind === 'table')) {
      await this.glue.switchTable(database, stagedNameOf(item.staged), item.model);
    }
    // Views are created over the final names once every table is switched.
    const final = this.relations.final();
    for (const item of build.staged.filter((s) => s.kind === 'view')) {
      await this.queries.execute(createView(this.relations.finalRelation(item.model), item.compile!(final)).sql);
      await this.glue.deleteTable(database, stagedNameOf(item.staged));
    }
    for (const name of build.dropped) await this.glue.deleteTable(database, name);
    await this.writeCatalog(build.entries);
    this.build = undefined;
    this.relations.clearStaged();
    await this.collectOldVersions(build);
  }

  private async abort(): Promise<void> {
    const build = this.build;
    if (!build) return;
    this.build = undefined;
    this.relations.clearStaged();
    for (const item of build.staged) {
      await this.glue.deleteTable(this.settings.database, stagedNameOf(item.staged));
      if (item.location) await this.removeFolder(item.location);
    }
  }

  /** Keeps each model's newest TABLE_VERSIONS_KEPT folders; removes dropped models' folders. */
  private async collectOldVersions(build: Build): Promise<void> {
    const live = new Set(build.entries.flatMap((e) => (e.location ? [e.location] : [])));
    const models = new Set([...build.staged.map((s) => s.model), ...build.dropped]);
    for (const model of models) {
      const prefix = `${ATHENA_LAYOUT.warehouse}/${model}/`;
      const keys = await this.lake.list(prefix);
      const runs = [...new Set(keys.map((k) => k.slice(prefix.length).split('/')[0]!))].sort().reverse();
      const keep = build.dropped.includes(model) ? [] : runs.slice(0, TABLE_VERSIONS_KEPT);
      for (const run of runs) {
        if (keep.includes(run) || live.has(`${this.lake.uri}/${prefix}${run}/`)) continue;
        for (const key of keys.filter((k) => k.startsWith(`${prefix}${run}/`))) await this.lake.remove(key);
      }
    }
  }

  private async removeFolder(location: string): Promise<void> {
    const prefix = location.slice(this.lake.uri.length + 1);
    for (const key of await this.lake.list(prefix)) await this.lake.remove(key);
  }

  private async writeCatalog(entries: CatalogEntry[]): Promise<void> {
    const next: StoredCatalog = { committedAt: new Date().toISOString(), entries };
    await this.lake.writeJsonAtomic(ATHENA_LAYOUT.catalog, next);
    this.stored = next;
  }

  private record(build: Build, entry: CatalogEntry): void {
    build.entries = [...build.entries.filter((e) => e.name !== entry.name), entry];
  }

  private planContext(build: Build, exists: () => boolean): PlanContext {
    return { relations: this.relations, location: `${this.lake.uri}/${ATHENA_LAYOUT.warehouse}`, runId: build.runId, exists };
  }

  private runContext() {
    return { queries: this.queries, glue: this.glue, lake: this.lake };
  }

  private requireBuild(): Build {
    this.assertWritable();
    if (!this.build) throw new Error('the Athena engine writes models only inside a build (beginBuild … commit)');
    return this.build;
  }

  private assertWritable(): void {
    if (this.options.readOnly) throw new Error('this engine was opened read-only');
  }
}

/** An object anywhere in S3 (the query results location), with the lake's S3 client and settings. */
async function readS3Text(lake: Lake, uri: string): Promise<string> {
  const match = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!match) throw new Error(`not an S3 location: ${uri}`);
  const store = lake.store as Partial<S3Store>;
  if (typeof store.client !== 'function') throw new Error('the Athena engine needs a lake on S3');
  const { GetObjectCommand } = await import('@aws-sdk/client-s3');
  const object = await (await store.client()).send(new GetObjectCommand({ Bucket: match[1], Key: match[2] }));
  return object.Body!.transformToString('utf8');
}

/** `crmlake_warehouse.x__stage_run` → `x__stage_run` (Glue calls take the database apart). */
const stagedNameOf = (qualified: string) => qualified.slice(qualified.indexOf('.') + 1);

/** The engine's settings with their defaults (README "Running on Athena"). */
export function athenaSettings(given: Partial<AthenaSettings> = {}): AthenaSettings {
  return {
    workgroup: given.workgroup ?? 'primary',
    database: given.database ?? ATHENA_DEFAULT_NAMES.database,
    sourceDatabase: given.sourceDatabase ?? ATHENA_DEFAULT_NAMES.sourceDatabase,
    ...(given.outputLocation ? { outputLocation: given.outputLocation } : {}),
    ...(given.region ? { region: given.region } : {}),
    maxScanBytes: given.maxScanBytes ?? null,
    queryTimeoutMs: given.queryTimeoutMs ?? THIRTY_MINUTES,
  };
}

