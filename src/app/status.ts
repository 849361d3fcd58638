import { feedStatus, type FeedStatus } from '../feeds/status.js';
import type { Lake } from '../lake/lake.js';
import { latestResults, readBuildRuns } from '../models/docs.js';
import type { BuildRun, ModelRunResult } from '../models/runner.js';
import type { TestRun } from '../models/testing.js';

export interface LakeStatus {
  lake: string;
  feeds: FeedStatus[];
  lastBuild: BuildRun | null;
  /** The latest result of every model (a build with --select runs only some). */
  models: (ModelRunResult & { engine: string; at: string })[];
  lastTest: TestRun | null;
}

/** What the lake holds: per feed, from the manifests; the last build and each model's last run; the last test run. */
export async function lakeStatus(lake: Lake): Promise<LakeStatus> {
  const runs = (await lake.list('_runs/')).sort();
  const builds = runs.filter((key) => key.endsWith('-build.json'));
  const tests = runs.filter((key) => key.endsWith('-test.json'));
  return {
    lake: lake.uri,
    feeds: await feedStatus(lake),
    lastBuild: builds.length ? ((await lake.readJson<BuildRun>(builds.at(-1)!)) ?? null) : null,
    models: [...latestResults(await readBuildRuns(lake)).values()],
    lastTest: tests.length ? ((await lake.readJson<TestRun>(tests.at(-1)!)) ?? null) : null,
  };
}
