import type { Command } from 'commander';
import { runRefresh, type RefreshOptions } from '../app/refresh.js';
import { buildSummary, printModel } from './build.js';
import { formatSeconds, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';
import { printReport } from './report.js';
import { printTestResult, testSummary } from './test.js';

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description('The scheduled job in one command: build the models, test them, rebuild the report site. Non-zero exit on any failure.')
    .option('--out <dir>', 'report output folder', 'report')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--skip-tests', 'do not run the model tests')
    .option('--publish-on-test-failure', 'rebuild the report even when model tests fail')
    .option('--one-at-a-time', 'build one model at a time (less memory at once; slower: the TypeScript models no longer run beside the SQL ones)')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--max-scan-gb <GiB>', 'Athena: stop the build before it scans more than this')
    .action(async ({ oneAtATime, ...options }: Omit<RefreshOptions, 'onStep'> & { oneAtATime?: boolean }, command: Command) => {
      const result = await runRefresh(lakeFrom(command), {
        ...options,
        concurrent: !oneAtATime,
        settings: settingsFrom(command),
        onStep: (step) => console.log(`\nrefresh: ${step}`),
        onModel: printModel,
        onTest: printTestResult,
      });
      console.log(buildSummary(result.build));
      if (result.tests) console.log(testSummary(result.tests));
      printReport(result.report);
      console.log(`\nrefresh: done in ${formatSeconds(result.seconds)}`);
    });
}
