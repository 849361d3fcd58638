import type { Command } from 'commander';
import type { Lake } from '../lake/lake.js';
import { buildReport, type ReportResult } from '../report/build.js';
import { formatSeconds, lakeFrom } from './context.js';

export async function runReport(lake: Lake, out: string, verbose = false): Promise<ReportResult> {
  const result = await buildReport(lake, out, { log: verbose ? (line) => console.log(`  ${line}`) : undefined });
  console.log(
    `report: ${result.pages.length} page(s), ${result.files} files, ${(result.bytes / 1024).toFixed(0)} KiB in ${formatSeconds(result.seconds)} → ${result.out}`,
  );
  if (result.warnings.length) {
    console.log(`report: ${result.warnings.length} data file(s) could not be loaded; their pages say they have no data:`);
    for (const warning of result.warnings) console.log(`  ${warning}`);
  }
  console.log(`open it: crmlake serve --dir ${result.out}  (or any static file server; the site makes no calls outside itself)`);
  return result;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Build the static report site from the marts (run `crmlake build` first).')
    .option('--out <dir>', 'output folder', 'report')
    .option('--verbose', 'show the site builder\'s output')
    .action(async (options: { out: string; verbose?: boolean }, command: Command) => {
      await runReport(lakeFrom(command), options.out, options.verbose);
    });
}
