/** SQL text building shared by the engine, ingest and the model runner (same rules in DuckDB and Trino). */
import type { QueryOptions } from './engine.js';

/** A string literal: single quotes doubled. */
export const sqlString = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** A quoted identifier: double quotes doubled. */
export const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The query with the order a large read asks for (engine.ts QueryOptions), for engines that read it as any other. */
export const orderedQuery = (sql: string, options?: QueryOptions) =>
  options?.large?.order ? `SELECT * FROM (${sql}) AS q ORDER BY ${options.large.order}` : sql;
