import { rm } from 'node:fs/promises';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import type {
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
} from '../engine.js';
import { writeAnalystDatabase } from './analyst.js';
import { readLarge } from './large.js';
import { orderedQuery } from '../sql.js';
import { tableFiles, WarehouseCatalog } from './catalog.js';
import { assertReadOnly, buildBlockMemory, lockDown, openConnection } from './connection.js';
import { materializeIncremental, materializeRows, materializeTable, materializeView, viewOverFiles, type MaterializeContext } from './materializations.js';
import { duckdbRelations } from './relations.js';
import { registerSources } from './sources.js';
import { personalDataPolicy, restrictPersonalData } from './personal.js';

/**
 * DuckDB in memory over the lake's parquet: curated tables and materialized models are views
 * over files, so the lake stays the only copy of the data and any number of processes
 * (build, report, ad hoc SQL) can read it at once without a database file lock.
 */
export class DuckDbEngine implements Engine {
  readonly name = 'duckdb' as const;
  readonly capabilities: EngineCapabilities = { incremental: true, reportsScannedBytes: false, fingerprintsInPlace: true };
  readonly sourceRelation = duckdbRelations.sourceRelation;
  readonly modelRelation = duckdbRelations.modelRelation;
  readonly quarantineRelation = duckdbRelations.quarantineRelation;
  private statements = 0;
  private scratchDir: string | undefined;

  private constructor(
    private readonly lake: Lake,
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    private readonly warehouse: WarehouseCatalog,
    private readonly readOnly: boolean,
    private readonly options: EngineOptions,
    /** False for a concurrent session: the instance, its views and the catalog belong to the engine that opened it. */
    private readonly ownsInstance = true,
  ) {}

  static async open(lake: Lake, options: EngineOptions): Promise<DuckDbEngine> {
    const { instance, connection } = await openConnection(options.readOnly ? {} : { blockMemory: buildBlockMemory() });
    try {
      await registerSources(connection, lake, options.sources, options.quarantineColumns);
      const warehouse = await WarehouseCatalog.load(lake);
      const engine = new DuckDbEngine(lake, instance, connection, warehouse, options.readOnly ?? false, options);
      await engine.registerWarehouse();
      if (options.readOnly) {
        if ((options.personalData ?? personalDataPolicy()) === 'restricted') {
          const { readable } = await restrictPersonalData(connection, lake, options.sources, warehouse.entries(), options.reads);
          await lockDown(connection, readable);
        } else {
          await lockDown(connection, lake.readableRoots());
        }
      }
      return engine;
    } catch (error) {
      connection.closeSync();
      instance.closeSync();
      throw error;
    }
  }

  async query(sql: string, options?: QueryOptions): Promise<QueryResult> {
    if (this.readOnly) await assertReadOnly(this.connection, sql);
    this.statements++;
    if (options?.large) {
      const large = await readLarge(this.connection, sql, options.large.order, toJsonValue);
      if (large) return large;
    }
    const reader = await this.connection.runAndReadAll(orderedQuery(sql, options));
    const names = reader.columnNames();
    const types = reader.columnTypes().map(String);
    const rows = reader.getRowObjectsJson().map((row) => {
      const out: Record<string, unknown> = {};
      names.forEach((name, i) => (out[name] = toJsonValue(row[name], types[i]!)));
      return out;
    });
    return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows };
  }

  /** DuckDB hashes every row where it is (a sum and an exclusive-or of two 64-bit hashes per row), with the result's column names and types. */
  async fingerprint(sql: string): Promise<string> {
    if (this.readOnly) await assertReadOnly(this.connection, sql);
    this.statements++;
    const probe = await this.connection.runAndReadAll(`SELECT * FROM (${sql}) AS q LIMIT 0`);
    const columns = probe.columnNames().map((name, i) => `${name} ${String(probe.columnTypes()[i])}`);
    const reader = await this.connection.runAndReadAll(
      `SELECT count(*), CAST(sum(CAST(hash(q) AS HUGEINT)) AS VARCHAR), CAST(bit_xor(hash(q, 1)) AS VARCHAR) FROM (${sql}) AS q`,
    );
    const [count, sum, xor] = reader.getRows()[0]!;
    return `duckdb:${String(count)}:${String(sum)}:${String(xor)}:${columns.join(', ')}`;
  }

  async beginBuild(runId: string): Promise<BuildSession> {
    this.assertWritable();
    this.warehouse.begin();
    return {
      runId,
      commit: async () => {
        await this.warehouse.commit({ collectDebris: true });
        // The analysts' database file names the files this build committed (./analyst.ts).
        await writeAnalystDatabase(this.lake, this.warehouse.entries(), this.options.sources, this.options.quarantineColumns, this.options.personalData ?? personalDataPolicy());
      },
      abort: async () => {
        await this.warehouse.abort();
        await this.registerWarehouse(); // back to the committed files for the rest of this session
      },
    };
  }

  async materialize(request: MaterializeRequest): Promise<MaterializeResult> {
    this.assertWritable();
    this.statements++;
    const context = this.context();
    if (request.materialized === 'incremental') return materializeIncremental(context, request, this);
    const sql = request.compile(this);
    return request.materialized === 'view' ? materializeView(context, request.name, sql) : materializeTable(context, request.name, sql);
  }

  async materializeRows(request: RowsRequest): Promise<MaterializeResult> {
    this.assertWritable();
    this.statements++;
    return materializeRows(this.context(), request);
  }

  catalog(): readonly CatalogEntry[] {
    return this.warehouse.entries();
  }

  async dropModels(keep: Set<string>): Promise<string[]> {
    this.assertWritable();
    const dropped = await this.warehouse.drop(keep);
    for (const name of dropped) await this.connection.run(`DROP VIEW IF EXISTS ${this.modelRelation(name)}`);
    return dropped;
  }

  usage(): EngineUsage {
    return { statements: this.statements, bytesScanned: null };
  }

  /** Nothing to keep: every session registers the committed files itself. */
  async syncCatalog(): Promise<null> {
    return null;
  }

  /**
   * A second connection to the same in-memory database: the curated tables, the prelude's macros
   * and the models' views live in its catalog, so both connections see every model either one
   * materializes; temp tables (incremental batches, program rows) stay per connection. DuckDB
   * schedules the two connections' queries on one thread pool.
   */
  async concurrent(): Promise<Engine> {
    this.assertWritable();
    return new DuckDbEngine(this.lake, this.instance, await this.instance.connect(), this.warehouse, false, this.options, false);
  }

  async close(): Promise<void> {
    this.connection.closeSync();
    if (this.ownsInstance) this.instance.closeSync();
    if (this.scratchDir) await rm(this.scratchDir, { recursive: true, force: true });
  }

  private assertWritable(): void {
    if (this.readOnly) throw new Error('this engine was opened read-only');
  }

  private context(): MaterializeContext {
    return {
      connection: this.connection,
      lake: this.lake,
      catalog: this.warehouse,
      scratch: async () => (this.scratchDir ??= await this.lake.scratch()),
    };
  }

  /** A view per model of the catalog: tables over their file, views over their SQL. */
  private async registerWarehouse(): Promise<void> {
    let views: CatalogEntry[] = [];
    for (const entry of this.warehouse.entries()) {
      if (entry.location) await viewOverFiles(this.context(), entry.name, tableFiles(entry));
      else views.push(entry);
    }
    // A view over another view needs it first; after a build with --select the catalog is not in
    // dependency order, so views that cannot be created yet wait for the next round.
    while (views.length) {
      const waiting: CatalogEntry[] = [];
      let lastError: unknown;
      for (const entry of views) {
        await this.connection.run(`CREATE OR REPLACE VIEW ${this.modelRelation(entry.name)} AS ${entry.sql}`).catch((error: unknown) => {
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
