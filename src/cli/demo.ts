import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { getFeed } from '../feeds/index.js';
import { ingestFiles, type IngestRun } from '../feeds/ingest.js';
import { loadMapping } from '../feeds/mapping.js';
import { expandInputs, type Lake } from '../lake/lake.js';
import { runBuild } from './build.js';
import { formatCount, formatSeconds, lakeFrom } from './context.js';
import { runReport } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The real public data sets bundled with crmlake (samples/README.md: sources and licences). */
export const REAL_DATASETS = path.join(ROOT, 'samples', 'datasets');

/** Which real data set lands in which feed (with the feed's default mapping). */
export const REAL_DATASET_FEEDS: { feed: string; paths: string[] }[] = [
  { feed: 'pos', paths: ['online-retail/by-day'] },
  { feed: 'calls', paths: ['pwc-call-centre/call-center.csv'] },
  { feed: 'web', paths: ['diginetica-clickstream/item-views.csv'] },
  { feed: 'customers', paths: ['olist-sample/olist_customers_dataset.csv'] },
  { feed: 'surveys', paths: ['olist-sample/olist_order_reviews_dataset.csv'] },
  { feed: 'web-orders', paths: ['olist-sample/olist_orders_dataset.csv'] },
  { feed: 'web-order-items', paths: ['olist-sample/olist_order_items_dataset.csv'] },
  { feed: 'web-payments', paths: ['olist-sample/olist_order_payments_dataset.csv'] },
];

/**
 * Ingests data sets into their feeds, one feed after another: the bundled real data sets under `root`
 * by default (REAL_DATASET_FEEDS), or the given feeds. Used by `crmlake demo` and the marts tests.
 */
export async function ingestDatasets(
  lake: Lake,
  root: string = REAL_DATASETS,
  feeds: { feed: string; paths: string[] }[] = REAL_DATASET_FEEDS,
  onFeed?: (run: IngestRun) => void,
): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const { feed: name, paths } of feeds) {
    const feed = getFeed(name);
    const files = await expandInputs(paths.map((p) => path.resolve(root, p)));
    if (files.length === 0) throw new Error(`No files for the ${name} feed in ${paths.join(', ')}`);
    const run = await ingestFiles(lake, files, { feed, mapping: await loadMapping(feed) });
    runs.push(run);
    onFeed?.(run);
  }
  return runs;
}

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
    .option('--out <dir>', 'report output folder', 'report')
    .action(async (options: { data?: string; out: string }, command: Command) => {
      const started = performance.now();
      const lake = lakeFrom(command);
      const root = options.data ?? REAL_DATASETS;
      const layout = existsSync(path.join(root, REAL_DATASET_FEEDS[0]!.paths[0]!));
      const feeds = layout ? REAL_DATASET_FEEDS : [{ feed: 'pos', paths: ['.'] }];
      console.log(`crmlake demo: lake ${lake.uri}\n\n1/3 ingest ${layout ? 'the real data sets' : 'pos'} from ${path.relative(process.cwd(), root) || root}`);
      const runs = await ingestDatasets(lake, root, feeds, printFeed);
      console.log('\n2/3 build models');
      const build = await runBuild(lake, { quiet: true });
      console.log(`  built ${build.results.length} models in ${formatSeconds(build.seconds)}`);
      console.log('\n3/3 build report');
      const report = await runReport(lake, options.out);
      const landed = runs.reduce((n, r) => n + r.totals.landed, 0);
      const quarantined = runs.reduce((n, r) => n + r.totals.quarantined, 0);
      const marts = build.results.filter((r) => r.rows !== null && r.file.startsWith('marts/')).map((r) => `${r.model} ${formatCount(r.rows!)}`);
      console.log(
        `\ndone in ${formatSeconds((performance.now() - started) / 1000)}: ` +
          `${formatCount(landed)} rows landed in ${runs.length} feed(s), ${formatCount(quarantined)} quarantined.` +
          `\nmarts (rows): ${marts.join(', ')}.` +
          `\nopen the report: npm run crmlake -- serve --dir ${path.relative(process.cwd(), report.out) || '.'}   then browse http://127.0.0.1:8080/` +
          `\nask the marts:   npm run crmlake -- sql "select lifecycle_stage, count(*) as customers from customer_360 group by 1 order by 2 desc"`,
      );
    });
}
