import { sqlString } from '../sql.js';

/**
 * Athena's dialect rules: the statement text a materialization runs as (Athena's DDL and DML
 * around a model's SELECT, which is already Trino SQL), and Athena's limits. Pure functions,
 * so `crmlake compile --engine athena` prints exactly what a build runs.
 *
 *   view          CREATE OR REPLACE VIEW db.model AS <select>
 *   table         CREATE TABLE db.model WITH (format='PARQUET', write_compression='SNAPPY',
 *                 external_location='<warehouse>/<model>/<run id>/', partitioned_by=ARRAY[…]) AS <select>
 *                 (a CTAS needs an empty location, so every build writes a new folder); more than
 *                 100 partitions: CTAS of the first 100, INSERT INTO of the next hundreds
 *   incremental   append: a Hive table, new rows by INSERT INTO db.model <select>
 *                 merge:  an Iceberg table (Athena changes rows only in Iceberg tables): new rows
 *                         staged by CTAS, MERGE … WHEN MATCHED THEN DELETE on the unique key,
 *                         DELETE of the stored rows whose source deliveries changed (source_dates),
 *                         then INSERT INTO from the staged rows
 *                 the first build or a full refresh is the CTAS.
 */

/** Athena writes at most this many partitions per CTAS / INSERT INTO statement. */
export const ATHENA_MAX_PARTITIONS_PER_STATEMENT = 100;
/** Athena's limit on the length of one statement (characters). */
export const ATHENA_MAX_STATEMENT_CHARS = 262_144;

export type AthenaStatementKind = 'view' | 'drop' | 'drop-view' | 'ctas' | 'insert' | 'merge-delete' | 'delete';

export interface AthenaStatement {
  kind: AthenaStatementKind;
  sql: string;
  /** The query inside the statement (a model's compiled SELECT), for syntax checks. */
  select?: string;
  /** The table a CTAS creates or an INSERT writes (for splitting writes of many partitions). */
  table?: string;
}

/** Glue names: lower-case letters, digits and underscores. */
export const ATHENA_NAME = /^[a-z_][a-z0-9_]*$/;

export const trimSlash = (text: string) => text.replace(/\/+$/, '');

export interface TableSpec {
  /** Qualified table name, `db.table`. */
  table: string;
  /** S3 folder the table's files go to (empty, new for every CTAS). */
  location: string;
  partitionedBy: string[];
  /** An Iceberg table (for incremental merge): rows can be deleted. */
  iceberg?: boolean;
}

export function ctas(spec: TableSpec, select: string): AthenaStatement {
  const location = `${trimSlash(spec.location)}/`;
  const partitions = spec.partitionedBy.map(sqlString).join(', ');
  const properties = spec.iceberg
    ? [`table_type = 'ICEBERG'`, `is_external = false`, `location = ${sqlString(location)}`, `format = 'PARQUET'`, ...(partitions ? [`partitioning = ARRAY[${partitions}]`] : [])]
    : [`format = 'PARQUET'`, `write_compression = 'SNAPPY'`, `external_location = ${sqlString(location)}`, ...(partitions ? [`partitioned_by = ARRAY[${partitions}]`] : [])];
  return { kind: 'ctas', sql: `CREATE TABLE ${spec.table}\nWITH (\n  ${properties.join(',\n  ')}\n) AS\n${select}`, select, table: spec.table };
}

export const insertInto = (table: string, select: string): AthenaStatement => ({ kind: 'insert', sql: `INSERT INTO ${table}\n${select}`, select, table });

export const createView = (view: string, select: string): AthenaStatement => ({ kind: 'view', sql: `CREATE OR REPLACE VIEW ${view} AS\n${select}`, select });

export const dropTable = (table: string): AthenaStatement => ({ kind: 'drop', sql: `DROP TABLE IF EXISTS ${table}` });

export const dropView = (view: string): AthenaStatement => ({ kind: 'drop-view', sql: `DROP VIEW IF EXISTS ${view}` });

/** Deletes the stored rows whose unique key comes again in `batch` (Iceberg tables only). */
export function mergeDelete(table: string, batch: string, uniqueKey: string[]): AthenaStatement {
  const on = uniqueKey.map((k) => `target.${k} IS NOT DISTINCT FROM batch.${k}`).join(' AND ');
  return { kind: 'merge-delete', sql: `MERGE INTO ${table} AS target\nUSING ${batch} AS batch\nON ${on}\nWHEN MATCHED THEN DELETE`, select: `SELECT * FROM ${batch}` };
}

/** Deletes the stored rows a predicate names (Iceberg tables only). */
export const deleteWhere = (table: string, predicate: string): AthenaStatement => ({ kind: 'delete', sql: `DELETE FROM ${table}\nWHERE ${predicate}`, select: `SELECT * FROM ${table} WHERE ${predicate}` });

/**
 * The rows of `select` in some partitions only: a CTAS or INSERT of more than 100 partitions is
 * split into statements of at most 100 (dbt-athena does the same).
 */
export function inPartitions(select: string, partitionedBy: string[], values: (string | null)[][]): string {
  const tuple = (row: string[]) => (row.length === 1 ? literal(row[0]) : `(${row.map(literal).join(', ')})`);
  const asText = partitionedBy.map((c) => `cast(${c} as varchar)`);
  const columns = asText.length === 1 ? asText[0]! : `(${asText.join(', ')})`;
  // NULL partition values are not matched by IN: they get their own predicate.
  const nulls = values.filter((row) => row.some((v) => v === null));
  const plain = values.filter((row) => row.every((v) => v !== null));
  const predicates = [
    ...(plain.length ? [`${columns} IN (${plain.map(tuple).join(', ')})`] : []),
    ...nulls.map((row) => `(${asText.map((c, i) => (row[i] === null ? `${c} IS NULL` : `${c} = ${literal(row[i])}`)).join(' AND ')})`),
  ];
  return `SELECT * FROM (\n${select}\n) AS partition_batch\nWHERE ${predicates.join(' OR ')}`;
}

/** Partition values are compared as text (`cast(p as varchar)`), the form Athena lists them in. */
const literal = (value: string | null | undefined) => (value === null || value === undefined ? 'NULL' : sqlString(value));

/** Splits distinct partition values into batches Athena accepts in one statement. */
export function partitionBatches<T>(values: T[], size = ATHENA_MAX_PARTITIONS_PER_STATEMENT): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < values.length; i += size) batches.push(values.slice(i, i + size));
  return batches;
}

/** The query listing a model's distinct partition values, as text, in a stable order. */
export function distinctPartitions(select: string, partitionedBy: string[]): string {
  const columns = partitionedBy.map((c) => `cast(${c} as varchar) as ${c}`).join(', ');
  return `SELECT DISTINCT ${columns} FROM (\n${select}\n) AS partitioned ORDER BY ${partitionedBy.map((_, i) => i + 1).join(', ')}`;
}

/** The same CTAS or INSERT over another SELECT (a batch of its partitions). */
export function withSelect(statement: AthenaStatement, select: string): AthenaStatement {
  if (!statement.select || !statement.sql.endsWith(statement.select)) throw new Error(`cannot re-target a ${statement.kind} statement`);
  return { ...statement, sql: statement.sql.slice(0, statement.sql.length - statement.select.length) + select, select };
}
