import type { Command } from 'commander';
import { DuckDbEngine } from '../engine/duckdb.js';
import type { Lake } from '../lake/lake.js';
import { ModelError } from '../models/errors.js';
import { loadProject } from '../models/project.js';
import { buildModels, type BuildRun } from '../models/runner.js';
import { SELECTION_HELP, selectModels } from '../models/select.js';
import { formatCount, formatSeconds, lakeFrom } from './context.js';

export interface BuildCommandOptions {
  asOf?: string;
  models?: string;
  /** `name=value` pairs for `{{ var() }}`. */
  var?: string[];
  /** Selectors (see src/models/select.ts); default every model. */
  select?: string[];
  exclude?: string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  /** Print nothing (the caller reports); by default one line per model and a summary. */
  quiet?: boolean;
}

/** The values for `{{ var() }}` from `--var name=value …` and `--as-of`. */
export function parseVars(options: { var?: string[]; asOf?: string }): Record<string, string> {
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
  return vars;
}

/** Builds the models (all, or the selected ones) on DuckDB over the lake and prints one line per model. */
export async function runBuild(lake: Lake, options: BuildCommandOptions = {}): Promise<BuildRun> {
  const vars = parseVars(options);
  const models = await loadProject(options.models);
  const chosen = selectModels(models, options);
  const only = new Set(chosen.map((m) => m.name));
  const unlock = await lake.lock('build');
  const engine = await DuckDbEngine.open(lake);
  try {
    await engine.dropModels(new Set(models.map((m) => m.name)));
    // Models the selection leaves out must already be in the warehouse for the selected ones to read.
    const built = new Set(engine.catalogEntries().map((e) => e.name));
    for (const model of chosen) {
      const missing = model.refs.filter((r) => !only.has(r) && !built.has(r));
      if (missing.length) {
        throw new ModelError(
          `${model.name} reads ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not built and not selected: add +${model.name} to the selection, or build ${missing.join(' ')} first`,
        );
      }
    }
    const run = await buildModels(lake, engine, models, {
      vars,
      only: options.select?.length || options.exclude?.length ? only : undefined,
      fullRefresh: options.fullRefresh,
      selection: { select: options.select, exclude: options.exclude },
      onModel: options.quiet ? undefined : (r, i, total) => {
        const rows = r.rows === null ? '' : `${formatCount(r.rows)} rows`;
        const status = r.status === 'success' ? 'OK' : 'ERROR';
        const mode = r.mode === 'incremental' ? `  (+${formatCount(r.inserted ?? 0)} new)` : r.mode === 'full' ? '  (full build)' : '';
        console.log(`${String(i + 1).padStart(3)}/${total} ${status.padEnd(5)} ${r.materialized.padEnd(5)} ${r.model.padEnd(28)} ${rows.padStart(14)}  ${formatSeconds(r.seconds)}${mode}`);
        for (const note of r.notes ?? []) console.log(`          ${note}`);
      },
    });
    if (!options.quiet) console.log(`built ${run.results.length} models in ${formatSeconds(run.seconds)}${vars.as_of ? ` (as of ${vars.as_of})` : ''}`);
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
    .option('-s, --select <selector...>', 'build only these models (see below)')
    .option('--exclude <selector...>', 'leave these models out')
    .option('--full-refresh', 'rebuild incremental models from scratch instead of adding new rows')
    .addHelpText(
      'after',
      `\n${SELECTION_HELP}\n\nExamples:\n  crmlake build --select customer_rfm+        customer_rfm and everything built on it\n  crmlake build --select +customer_rfm        customer_rfm and everything it reads\n  crmlake build --select path:marts --exclude customer_clv\n  crmlake build --select tag:daily --full-refresh`,
    )
    .action(async (options: BuildCommandOptions, command: Command) => {
      await runBuild(lakeFrom(command), options);
    });
}
