import { totalmem } from 'node:os';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance, StatementType } from './binding.js';
import { sqlString } from '../sql.js';
import { loadPrelude } from './prelude.js';

/**
 * Memory DuckDB's block allocator keeps once it has used it (never returned to the system) in a
 * session that builds: a fifth of the machine's memory, at most 4 GiB. Without it a next-day build
 * at 500,000 customers took 3.4-3.6M page faults and 42-53 s of system time, as freed buffers went
 * back to the system and were faulted in again by the next query; with it 2.4M and 29-38 s, and
 * the build 103-105 s -> 68-87 s in alternated runs (8 GiB is no faster). Peak memory rises by up
 * to 1.4 GiB. Read-only sessions (crmlake sql, the report) keep DuckDB's default.
 */
export const buildBlockMemory = () => Math.min(4 * 2 ** 30, Math.floor(totalmem() / 5));

/** One in-memory DuckDB with the Trino prelude loaded (./prelude.ts): the engine's connection. */
export async function openConnection(options: { blockMemory?: number } = {}): Promise<{ instance: DuckDBInstance; connection: DuckDBConnection }> {
  const instance = await DuckDBInstance.create(':memory:', options.blockMemory ? { block_allocator_memory: `${options.blockMemory}B` } : {});
  const connection = await instance.connect();
  // A model's SQL binds the staging views, which bind the curated views over every committed
  // file (thousands in a few years of daily files): with the cache each parquet footer is read
  // once per session, not once per bind. Lake files are written once, never changed in place.
  await connection.run('SET parquet_metadata_cache = true');
  await loadPrelude(connection);
  return { instance, connection };
}

/** Statement kinds an analyst's read-only session may run: queries and their plans. */
const READ_ONLY_STATEMENTS = new Set<StatementType>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Locks a connection down for analysts (`crmlake sql`, report loaders): files can be read only
 * below `readable` (the lake's data zones or the S3 cache), and the configuration is locked so a
 * query cannot lift it. DuckDB lets allowed directories be written too (measured on 1.5.5: COPY
 * TO and ATTACH inside them succeed), so `assertReadOnly` also refuses every statement that is
 * not a query.
 */
export async function lockDown(connection: DuckDBConnection, readable: string[]): Promise<void> {
  const dirs = readable.map((d) => sqlString(d.endsWith('/') ? d : `${d}/`));
  await connection.run(`SET allowed_directories = [${dirs.join(', ')}]`);
  await connection.run('SET enable_external_access = false');
  await connection.run('SET lock_configuration = true');
}

/** Throws unless every statement of `sql` is a query (SELECT, WITH, DESCRIBE, SUMMARIZE, EXPLAIN). */
export async function assertReadOnly(connection: DuckDBConnection, sql: string): Promise<void> {
  const statements = await connection.extractStatements(sql);
  for (let i = 0; i < statements.count; i++) {
    const prepared = await statements.prepare(i);
    const type = prepared.statementType;
    prepared.destroySync();
    if (!READ_ONLY_STATEMENTS.has(type)) {
      const kind = StatementType[type] ?? String(type);
      throw new Error(`crmlake sql is read-only: statement ${i + 1} is ${kind}, not a query. Models change the warehouse (crmlake build); ingest changes the lake (crmlake ingest).`);
    }
  }
}
