import type { Command } from 'commander';
import { runBuild, type BuildOptions } from '../app/build.js';
import type { BuildRun, ModelRunResult } from '../models/runner.js';
import { SELECTION_HELP } from '../models/select.js';
import { formatBytes, formatCount, formatSeconds, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';

/** One line per model: position, status, materialization, rows, time, and what an incremental run added. */
export function printModel(r: ModelRunResult, i: number, total: number): void {
  const rows = r.rows === null ? '' : `${formatCount(r.rows)} rows`;
  const status = r.status === 'success' ? 'OK' : 'ERROR';
  // Incremental: rows appended, or (merge) rows recomputed for the keys and dates that changed.
  const mode =
    r.mode === 'incremental'
      ? `  (incremental: ${formatCount(r.inserted ?? 0)} rows new or recomputed)`
      : r.mode === 'full'
        ? '  (full build)'
        : r.mode === 'kept'
          ? '  (kept: inputs unchanged)'
          : '';
  const scanned = r.bytesScanned !== undefined ? `  ${formatBytes(r.bytesScanned)} scanned` : '';
  console.log(`${String(i + 1).padStart(3)}/${total} ${status.padEnd(5)} ${r.materialized.padEnd(5)} ${r.model.padEnd(28)} ${rows.padStart(14)}  ${formatSeconds(r.seconds)}${mode}${scanned}`);
  for (const note of r.notes ?? []) console.log(`          ${note}`);
}

export function buildSummary(run: BuildRun): string {
  const scanned = run.bytesScanned !== undefined ? `, ${formatBytes(run.bytesScanned)} scanned` : '';
  return `built ${run.results.length} models in ${formatSeconds(run.seconds)} on ${run.engine}${scanned}${run.vars.as_of ? ` (as of ${run.vars.as_of})` : ''}`;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('Build the SQL and program models (staging → marts) over the lake in dependency order, as one build: readers see all its models at once.')
    .option('--as-of <YYYY-MM-DD>', 'as-of date for time-relative marts (default: the day after the latest sale)')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--var <name=value...>', 'values for {{ var() }} in models, e.g. --var clv_period=day clv_horizon_months=6')
    .option('-s, --select <selector...>', 'build only these models (see below)')
    .option('--exclude <selector...>', 'leave these models out')
    .option('--full-refresh', 'rebuild incremental models from scratch instead of adding new rows')
    .option('--one-at-a-time', 'build one model at a time (less memory at once; slower: the TypeScript models no longer run beside the SQL ones)')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--max-scan-gb <GiB>', 'Athena: stop the build before it scans more than this (default $CRMLAKE_MAX_SCAN_GB, none)')
    .addHelpText(
      'after',
      `\n${SELECTION_HELP}\n\nExamples:\n  crmlake build --select customer_rfm+        customer_rfm and everything built on it\n  crmlake build --select +customer_rfm        customer_rfm and everything it reads\n  crmlake build --select path:marts --exclude customer_clv\n  crmlake build --select tag:daily --full-refresh\n  crmlake --engine athena --lake s3://my-lake/crm build --max-scan-gb 50`,
    )
    .action(async ({ oneAtATime, ...options }: BuildOptions & { oneAtATime?: boolean }, command: Command) => {
      const run = await runBuild(lakeFrom(command), { ...options, concurrent: !oneAtATime, settings: settingsFrom(command), onModel: printModel });
      console.log(buildSummary(run));
    });
}
