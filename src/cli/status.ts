import type { Command } from 'commander';
import { lakeStatus } from '../app/status.js';
import { formatBytes, formatCount, formatSeconds, formatTable, lakeFrom } from './context.js';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('What the lake holds: per feed files, rows, quarantined rows, latest business date, last ingest; the last build.')
    .option('--json', 'print as JSON')
    .action(async (options: { json?: boolean }, command: Command) => {
      const { lake, feeds, lastBuild, models, lastTest } = await lakeStatus(lakeFrom(command));
      if (options.json) {
        const testSummary = lastTest ? { startedAt: lastTest.startedAt, summary: lastTest.summary, failed: lastTest.results.filter((r) => r.status === 'fail' || r.status === 'error').map((r) => r.name) } : null;
        console.log(JSON.stringify({ lake, feeds, lastBuild, models, lastTest: testSummary }, null, 2));
        return;
      }
      console.log(`lake ${lake}\n`);
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
      const scanned = lastBuild.bytesScanned !== undefined ? `, ${formatBytes(lastBuild.bytesScanned)} scanned` : '';
      const outcome = lastBuild.committed === false ? ' — FAILED, not committed (the warehouse is the build before)' : '';
      console.log(`\nlast build ${lastBuild.startedAt.replace('T', ' ').slice(0, 19)} on ${lastBuild.engine}, ${formatSeconds(lastBuild.seconds)}${scanned}${lastBuild.select ? ` (--select ${lastBuild.select.join(' ')})` : ''}${outcome}; latest run of each model:`);
      console.log(
        formatTable(
          ['model', 'status', 'rows', 'seconds', ...(models.some((r) => r.bytesScanned !== undefined) ? ['scanned'] : []), 'engine', 'built at'],
          models.map((r) => ({
            model: r.model,
            status: r.status,
            rows: r.rows === null ? '' : formatCount(r.rows),
            seconds: r.seconds.toFixed(2),
            scanned: r.bytesScanned === undefined ? '' : formatBytes(r.bytesScanned),
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
