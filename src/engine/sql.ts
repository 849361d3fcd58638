/** SQL text building shared by the engine, ingest and the model runner (same rules in DuckDB and Trino). */

/** A string literal: single quotes doubled. */
export const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A quoted identifier: double quotes doubled. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;
