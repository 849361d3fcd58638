import type { TableInput } from '@aws-sdk/client-glue';
import { sourceTableInputs } from '../engine/athena/sources.js';
import type { CatalogSync } from '../engine/engine.js';
import { QUARANTINE_COLUMNS } from '../feeds/index.js';
import type { Lake } from '../lake/lake.js';
import type { WarehouseSettings } from './settings.js';
import { warehouseSources, withWarehouse } from './warehouse.js';

/**
 * Registers the lake's curated and quarantine tables in the engine's catalog (Athena: the Glue
 * tables over the committed files), so analysts' tools see the current data without a build.
 * Under the writer lock: it rewrites the lake's symlink manifests.
 */
export async function syncCatalog(lake: Lake, options: { settings?: WarehouseSettings } = {}): Promise<CatalogSync | null> {
  const unlock = await lake.lock('catalog sync', { waitMs: 60_000 });
  try {
    return await withWarehouse(lake, (engine) => engine.syncCatalog(), { settings: options.settings });
  } finally {
    await unlock();
  }
}

/** The Glue tables of crmlake's sources (the feeds, the audience export records) over a lake on S3, as the Athena engine registers them (the CDK stack declares these). */
export function glueSourceTables(lakeUri: string): TableInput[] {
  return sourceTableInputs(lakeUri, warehouseSources(), QUARANTINE_COLUMNS);
}
