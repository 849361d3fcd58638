import path from 'node:path';
import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { ingestPaths } from '../app/ingest.js';
import { FEEDS } from '../feeds/index.js';
import type { IngestRun } from '../feeds/ingest.js';
import type { Lake } from '../lake/lake.js';
import { formatCount, formatSeconds, formatTable, lakeFrom } from './context.js';

export interface IngestCommandOptions {
  mapping?: string;
  source?: string;
  dates?: string;
  workers?: string;
}

/** Ingests files or folders into one feed, with a progress bar on a terminal, and prints the reconciliation. */
export async function runIngest(lake: Lake, feedName: string, inputs: string[], options: IngestCommandOptions = {}): Promise<IngestRun> {
  let bar: cliProgress.SingleBar | undefined;
  const run = await ingestPaths(lake, feedName, inputs, {
    ...options,
    onFiles: (files) => {
      if (!process.stderr.isTTY || files.length < 2) return;
      bar = new cliProgress.SingleBar({ format: `ingest ${feedName} [{bar}] {value}/{total} files  {file}`, hideCursor: true }, cliProgress.Presets.shades_classic);
      bar.start(files.length, 0, { file: '' });
    },
    onFile: (done, _total, file) => bar?.update(done, { file: path.basename(file) }),
  });
  bar?.stop();
  printReconciliation(run, lake);
  return run;
}

export function printReconciliation(run: IngestRun, lake: Lake): void {
  const rows = run.files.map((f) => ({
    file: f.deliveryKey,
    outcome: f.outcome,
    read: f.read,
    landed: f.landed,
    quarantined: f.quarantined,
    dates: f.businessDates ? (f.businessDates.min === f.businessDates.max ? f.businessDates.min : `${f.businessDates.min}..${f.businessDates.max}`) : '',
  }));
  console.log(formatTable(['file', 'outcome', 'read', 'landed', 'quarantined', 'dates'], rows));
  const { totals } = run;
  const unchanged = run.files.filter((f) => f.outcome === 'unchanged').length;
  const rejected = run.files.filter((f) => f.outcome === 'rejected').length;
  const balance =
    `read ${formatCount(totals.read)} = landed ${formatCount(totals.landed)} + quarantined ${formatCount(totals.quarantined)}` +
    (totals.read === totals.landed + totals.quarantined ? '  ✓' : '  ✗ MISMATCH');
  // A file rejected whole has no rows read: "read 0 = 0 + 0 ✓" alone would call that a success.
  const reconciliation =
    rejected && totals.read === 0
      ? `no rows read: ${rejected} file(s) rejected whole  ✗ (originals kept in raw/; reasons below)`
      : rejected
        ? `${balance}; ${rejected} more file(s) rejected whole, no rows read from them  ✗ (reasons below)`
        : balance;
  console.log(
    `\n${run.feed}: ${formatCount(totals.files)} file(s) with mapping ${run.mapping} in ${formatSeconds(run.seconds)}` +
      (unchanged ? ` (${unchanged} unchanged, already landed)` : '') +
      `\nreconciliation: ${reconciliation}`,
  );
  const reasons = new Map<string, number>();
  for (const f of run.files) for (const r of f.topReasons) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + r.rows);
  for (const f of run.files.filter((x) => x.outcome === 'rejected')) console.log(`rejected file ${f.deliveryKey}: ${f.reason}`);
  for (const s of run.skipped) console.log(`skipped ${s.path}: ${s.reason}`);
  if (reasons.size > 0) {
    console.log('quarantine reasons:');
    for (const [reason, count] of [...reasons].sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${formatCount(count).padStart(7)}  ${reason}`);
    console.log(`quarantined rows: ${lake.isLocal ? path.relative(process.cwd(), `${lake.uri}/quarantine/${run.feed}`) : `${lake.uri}/quarantine/${run.feed}`} (or: crmlake sql 'select * from quarantine."${run.feed}"')`);
  }
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Land files of a feed in the lake: keep the originals, validate every row, quarantine rejects, print a reconciliation.')
    .addArgument(new Command().createArgument('<feed>', 'feed to ingest').choices(Object.keys(FEEDS)))
    .argument('<paths...>', 'files or folders (folders are read recursively)')
    .option('--mapping <name|file>', 'built-in mapping name or a mapping YAML/JSON file (default: the feed\'s built-in mapping)')
    .option('--dates <from..to>', 'plausible business dates; rows outside are quarantined (default 2000-01-01..tomorrow, or $CRMLAKE_DATE_WINDOW)')
    .option('--workers <n>', 'files landed at once, each with its own DuckDB session and $CRMLAKE_INGEST_MEMORY (default $CRMLAKE_INGEST_WORKERS, or 2)')
    .addOption(new Option('--source <name>', 'source system the files come from; with the file name it identifies a delivery (default: the mapping name)'))
    .addHelpText(
      'after',
      `
A delivery is identified by source + the file's path within the folder given (store-12/day.csv
and store-13/day.csv are two deliveries); symbolic links and hidden files are skipped and listed. The same content delivered again is skipped;
different content under the same name replaces the earlier rows (a corrected re-delivery).

Examples:
  crmlake ingest pos samples/datasets/online-retail/by-day/
  crmlake ingest pos exports/2024-05-01.csv --mapping ./my-store-mapping.yaml --source store-12`,
    )
    .action(async (feed: string, paths: string[], options: IngestCommandOptions, command: Command) => {
      const run = await runIngest(lakeFrom(command), feed, paths, options);
      if (run.files.some((f) => f.outcome === 'rejected')) process.exitCode = 2;
    });
}
