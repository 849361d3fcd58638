import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DuckDBInstance } from './binding.js';
import type { Lake } from '../../lake/lake.js';
import type { CatalogEntry, SourceTable } from '../engine.js';
import { quoteIdent, sqlString } from '../sql.js';
import { tableFiles } from './catalog.js';
import { parquetFiles } from './materializations.js';
import { isPersonalColumn, personalDataPolicy, type PersonalDataPolicy } from './personal.js';
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
  policy: PersonalDataPolicy = personalDataPolicy(),
): Promise<string | undefined> {
  if (!lake.isLocal) return undefined;
  const target = path.join(lake.uri, ANALYST_DATABASE_KEY);
  const temp = `${target}.${process.pid}.${randomBytes(3).toString('hex')}.tmp`;
  try {
    const instance = await DuckDBInstance.create(temp);
    const connection = await instance.connect();
    try {
      // Each view over the curated files is bound more than once (created, then read by the views
      // over it): with the cache, the files' parquet footers are read once.
      await connection.run('SET parquet_metadata_cache = true');
      // One transaction: a commit per view would sync the file to disk some seventy times.
      await connection.run('BEGIN TRANSACTION');
      await loadPrelude(connection);
      await registerSources(connection, lake, sources, quarantineColumns);
      let views: CatalogEntry[] = [];
      for (const entry of entries) {
        if (entry.location) {
          const files = await Promise.all(tableFiles(entry).map(async (key) => path.resolve(await lake.localFile(key))));
          await connection.run(`CREATE VIEW ${duckdbRelations.modelRelation(entry.name)} AS SELECT * FROM ${parquetFiles(files)}`);
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
      if (policy === 'restricted') await leaveOutPersonalData(connection);
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

/**
 * Under the `restricted` personal-data policy the file holds no view that reaches contact fields
 * or rejected records (a view names files by path, so it could not pseudonymize them as
 * `crmlake sql` does): those relations are left out and listed in `restricted_relations`, which
 * says where to read them instead.
 */
async function leaveOutPersonalData(connection: DuckDBConnection): Promise<void> {
  // The columns each view was bound with when created (DESCRIBE would bind it again, reading the
  // footer of every file a curated view lists: 0.4 s of a 500,000-customer lake's commit).
  const columns = (
    await connection.runAndReadAll(
      `SELECT v.schema_name, v.view_name, list(c.column_name) FROM duckdb_views() AS v ` +
        `LEFT JOIN duckdb_columns() AS c ON c.database_name = v.database_name AND c.schema_name = v.schema_name AND c.table_name = v.view_name ` +
        `WHERE NOT v.internal GROUP BY ALL ORDER BY ALL`,
    )
  ).getRowsJS() as [string, string, (string | null)[] | null][];
  const left: string[] = [];
  for (const [schema, name, names] of columns) {
    if (schema === 'quarantine' || (names ?? []).some((c) => c !== null && isPersonalColumn(c))) left.push(`${schema}.${name}`);
  }
  for (const relation of left) {
    const [schema, name] = relation.split('.') as [string, string];
    await connection.run(`DROP VIEW ${quoteIdent(schema)}.${quoteIdent(name)}`);
  }
  const rows = left.map((r) => `(${sqlString(r)})`).join(', ');
  await connection.run(
    `CREATE VIEW restricted_relations AS SELECT relation, 'personal data: query it with crmlake sql (contact fields pseudonymized), or build with CRMLAKE_PERSONAL_DATA=open' AS how_to_read FROM (${left.length ? `VALUES ${rows}` : `SELECT NULL WHERE false`}) AS t(relation)`,
  );
}
