import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGzip } from 'node:zlib';
import type { Lake } from '../../lake/lake.js';
import type { RowsRequest } from '../engine.js';
import type { AthenaQueries } from './client.js';
import { jsonRowsTableInput, type GlueCatalog } from './glue.js';
import { ATHENA_MAX_PARTITIONS_PER_STATEMENT, ATHENA_MAX_STATEMENT_CHARS, distinctPartitions, inPartitions, insertInto, partitionBatches, withSelect, type AthenaStatement } from './statements.js';

export interface RunContext {
  queries: AthenaQueries;
  glue: GlueCatalog;
  lake: Lake;
}

/**
 * Runs one planned statement. A CTAS or INSERT of a partitioned table that would write more than
 * Athena's 100 partitions is split: the CTAS writes the first hundred, INSERT INTO statements
 * the next hundreds each (dbt-athena does the same).
 */
export async function runStatement(context: RunContext, statement: AthenaStatement, partitionedBy: string[]): Promise<void> {
  const { queries } = context;
  if ((statement.kind === 'ctas' || statement.kind === 'insert') && partitionedBy.length && statement.select) {
    const listed = await queries.query(distinctPartitions(statement.select, partitionedBy));
    const values = listed.rows.map((row) => partitionedBy.map((c) => (row[c] === null || row[c] === undefined ? null : String(row[c]))));
    if (values.length > ATHENA_MAX_PARTITIONS_PER_STATEMENT) {
      const [first, ...rest] = partitionBatches(values);
      await execute(context, withSelect(statement, inPartitions(statement.select, partitionedBy, first!)));
      for (const batch of rest) await execute(context, insertInto(statement.table!, inPartitions(statement.select, partitionedBy, batch)));
      return;
    }
  }
  await execute(context, statement);
}

async function execute(context: RunContext, statement: AthenaStatement): Promise<void> {
  // Fail before Athena is asked: it refuses statements over its length limit.
  if (statement.sql.length > ATHENA_MAX_STATEMENT_CHARS) {
    throw new Error(
      `a ${statement.kind} statement${statement.table ? ` for ${statement.table}` : ''} is ${statement.sql.length.toLocaleString('en-US')} characters; Athena takes at most ${ATHENA_MAX_STATEMENT_CHARS.toLocaleString('en-US')}`,
    );
  }
  await context.queries.execute(statement.sql);
}

/** Rows of a table, counted after its write (Athena reports no row count for a CTAS). */
export async function countRows(queries: AthenaQueries, table: string): Promise<number> {
  const result = await queries.query(`SELECT count(*) AS row_count FROM ${table}`);
  return Number(result.rows[0]?.row_count ?? 0);
}

const jsonValue = (value: string | number | boolean | null) => (typeof value === 'number' && !Number.isFinite(value) ? null : value);

/**
 * Program models' rows become a table in three steps: the rows as gzipped JSON lines in the lake,
 * a Glue table over them, and a CTAS that writes them as parquet (dates cast from their text).
 * The JSON and its table are removed again; the caller stages the parquet table like any model.
 */
export async function stageRows(
  context: RunContext,
  request: RowsRequest,
  target: { database: string; ctas: (select: string) => AthenaStatement; rowsKey: string; rowsTable: string },
): Promise<void> {
  const { lake, glue } = context;
  const scratch = await lake.scratch();
  const file = path.join(scratch, 'rows.json.gz');
  const names = request.columns.map((c) => c.name.toLowerCase());
  async function* lines() {
    for (const row of request.rows) {
      const object: Record<string, unknown> = {};
      names.forEach((name, i) => (object[name] = jsonValue(row[i] ?? null)));
      yield JSON.stringify(object) + '\n';
    }
  }
  await pipeline(Readable.from(lines()), createGzip(), createWriteStream(file));
  await lake.putFile(file, `${target.rowsKey}/rows.json.gz`, { move: true });
  const location = `${lake.uri}/${target.rowsKey}`;
  await glue.putTable(target.database, jsonRowsTableInput(target.rowsTable, request.columns, location));
  try {
    const select = `SELECT ${request.columns.map((c) => (c.type === 'DATE' ? `CAST(${c.name.toLowerCase()} AS date) AS ${c.name.toLowerCase()}` : c.name.toLowerCase())).join(', ')}\nFROM ${target.database}.${target.rowsTable}`;
    await execute(context, target.ctas(select));
  } finally {
    await glue.deleteTable(target.database, target.rowsTable);
    for (const key of await lake.list(`${target.rowsKey}/`)) await lake.remove(key);
  }
}
