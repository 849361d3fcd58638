/**
 * POS ingest and mart build throughput on a generated file in the Online Retail layout.
 * Baselines measured in the same run: DuckDB converting the same CSV to parquet with no
 * validation (what ingest costs on top of the engine), and a full scan of the curated rows
 * (what the model build costs on top of reading the data).
 * BENCH_ROWS (default 1,000,000) sets the size; BENCH_DAILY=1 splits the same lines into one file
 * per business date (as stores deliver them); BENCH_INGEST_ONLY=1 skips the model build.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { openWarehouse } from '../src/app/warehouse.js';
import { ingestFiles } from '../src/feeds/ingest.js';
import { loadMapping } from '../src/feeds/mapping.js';
import { posFeed } from '../src/feeds/pos/feed.js';
import { Lake } from '../src/lake/lake.js';
import { loadProject } from '../src/app/project.js';
import { buildModels } from '../src/models/runner.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const DAILY = process.env.BENCH_DAILY === '1';
const INGEST_ONLY = process.env.BENCH_INGEST_ONLY === '1';
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SAMPLES = path.join(REPO, 'samples', 'datasets', 'online-retail', 'by-day');

/** Splits a generated file into one file per InvoiceDate day (same lines, same order within a day). */
async function splitDaily(file: string, dir: string): Promise<string[]> {
  const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
  const byDay = new Map<string, string[]>();
  for (const line of lines) {
    const day = /\d{4}-\d{2}-\d{2}/.exec(line)?.[0] ?? 'none';
    let list = byDay.get(day);
    if (!list) byDay.set(day, (list = []));
    list.push(line);
  }
  await mkdir(dir, { recursive: true });
  const files: string[] = [];
  for (const [day, list] of [...byDay.entries()].sort()) {
    const target = path.join(dir, `pos-${day}.csv`);
    await writeFile(target, `${header}\n${list.join('\n')}\n`);
    files.push(target);
  }
  return files;
}

async function generate(file: string): Promise<void> {
  // Real lines cycled with fresh invoice numbers and dates over 60 days, so the shape is real.
  const lines: string[] = [];
  for (const name of (await readdir(SAMPLES)).filter((f) => f.endsWith('.csv')).sort()) {
    lines.push(...(await readFile(path.join(SAMPLES, name), 'utf8')).trim().split('\n').slice(1));
  }
  const out = createWriteStream(file);
  out.write('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n');
  for (let i = 0; i < ROWS; i++) {
    const round = Math.floor(i / lines.length);
    const day = String(1 + (round % 28)).padStart(2, '0');
    const month = String(1 + (Math.floor(round / 28) % 12)).padStart(2, '0');
    const line = lines[i % lines.length]!
      .replace(/^(C?)(\d+)/, (_, c: string, n: string) => `${c}${Number(n) + round * 100_000}`)
      .replace(/2010-12-\d\d/, `2011-${month}-${day}`);
    if (!out.write(line + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
}

const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const result = await fn();
  return [result, (performance.now() - t0) / 1000];
};

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-bench-'));
  try {
    const csv = path.join(dir, 'pos.csv');
    const [, genSeconds] = await time(() => generate(csv));
    const inputs = DAILY ? await splitDaily(csv, path.join(dir, 'daily')) : [csv];
    const glob = DAILY ? path.join(dir, 'daily', '*.csv') : csv;
    console.log(
      `ingest bench: ${ROWS.toLocaleString('en-US')} POS lines generated in ${genSeconds.toFixed(1)} s` + (DAILY ? `, split into ${inputs.length} daily files` : ''),
    );

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const [, plain] = await time(() =>
      connection.run(`COPY (SELECT * FROM read_csv('${glob}', header = true)) TO '${path.join(dir, 'baseline.parquet')}' (FORMAT parquet)`),
    );
    // What ingest must do at least: typed columns, one folder per business date.
    const [, baseline] = await time(() =>
      connection.run(
        `COPY (SELECT *, CAST(InvoiceDate AS DATE) AS dt FROM read_csv('${glob}', header = true)) ` +
          `TO '${path.join(dir, 'baseline-partitioned')}' (FORMAT parquet, PARTITION_BY (dt))`,
      ),
    );
    connection.closeSync();
    instance.closeSync();

    const lake = new Lake(path.join(dir, 'lake'));
    const mapping = await loadMapping(posFeed);
    const [run, ingestSeconds] = await time(() => ingestFiles(lake, inputs, { feed: posFeed, mapping }));
    const ingestRss = process.resourceUsage().maxRSS / 1024;
    console.log(`  baseline  DuckDB read_csv → parquet, no validation: ${plain.toFixed(2)} s`);
    console.log(`  baseline  DuckDB read_csv → typed parquet partitioned by date: ${baseline.toFixed(2)} s`);
    console.log(
      `  ingest    ${run.totals.landed.toLocaleString('en-US')} landed + ${run.totals.quarantined} quarantined: ${ingestSeconds.toFixed(2)} s` +
        ` = ${Math.round(ROWS / ingestSeconds).toLocaleString('en-US')} rows/s = ${(ingestSeconds / baseline).toFixed(2)}× partitioned baseline` +
        ` (${(ingestSeconds / plain).toFixed(2)}× plain); ${run.files.filter((f) => f.checkedBy === 'sql').length} of ${run.files.length} file(s) landed by DuckDB alone`,
    );
    console.log(`  peak RSS  ${ingestRss.toFixed(0)} MiB after ingest`);
    if (INGEST_ONLY) return;

    const engine = await openWarehouse(lake);
    const [, scanSeconds] = await time(() => engine.query(`SELECT sum(line_amount), count(DISTINCT customer_id) FROM curated.pos_lines`));
    const [build, buildSeconds] = await time(async () => buildModels(lake, engine, await loadProject()));
    await engine.close();

    const rss = process.resourceUsage().maxRSS / 1024;
    console.log(`  baseline  full scan of curated rows: ${scanSeconds.toFixed(2)} s`);
    console.log(
      `  build     ${build.results.length} models (${build.results.map((r) => `${r.model} ${r.rows ?? '-'}`).join(', ')}): ${buildSeconds.toFixed(2)} s = ${(buildSeconds / scanSeconds).toFixed(1)}× scan`,
    );
    console.log(`  peak RSS  ${rss.toFixed(0)} MiB`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
