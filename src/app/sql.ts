import type { QueryResult } from '../engine/engine.js';
import type { Lake } from '../lake/lake.js';
import type { WarehouseSettings } from './settings.js';
import { withWarehouse } from './warehouse.js';

/** What `.tables` lists: the models (main), then curated tables, then rejected rows. */
export const TABLES_SQL = `SELECT table_schema AS schema, table_name AS name, table_type AS type
FROM information_schema.tables
ORDER BY CASE table_schema WHEN 'main' THEN 0 WHEN 'curated' THEN 1 WHEN 'quarantine' THEN 2 ELSE 3 END, table_schema, table_name`;

/**
 * An analyst's query on the lake: read-only (queries only; no file access outside the lake's
 * readable zones), on the marts by name, `curated.<table>` and `quarantine.<feed>`.
 */
export async function queryLake(lake: Lake, sql: string, options: { settings?: WarehouseSettings } = {}): Promise<QueryResult> {
  if (!sql.trim()) throw new Error('Give a query, or --file with one');
  // `.tables`, as the DuckDB and SQLite shells say it: every relation an analyst can query.
  if (/^\s*\.tables\s*;?\s*$/.test(sql)) sql = TABLES_SQL;
  return withWarehouse(
    lake,
    async (engine) => {
      try {
        return await engine.query(sql);
      } catch (error) {
        // A mart that is not there usually means no build yet: say so instead of DuckDB's guess.
        if (/does not exist|not found/i.test((error as Error).message) && engine.catalog().length === 0) {
          throw new Error(`${(error as Error).message.split('\n')[0]}\nThe lake ${lake.uri} has no built models yet: run \`crmlake build\` (or \`crmlake demo\`) first.`);
        }
        throw error;
      }
    },
    { settings: options.settings, readOnly: true, reads: [sql] },
  );
}
