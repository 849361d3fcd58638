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
  close(): Promise<void>;
}
