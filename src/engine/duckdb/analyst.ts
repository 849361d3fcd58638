import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import type { CatalogEntry, SourceTable } from '../engine.js';
import { loadPrelude } from './prelude.js';
import { duckdbRelations } from './relations.js';
import { registerSources } from './sources.js';

/** The analysts' database file, at the top of a local lake. */
export const ANALYST_DATABASE_KEY = 'crmlake.duckdb';

/**
 * Writes `<lake>/crmlake.duckdb`: a small DuckDB database holding no data, only views over the
 * lake's files, named as `crmlake sql` names them — the models in `main` (`customer_360`,
 * `stg_pos__lines`), `curated.<table>` and `quarantine.<feed>` — plus the Trino-name macros the
 * models' views use. The DuckDB CLI, DBeaver, Python or R open it read-only by name and see the
 * last build.
 *
 * DuckDB resolves a relative path in a view against the reader's working directory, not the
 * database file's, so every view names its files by absolute path: the file opens from any cwd
 * (and breaks if the lake folder moves; the next build writes it again). It is written beside
 * and renamed into place, so a reader that has the old one open keeps reading the old one.
 * Local lakes only: on S3 the views would name this machine's cache (analysts there use Athena).
 */
export async function writeAnalystDatabase(
  lake: Lake,
  entries: readonly CatalogEntry[],
  sources: SourceTable[],
  quarantineColumns: { name: string; type: string }[],
): Promise<string | undefined> {
  if (!lake.isLocal) return undefined;
  const target = path.join(lake.uri, ANALYST_DATABASE_KEY);
  const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  try {
    const instance = await DuckDBInstance.create(temp);
    const connection = await instance.connect();
    try {
      // One transaction: a commit per view would sync the file to disk some seventy times.
      await connection.run('BEGIN TRANSACTION');
      await loadPrelude(connection);
      await registerSources(connection, lake, sources, quarantineColumns);
      let views: CatalogEntry[] = [];
      for (const entry of entries) {
        if (entry.location) {
          const file = path.resolve(await lake.localFile(entry.location));
          await connection.run(`CREATE VIEW ${duckdbRelations.modelRelation(entry.name)} AS SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`);
        } else views.push(entry);
      }
      // Views over views: create those whose inputs exist first (the catalog is not in dependency order).
      while (views.length) {
        const waiting: CatalogEntry[] = [];
        let lastError: unknown;
        for (const entry of views) {
          await connection.run(`CREATE VIEW ${duckdbRelations.modelRelation(entry.name)} AS ${entry.sql}`).catch((error: unknown) => {
            waiting.push(entry);
            lastError = error;
          });
        }
        if (waiting.length === views.length) throw lastError;
        views = waiting;
      }
      await connection.run('COMMIT');
      await connection.run('CHECKPOINT');
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
    await lake.putFile(temp, ANALYST_DATABASE_KEY, { move: true });
    return target;
  } finally {
    await rm(temp, { force: true });
    await rm(`${temp}.wal`, { force: true });
  }
}
