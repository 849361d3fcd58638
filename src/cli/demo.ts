import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runBuild } from '../app/build.js';
import { ingestDatasets, REAL_DATASET_FEEDS, REAL_DATASETS } from '../app/demo.js';
import { runReport } from '../app/report.js';
import type { IngestRun } from '../feeds/ingest.js';
import { formatCount, formatSeconds, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';
import { printReport } from './report.js';

/** One line per feed: files, reconciliation, time. */
function printFeed(run: IngestRun): void {
  const { totals } = run;
  const ok = totals.read === totals.landed + totals.quarantined ? '✓' : '✗ MISMATCH';
  const rejected = run.files.filter((f) => f.outcome === 'rejected').length;
  const unchanged = run.files.filter((f) => f.outcome === 'unchanged').length;
  console.log(
    `  ${run.feed.padEnd(16)} ${String(totals.files).padStart(3)} file${totals.files === 1 ? ' ' : 's'}  read ${formatCount(totals.read).padStart(6)} = landed ${formatCount(totals.landed).padStart(6)} + quarantined ${formatCount(totals.quarantined)}  ${ok}` +
      `${rejected ? `  (${rejected} file(s) rejected)` : ''}${unchanged ? `  (${unchanged} unchanged, already landed)` : ''}  ${formatSeconds(run.seconds)}`,
  );
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole job on real data: ingest the bundled real data sets (POS, calls, web, Olist customers, reviews, orders, items, payments), build the marts, build the report site.',
    )
    .option('--data <dir>', 'a folder in the layout of samples/datasets (every feed), or of POS files only (default: samples/datasets)')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--out <dir>', 'report output folder', 'report')
    .action(async (options: { data?: string; out: string }, command: Command) => {
      const started = performance.now();
      const lake = lakeFrom(command);
      // The hints below must name the lake the demo wrote to, when it is not the default one.
      const given = command.optsWithGlobals<{ lake?: string }>().lake ?? process.env.CRMLAKE_LAKE;
      const lakeOption = given ? ` --lake ${given}` : '';
      const root = options.data ?? REAL_DATASETS;
      const layout = existsSync(path.join(root, REAL_DATASET_FEEDS[0]!.paths[0]!));
      const feeds = layout ? REAL_DATASET_FEEDS : [{ feed: 'pos', paths: ['.'] }];
      console.log(`crmlake demo: lake ${lake.uri}\n\n1/3 ingest ${layout ? 'the real data sets' : 'pos'} from ${path.relative(process.cwd(), root) || root}`);
      const runs = await ingestDatasets(lake, root, feeds, printFeed);
      console.log('\n2/3 build models');
      const settings = settingsFrom(command);
      const build = await runBuild(lake, { settings });
      console.log(`  built ${build.results.length} models in ${formatSeconds(build.seconds)}`);
      console.log('\n3/3 build report');
      const report = await runReport(lake, options.out, { settings });
      printReport(report);
      const landed = runs.reduce((n, r) => n + r.totals.landed, 0);
      const quarantined = runs.reduce((n, r) => n + r.totals.quarantined, 0);
      const marts = build.results.filter((r) => r.rows !== null && r.file.startsWith('marts/')).map((r) => `${r.model} ${formatCount(r.rows!)}`);
      console.log(
        `\ndone in ${formatSeconds((performance.now() - started) / 1000)}: ` +
          `${formatCount(landed)} rows landed in ${runs.length} feed(s), ${formatCount(quarantined)} quarantined.` +
          `\nmarts (rows): ${marts.join(', ')}.` +
          `\nopen the report: npm run crmlake -- serve --dir ${path.relative(process.cwd(), report.out) || '.'}   then browse http://127.0.0.1:8080/` +
          `\nask the marts:   npm run crmlake --${lakeOption} sql "select lifecycle_stage, count(*) as customers from customer_360 group by 1 order by 2 desc"`,
      );
    });
}
