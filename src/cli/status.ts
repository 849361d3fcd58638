import type { Command } from 'commander';
import { feedStatus } from '../feeds/status.js';
import type { BuildRun } from '../models/runner.js';
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
      if (options.json) {
        console.log(JSON.stringify({ lake: lake.uri, feeds, lastBuild: lastBuild ?? null }, null, 2));
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
      console.log(`\nlast build ${lastBuild.startedAt.replace('T', ' ').slice(0, 19)} on ${lastBuild.engine}, ${formatSeconds(lastBuild.seconds)}:`);
      console.log(
        formatTable(
          ['model', 'status', 'rows', 'seconds'],
          lastBuild.results.map((r) => ({ model: r.model, status: r.status, rows: r.rows === null ? '' : formatCount(r.rows), seconds: r.seconds.toFixed(2) })),
        ),
      );
    });
}
