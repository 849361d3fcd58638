import { feedStatus, type FeedStatus } from '../feeds/status.js';
import type { IngestRun } from '../feeds/ingest.js';
import type { Lake } from '../lake/lake.js';
import { latestResults, readBuildRuns } from '../models/docs.js';
import type { TestRun } from '../models/testing.js';

/** What the report's data quality page shows from the lake's run log (`_runs/`). */
export interface LakeRuns {
  feeds: FeedStatus[];
  /** The latest ingest runs, newest first. */
  ingests: { feed: string; mapping: string; started_at: string; seconds: number; files: number; rejected_files: number; read: number; landed: number; quarantined: number }[];
  /** The latest run of every model, with its tests in the last test run. */
  models: {
    model: string;
    file: string;
    materialized: string;
    status: string;
    rows: number | null;
    seconds: number;
    built_at: string;
    error: string | null;
    tests: number;
    tests_failed: number;
  }[];
  last_build: { started_at: string; seconds: number; models: number; failed: number } | null;
  last_test: {
    started_at: string;
    seconds: number;
    total: number;
    pass: number;
    fail: number;
    warn: number;
    error: number;
    failures: { name: string; model: string | null; status: string; failures: number; error: string | null }[];
  } | null;
}

const INGESTS_SHOWN = 30;

/** Reads the lake's run log for the report (works on a folder and on S3 alike). */
export async function lakeRuns(lake: Lake): Promise<LakeRuns> {
  const keys = (await lake.list('_runs/')).sort();
  const ingestKeys = keys.filter((k) => /-ingest-[^/]+\.json$/.test(k)).reverse().slice(0, INGESTS_SHOWN);
  const ingests: LakeRuns['ingests'] = [];
  for (const key of ingestKeys) {
    const run = await lake.readJson<IngestRun>(key);
    if (!run) continue;
    ingests.push({
      feed: run.feed,
      mapping: run.mapping,
      started_at: run.startedAt,
      seconds: run.seconds,
      files: run.files.length,
      rejected_files: run.files.filter((f) => f.outcome === 'rejected').length,
      read: run.totals?.read ?? run.files.reduce((s, f) => s + f.read, 0),
      landed: run.totals?.landed ?? run.files.reduce((s, f) => s + f.landed, 0),
      quarantined: run.totals?.quarantined ?? run.files.reduce((s, f) => s + f.quarantined, 0),
    });
  }
  const builds = await readBuildRuns(lake);
  const testKey = keys.filter((k) => k.endsWith('-test.json')).at(-1);
  const test = testKey ? await lake.readJson<TestRun>(testKey) : undefined;
  const testsOf = (model: string) => test?.results.filter((r) => r.model === model) ?? [];
  const bad = (status: string) => status === 'fail' || status === 'error';
  const models = [...latestResults(builds).values()].map((r) => ({
    model: r.model,
    file: r.file,
    materialized: r.materialized,
    status: r.status,
    rows: r.rows,
    seconds: Math.round(r.seconds * 1000) / 1000,
    built_at: r.at,
    error: r.error ?? null,
    tests: testsOf(r.model).length,
    tests_failed: testsOf(r.model).filter((t) => bad(t.status)).length,
  }));
  const last = builds[0];
  return {
    feeds: await feedStatus(lake),
    ingests,
    models,
    last_build: last
      ? { started_at: last.startedAt, seconds: last.seconds, models: last.results.length, failed: last.results.filter((r) => r.status === 'error').length }
      : null,
    last_test: test
      ? {
          started_at: test.startedAt,
          seconds: test.seconds,
          total: test.results.length,
          ...test.summary,
          failures: test.results
            .filter((r) => r.status !== 'pass')
            .map((r) => ({ name: r.name, model: r.model ?? null, status: r.status, failures: r.failures, error: r.error ?? null })),
        }
      : null,
  };
}
