
/**
 * The one SQL engine interface. DuckDB fills it locally (src/engine/duckdb/); Athena (Trino over
 * the Glue catalog) fills it in AWS (src/engine/athena/). Everything above it — the model runner,
 * the reports, `crmlake sql`, the program models — speaks only this, and gets an engine from
 * `openEngine`. A third engine is one more folder and one more case in `openEngine`.
 *
 * Differences the layers above must know are capabilities, never engine names.
 */
export type EngineName = 'duckdb' | 'athena';
export const ENGINE_NAMES: readonly EngineName[] = ['duckdb', 'athena'];

export interface QueryColumn {
  name: string;
  /** The engine's type name, e.g. VARCHAR, DOUBLE, DATE (Athena: varchar, double, date). */
  type: string;
}

export interface QueryOptions {
  /**
   * The result may hold hundreds of thousands of rows: an engine may read it in a faster form,
   * with the same values (DuckDB: ./duckdb/large.ts). `order`: SQL over the result's columns, a
   * unique key, giving the rows' order; the query itself then has no ORDER BY, and every engine
   * applies this one (sql.ts orderedQuery). Unordered without.
   */
  large?: { order?: string };
}

export interface QueryResult {
  columns: QueryColumn[];
  /** Rows as JSON-safe objects: numbers, strings (dates, decimals, big integers), booleans, null. */
  rows: Record<string, unknown>[];
}

/** How an engine names relations: DuckDB `main."x"`, Athena `crmlake_warehouse.x`. */
export interface Relations {
  /** Relation name for a feed's curated table, as models see it through `source()`. */
  sourceRelation(source: string, table: string): string;
  /** Relation name for a model, as other models see it through `ref()`. */
  modelRelation(model: string): string;
  /** Relation name for a feed's rejected rows (every feed has one; empty when nothing was rejected). */
  quarantineRelation(feed: string): string;
}

/** A feed's curated table as the engine registers it; handed in by the caller (the engine knows no feeds). */
export interface SourceTable {
  /** Feed name (`pos`), the quarantine relation's name. */
  feed: string;
  /** Curated table name (`pos_lines`), the source relation's name. */
  table: string;
  /** Canonical and lineage columns with their SQL types, in order. */
  columns: { name: string; type: string }[];
  /** Column holding the business date the table is partitioned by (the `dt=` folders). */
  partitionColumn: string;
  /** Lake zone its files are in (default `curated`; audience export records: `activation`). */
  zone?: string;
}

export type Materialization = 'view' | 'table' | 'incremental';

export type ColumnType = 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'BIGINT' | 'BOOLEAN' | 'DATE';

export interface MaterializeRequest {
  name: string;
  materialized: Materialization;
  /**
   * The model's SELECT compiled with the given relation names. An engine calls it with its own
   * relations (itself); one that stages a build under other names calls it again with the names
   * readers will use once the build is committed (views must name the final tables).
   */
  compile(relations: Relations, options?: { isIncremental?: boolean }): string;
  /** Columns a table is partitioned by (Athena `partitioned_by`; they are the SELECT's last columns). */
  partitionedBy?: string[];
  /** Incremental models: how new rows join the stored table, on which key, and whether to rebuild whole. */
  incremental?: {
    strategy: 'append' | 'merge';
    uniqueKey: string[];
    fullRefresh: boolean;
    /**
     * Merge: a predicate over the stored table's columns (SQL both engines share); stored rows
     * where it holds are deleted as well as those whose key comes again (rows whose source
     * deliveries changed, which the model recomputes if they still exist).
     */
    staleWhere?: string;
    /**
     * Merge: a date column whose values over the rows this run deleted or inserted the engine
     * returns as `changedDates` (what the model passes on to the models reading it: `publishes_dates`).
     */
    publishDates?: string;
    /**
     * Merge: a date column; the stored rows whose value is on or after the new rows' least value,
     * or `firstChangedDate`, are deleted too (the model recomputes everything from there:
     * `replaces_from`). An engine that cannot builds the table whole.
     */
    replaceFrom?: string;
    /**
     * A date column whose month groups the stored rows into files, on an engine that keeps a
     * table in files (DuckDB): a run writes again only the months it adds rows to and the files it
     * deletes rows from.
     */
    filesBy?: string;
    /**
     * With `replaceFrom`: the first changed date the model was told (YYYY-MM-DD). Deleting from it
     * as well removes rows whose inputs are gone, where no new row reaches back that far.
     */
    firstChangedDate?: string;
  };
}

export interface MaterializeResult {
  rows: number | null;
  /** Where a table's data lives (a lake key or an S3 location). */
  location?: string;
  /** Incremental models: `full` when built from scratch, `incremental` when rows were added. */
  mode?: 'full' | 'incremental';
  /** Rows an incremental run brought (null for a full build). */
  inserted?: number | null;
  /**
   * An incremental run asked for `publishDates`: the column's distinct values (YYYY-MM-DD) over
   * the stored rows it deleted and the rows it inserted. Absent when the engine cannot tell.
   */
  changedDates?: string[];
}

/** Rows computed outside SQL (e.g. by a probability model) to be stored as a table model. */
export interface RowsRequest {
  name: string;
  columns: { name: string; type: ColumnType }[];
  /** One array per row, in column order; DATE values as 'YYYY-MM-DD'. */
  rows: (string | number | boolean | null)[][];
}

/** What the warehouse holds: one entry per materialized model, in build order. */
export interface CatalogEntry {
  name: string;
  materialized: Materialization;
  /** Views: the compiled SELECT (with the relation names readers use). */
  sql?: string;
  /** Tables: where the data lives (a lake key on DuckDB, an S3 location on Athena). */
  location?: string;
  /**
   * DuckDB tables kept as more than one file: every file, `location` the first. An incremental
   * model is kept as a file per month; a run writes new files for the months it changes and
   * keeps the others.
   */
  parts?: string[];
  rows: number | null;
  builtAt: string;
}

/** What the engine spent, for run results, `status` and scan budgets. */
export interface EngineUsage {
  statements: number;
  /** Bytes the engine scanned (Athena bills by them); null where the engine does not report it. */
  bytesScanned: number | null;
}

export interface EngineCapabilities {
  /** `materialized='incremental'` (append and merge) is supported. */
  incremental: boolean;
  /** The engine reports bytes scanned per statement (and a scan budget can stop a build). */
  reportsScannedBytes: boolean;
  /**
   * `fingerprint` is computed where the data is (DuckDB); false: it reads the rows (Athena), so a
   * caller that needs the rows anyway should read them once and digest them (`resultDigest`).
   */
  fingerprintsInPlace: boolean;
}

/** A build in progress: models materialized in it become visible to other readers together, at commit. */
export interface BuildSession {
  readonly runId: string;
  commit(): Promise<void>;
  /** Forgets what the build wrote; readers keep the last committed warehouse. */
  abort(): Promise<void>;
}

export interface Engine extends Relations {
  readonly name: EngineName;
  readonly capabilities: EngineCapabilities;
  query(sql: string, options?: QueryOptions): Promise<QueryResult>;
  /**
   * A digest of the query's result: its column names and types and its rows in any order. Equal
   * digests mean the same result (a program model keeps its table when its inputs' digests are
   * those it was built from); the engine computes it where the data is, when it can.
   */
  fingerprint(sql: string): Promise<string>;
  /**
   * Starts a build. Until `commit`, what `materialize` writes is visible to this engine only
   * (later models of the build read it), so no reader ever sees marts of two builds mixed.
   */
  beginBuild(runId: string): Promise<BuildSession>;
  materialize(request: MaterializeRequest): Promise<MaterializeResult>;
  /** Stores rows computed outside the engine as a table model. */
  materializeRows(request: RowsRequest): Promise<MaterializeResult>;
  /** The committed warehouse plus what the current build wrote. */
  catalog(): readonly CatalogEntry[];
  /** Removes models no longer in the project (inside a build: at its commit). */
  dropModels(keep: Set<string>): Promise<string[]>;
  usage(): EngineUsage;
  /**
   * Registers the feeds' curated and quarantine tables in a catalog that outlives the session
   * (Athena: Glue tables over the committed files), for readers outside crmlake. Null for an
   * engine that registers them at every open (DuckDB).
   */
  syncCatalog(): Promise<CatalogSync | null>;
  /**
   * A second session on this engine's build that can run one model while this one runs another:
   * it sees and adds to the same build (what either materializes, the other reads next). The
   * runner builds the program models on it, so their TypeScript work (matching, CLV fits)
   * overlaps the SQL models. Its `close` ends only that session. Absent: one model at a time.
   */
  concurrent?(): Promise<Engine>;
  close(): Promise<void>;
}

export interface CatalogSync {
  tables: number;
  /** Objects (e.g. symlink manifests) rewritten because the committed files changed. */
  changed: number;
}

/** Settings of the Athena engine (see README "Running on Athena"). */
export interface AthenaSettings {
  /** Workgroup the statements run in (default `primary`). */
  workgroup: string;
  /** Glue database of the models (marts, staging). */
  database: string;
  /** Glue database of the curated feed tables and quarantine tables. */
  sourceDatabase: string;
  /** S3 location for query results when the workgroup does not set one. */
  outputLocation?: string;
  region?: string;
  /** Stop a build before it scans more than this many bytes (null: no budget). */
  maxScanBytes?: number | null;
  /** Give up on one statement after this long (default 30 minutes). */
  queryTimeoutMs?: number;
}

export interface EngineOptions {
  engine?: EngineName;
  /** The feeds' curated tables (from src/feeds); the engine registers them as source relations. */
  sources: SourceTable[];
  /** The columns of every feed's quarantine relation (written by ingest). */
  quarantineColumns: { name: string; type: string }[];
  /** Analysts' queries: reads only, no file access beyond the lake, no writes. */
  readOnly?: boolean;
  /**
   * What a read-only session sees of personal data: `restricted` (default, or
   * $CRMLAKE_PERSONAL_DATA) pseudonymizes contact fields and the quarantine's original records
   * and keeps their files out of reach; `open` shows them as stored.
   */
  personalData?: 'restricted' | 'open';
  /**
   * The SQL a read-only session will run, when known before it opens (`crmlake sql`, the
   * report's loaders): under `restricted`, only the relations with personal data that one of
   * these texts names are pseudonymized (copying every one costs seconds on a large lake); the
   * others cannot be read at all in the session. Unset: every one is pseudonymized.
   */
  reads?: readonly string[];
  athena?: Partial<AthenaSettings>;
}
