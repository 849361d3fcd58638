import { createRequire } from 'node:module';
import type * as DuckDB from '@duckdb/node-api';

/**
 * The DuckDB client, loaded with require: @duckdb/node-api is CommonJS, and importing CommonJS
 * from an ES module first runs Node's export lexer over its 430 KB of sources, 70 ms of every
 * `crmlake` start (npm run bench cli). Types still come from the package (`import type`).
 */
const duckdb = createRequire(import.meta.url)('@duckdb/node-api') as typeof DuckDB;

export const DuckDBInstance = duckdb.DuckDBInstance;
export type DuckDBInstance = DuckDB.DuckDBInstance;
export const StatementType = duckdb.StatementType;
export type StatementType = DuckDB.StatementType;
