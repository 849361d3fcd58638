import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runBuild } from '../app/build.js';
import {
  DEMO_AUDIENCE,
  DEMO_CAMPAIGN_LEAD_DAYS,
  demoAudienceLift,
  ingestDatasets,
  ingestDemoCompany,
  REAL_DATASET_FEEDS,
  REAL_DATASETS,
  runDemoCampaign,
  type DemoCampaignRun,
} from '../app/demo.js';
import { DEFAULT_CUSTOMERS, DEFAULT_DAYS } from '../demo/index.js';
import { runReport } from '../app/report.js';
import type { IngestRun } from '../feeds/ingest.js';
import { formatCount, formatSeconds, lakeFrom, settingsFrom, ENGINE_OPTION_HELP } from './context.js';
import { printReport } from './report.js';

/** One line per feed: files, reconciliation, time. */
function printFeed(run: IngestRun, mapping?: string, expectedRejects?: number): void {
  const { totals } = run;
  const ok = totals.read === totals.landed + totals.quarantined ? '✓' : '✗ MISMATCH';
  const rejected = run.files.filter((f) => f.outcome === 'rejected').length;
  const unchanged = run.files.filter((f) => f.outcome === 'unchanged').length;
  const expected = expectedRejects === undefined || unchanged ? '' : totals.quarantined === expectedRejects ? ' (as injected)' : ` (${expectedRejects} injected!)`;
  console.log(
    `  ${(mapping ? `${run.feed} ${mapping}` : run.feed).padEnd(mapping ? 40 : 16)} ${String(totals.files).padStart(3)} file${totals.files === 1 ? ' ' : 's'}  read ${formatCount(totals.read).padStart(6)} = landed ${formatCount(totals.landed).padStart(6)} + quarantined ${formatCount(totals.quarantined)}${expected}  ${ok}` +
      `${rejected ? `  (${rejected} file(s) rejected)` : ''}${unchanged ? `  (${unchanged} unchanged, already landed)` : ''}  ${formatSeconds(run.seconds)}`,
  );
}

const money = (x: number | null) => (x === null ? 'n/a' : `¥${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const percent = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)}%`);

/** One export's measurement in a few lines: response, lift with its interval, ROI with its interval, the verdict. */
function formatLift(l: Record<string, unknown>): string {
  const n = (key: string) => (l[key] === null || l[key] === undefined ? null : Number(l[key]));
  return (
    `audience_lift ${l.audience} (${l.window_start} to ${l.window_end}${l.window_complete ? '' : ', window still open'}): ` +
    `response ${percent(n('target_response_rate'))} of ${formatCount(n('target_customers')!)} targets vs ${percent(n('control_response_rate'))} of ${formatCount(n('control_customers')!)} controls` +
    `\n    lift ${money(n('lift_per_customer'))} per customer (95% CI ${money(n('lift_per_customer_low'))} to ${money(n('lift_per_customer_high'))}), ` +
    `incremental revenue ${money(n('incremental_revenue'))} (${money(n('incremental_revenue_low'))} to ${money(n('incremental_revenue_high'))}), cost ${money(n('cost'))}` +
    `\n    ROI ${percent(n('roi'))} (95% CI ${percent(n('roi_low'))} to ${percent(n('roi_high'))}): ${l.lift_verdict}` +
    (n('detectable_lift_per_customer') === null ? '' : `\n    these groups could show a lift of ${money(n('detectable_lift_per_customer'))} per customer or more (80% power)`)
  );
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not "${value}"`);
  return n;
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      `The whole job on a demo company: generate Lotus & Leaf (a SYNTHETIC tea and home-goods chain: stores in nine Chinese cities, a web shop, a call centre; 24 months ending yesterday), land it through the real feeds and mappings, export the audience ${DEMO_AUDIENCE} as of the campaign start and land the targets' responses, build the marts (the campaign's lift in audience_lift), build the report site. --real or --data lands real public data sets instead (no campaign).`,
    )
    .option('--scale <customers>', `customers (people) in the generated company (default ${DEFAULT_CUSTOMERS.toLocaleString('en-US')})`, positiveInt('--scale'))
    .option('--days <days>', `days of history ending yesterday (default ${DEFAULT_DAYS})`, positiveInt('--days'))
    .option('--seed <n>', 'random seed: the same seed writes the same company (default 1)', positiveInt('--seed'))
    .option('--end <date>', 'last day of the history, YYYY-MM-DD (default: yesterday)')
    .option('--keep-files <dir>', 'keep the generated files in this folder (default: a temporary folder, removed)')
    .option('--campaign-start <date>', `first day of the ${DEMO_AUDIENCE} campaign's response window, YYYY-MM-DD (default: ${DEMO_CAMPAIGN_LEAD_DAYS} days before the end)`)
    .option('--exports <dir>', "folder for the campaign's vendor file", 'exports')
    .option('--real', 'land the bundled real public data sets (samples/datasets) instead of the generated company')
    .option('--data <dir>', 'land real data from a folder in the layout of samples/datasets (every feed), or of POS files only')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--out <dir>', 'report output folder', 'report')
    .action(
      async (
        options: {
          data?: string;
          real?: boolean;
          out: string;
          scale?: number;
          days?: number;
          seed?: number;
          end?: string;
          keepFiles?: string;
          campaignStart?: string;
          exports: string;
        },
        command: Command,
      ) => {
        const started = performance.now();
        const lake = lakeFrom(command);
        // The hints below must name the lake the demo wrote to, when it is not the default one.
        const given = command.optsWithGlobals<{ lake?: string }>().lake ?? process.env.CRMLAKE_LAKE;
        const lakeOption = given ? ` --lake ${given}` : '';
        let runs: IngestRun[];
        let buildVars: string[] = [];
        let campaign: DemoCampaignRun | undefined;
        const settings = settingsFrom(command);
        console.log(`crmlake demo: lake ${lake.uri}\n`);
        const real = Boolean(options.real || options.data);
        const steps = real ? 3 : 5;
        if (real) {
          const root = options.data ?? REAL_DATASETS;
          const layout = existsSync(path.join(root, REAL_DATASET_FEEDS[0]!.paths[0]!));
          const feeds = layout ? REAL_DATASET_FEEDS : [{ feed: 'pos', paths: ['.'] }];
          console.log(`1/${steps} ingest ${layout ? 'the real data sets' : 'pos'} from ${path.relative(process.cwd(), root) || root}`);
          runs = await ingestDatasets(lake, root, feeds, printFeed);
        } else {
          const demo = await ingestDemoCompany(lake, {
            customers: options.scale,
            days: options.days,
            seed: options.seed,
            end: options.end,
            filesDir: options.keepFiles,
            onGenerated: (m, seconds) => {
              const rows = m.deliveries.reduce((n, d) => n + d.rows, 0);
              console.log(
                `1/${steps} generate ${m.company}: ${formatCount(m.customers)} customers, ${m.start} to ${m.end}, seed ${m.seed}: ` +
                  `${formatCount(rows)} rows in ${m.deliveries.reduce((n, d) => n + d.paths.length, 0)} files, ${formatSeconds(seconds)}` +
                  `${options.keepFiles ? ` (kept in ${options.keepFiles})` : ''}\n    ingest through the feeds (rows wrong on purpose are quarantined)`,
              );
            },
            onFeed: (run, delivery) => printFeed(run, delivery.mapping, delivery.injectedRejects),
          });
          runs = demo.runs;
          buildVars = demo.buildVars;
          campaign = await runDemoCampaign(lake, demo, {
            start: options.campaignStart,
            out: options.exports,
            filesDir: options.keepFiles,
            settings,
            onBuilt: (build, asOf) => {
              console.log(`\n2/${steps} campaign: export ${DEMO_AUDIENCE} as of ${asOf}`);
              console.log(`  built the ${build.results.length} models the export reads as of ${asOf} in ${formatSeconds(build.seconds)}`);
            },
            onExported: ({ manifest, result }) => {
              const excluded = Object.entries(manifest.excluded).filter(([, n]) => n > 0);
              const segment = manifest.target + manifest.control + Object.values(manifest.excluded).reduce((a, b) => a + b, 0);
              console.log(
                `  ${formatCount(segment)} in the segment, ${excluded.length ? `excluded ${excluded.map(([r, n]) => `${r.replace(/_/g, ' ')} ${formatCount(n)}`).join(', ')}` : 'none excluded'}` +
                  `\n  target ${formatCount(manifest.target)}, control ${formatCount(manifest.control)}; window ${manifest.window_start} to ${manifest.window_end}` +
                  (result?.vendorFile
                    ? `\n  vendor file ${path.relative(process.cwd(), result.vendorFile) || result.vendorFile} (${formatCount(result.vendorRows)} rows), recorded as ${manifest.export_id}`
                    : `\n  already recorded as ${manifest.export_id} (an earlier run): not exported again`),
              );
            },
            onResponse: (r, records) =>
              console.log(
                `\n3/${steps} responses: ${formatCount(r.targets)} targets found in the company (${formatCount(records)} source records); ` +
                  `the offer brought ${formatCount(r.orders)} more order${r.orders === 1 ? '' : 's'} in the window (${formatCount(r.storeOrders)} in stores, ${formatCount(r.webOrders)} on the web), the control group bought as usual` +
                  `\n    re-deliver the window's files with them through the feeds (a corrected delivery replaces the earlier one)`,
              ),
            onFeed: (run, delivery) => printFeed(run, delivery.mapping),
          });
          if (campaign.skipped) console.log(`  not exported: ${campaign.skipped}\n\n3/${steps} responses: none (nobody was sent the offer)`);
        }
        console.log(`\n${real ? 2 : 4}/${steps} build models`);
        const build = await runBuild(lake, { settings, var: buildVars });
        console.log(`  built ${build.results.length} models in ${formatSeconds(build.seconds)}`);
        const exportId = campaign?.exported?.manifest.export_id;
        const lift = exportId ? await demoAudienceLift(lake, exportId, settings) : undefined;
        if (lift) console.log(`  ${formatLift(lift)}`);
        console.log(`\n${real ? 3 : 5}/${steps} build report`);
        const report = await runReport(lake, options.out, { settings });
        printReport(report);
        const redelivered = campaign?.runs ?? [];
        const landed = runs.reduce((n, r) => n + r.totals.landed, 0);
        const quarantined = runs.reduce((n, r) => n + r.totals.quarantined, 0);
        const marts = build.results.filter((r) => r.rows !== null && r.file.startsWith('marts/')).map((r) => `${r.model} ${formatCount(r.rows!)}`);
        const varOptions = buildVars.map((v) => ` --var "${v}"`).join('');
        console.log(
          `\ndone in ${formatSeconds((performance.now() - started) / 1000)}: ` +
            `${formatCount(landed)} rows landed in ${runs.length} deliveries, ${formatCount(quarantined)} quarantined.` +
            (redelivered.length
              ? ` The campaign re-delivered ${redelivered.reduce((n, r) => n + r.files.length, 0)} of those files with its response orders (${formatCount(redelivered.reduce((n, r) => n + r.totals.read, 0))} rows, replacing their first delivery).`
              : '') +
            (lift ? `\ncampaign ${DEMO_AUDIENCE}: the report's Campaign ROI page, "Audiences: measured lift".` : '') +
            `\nmarts (rows): ${marts.join(', ')}.` +
            `\nopen the report: npm run crmlake -- serve --dir ${path.relative(process.cwd(), report.out) || '.'}   then browse http://127.0.0.1:8080/` +
            `\nask the marts:   npm run crmlake --${lakeOption} sql "select lifecycle_stage, count(*) as customers from customer_360 group by 1 order by 2 desc"` +
            (varOptions ? `\nrebuild later:   npm run crmlake --${lakeOption} build${varOptions}` : ''),
        );
      },
    );
}
