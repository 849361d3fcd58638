import { Option, type Command } from 'commander';
import { runProjectTests, type TestOptions } from '../app/test.js';
import { SELECTION_HELP } from '../models/select.js';
import type { TestResult, TestRun } from '../models/testing.js';
import { formatSeconds, formatTable, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';

export function printTestResult(result: TestResult, index: number, total: number): void {
  const label = { pass: 'PASS', fail: 'FAIL', warn: 'WARN', error: 'ERROR' }[result.status];
  const detail =
    result.status === 'error'
      ? ''
      : result.failures
        ? `${result.failures.toLocaleString('en-US')} ${result.kind === 'unit' ? 'differing' : 'failing'} row${result.failures === 1 ? '' : 's'}`
        : '';
  console.log(`${String(index + 1).padStart(3)}/${total} ${label.padEnd(5)} ${result.kind.padEnd(8)} ${result.name.padEnd(60)} ${detail.padStart(18)}  ${formatSeconds(result.seconds)}`);
  if (result.status === 'pass') return;
  console.log(`          ${result.file}:${result.line}`);
  if (result.error) console.log(`          ${result.error}`);
  if (result.sample.length) {
    const columns = Object.keys(result.sample[0]!);
    const table = formatTable(columns, result.sample);
    console.log(table.split('\n').map((l) => `          ${l}`).join('\n'));
    if (result.failures > result.sample.length) console.log(`          … and ${(result.failures - result.sample.length).toLocaleString('en-US')} more`);
  }
}

export function testSummary(run: TestRun): string {
  const { pass, fail, warn, error } = run.summary;
  return `test summary: ${pass} of ${run.results.length} passed; ${fail} failed, ${warn} warned, ${error} errored (${formatSeconds(run.seconds)})`;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description(
      "Run the models' tests: generic data tests from the YAML (unique, not_null, accepted_values, relationships, expression_is_true) and singular tests (tests/*.sql) on the built warehouse, and unit tests (unit_tests: in the YAML) on DuckDB over their given rows. Exit code 1 if any fails.",
    )
    .option('-s, --select <selector...>', 'run the tests of these models (a test runs if any model it reads is selected)')
    .option('--exclude <selector...>', 'leave these models out')
    .addOption(new Option('--type <kind...>', 'only these kinds of test').choices(['data', 'singular', 'unit']))
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--tests <dir>', 'singular tests folder (default: tests/ beside the models folder)')
    .option('--var <name=value...>', 'values for {{ var() }} in singular tests and unit tests')
    .option('--as-of <YYYY-MM-DD>', 'sets var as_of')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--json', 'print the run as JSON')
    .addHelpText(
      'after',
      `\nFailing tests show up to 5 failing rows. Results are recorded in the lake's _runs/ folder.\n\n${SELECTION_HELP}\n\nExamples:\n  crmlake test\n  crmlake test --select customer_rfm --type unit`,
    )
    .action(async (options: TestOptions & { json?: boolean }, command: Command) => {
      const run = await runProjectTests(lakeFrom(command), { ...options, settings: settingsFrom(command), onResult: options.json ? undefined : printTestResult });
      if (options.json) {
        console.log(JSON.stringify(run, null, 2));
        console.error(testSummary(run));
      } else {
        console.log(testSummary(run));
      }
      const failed = run.summary.fail + run.summary.error;
      if (failed) throw new Error(`${failed} of ${run.results.length} tests failed`);
    });
}
