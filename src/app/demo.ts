import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { IngestRun } from '../feeds/ingest.js';
import type { Lake } from '../lake/lake.js';
import { generateCompany, type DemoDelivery, type DemoManifest, type DemoOptions } from '../demo/index.js';
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

export interface DemoCompanyOptions extends Omit<DemoOptions, 'out'> {
  /** Keep the generated files in this folder (default: a temporary folder, removed afterwards). */
  filesDir?: string;
  /** Called once the files are written, with the seconds it took. */
  onGenerated?: (manifest: DemoManifest, seconds: number) => void;
  onFeed?: (run: IngestRun, delivery: DemoDelivery) => void;
}

export interface DemoCompanyRun {
  manifest: DemoManifest;
  runs: IngestRun[];
  generateSeconds: number;
  /** The `--var name=value` pairs a build of this lake needs (the demo's per-source settings). */
  buildVars: string[];
}

/**
 * Generates the synthetic demo company (src/demo) and lands every file through the feeds' real
 * ingest, one delivery (feed + mapping) after another. The build that follows needs the
 * manifest's vars (`buildVars`): customer_default_country=CN, which systems write day-first or
 * month-first dates, the reporting currency, which system the web and call ids belong to.
 */
export async function ingestDemoCompany(lake: Lake, options: DemoCompanyOptions = {}): Promise<DemoCompanyRun> {
  const out = options.filesDir ?? (await mkdtemp(path.join(os.tmpdir(), 'crmlake-demo-')));
  try {
    const started = performance.now();
    const manifest = generateCompany({ ...options, out });
    const generateSeconds = (performance.now() - started) / 1000;
    options.onGenerated?.(manifest, generateSeconds);
    const runs: IngestRun[] = [];
    for (const delivery of manifest.deliveries) {
      const run = await ingestPaths(lake, delivery.feed, delivery.paths.map((p) => path.join(out, p)), { mapping: delivery.mapping });
      runs.push(run);
      options.onFeed?.(run, delivery);
    }
    return { manifest, runs, generateSeconds, buildVars: Object.entries(manifest.vars).map(([k, v]) => `${k}=${v}`) };
  } finally {
    if (!options.filesDir) await rm(out, { recursive: true, force: true });
  }
}
