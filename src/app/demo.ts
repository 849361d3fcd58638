import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXPORTS_FEED, exportIdOf, listExports, MEMBERS_TABLE, type ExportManifest } from '../audiences/records.js';
import { addDays, EXPORT_MODELS } from '../audiences/select.js';
import { generateCompany, type DemoDelivery, type DemoManifest, type DemoOptions } from '../demo/index.js';
import { sqlString } from '../engine/sql.js';
import type { IngestRun } from '../feeds/ingest.js';
import type { Lake } from '../lake/lake.js';
import { exportAudience, type ExportResult } from './audiences.js';
import type { BuildRun } from '../models/runner.js';
import { runBuild } from './build.js';
import { ingestPaths } from './ingest.js';
import type { WarehouseSettings } from './settings.js';
import { withWarehouse } from './warehouse.js';

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

/** The audience the demo exports and measures (audiences/win-back-at-risk.yml). */
export const DEMO_AUDIENCE = 'win-back-at-risk';
/** The demo's campaign starts this many days before the last day of the data: its 30-day window closes in the data. */
export const DEMO_CAMPAIGN_LEAD_DAYS = 35;

export interface DemoCampaignOptions {
  /** First day of the response window, YYYY-MM-DD (default: DEMO_CAMPAIGN_LEAD_DAYS days before the data ends). */
  start?: string;
  /** Audience name (default win-back-at-risk) and folder (default the shipped audiences/). */
  audience?: string;
  dir?: string;
  /** Folder for the vendor file (default ./exports). */
  out?: string;
  /** Chance a target places one more order in the window (default: the generator's, 0.1). */
  uplift?: number;
  /** Keep the regenerated files here (default: a temporary folder, removed afterwards). */
  filesDir?: string;
  settings?: WarehouseSettings;
  /** Called after the build of the marts as of the start, after the export, after each re-delivery. */
  onBuilt?: (build: BuildRun, asOf: string) => void;
  onExported?: (exported: DemoExport) => void;
  /** Called when the generator has answered for the targets, before the changed files are re-delivered. */
  onResponse?: (response: NonNullable<DemoManifest['audienceResponse']>, targetRecords: number) => void;
  onFeed?: (run: IngestRun, delivery: DemoDelivery) => void;
}

/** The demo's export: made by this run (`result`), or found already recorded in the lake by an earlier run. */
export interface DemoExport {
  manifest: ExportManifest;
  result?: ExportResult;
}

export interface DemoCampaignRun {
  start: string;
  /** Absent when nobody was left to send to (`skipped` says why): then nothing was exported or landed. */
  exported?: DemoExport;
  skipped?: string;
  /** Source records of the target group (what the generator answers for). */
  targetRecords: number;
  response?: NonNullable<DemoManifest['audienceResponse']>;
  runs: IngestRun[];
}

/**
 * Closes the CRM loop on the demo company, through the code a marketer's run goes through:
 *  1. builds the marts the export reads as of the campaign start (`as_of`), as they were that day;
 *  2. exports the audience (`exportAudience`, the code of `crmlake audience export`) with that
 *     start: the vendor file of the target group and the record of target and control in the lake;
 *  3. regenerates the company with the targets' responses (each target places one more order in
 *     the window with the generator's chance, the control group buys as it would have) and lands
 *     the re-delivered monthly files through the feeds.
 * The build that follows measures the campaign in audience_lift. The export's clock is the start
 * day (09:00 in China), so its id is the same on every run: a second run on the same lake finds it
 * recorded and reuses it, and the demo stays idempotent.
 */
export async function runDemoCampaign(lake: Lake, demo: DemoCompanyRun, options: DemoCampaignOptions = {}): Promise<DemoCampaignRun> {
  const m = demo.manifest;
  const name = options.audience ?? DEMO_AUDIENCE;
  const start = options.start ?? addDays(m.end, -DEMO_CAMPAIGN_LEAD_DAYS);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(start) || Number.isNaN(Date.parse(start))) throw new Error(`the campaign start must be a date YYYY-MM-DD, not "${start}"`);
  if (start <= m.start || start > m.end) throw new Error(`the campaign start ${start} must fall after the first day of the data (${m.start}) and by its last (${m.end})`);
  const build = await runBuild(lake, { settings: options.settings, var: [...demo.buildVars, `as_of=${start}`], select: EXPORT_MODELS.map((model) => `+${model}`) });
  options.onBuilt?.(build, start);

  const now = new Date(`${start}T01:00:00Z`);
  const exportId = exportIdOf(name, now);
  let exported: DemoExport;
  const recorded = (await listExports(lake)).find((e) => e.export_id === exportId);
  if (recorded) exported = { manifest: recorded };
  else {
    let result: ExportResult;
    try {
      result = await exportAudience(lake, name, { dir: options.dir, out: options.out, start, var: demo.buildVars, settings: options.settings, now });
    } catch (error) {
      // A company too small to leave anyone to send to skips the campaign instead of failing the demo.
      const message = (error as Error).message;
      if (!/nobody to send to/.test(message)) throw error;
      return { start, skipped: message.replace(/^[^:]*: /, ''), targetRecords: 0, runs: [] };
    }
    exported = { manifest: result.manifest!, result };
  }
  options.onExported?.(exported);

  // The target group's source records (card numbers, web accounts, …), read back from the record in the lake.
  const targets = await withWarehouse(
    lake,
    async (engine) =>
      (
        await engine.query(
          `select distinct keys.source_system, keys.source_customer_id
           from ${engine.sourceRelation(EXPORTS_FEED, MEMBERS_TABLE)} as members
           inner join ${engine.modelRelation('int_customer_keys')} as keys on keys.customer_key = members.customer_key
           where members.export_id = ${sqlString(exportId)} and not members.is_control
           order by 1, 2`,
        )
      ).rows.map((r) => `${r.source_system}:${r.source_customer_id}`),
    { settings: options.settings },
  );

  const out = options.filesDir ?? (await mkdtemp(path.join(os.tmpdir(), 'crmlake-demo-')));
  try {
    const again = generateCompany({
      out,
      customers: m.customers,
      days: m.days,
      end: m.end,
      seed: m.seed,
      controlShare: m.controlShare,
      audienceResponse: { start, end: exported.manifest.window_end, targets, uplift: options.uplift },
    });
    const response = again.audienceResponse!;
    options.onResponse?.(response, targets.length);
    // Only the window's monthly files changed: re-deliver those (a corrected delivery replaces the old one).
    const changed = new Set(response.files);
    const runs: IngestRun[] = [];
    for (const delivery of again.deliveries) {
      const paths = delivery.paths.filter((p) => changed.has(p));
      if (!paths.length) continue;
      const run = await ingestPaths(lake, delivery.feed, paths.map((p) => path.join(out, p)), { mapping: delivery.mapping });
      runs.push(run);
      options.onFeed?.(run, delivery);
    }
    return { start, exported, targetRecords: targets.length, response, runs };
  } finally {
    if (!options.filesDir) await rm(out, { recursive: true, force: true });
  }
}

/** The audience_lift row of one export, after a build (undefined when the mart does not have it). */
export async function demoAudienceLift(lake: Lake, exportId: string, settings?: WarehouseSettings): Promise<Record<string, unknown> | undefined> {
  return withWarehouse(
    lake,
    async (engine) => (await engine.query(`select * from ${engine.modelRelation('audience_lift')} where export_id = ${sqlString(exportId)}`)).rows[0],
    { settings, readOnly: true, reads: ['audience_lift'] },
  );
}
