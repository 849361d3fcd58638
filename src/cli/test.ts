import { Option, type Command } from 'commander';
import { DuckDbEngine } from '../engine/duckdb.js';
import type { Engine } from '../engine/engine.js';
import type { Lake } from '../lake/lake.js';
import { loadFullProject } from '../models/project.js';
import { SELECTION_HELP, selectModels } from '../models/select.js';
import { runTests, selectedTests, summarize, type TestKind, type TestResult, type TestRun } from '../models/testing.js';
import { parseVars } from './build.js';
import { formatSeconds, formatTable, lakeFrom } from './context.js';

export interface TestCommandOptions {
  models?: string;
  tests?: string;
  select?: string[];
  exclude?: string[];
  type?: TestKind[];
  var?: string[];
  asOf?: string;
  json?: boolean;
}

function printResult(result: TestResult, index: number, total: number): void {
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

/** Runs the selected tests, prints one line per test (with failing rows), records the run in _runs/. */
export async function runTestCommand(lake: Lake, options: TestCommandOptions = {}): Promise<TestRun> {
  const vars = parseVars(options);
  const project = await loadFullProject(options.models, { testsDir: options.tests });
  const models = new Set(selectModels(project.models, options).map((m) => m.name));
  const selection = { models, kinds: options.type };
  const wanted = selectedTests(project, selection);
  const needsWarehouse = wanted.data.length + wanted.singular.length > 0;
  const started = Date.now();
  const engine: Engine | undefined = needsWarehouse ? await DuckDbEngine.open(lake) : undefined;
  let results: TestResult[];
  try {
    const built = engine instanceof DuckDbEngine ? new Set(engine.catalogEntries().map((e) => e.name)) : undefined;
    results = await runTests(engine ?? ({ name: 'duckdb' } as Engine), project, {
      selection,
      built,
      vars,
      onResult: options.json ? undefined : printResult,
    });
  } finally {
    await engine?.close();
  }
  const run: TestRun = {
    engine: 'duckdb',
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    ...(options.select?.length ? { select: options.select } : {}),
    ...(options.exclude?.length ? { exclude: options.exclude } : {}),
    results,
    summary: summarize(results),
  };
  await lake.writeJsonAtomic(`_runs/${run.startedAt.replace(/[:.]/g, '-')}-test.json`, run);
  const { pass, fail, warn, error } = run.summary;
  const line = `test summary: ${pass} of ${results.length} passed; ${fail} failed, ${warn} warned, ${error} errored (${formatSeconds(run.seconds)})`;
  if (options.json) {
    console.log(JSON.stringify(run, null, 2));
    console.error(line);
  } else {
    console.log(line);
  }
  return run;
}

export function registerTest(program: Command): void {
  program
    .command('test')
    .description(
      "Run the models' tests: generic data tests from the YAML (unique, not_null, accepted_values, relationships, expression_is_true) and singular tests (tests/*.sql) on the built warehouse, and unit tests (unit_tests: in the YAML) on DuckDB over their given rows. Exit code 1 if any fails.",
    )
    .option('-s, --select <selector...>', "run the tests of these models (a test runs if any model it reads is selected)")
    .option('--exclude <selector...>', 'leave these models out')
    .addOption(new Option('--type <kind...>', 'only these kinds of test').choices(['data', 'singular', 'unit']))
    .option('--models <dir>', 'models folder (default: the models that ship with crmlake)')
    .option('--tests <dir>', 'singular tests folder (default: tests/ beside the models folder)')
    .option('--var <name=value...>', 'values for {{ var() }} in singular tests and unit tests')
    .option('--as-of <YYYY-MM-DD>', 'sets var as_of')
    .option('--json', 'print the run as JSON')
    .addHelpText(
      'after',
      `\nFailing tests show up to 5 failing rows. Results are recorded in the lake's _runs/ folder.\n\n${SELECTION_HELP}\n\nExamples:\n  crmlake test\n  crmlake test --select customer_rfm --type unit`,
    )
    .action(async (options: TestCommandOptions, command: Command) => {
      const run = await runTestCommand(lakeFrom(command), options);
      const failed = run.summary.fail + run.summary.error;
      if (failed) throw new Error(`${failed} of ${run.results.length} tests failed`);
    });
}
