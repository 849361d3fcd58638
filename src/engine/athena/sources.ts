import { createHash } from 'node:crypto';
import type { Lake } from '../../lake/lake.js';
import type { SourceTable } from '../engine.js';
import type { TableInput } from '@aws-sdk/client-glue';
import { CURATED_PARTITION_KEY, curatedTableInput, quarantineTableInput, type GlueCatalog } from './glue.js';
import { quarantineTable, type AthenaNames } from './relations.js';

/** Where the Athena engine keeps what is its own in the lake (the DuckDB engine never touches it). */
export const ATHENA_LAYOUT = {
  /** Model tables: `<warehouse>/<model>/<run id>/`. */
  warehouse: 'athena/warehouse',
  /** Symlink manifests of the curated and quarantine tables. */
  symlinks: 'athena/symlinks',
  /** Program models' rows on their way into parquet. */
  rows: 'athena/rows',
  catalog: 'athena/_catalog.json',
  symlinkIndex: 'athena/symlinks/_index.json',
};

export interface SourceSync {
  tables: number;
  /** Symlink manifests written or removed because the committed files changed. */
  manifestsChanged: number;
}

/**
 * The Glue definitions of every feed's curated and quarantine table over a lake: the one source
 * of both the Athena engine's catalog sync and the CDK stack's Glue tables (cdk/lib/catalog.ts).
 */
export function sourceTableInputs(lakeUri: string, sources: SourceTable[], quarantineColumns: { name: string; type: string }[]): TableInput[] {
  const root = `${lakeUri.replace(/\/+$/, '')}/${ATHENA_LAYOUT.symlinks}`;
  return sources.flatMap((source) => {
    const quarantine = quarantineTable(source.feed);
    return [curatedTableInput(source, `${root}/${source.table}`), quarantineTableInput(quarantine, source.feed, quarantineColumns, `${root}/${quarantine}`)];
  });
}

const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** `curated/pos_lines/dt=2024-01-31/x.parquet` → `2024-01-31`. */
const businessDay = (key: string) => new RegExp(`/${CURATED_PARTITION_KEY}=([^/]+)/`).exec(key)?.[1];

/**
 * Makes Athena see exactly the lake's committed files: per business day one symlink manifest
 * listing the day's committed parquet files (and one per feed for its rejected rows), then the
 * Glue tables over them. Manifests are rewritten only where the committed files changed (an
 * index of their digests), so a daily run writes a few objects, not thousands.
 * Runs under the lake's writer lock (a build, `crmlake catalog sync`).
 */
export async function syncSources(
  lake: Lake,
  glue: GlueCatalog,
  names: AthenaNames,
  sources: SourceTable[],
  quarantineColumns: { name: string; type: string }[],
): Promise<SourceSync> {
  await glue.ensureDatabase(names.sourceDatabase, 'crmlake curated feed tables and rejected rows (partition projection over symlink manifests)');
  await glue.ensureDatabase(names.database, 'crmlake models: staging, marts (built by crmlake build --engine athena)');
  const previous = (await lake.readJson<Record<string, string>>(ATHENA_LAYOUT.symlinkIndex)) ?? {};
  const next: Record<string, string> = {};
  const wanted = new Map<string, string>();
  const s3 = (key: string) => `${lake.uri}/${key}`;
  for (const source of sources) {
    const committed = await lake.committedFiles(source.feed);
    const byDay = new Map<string, string[]>();
    for (const key of committed.curated) {
      const day = businessDay(key);
      if (!day) throw new Error(`curated file ${key} of the ${source.feed} feed is not in a ${CURATED_PARTITION_KEY}= folder`);
      byDay.set(day, [...(byDay.get(day) ?? []), s3(key)]);
    }
    for (const [day, files] of byDay) wanted.set(`${source.table}/${CURATED_PARTITION_KEY}=${day}/symlink.txt`, files.sort().join('\n') + '\n');
    const quarantine = quarantineTable(source.feed);
    if (committed.quarantine.length) wanted.set(`${quarantine}/symlink.txt`, committed.quarantine.map(s3).sort().join('\n') + '\n');
  }
  for (const input of sourceTableInputs(lake.uri, sources, quarantineColumns)) await glue.putTable(names.sourceDatabase, input);
  let changed = 0;
  const writes: Promise<unknown>[] = [];
  for (const [path, text] of wanted) {
    next[path] = digest(text);
    if (previous[path] === next[path]) continue;
    changed++;
    writes.push(lake.store.writeText(`${ATHENA_LAYOUT.symlinks}/${path}`, text));
    if (writes.length >= 16) await Promise.all(writes.splice(0));
  }
  await Promise.all(writes);
  for (const path of Object.keys(previous)) {
    if (wanted.has(path)) continue;
    changed++;
    await lake.remove(`${ATHENA_LAYOUT.symlinks}/${path}`);
  }
  await lake.writeJsonAtomic(ATHENA_LAYOUT.symlinkIndex, next);
  return { tables: sources.length * 2, manifestsChanged: changed };
}
