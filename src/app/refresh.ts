import type { Lake } from '../lake/lake.js';
import type { ReportResult } from '../report/build.js';
import type { BuildRun } from '../models/runner.js';
import type { TestRun } from '../models/testing.js';
import { runBuild, type BuildOptions } from './build.js';
import { runReport } from './report.js';
import type { WarehouseSettings } from './settings.js';
import { runProjectTests, type TestOptions } from './test.js';

export interface RefreshOptions {
  /** Report output folder. */
  out: string;
  models?: string;
  skipTests?: boolean;
  publishOnTestFailure?: boolean;
  settings?: WarehouseSettings;
  /** Called when a step starts. */
  onStep?: (step: RefreshStep) => void;
  onModel?: BuildOptions['onModel'];
  onTest?: TestOptions['onResult'];
  /** False: build one model at a time (see BuildOptions.concurrent). */
  concurrent?: boolean;
}

export type RefreshStep = 'build models' | 'test models' | 'build report' | 'publish report';

export interface RefreshResult {
  build: BuildRun;
  tests?: TestRun;
  report: ReportResult;
  seconds: number;
}

/** A refresh step that failed: the message names it and says the published report was kept. */
export class RefreshError extends Error {
  constructor(
    readonly step: RefreshStep,
    message: string,
  ) {
    super(message);
  }
}

/** The test step's verdict: throws when tests failed and the report must not be rebuilt on them. */
export function checkTests(tests: TestRun, publishOnTestFailure = false): void {
  const failed = tests.summary.fail + tests.summary.error;
  if (failed > 0 && !publishOnTestFailure) {
    throw new RefreshError(
      'test models',
      `refresh stopped: ${failed} model test(s) failed, so the report was not rebuilt. Fix the data or the models, or pass --publish-on-test-failure.`,
    );
  }
}

/** The report step's verdict: a site with data files that failed is published, but the job must not pass. */
export function checkReport(report: ReportResult): void {
  if (report.warnings.length > 0) {
    throw new RefreshError(
      'build report',
      `refresh: the report was built, but ${report.warnings.length} of its data file(s) failed, so parts of it are empty:\n  ${report.warnings.join('\n  ')}`,
    );
  }
}

/**
 * Runs one refresh step: any failure becomes a RefreshError naming the step. The cloud's state
 * machine runs the steps one by one (lambdas/refresh.ts), each through this, so its failures read
 * like the local `crmlake refresh`'s.
 */
export async function refreshStep<T>(name: RefreshStep, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RefreshError) throw error;
    throw new RefreshError(name, `refresh failed at "${name}": ${(error as Error).message}. The published report was left as it was.`);
  }
}

/**
 * The scheduled job: build the models, test them, rebuild the report. A failing step stops the
 * job with the step named; the published report is replaced only at the end (atomically), so
 * readers keep the last good site rather than one built on data that failed its tests. In AWS the
 * same steps run one by one in a state machine (lambdas/refresh.ts), each a call into src/app.
 */
export async function runRefresh(lake: Lake, options: RefreshOptions): Promise<RefreshResult> {
  const started = performance.now();
  const step = <T>(name: RefreshStep, work: () => Promise<T>): Promise<T> => {
    options.onStep?.(name);
    return refreshStep(name, work);
  };
  const build = await step('build models', () => runBuild(lake, { models: options.models, settings: options.settings, onModel: options.onModel, concurrent: options.concurrent }));
  let tests: TestRun | undefined;
  if (!options.skipTests) {
    tests = await step('test models', () => runProjectTests(lake, { models: options.models, settings: options.settings, onResult: options.onTest }));
    checkTests(tests, options.publishOnTestFailure);
  }
  const report = await step('build report', () => runReport(lake, options.out, { settings: options.settings }));
  checkReport(report);
  return { build, tests, report, seconds: (performance.now() - started) / 1000 };
}
