import { MEMBERS_SOURCE } from '../audiences/records.js';
import type { Engine, EngineOptions, SourceTable } from '../engine/engine.js';
import { openEngine } from '../engine/index.js';
import { QUARANTINE_COLUMNS, sourceTables } from '../feeds/index.js';
import type { Lake } from '../lake/lake.js';
import { warehouseSettings, type WarehouseSettings } from './settings.js';

/** Every table models read with `source()`: the feeds' curated tables and the audience export records. */
export const warehouseSources = (): SourceTable[] => [...sourceTables(), MEMBERS_SOURCE];

/**
 * The engine over a lake with crmlake's feeds registered as sources: the one way commands,
 * Lambdas, the report and tests open the warehouse.
 */
export function openWarehouse(
  lake: Lake,
  options: { settings?: WarehouseSettings; readOnly?: boolean; personalData?: EngineOptions['personalData']; reads?: EngineOptions['reads'] } = {},
): Promise<Engine> {
  const settings = options.settings ?? warehouseSettings();
  return openEngine(lake, {
    engine: settings.engine,
    athena: settings.athena,
    sources: warehouseSources(),
    quarantineColumns: QUARANTINE_COLUMNS,
    readOnly: options.readOnly,
    ...(options.personalData ? { personalData: options.personalData } : {}),
    ...(options.reads ? { reads: options.reads } : {}),
  });
}

/** Runs `work` with the warehouse open, and closes it whatever happens. */
export async function withWarehouse<T>(lake: Lake, work: (engine: Engine) => Promise<T>, options: Parameters<typeof openWarehouse>[1] = {}): Promise<T> {
  const engine = await openWarehouse(lake, options);
  try {
    return await work(engine);
  } finally {
    await engine.close();
  }
}
