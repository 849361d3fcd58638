import type { Command } from 'commander';
import type { Lake } from '../lake/lake.js';
import { runBuild } from './build.js';
import { formatSeconds, lakeFrom } from './context.js';
import { runReport } from './report.js';
import { runTestCommand } from './test.js';

export interface RefreshOptions {
  out: string;
  models?: string;
  skipTests?: boolean;
  publishOnTestFailure?: boolean;
}

/**
 * The scheduled job: build the models, test them, rebuild the report. A failing step stops the
 * job with a non-zero exit and the step named; the published report is replaced only at the end
 * (atomically), so readers keep yesterday's site rather than one built on data that failed its tests.
 */
export async function runRefresh(lake: Lake, options: RefreshOptions): Promise<void> {
  const started = performance.now();
  const step = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    console.log(`\nrefresh: ${name}`);
    try {
      return await work();
    } catch (error) {
      throw new Error(`refresh failed at "${name}": ${(error as Error).message}. The published report was left as it was.`);
    }
  };
  await step('build models', () => runBuild(lake, { models: options.models }));
  if (!options.skipTests) {
    const tests = await step('test models', () => runTestCommand(lake, { models: options.models }));
    const failed = tests.summary.fail + tests.summary.error;
    if (failed > 0 && !options.publishOnTestFailure) {
      throw new Error(
        `refresh stopped: ${failed} model test(s) failed (listed above), so the report was not rebuilt. ` +
          'Fix the data or the models, or pass --publish-on-test-failure.',
      );
    }
  }
  const report = await step('build report', () => runReport(lake, options.out));
  if (report.warnings.length > 0) {
    // The site is published (the rest of it is good), but a scheduled job must not pass silently.
    throw new Error(
      `refresh: the report was built, but ${report.warnings.length} of its data file(s) failed, so parts of it are empty:\n  ${report.warnings.join('\n  ')}`,
    );
  }
  console.log(`\nrefresh: done in ${formatSeconds((performance.now() - started) / 1000)}`);
}

export function registerRefresh(program: Command): void {
  program
    .command('refresh')
    .description('The scheduled job in one command: build the models, test them, rebuild the report site. Non-zero exit on any failure.')
    .option('--out <dir>', 'report output folder', 'report')
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--skip-tests', 'do not run the model tests')
    .option('--publish-on-test-failure', 'rebuild the report even when model tests fail')
    .action(async (options: RefreshOptions, command: Command) => {
      await runRefresh(lakeFrom(command), options);
    });
}
