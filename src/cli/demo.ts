import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { runBuild } from '../app/build.js';
import { ingestDatasets, ingestDemoCompany, REAL_DATASET_FEEDS, REAL_DATASETS } from '../app/demo.js';
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

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value.replace(/[_,]/g, ''));
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive whole number, not "${value}"`);
  return n;
};

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description(
      'The whole job on a demo company: generate Lotus & Leaf (a SYNTHETIC tea and home-goods chain: stores in nine Chinese cities, a web shop, a call centre; 24 months ending yesterday), land it through the real feeds and mappings, build the marts, build the report site. --real or --data lands real public data sets instead.',
    )
    .option('--scale <customers>', `customers (people) in the generated company (default ${DEFAULT_CUSTOMERS.toLocaleString('en-US')})`, positiveInt('--scale'))
    .option('--days <days>', `days of history ending yesterday (default ${DEFAULT_DAYS})`, positiveInt('--days'))
    .option('--seed <n>', 'random seed: the same seed writes the same company (default 1)', positiveInt('--seed'))
    .option('--end <date>', 'last day of the history, YYYY-MM-DD (default: yesterday)')
    .option('--keep-files <dir>', 'keep the generated files in this folder (default: a temporary folder, removed)')
    .option('--real', 'land the bundled real public data sets (samples/datasets) instead of the generated company')
    .option('--data <dir>', 'land real data from a folder in the layout of samples/datasets (every feed), or of POS files only')
    .option('--engine <engine>', ENGINE_OPTION_HELP)
    .option('--out <dir>', 'report output folder', 'report')
    .action(
      async (
        options: { data?: string; real?: boolean; out: string; scale?: number; days?: number; seed?: number; end?: string; keepFiles?: string },
        command: Command,
      ) => {
        const started = performance.now();
        const lake = lakeFrom(command);
        // The hints below must name the lake the demo wrote to, when it is not the default one.
        const given = command.optsWithGlobals<{ lake?: string }>().lake ?? process.env.CRMLAKE_LAKE;
        const lakeOption = given ? ` --lake ${given}` : '';
        let runs: IngestRun[];
        let buildVars: string[] = [];
        console.log(`crmlake demo: lake ${lake.uri}\n`);
        if (options.real || options.data) {
          const root = options.data ?? REAL_DATASETS;
          const layout = existsSync(path.join(root, REAL_DATASET_FEEDS[0]!.paths[0]!));
          const feeds = layout ? REAL_DATASET_FEEDS : [{ feed: 'pos', paths: ['.'] }];
          console.log(`1/3 ingest ${layout ? 'the real data sets' : 'pos'} from ${path.relative(process.cwd(), root) || root}`);
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
                `1/3 generate ${m.company}: ${formatCount(m.customers)} customers, ${m.start} to ${m.end}, seed ${m.seed}: ` +
                  `${formatCount(rows)} rows in ${m.deliveries.reduce((n, d) => n + d.paths.length, 0)} files, ${formatSeconds(seconds)}` +
                  `${options.keepFiles ? ` (kept in ${options.keepFiles})` : ''}\n    ingest through the feeds (rows wrong on purpose are quarantined)`,
              );
            },
            onFeed: (run, delivery) => printFeed(run, delivery.mapping, delivery.injectedRejects),
          });
          runs = demo.runs;
          buildVars = demo.buildVars;
        }
        console.log('\n2/3 build models');
        const settings = settingsFrom(command);
        const build = await runBuild(lake, { settings, var: buildVars });
        console.log(`  built ${build.results.length} models in ${formatSeconds(build.seconds)}`);
        console.log('\n3/3 build report');
        const report = await runReport(lake, options.out, { settings });
        printReport(report);
        const landed = runs.reduce((n, r) => n + r.totals.landed, 0);
        const quarantined = runs.reduce((n, r) => n + r.totals.quarantined, 0);
        const marts = build.results.filter((r) => r.rows !== null && r.file.startsWith('marts/')).map((r) => `${r.model} ${formatCount(r.rows!)}`);
        const varOptions = buildVars.map((v) => ` --var "${v}"`).join('');
        console.log(
          `\ndone in ${formatSeconds((performance.now() - started) / 1000)}: ` +
            `${formatCount(landed)} rows landed in ${runs.length} deliveries, ${formatCount(quarantined)} quarantined.` +
            `\nmarts (rows): ${marts.join(', ')}.` +
            `\nopen the report: npm run crmlake -- serve --dir ${path.relative(process.cwd(), report.out) || '.'}   then browse http://127.0.0.1:8080/` +
            `\nask the marts:   npm run crmlake --${lakeOption} sql "select lifecycle_stage, count(*) as customers from customer_360 group by 1 order by 2 desc"` +
            (varOptions ? `\nrebuild later:   npm run crmlake --${lakeOption} build${varOptions}` : ''),
        );
      },
    );
}
