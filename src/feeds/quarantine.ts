import type { ProgramModel } from '../models/program.js';
import { FEEDS } from './index.js';

/**
 * `int_quarantine_daily`: the feeds' rejected rows, counted per feed, ingest day, delivery, field
 * and reason, for the data_quality mart. A program model because the list of feeds is code:
 * every engine has one quarantine relation per feed (`engine.quarantineRelation`), empty when
 * nothing was rejected, and this unions their counts.
 */
export const QUARANTINE_DAILY: ProgramModel = {
  name: 'int_quarantine_daily',
  file: 'src/feeds/quarantine.ts',
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
  async build({ engine }) {
    const out: (string | number | null)[][] = [];
    // One statement for every feed (Athena bills and queues per statement).
    const union = Object.keys(FEEDS)
      .map(
        (feed) =>
          `select '${feed}' as feed, cast(cast(_ingested_at as date) as varchar) as ingest_date, source_file, coalesce(field, '') as field, ` +
          `coalesce(reason, '') as reason, count(*) as n, sum(case when source_line is null then 1 else 0 end) as files ` +
          `from ${engine.quarantineRelation(feed)} group by 2, 3, 4, 5`,
      )
      .join('\nunion all\n');
    const { rows } = await engine.query(`select * from (${union}) as counted order by 1, 2, 3, 4, 5`);
    for (const r of rows) out.push([String(r.feed), String(r.ingest_date), String(r.source_file), String(r.field), String(r.reason), Number(r.n), Number(r.files)]);
    return out;
  },
};
