import type { Command } from 'commander';
import { feedStatus } from '../feeds/status.js';
import type { BuildRun } from '../models/runner.js';
import { latestResults, readBuildRuns } from '../models/docs.js';
import type { TestRun } from '../models/testing.js';
import { formatCount, formatSeconds, formatTable, lakeFrom } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('What the lake holds: per feed files, rows, quarantined rows, latest business date, last ingest; the last build.')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const lake = lakeFrom(command);
      const feeds = await feedStatus(lake);
      const runs = (await lake.list('_runs/')).filter((key) => key.endsWith('-build.json'));
      const lastBuild = runs.length ? await lake.readJson<BuildRun>(runs.at(-1)!) : undefined;
      // The latest result of every model (a build with --select runs only some) and the last test run.
      const models = [...latestResults(await readBuildRuns(lake)).values()];
      const tests = (await lake.list('_runs/')).filter((key) => key.endsWith('-test.json')).sort();
      const lastTest = tests.length ? await lake.readJson<TestRun>(tests.at(-1)!) : undefined;
      if (options.json) {
        const testSummary = lastTest ? { startedAt: lastTest.startedAt, summary: lastTest.summary, failed: lastTest.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.name) } : null;
        console.log(JSON.stringify({ lake: lake.uri, feeds, lastBuild: lastBuild ?? null, models, lastTest: testSummary }, null, 2));
        return;
      }
      console.log(`lake ${lake.uri}\n`);
      console.log(
        formatTable(
          ['feed', 'files', 'rejected files', 'rows read', 'landed', 'quarantined', 'latest business date', 'last ingest'],
          feeds.map((f) => ({
            feed: f.feed,
            files: formatCount(f.files),
            'rejected files': formatCount(f.rejectedFiles),
            'rows read': formatCount(f.rowsRead),
            landed: formatCount(f.rowsLanded),
            quarantined: formatCount(f.rowsQuarantined),
            'latest business date': f.latestBusinessDate ?? '',
            'last ingest': f.lastIngest?.replace('T', ' ').slice(0, 19) ?? '',
          })),
        ),
      );
      if (!lastBuild) {
        console.log('\nno build yet: run `crmlake build`');
        return;
      }
      console.log(`\nlast build ${lastBuild.startedAt.replace('T', ' ').slice(0, 19)} on ${lastBuild.engine}, ${formatSeconds(lastBuild.seconds)}${lastBuild.select ? ` (--select ${lastBuild.select.join(' ')})` : ''}; latest run of each model:`);
      console.log(
        formatTable(
          ['model', 'status', 'rows', 'seconds', 'engine', 'built at'],
          models.map((r) => ({
            model: r.model,
            status: r.status,
            rows: r.rows === null ? '' : formatCount(r.rows),
            seconds: r.seconds.toFixed(2),
            engine: r.engine,
            'built at': r.at.replace('T', ' ').slice(0, 19),
          })),
        ),
      );
      if (lastTest) {
        const { pass, fail, warn, error } = lastTest.summary;
        console.log(`\nlast test ${lastTest.startedAt.replace('T', ' ').slice(0, 19)}: ${pass} of ${lastTest.results.length} passed; ${fail} failed, ${warn} warned, ${error} errored`);
      }
    });
}
