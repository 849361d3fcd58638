import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { formatCount, formatSeconds, lakeFrom } from './context.js';
import { runBuild } from './build.js';
import { runIngest } from './ingest.js';
import { runReport } from './report.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED_POS = path.resolve(ROOT, '..', 'shared', 'datasets', 'online-retail', 'by-day');
const BUNDLED_POS = path.join(ROOT, 'samples', 'online-retail');

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('The whole job on real data: ingest the Online Retail POS files, build the marts, build the report site.')
    .option('--data <dir>', 'POS files to ingest (default: ../shared/datasets/online-retail/by-day if present, else the bundled sample)')
    .option('--out <dir>', 'report output folder', 'report')
    .action(async (options: { data?: string; out: string }, command: Command) => {
      const started = performance.now();
      const lake = lakeFrom(command);
      const data = options.data ?? (existsSync(SHARED_POS) ? SHARED_POS : BUNDLED_POS);
      console.log(`crmlake demo: lake ${lake.uri}\n\n1/3 ingest pos from ${path.relative(process.cwd(), data) || data}`);
      const ingest = await runIngest(lake, 'pos', [data]);
      console.log('\n2/3 build models');
      const build = await runBuild(lake);
      console.log('\n3/3 build report');
      const report = await runReport(lake, options.out);
      const marts = build.results.filter((r) => r.rows !== null).map((r) => `${r.model} ${formatCount(r.rows!)} rows`);
      console.log(
        `\ndone in ${formatSeconds((performance.now() - started) / 1000)}: ` +
          `${formatCount(ingest.totals.landed)} POS lines landed, ${formatCount(ingest.totals.quarantined)} quarantined; ${marts.join(', ')}.` +
          `\nopen the report: npm run crmlake -- serve --dir ${path.relative(process.cwd(), report.out) || '.'}   then browse http://127.0.0.1:8080/` +
          `\nask the marts:   npm run crmlake -- sql "select rfm_segment, count(*) as customers from customer_rfm group by 1 order by 2 desc"`,
      );
    });
}
