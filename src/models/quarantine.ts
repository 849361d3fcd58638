import { FEEDS } from '../feeds/index.js';
import type { ProgramModel } from './program.js';
import { quoteIdent } from '../engine/sql.js';


/**
 * `int_quarantine_daily`: the feeds' rejected rows, counted per feed, ingest day, delivery, field
 * and reason, for the data_quality mart. A program model because the quarantine is not a
 * `source()`: DuckDB registers `quarantine."<feed>"` only for feeds that have rejected rows (see
 * src/engine/duckdb.ts), and a SQL model cannot read a relation that may not exist. On an engine
 * without quarantine relations (Athena has no quarantine tables in the Glue catalog yet) it is
 * empty and says so in the build output.
 */
export const QUARANTINE_DAILY: ProgramModel = {
  name: 'int_quarantine_daily',
  file: 'src/models/quarantine.ts',
  refs: [],
  description:
    'Rejected rows per feed, ingest day (UTC date of _ingested_at), delivery, field and reason, read from the quarantine relations. ' +
    'A file rejected whole is one record with source_line NULL (rejected_files = 1): its rows cannot be counted one by one.',
  columns: [
    { name: 'feed', type: 'VARCHAR', description: 'Feed name (pos, calls, web, customers, surveys, web-orders, web-order-items, web-payments).' },
    { name: 'ingest_date', type: 'DATE', description: 'UTC date the delivery was ingested (rejected rows have no trusted business date).' },
    { name: 'source_file', type: 'VARCHAR', description: 'Delivery (source/file name).' },
    { name: 'field', type: 'VARCHAR', description: 'Field that failed validation (empty for a file rejected whole).' },
    { name: 'reason', type: 'VARCHAR', description: 'Why the row was rejected.' },
    { name: 'rows_quarantined', type: 'INTEGER', description: 'Rejected records.' },
    { name: 'rejected_files', type: 'INTEGER', description: 'Records that stand for a whole rejected file (source_line NULL).' },
  ],
  async build({ engine, note }) {
    if (engine.name !== 'duckdb') {
      note('int_quarantine_daily: this engine has no quarantine relations; the table is empty (data_quality shows 0 quarantined)');
      return [];
    }
    const present = new Set(
      (await engine.query(`select table_name from information_schema.tables where table_schema = 'quarantine'`)).rows.map((r) => String(r.table_name)),
    );
    const out: (string | number | null)[][] = [];
    for (const feed of Object.keys(FEEDS).filter((f) => present.has(f))) {
      const { rows } = await engine.query(
        `select cast(cast(_ingested_at as date) as varchar) as ingest_date, source_file, coalesce(field, '') as field, coalesce(reason, '') as reason, ` +
          `count(*) as n, sum(case when source_line is null then 1 else 0 end) as files ` +
          `from quarantine.${quoteIdent(feed)} group by 1, 2, 3, 4 order by 1, 2, 3, 4`,
      );
      for (const r of rows) out.push([feed, String(r.ingest_date), String(r.source_file), String(r.field), String(r.reason), Number(r.n), Number(r.files)]);
    }
    return out;
  },
};
