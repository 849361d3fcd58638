/**
 * The one SQL engine interface. DuckDB fills it locally; Athena (Trino over the Glue catalog)
 * fills it in AWS. Everything above it (model runner, reports, `crmlake sql`) speaks only this.
 */
export interface QueryColumn {
  name: string;
  /** The engine's type name, e.g. VARCHAR, DOUBLE, DATE. */
  type: string;
}

export interface QueryResult {
  columns: QueryColumn[];
  /** Rows as JSON-safe objects: numbers, strings (dates, decimals, big integers), booleans, null. */
  rows: Record<string, unknown>[];
}

export type Materialization = 'view' | 'table';

export interface MaterializeRequest {
  name: string;
  /** A SELECT statement already compiled for this engine. */
  sql: string;
  materialized: Materialization;
}

export interface MaterializeResult {
  rows: number | null;
  /** Where a table's data lives (a file path or an S3 location). */
  location?: string;
}

/** Rows computed outside SQL (e.g. by a probability model) to be stored as a table. */
export interface RowsRequest {
  name: string;
  columns: { name: string; type: 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'DATE' }[];
  /** One array per row, in column order; DATE values as 'YYYY-MM-DD'. */
  rows: (string | number | boolean | null)[][];
}

/** An incremental model's run: add the new rows to the stored table (or build it whole). */
export interface IncrementalRequest {
  name: string;
  /** SELECT of the new rows, compiled for an incremental run (its filter reads the stored table). */
  sql: string;
  /** SELECT of every row, for the first build or a full refresh. */
  fullSql: string;
  /** `append` adds the rows; `merge` first removes stored rows whose unique key comes again. */
  strategy: 'append' | 'merge';
  uniqueKey: string[];
  /** Rebuild from `fullSql` even if the table exists. */
  fullRefresh: boolean;
}

export interface IncrementalResult extends MaterializeResult {
  /** `full`: built from fullSql; `incremental`: rows added to the stored table. */
  mode: 'full' | 'incremental';
  /** Rows the incremental run brought (null for a full build). */
  inserted: number | null;
}

export interface Engine {
  readonly name: 'duckdb' | 'athena';
  /** Relation name for a feed's curated table, as models see it through `source()`. */
  sourceRelation(source: string, table: string): string;
  /** Relation name for a model, as other models see it through `ref()`. */
  modelRelation(model: string): string;
  query(sql: string): Promise<QueryResult>;
  materialize(request: MaterializeRequest): Promise<MaterializeResult>;
  /** Stores rows computed outside the engine as a table model. */
  materializeRows(request: RowsRequest): Promise<MaterializeResult>;
  /** Builds an incremental model (materialized='incremental'); an engine without it cannot. */
  materializeIncremental?(request: IncrementalRequest): Promise<IncrementalResult>;
  close(): Promise<void>;
}
