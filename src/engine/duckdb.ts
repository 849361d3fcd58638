import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { FEEDS } from '../feeds/index.js';
import type { DeliveryManifest } from '../feeds/ingest.js';
import { LINEAGE_COLUMNS } from '../feeds/feed.js';
import type { Lake } from '../lake/lake.js';
import type { Engine, MaterializeRequest, MaterializeResult, QueryResult, RowsRequest } from './engine.js';
import type { IncrementalRequest, IncrementalResult } from './engine.js';
import { loadPrelude } from './prelude.js';
import { quoteIdent, sqlString } from './sql.js';

/** What the warehouse holds, in build order, so any later process can re-open the same relations. */
export interface CatalogEntry {
  name: string;
  materialized: 'view' | 'table';
  /** For views: the compiled SELECT. */
  sql?: string;
  /** For tables: lake-relative parquet file. */
  path?: string;
  rows: number | null;
  builtAt: string;
}

const CATALOG = 'warehouse/_catalog.json';

/**
 * DuckDB in memory over the lake's parquet: curated tables and materialized models are views
 * over files, so the lake stays the only copy of the data and any number of processes
 * (build, report, ad hoc SQL) can read it at once without a database file lock.
 */
export class DuckDbEngine implements Engine {
  readonly name = 'duckdb' as const;
  private catalog: CatalogEntry[] = [];

  private constructor(
    private readonly lake: Lake,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
  ) {}

  static async open(lake: Lake): Promise<DuckDbEngine> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await loadPrelude(connection); // Trino function names and meanings for models (./prelude.ts)
    const engine = new DuckDbEngine(lake, instance, connection);
    await engine.registerSources();
    await engine.registerWarehouse();
    return engine;
  }

  sourceRelation(_source: string, table: string): string {
    return `curated.${quoteIdent(table)}`;
  }

  modelRelation(model: string): string {
    return `main.${quoteIdent(model)}`;
  }

  async query(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const names = reader.columnNames();
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowObjectsJson().map((row) => {
      const out: Record<string, unknown> = {};
      names.forEach((name, i) => (out[name] = toJsonValue(row[name], types[i]!)));
      return out;
    });
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows };
  }

  async materialize({ name, sql, materialized }: MaterializeRequest): Promise<MaterializeResult> {
    const relation = this.modelRelation(name);
    let entry: CatalogEntry;
    if (materialized === 'view') {
      await this.dropRelation(name);
      await this.connection.run(`CREATE VIEW ${relation} AS ${sql}`);
      entry = { name, materialized, sql, rows: null, builtAt: new Date().toISOString() };
    } else {
      // Every build writes a new file and the catalog switches to it: a reader sees the old
      // table or the new one, never half, and a cached copy of a file never goes stale.
      const builtAt = new Date().toISOString();
      const relative = `warehouse/${name}/${builtAt.replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}.parquet`;
      const temp = path.join(await this.scratch(), `${name}.parquet`);
      const copied = await this.connection.runAndReadAll(`COPY (${sql}) TO ${sqlString(temp)} (FORMAT parquet)`);
      const rows = Number(copied.getRows()[0]?.[0] ?? 0);
      await this.lake.putFile(temp, relative, { move: true });
      await this.dropRelation(name);
      await this.connection.run(`CREATE VIEW ${relation} AS SELECT * FROM read_parquet(${sqlString(await this.lake.localFile(relative))})`);
      entry = { name, materialized, path: relative, rows, builtAt };
    }
    const replaced = this.catalog.find((e) => e.name === name);
    this.catalog = [...this.catalog.filter((e) => e.name !== name), entry];
    await this.lake.writeJsonAtomic(CATALOG, this.catalog);
    if (replaced?.path && replaced.path !== entry.path) await this.lake.remove(replaced.path);
    return { rows: entry.rows, location: entry.path ? `${this.lake.uri}/${entry.path}` : undefined };
  }

  async materializeRows({ name, columns, rows }: RowsRequest): Promise<MaterializeResult> {
    const temp = `rows_${name}`;
    // DATE values travel as text and are cast on the way out.
    const stored = columns.map((c) => `${quoteIdent(c.name)} ${c.type === 'DATE' ? 'VARCHAR' : c.type}`);
    await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdent(temp)} (${stored.join(', ')})`);
    const appender = await this.connection.createAppender(temp);
    try {
      for (const row of rows) {
        columns.forEach((column, i) => {
          const value = row[i];
          if (value === null || value === undefined || (typeof value === 'number' && !Number.isFinite(value))) appender.appendNull();
          else if (column.type === 'DOUBLE') appender.appendDouble(Number(value));
          else if (column.type === 'INTEGER') appender.appendInteger(Number(value));
          else if (column.type === 'BOOLEAN') appender.appendBoolean(Boolean(value));
          else appender.appendVarchar(String(value));
        });
        appender.endRow();
      }
    } finally {
      appender.closeSync();
    }
    const select = columns.map((c) => (c.type === 'DATE' ? `CAST(${quoteIdent(c.name)} AS DATE) AS ${quoteIdent(c.name)}` : quoteIdent(c.name)));
    try {
      return await this.materialize({ name, sql: `SELECT ${select.join(', ')} FROM temp.main.${quoteIdent(temp)}`, materialized: 'table' });
    } finally {
      await this.connection.run(`DROP TABLE ${quoteIdent(temp)}`);
    }
  }

  /**
   * An incremental model: the new rows (`sql`) join the stored table, replacing stored rows with
   * the same unique key when merging; the first run, or a full refresh, builds it from `fullSql`.
   */
  async materializeIncremental(request: IncrementalRequest): Promise<IncrementalResult> {
    const stored = this.catalog.find((e) => e.name === request.name);
    if (!stored || stored.materialized !== 'table' || request.fullRefresh) {
      return { ...(await this.materialize({ name: request.name, sql: request.fullSql, materialized: 'table' })), mode: 'full', inserted: null };
    }
    const batchName = quoteIdent(`incremental_batch_${request.name}`);
    const mergedName = quoteIdent(`incremental_merged_${request.name}`);
    const [batch, merged] = [`temp.main.${batchName}`, `temp.main.${mergedName}`];
    try {
      await this.connection.run(`CREATE OR REPLACE TEMP TABLE ${batchName} AS ${request.sql}`);
      const inserted = Number((await this.connection.runAndReadAll(`SELECT count(*) FROM ${batch}`)).getRows()[0]?.[0] ?? 0);
      const sameKey = request.uniqueKey.map((k) => `b.${quoteIdent(k)} IS NOT DISTINCT FROM t.${quoteIdent(k)}`).join(' AND ');
      const kept = request.strategy === 'merge' ? ` WHERE NOT EXISTS (SELECT 1 FROM ${batch} AS b WHERE ${sameKey})` : '';
      // The whole new table is computed before the stored one is replaced, since it reads it.
      await this.connection.run(
        `CREATE OR REPLACE TEMP TABLE ${mergedName} AS SELECT * FROM ${this.modelRelation(request.name)} AS t${kept} UNION ALL BY NAME SELECT * FROM ${batch}`,
      );
      const result = await this.materialize({ name: request.name, sql: `SELECT * FROM ${merged}`, materialized: 'table' });
      return { ...result, mode: 'incremental', inserted };
    } finally {
      await this.connection.run(`DROP TABLE IF EXISTS ${batch}; DROP TABLE IF EXISTS ${merged};`);
    }
  }

  /** Removes models no longer in the project from the catalog and the warehouse. */
  async dropModels(keep: Set<string>): Promise<string[]> {
    const dropped = this.catalog.filter((e) => !keep.has(e.name));
    for (const entry of dropped) {
      await this.dropRelation(entry.name);
      if (entry.path) await this.lake.remove(entry.path);
    }
    if (dropped.length) {
      this.catalog = this.catalog.filter((e) => keep.has(e.name));
      await this.lake.writeJsonAtomic(CATALOG, this.catalog);
    }
    return dropped.map((e) => e.name);
  }

  catalogEntries(): readonly CatalogEntry[] {
    return this.catalog;
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    this.instance.closeSync();
    if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
  }

  private scratchDir: string | undefined;

  private async scratch(): Promise<string> {
    this.scratchDir ??= await this.lake.scratch();
    return this.scratchDir;
  }

  /** Local paths for lake files (downloads them to the cache first when the lake is on S3). */
  private async localFiles(keys: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < keys.length; i += 16) out.push(...(await Promise.all(keys.slice(i, i + 16).map((k) => this.lake.localFile(k)))));
    return out;
  }

  private async dropRelation(name: string): Promise<void> {
    const existing = await this.connection.runAndReadAll(
      `SELECT table_type FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ${sqlString(name)}`,
    );
    const type = existing.getRows()[0]?.[0];
    if (type === 'VIEW') await this.connection.run(`DROP VIEW ${this.modelRelation(name)}`);
    else if (type) await this.connection.run(`DROP TABLE ${this.modelRelation(name)}`);
  }

  /** Each feed's curated table is a view over exactly the files its committed manifests list. */
  private async registerSources(): Promise<void> {
    await this.connection.run('CREATE SCHEMA IF NOT EXISTS curated; CREATE SCHEMA IF NOT EXISTS quarantine;');
    for (const feed of Object.values(FEEDS)) {
      const manifests = await this.lake.listManifests<DeliveryManifest>(feed.name);
      const rejected = await this.localFiles(manifests.flatMap((m) => m.files.quarantine));
      if (rejected.length > 0) {
        await this.connection.run(
          `CREATE VIEW quarantine.${quoteIdent(feed.name)} AS SELECT * FROM read_parquet([${rejected.map(sqlString).join(', ')}], union_by_name = true)`,
        );
      }
      const files = await this.localFiles(manifests.flatMap((m) => m.files.curated));
      const relation = this.sourceRelation(feed.name, feed.table);
      if (files.length > 0) {
        await this.connection.run(
          `CREATE VIEW ${relation} AS SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`,
        );
      } else {
        // No data yet: an empty relation with the canonical columns, so models still compile.
        const columns = [...feed.columns, ...LINEAGE_COLUMNS].map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`);
        await this.connection.run(`CREATE VIEW ${relation} AS SELECT ${columns.join(', ')} WHERE false`);
      }
    }
  }

  private async registerWarehouse(): Promise<void> {
    this.catalog = (await this.lake.readJson<CatalogEntry[]>(CATALOG)) ?? [];
    let views: CatalogEntry[] = [];
    for (const entry of this.catalog) {
      const relation = this.modelRelation(entry.name);
      if (entry.materialized === 'table') {
        await this.connection.run(`CREATE VIEW ${relation} AS SELECT * FROM read_parquet(${sqlString(await this.lake.localFile(entry.path!))})`);
      } else {
        views.push(entry);
      }
    }
    // A view over another view needs it first; after a build with --select the catalog is not in
    // dependency order, so views that cannot be created yet wait for the next round.
    while (views.length) {
      const waiting: CatalogEntry[] = [];
      let lastError: unknown;
      for (const entry of views) {
        await this.connection.run(`CREATE VIEW ${this.modelRelation(entry.name)} AS ${entry.sql}`).catch((error: unknown) => {
          waiting.push(entry);
          lastError = error;
        });
      }
      if (waiting.length === views.length) throw lastError;
      views = waiting;
    }
  }
}

const INTEGER_TYPES = new Set(['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'UTINYINT', 'USMALLINT', 'UINTEGER', 'UBIGINT']);

/** Numbers come back as JS numbers where that loses nothing a reader would see; else strings. */
function toJsonValue(value: unknown, type: string): unknown {
  if (typeof value !== 'string') return value;
  if (INTEGER_TYPES.has(type)) {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  if (type.startsWith('DECIMAL')) return Number(value);
  return value;
}
