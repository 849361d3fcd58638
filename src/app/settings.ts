import { ENGINE_NAMES, type AthenaSettings, type EngineName } from '../engine/engine.js';
import type { Vars } from '../models/program.js';

/** Which engine runs the SQL, and its settings: from options, else the environment. */
export interface WarehouseSettings {
  engine: EngineName;
  athena: Partial<AthenaSettings>;
}

const GIB = 1024 ** 3;

/**
 * Engine settings from the environment, overridden by what a command was given:
 *   CRMLAKE_ENGINE                    duckdb (default) or athena
 *   CRMLAKE_ATHENA_WORKGROUP          workgroup (default primary)
 *   CRMLAKE_ATHENA_DATABASE           Glue database of the models (default crmlake_warehouse)
 *   CRMLAKE_ATHENA_SOURCE_DATABASE    Glue database of the curated and quarantine tables (default crmlake_curated)
 *   CRMLAKE_ATHENA_OUTPUT             s3:// location of query results, when the workgroup sets none
 *   CRMLAKE_MAX_SCAN_GB               stop a build before it scans more than this
 */
export function warehouseSettings(
  given: { engine?: string; maxScanGb?: string | number; workgroup?: string } = {},
  env: NodeJS.ProcessEnv = process.env,
): WarehouseSettings {
  const engine = (given.engine ?? env.CRMLAKE_ENGINE ?? 'duckdb') as EngineName;
  if (!ENGINE_NAMES.includes(engine)) throw new Error(`Unknown engine "${engine}": choose ${ENGINE_NAMES.join(' or ')} (--engine or CRMLAKE_ENGINE)`);
  const budget = given.maxScanGb ?? env.CRMLAKE_MAX_SCAN_GB;
  const maxScanGb = budget === undefined || budget === '' ? null : Number(budget);
  if (maxScanGb !== null && !(maxScanGb > 0)) throw new Error(`--max-scan-gb must be a positive number of GiB, not "${budget}"`);
  const athena: Partial<AthenaSettings> = {
    ...(given.workgroup ?? env.CRMLAKE_ATHENA_WORKGROUP ? { workgroup: given.workgroup ?? env.CRMLAKE_ATHENA_WORKGROUP } : {}),
    ...(env.CRMLAKE_ATHENA_DATABASE ? { database: env.CRMLAKE_ATHENA_DATABASE } : {}),
    ...(env.CRMLAKE_ATHENA_SOURCE_DATABASE ? { sourceDatabase: env.CRMLAKE_ATHENA_SOURCE_DATABASE } : {}),
    ...(env.CRMLAKE_ATHENA_OUTPUT ? { outputLocation: env.CRMLAKE_ATHENA_OUTPUT } : {}),
    ...(env.AWS_REGION ?? env.AWS_DEFAULT_REGION ? { region: env.AWS_REGION ?? env.AWS_DEFAULT_REGION } : {}),
    maxScanBytes: maxScanGb === null ? null : Math.round(maxScanGb * GIB),
  };
  return { engine, athena };
}

/** The values for `{{ var() }}` from `name=value` pairs and an as-of date. */
export function parseVars(options: { var?: string[]; asOf?: string }): Vars {
  const vars: Vars = {};
  for (const pair of options.var ?? []) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`--var takes name=value, not "${pair}"`);
    vars[match[1]!] = match[2]!;
  }
  if (options.asOf !== undefined) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(options.asOf) || Number.isNaN(Date.parse(options.asOf))) {
      throw new Error(`--as-of must be a date written YYYY-MM-DD, not "${options.asOf}"`);
    }
    vars.as_of = options.asOf;
  }
  return vars;
}
