import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { Lake } from '../lake/lake.js';
import { quoteIdent, sqlString } from '../engine/sql.js';
import { LINEAGE_COLUMNS, type FeedDefinition } from './feed.js';

/** One delivery's lineage values, stamped on every curated row it lands (LINEAGE_COLUMNS but the line). */
export interface Lineage {
  _source_file: string;
  _source_sha256: string;
  /** `YYYY-MM-DD HH:MM:SS.mmm`, UTC. */
  _ingested_at: string;
  _mapping: string;
}

/**
 * The SELECT list of a curated row, from a relation of the feed's canonical columns as text plus
 * `_source_line`: each column cast to its type (or computed, for derived columns), then the
 * lineage columns with this delivery's values. Both ingest paths land rows through it.
 */
export function curatedColumnsSql(feed: FeedDefinition, lineage: Lineage): string {
  const typed = feed.columns.map((c) =>
    c.name in feed.derivedSql ? `${feed.derivedSql[c.name]} AS ${quoteIdent(c.name)}` : `CAST(${quoteIdent(c.name)} AS ${c.type}) AS ${quoteIdent(c.name)}`,
  );
  const lineageTyped = LINEAGE_COLUMNS.map((c) =>
    c.name === '_source_line' ? `CAST(_source_line AS BIGINT) AS _source_line` : `CAST(${sqlString(lineage[c.name as keyof Lineage])} AS ${c.type}) AS ${c.name}`,
  );
  return [...typed, ...lineageTyped].join(', ');
}

/** The parquet files a `COPY … PARTITION_BY (dt)` wrote under `dir`, in order, each with its lake key. */
export async function partitionFiles(dir: string, keyFor: (partition: string, part: number) => string): Promise<[file: string, key: string][]> {
  const files: [string, string][] = [];
  for (const partition of (await readdir(dir)).sort()) {
    const parts = (await readdir(path.join(dir, partition))).filter((f) => f.endsWith('.parquet')).sort();
    for (const [n, part] of parts.entries()) files.push([path.join(dir, partition, part), keyFor(partition, n)]);
  }
  return files;
}

/** Moves local files into the lake, eight at a time (parallel uploads to S3). */
export async function moveIntoLake(lake: Lake, files: [file: string, key: string][]): Promise<void> {
  for (let i = 0; i < files.length; i += 8) {
    await Promise.all(files.slice(i, i + 8).map(([file, key]) => lake.putFile(file, key, { move: true })));
  }
}
