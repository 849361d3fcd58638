import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import type { SourceTable } from '../engine.js';
import { sqlString } from '../sql.js';
import { duckdbRelations } from './relations.js';

/** Local paths for lake files (downloaded to the cache first when the lake is on S3), 16 at a time. */
export async function localFiles(lake: Lake, keys: string[]): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < keys.length; i += 16) out.push(...(await Promise.all(keys.slice(i, i + 16).map((k) => lake.localFile(k)))));
  return out;
}

/** A relation with these columns and no rows, so models and data_quality compile on an empty lake. */
const emptyRelation = (columns: { name: string; type: string }[]) =>
  `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name.replace(/"/g, '""')}"`).join(', ')} WHERE false`;

const overFiles = (files: string[]) => `SELECT * FROM read_parquet([${files.map(sqlString).join(', ')}], union_by_name = true)`;

/**
 * Each feed's curated table is a view over exactly the files its committed manifests list, and
 * each feed's quarantine a view over its rejected-row files (empty when nothing was rejected).
 */
export async function registerSources(
  connection: DuckDBConnection,
  lake: Lake,
  sources: SourceTable[],
  quarantineColumns: { name: string; type: string }[],
): Promise<void> {
  await connection.run('CREATE SCHEMA IF NOT EXISTS curated; CREATE SCHEMA IF NOT EXISTS quarantine;');
  for (const source of sources) {
    const committed = await lake.committedFiles(source.feed);
    const rejected = await localFiles(lake, committed.quarantine);
    await connection.run(
      `CREATE VIEW ${duckdbRelations.quarantineRelation(source.feed)} AS ${rejected.length ? overFiles(rejected) : emptyRelation(quarantineColumns)}`,
    );
    const files = await localFiles(lake, committed.curated);
    const relation = duckdbRelations.sourceRelation(source.feed, source.table);
    await connection.run(`CREATE VIEW ${relation} AS ${files.length ? overFiles(files) : emptyRelation(source.columns)}`);
    if (files.length) {
      // Files landed before a canonical column was added (e.g. the customers' consent columns)
      // lack it; as on Athena, whose table schema comes from the feed, it reads as NULL.
      const present = new Set((await connection.runAndReadAll(`DESCRIBE ${relation}`)).getRows().map((r) => String(r[0])));
      const missing = source.columns.filter((c) => !present.has(c.name));
      if (missing.length) {
        const nulls = missing.map((c) => `CAST(NULL AS ${c.type}) AS "${c.name.replace(/"/g, '""')}"`).join(', ');
        await connection.run(`CREATE OR REPLACE VIEW ${relation} AS SELECT *, ${nulls} FROM (${overFiles(files)})`);
      }
    }
  }
}
