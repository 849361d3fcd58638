import type { Lake } from '../lake/lake.js';
import { selectModels } from '../models/select.js';
import { runTests, selectedTests, summarize, type TestKind, type TestResult, type TestRun } from '../models/testing.js';
import { loadFullProject } from './project.js';
import { parseVars, warehouseSettings, type WarehouseSettings } from './settings.js';
import { openWarehouse, withWarehouse } from './warehouse.js';

export interface TestOptions {
  models?: string;
  tests?: string;
  select?: string[];
  exclude?: string[];
  type?: TestKind[];
  var?: string[];
  asOf?: string;
  settings?: WarehouseSettings;
  onResult?: (result: TestResult, index: number, total: number) => void;
}

/** Unit tests need no warehouse: a scratch DuckDB over an empty lake holds their given rows. */
export const openScratchEngine = (scratchLake: Lake) => openWarehouse(scratchLake, { settings: { engine: 'duckdb', athena: {} } });

/** Runs the selected tests of the project on the built warehouse and records the run in `_runs/`. */
export async function runProjectTests(lake: Lake, options: TestOptions = {}): Promise<TestRun> {
  const vars = parseVars(options);
  const project = await loadFullProject(options.models, { testsDir: options.tests });
  const models = new Set(selectModels(project.models, options).map((m) => m.name));
  const selection = { models, kinds: options.type };
  const wanted = selectedTests(project, selection);
  const needsWarehouse = wanted.data.length + wanted.singular.length > 0;
  const started = Date.now();
  const run = async (engine: Parameters<typeof runTests>[0] | undefined) =>
    runTests(engine, project, {
      selection,
      built: engine ? new Set(engine.catalog().map((e) => e.name)) : undefined,
      vars,
      onResult: options.onResult,
      openScratch: openScratchEngine,
    });
  const settings = options.settings ?? warehouseSettings();
  const results = needsWarehouse ? await withWarehouse(lake, run, { settings }) : await run(undefined);
  const testRun: TestRun = {
    engine: settings.engine,
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
    ...(options.select?.length ? { select: options.select } : {}),
    ...(options.exclude?.length ? { exclude: options.exclude } : {}),
    results,
    summary: summarize(results),
  };
  await lake.writeJsonAtomic(`_runs/${testRun.startedAt.replace(/[:.]/g, '-')}-test.json`, testRun);
  return testRun;
}
