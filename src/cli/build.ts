import type { Command } from 'commander';
import { DuckDbEngine } from '../engine/duckdb.js';
import type { Lake } from '../lake/lake.js';
import { loadProject } from '../models/project.js';
import { buildModels, type BuildRun } from '../models/runner.js';
import { formatCount, formatSeconds, lakeFrom } from './context.js';

export interface BuildCommandOptions {
  asOf?: string;
  models?: string;
  /** `name=value` pairs for `{{ var() }}`. */
  var?: string[];
}

/** Builds every model on DuckDB over the lake and prints one line per model. */
export async function runBuild(lake: Lake, options: BuildCommandOptions = {}): Promise<BuildRun> {
  const vars: Record<string, string> = {};
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
  const models = await loadProject(options.models);
  const unlock = await lake.lock('build');
  const engine = await DuckDbEngine.open(lake);
  try {
    await engine.dropModels(new Set(models.map((m) => m.name)));
    const run = await buildModels(lake, engine, models, {
      vars,
      onModel: (r, i, total) => {
        const rows = r.rows === null ? '' : `${formatCount(r.rows)} rows`;
        const status = r.status === 'success' ? 'OK' : 'ERROR';
        console.log(`${String(i + 1).padStart(3)}/${total} ${status.padEnd(5)} ${r.materialized.padEnd(5)} ${r.model.padEnd(28)} ${rows.padStart(14)}  ${formatSeconds(r.seconds)}`);
        for (const note of r.notes ?? []) console.log(`          ${note}`);
      },
    });
    console.log(`built ${run.results.length} models in ${formatSeconds(run.seconds)}${vars.as_of ? ` (as of ${vars.as_of})` : ''}`);
    return run;
  } finally {
    await engine.close();
    await unlock();
  }
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('Build the SQL models (staging → marts) on DuckDB over the lake, in dependency order.')
    .option('--as-of <YYYY-MM-DD>', 'as-of date for time-relative marts (default: the day after the latest sale)')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--var <name=value...>', 'values for {{ var() }} in models, e.g. --var clv_period=day clv_horizon_months=6')
    .action(async (options: BuildCommandOptions, command: Command) => {
      await runBuild(lakeFrom(command), options);
    });
}
