/**
 * POS ingest and mart build throughput on a generated file in the Online Retail layout.
 * Baselines measured in the same run: DuckDB converting the same CSV to parquet with no
 * validation (what ingest costs on top of the engine), and a full scan of the curated rows
 * (what the model build costs on top of reading the data).
 * BENCH_ROWS (default 1,000,000) sets the size; BENCH_DAILY=1 splits the same lines into one file
 * per business date (as stores deliver them); BENCH_INGEST_ONLY=1 skips the model build.
 * The same lines are ingested twice: as generated (clean) and with one line in BENCH_BAD_EVERY
 * (default 5,000) given a quantity of "N/A", as real store files have a few (0: clean only).
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
const BAD_EVERY = Number(process.env.BENCH_BAD_EVERY ?? 5_000);
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

/** Quantity is the fifth field from the end of an Online Retail line (the description may hold commas). */
function badQuantity(line: string): string {
  const fields = line.split(',');
  fields[fields.length - 5] = 'N/A';
  return fields.join(',');
}

async function generate(file: string, badEvery = 0): Promise<void> {
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
    if (!out.write((badEvery && i % badEvery === badEvery - 1 ? badQuantity(line) : line) + '\n')) await new Promise<void>((r) => out.once('drain', () => r()));
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
    const dirtyCsv = path.join(dir, 'pos-dirty.csv');
    if (BAD_EVERY) await generate(dirtyCsv, BAD_EVERY);
    const dirtyInputs = !BAD_EVERY ? [] : DAILY ? await splitDaily(dirtyCsv, path.join(dir, 'daily-dirty')) : [dirtyCsv];
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
    console.log(`  baseline  DuckDB read_csv → parquet, no validation: ${plain.toFixed(2)} s`);
    console.log(`  baseline  DuckDB read_csv → typed parquet partitioned by date: ${baseline.toFixed(2)} s`);
    const report = (label: string, landing: typeof run, seconds: number) => {
      const by = (path: string) => landing.files.filter((f) => f.checkedBy === path).length;
      console.log(
        `  ${label.padEnd(9)} ${landing.totals.landed.toLocaleString('en-US')} landed + ${landing.totals.quarantined} quarantined: ${seconds.toFixed(2)} s` +
          ` = ${Math.round(ROWS / seconds).toLocaleString('en-US')} rows/s = ${(seconds / baseline).toFixed(2)}× partitioned baseline` +
          ` (${(seconds / plain).toFixed(2)}× plain); of ${landing.files.length} file(s): ${by('sql')} by DuckDB alone, ${by('sql+javascript')} with the flagged rows` +
          ` checked in JavaScript, ${by('javascript')} in JavaScript`,
      );
    };
    report('ingest', run, ingestSeconds);
    if (BAD_EVERY) {
      const [dirty, dirtySeconds] = await time(() => ingestFiles(new Lake(path.join(dir, 'lake-dirty')), dirtyInputs, { feed: posFeed, mapping }));
      report(`1/${BAD_EVERY} bad`, dirty, dirtySeconds);
    }
    console.log(`  peak RSS  ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB after ingest`);
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
