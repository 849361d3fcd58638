/**
 * Large results (the customer master's records, the orders the CLV marts fit on): the node API
 * converts a result value by value, decoding every string on its own, which dominated reading
 * 890,425 customer records (22 columns) and the previous cross-reference. Here DuckDB writes each
 * chunk of rows as one JSON text and V8's JSON.parse builds the row objects, with the same values
 * `query()` returns (test/integration/duckdb-large.test.ts holds them to it).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { quoteIdent } from '../sql.js';
import type { QueryResult } from '../engine.js';

/** Rows serialized per JSON text: ~20 MB for wide rows, far below V8's longest string. */
const ROWS_PER_CHUNK = 50_000;

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
  if (new Set(names).size !== names.length) return undefined;
  if (types.some((t) => !AS_JSON.test(t) && !AS_TEXT.test(t))) return undefined;
  const fields = names.map((name, i) => `${sqlKey(name)}: ${AS_TEXT.test(types[i]!) ? `CAST(q.${quoteIdent(name)} AS VARCHAR)` : `q.${quoteIdent(name)}`}`);
  const chunks = await connection.runAndReadAll(
    `SELECT CAST(to_json(list(r ORDER BY n)) AS VARCHAR) FROM (` +
      `SELECT {${fields.join(', ')}} AS r, row_number() OVER (${order ? `ORDER BY ${order}` : ''}) AS n FROM (${sql}) AS q` +
      `) GROUP BY (n - 1) // ${ROWS_PER_CHUNK} ORDER BY min(n)`,
  );
  const rows: Record<string, unknown>[] = [];
  const text = names.flatMap((name, i) => (AS_TEXT.test(types[i]!) ? [[name, types[i]!] as const] : []));
  for (const [json] of chunks.getRows()) {
    let parsed: Record<string, unknown>[];
    try {
      parsed = JSON.parse(json as string) as Record<string, unknown>[];
    } catch {
      return undefined; // NaN or Infinity: not JSON
    }
    for (const row of parsed) {
      for (const [name, type] of text) row[name] = toValue(row[name], type);
      rows.push(row);
    }
  }
  return { columns: names.map((name, i) => ({ name, type: types[i]! })), rows };
}

/** A struct key in DuckDB's literal syntax. */
const sqlKey = (name: string) => `'${name.replace(/'/g, "''")}'`;
