import type { Command } from 'commander';
import { warehouseSettings, type WarehouseSettings } from '../app/settings.js';
import { Lake } from '../lake/lake.js';

export { formatTable } from '../engine/format.js';

/** The lake chosen by `--lake`, else $CRMLAKE_LAKE, else ./lake. */
export function lakeFrom(command: Command): Lake {
  const options = command.optsWithGlobals<{ lake?: string }>();
  return new Lake(options.lake ?? process.env.CRMLAKE_LAKE ?? 'lake');
}

/** The `--engine` option of the commands that run SQL on the warehouse. */
export const ENGINE_OPTION_HELP = 'SQL engine: duckdb (local) or athena (default: $CRMLAKE_ENGINE, else duckdb)';

/** The engine chosen by `--engine` (else $CRMLAKE_ENGINE, else duckdb) and its settings. */
export function settingsFrom(command: Command): WarehouseSettings {
  const options = command.optsWithGlobals<{ engine?: string; maxScanGb?: string; workgroup?: string }>();
  return warehouseSettings(options);
}

export const formatCount = (n: number) => n.toLocaleString('en-US');

export function formatSeconds(seconds: number): string {
  return seconds < 10 ? `${seconds.toFixed(2)} s` : `${seconds.toFixed(1)} s`;
}

/** Bytes as a person reads them: 1.2 GiB, 340 MiB, 12 KiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value < 10 && unit ? value.toFixed(1) : Math.round(value)} ${units[unit]}`;
}
