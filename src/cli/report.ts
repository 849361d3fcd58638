import type { Command } from 'commander';
import { runReport } from '../app/report.js';
import type { ReportResult } from '../report/build.js';
import { formatSeconds, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';

export function printReport(result: ReportResult): void {
  console.log(
    `report: ${result.pages.length} page(s), ${result.files} files, ${(result.bytes / 1024).toFixed(0)} KiB in ${formatSeconds(result.seconds)} → ${result.out}`,
  );
  if (result.warnings.length) {
    console.log(`report: ${result.warnings.length} data file(s) could not be loaded; their pages say they have no data:`);
    for (const warning of result.warnings) console.log(`  ${warning}`);
  }
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .description('Build the static report site from the marts (run `crmlake build` first).')
    .option('--out <dir>', 'output folder', 'report')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--verbose', "show the site builder's output")
    .action(async (options: { out: string; verbose?: boolean }, command: Command) => {
      const result = await runReport(lakeFrom(command), options.out, { settings: settingsFrom(command), log: options.verbose ? (line) => console.log(`  ${line}`) : undefined });
      printReport(result);
      console.log(`open it: crmlake serve --dir ${result.out}  (or any static file server; the site makes no calls outside itself)`);
    });
}
