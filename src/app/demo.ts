import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestRun } from '../feeds/ingest.js';
import type { Lake } from '../lake/lake.js';
import { ingestPaths } from './ingest.js';

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
 * Ingests data sets into their feeds, one feed after another: the bundled real data sets under
 * `root` by default, or the given feeds (paths relative to `root`, each with its mapping).
 */
export async function ingestDatasets(
  lake: Lake,
  root: string = REAL_DATASETS,
  feeds: { feed: string; paths: string[]; mapping?: string; source?: string }[] = REAL_DATASET_FEEDS,
  onFeed?: (run: IngestRun) => void,
): Promise<IngestRun[]> {
  const runs: IngestRun[] = [];
  for (const { feed, paths, mapping, source } of feeds) {
    const run = await ingestPaths(lake, feed, paths.map((p) => path.resolve(root, p)), { mapping, source });
    runs.push(run);
    onFeed?.(run);
  }
  return runs;
}
