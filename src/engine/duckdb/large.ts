/**
 * Large results (the customer master's records, the orders the CLV marts fit on): the node API
 * converts a result value by value, decoding every string on its own, which dominated reading
 * 890,425 customer records (22 columns) and the previous cross-reference. Here DuckDB writes each
 * column of a chunk of rows as one JSON array and V8's JSON.parse reads it, with the same values
 * `query()` returns (test/integration/duckdb-large.test.ts holds them to it). Arrays per column,
 * not one array of row objects: DuckDB's to_json of a list of structs cost twice as much
 * (891,282 records of 22 columns: 12.2 s of SQL and 2.7 s of parsing, against 6.9 s and 3.1 s).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from '../sql.js';
import type { QueryResult } from '../engine.js';

/** Rows serialized per JSON text: ~20 MB for wide rows, far below V8's longest string. */
const ROWS_PER_CHUNK = 50_000;

/** The result's alias: its name alone is the whole row, as a struct. */
const ROW = 'large_result_row';

/** Types whose JSON text parses to the value query() gives (integers wider than 32 bits travel as text). */
const AS_JSON = /^(VARCHAR|BOOLEAN|TINYINT|SMALLINT|INTEGER|UTINYINT|USMALLINT|DOUBLE|FLOAT|DATE|TIMESTAMP|DECIMAL\(\d+,\d+\))$/;
const AS_TEXT = /^(BIGINT|HUGEINT|UINTEGER|UBIGINT)$/;

/**
 * The rows of `sql` in the order of `order` (SQL over its columns, a unique key; unordered without
 * it), or undefined when a column's type or a value (NaN, ±Infinity in a DOUBLE) has no exact JSON
 * form: the caller then reads the result value by value.
 */
export async function readLarge(
  connection: DuckDBConnection,
  sql: string,
  order: string | undefined,
  toValue: (value: unknown, type: string) => unknown,
): Promise<QueryResult | undefined> {
  const probe = await connection.runAndReadAll(`SELECT * FROM (${sql}) AS q LIMIT 0`);
  const names = probe.columnNames();
  const types = probe.columnTypes().map(String);
  // A column named __proto__ would set the rows' prototype in the object literal below; one named
  // as the result's alias would stand for it where the SQL below means the whole row.
  if (new Set(names).size !== names.length || names.includes('__proto__') || names.includes(ROW)) return undefined;
  if (types.some((t) => !AS_JSON.test(t) && !AS_TEXT.test(t))) return undefined;
  const asText = types.map((t) => AS_TEXT.test(t));
  const columns = names.map((name, i) => {
    const value = `numbered.${ROW}.${quoteIdent(name)}`;
    return `CAST(to_json(list(${asText[i] ? `CAST(${value} AS VARCHAR)` : value} ORDER BY numbered.n)) AS VARCHAR)`;
  });
  const chunks = await connection.runAndReadAll(
    `SELECT ${columns.join(', ')} FROM (` +
      `SELECT ${ROW}, row_number() OVER (${order ? `ORDER BY ${order}` : ''}) AS n FROM (${sql}) AS ${ROW}` +
      `) AS numbered GROUP BY (numbered.n - 1) // ${ROWS_PER_CHUNK} ORDER BY min(numbered.n)`,
  );
  // Rows built by one object literal share one shape (filled key by key, 891,282 rows of 22
  // columns took 6.6 s instead of 0.8 s).
  const row = new Function('values', 'i', `return {${names.map((name, c) => `${JSON.stringify(name)}: values[${c}][i]`).join(', ')}};`) as (
    values: unknown[][],
    i: number,
  ) => Record<string, unknown>;
  const rows: Record<string, unknown>[] = [];
  for (const chunk of chunks.getRows()) {
    let values: unknown[][];
    try {
      values = chunk.map((json) => JSON.parse(json as string) as unknown[]);
    } catch {
      return undefined; // NaN or Infinity: not JSON
    }
    asText.forEach((text, c) => {
      if (text) values[c] = values[c]!.map((value) => toValue(value, types[c]!));
    });
    const length = values[0]?.length ?? 0;
    for (let i = 0; i < length; i++) rows.push(row(values, i));
  }
  return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows };
}

