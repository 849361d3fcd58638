import type { Lake } from '../lake/lake.js';
import { buildReport, type ReportResult } from '../report/build.js';
import type { WarehouseSettings } from './settings.js';
import { openWarehouse } from './warehouse.js';

/** Builds the static report site from the lake's marts into `out` (swapped in whole). */
export function runReport(lake: Lake, out: string, options: { settings?: WarehouseSettings; log?: (line: string) => void } = {}): Promise<ReportResult> {
  return buildReport(lake, out, {
    openEngine: (reads) => openWarehouse(lake, { settings: options.settings, readOnly: true, reads }),
    log: options.log,
  });
}
