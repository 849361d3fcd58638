/**
 * The scale table (issue #16): the demo company (src/demo, every feed in its real mix) at one or
 * more sizes, and for each, product time, baseline time, ratio and peak memory of
 *   ingest      every delivery through the feeds (checks, quarantine, lineage, manifests)
 *               against DuckDB reading the same files into date-partitioned parquet with
 *               types it detects itself and no checks: the least the same landing can cost;
 *   full build  every model, against the models' own time (their SQL and programs, as the runner
 *               times them, summed): the runner's overhead, less what it saves by running the
 *               program models beside the SQL models;
 *   next day    one more day of till receipts landed and every model built again, against the
 *               full build (the daily run's goal: 10% of it); then a day that also brings 500
 *               customer records under new ids (people registering again), which the customer
 *               master has to match;
 *   report      the report site from the built marts (goals: < 30 s, < 5 MB);
 *   sql         an analyst's query (`crmlake sql`, which opens the lake: its sources, its marts
 *               and the personal data rules) against the same query in DuckDB on the analysts'
 *               database the build wrote (goal: opening well under a second).
 * Peak memory is this process's resident set (DuckDB runs inside it) during each step.
 *   BENCH_SCALE_CUSTOMERS   customers, comma-separated (default 50,000: about a million POS lines;
 *                           500,000 is about ten million, and takes some 25 minutes here)
 *   BENCH_SCALE_DAYS        days of history (default 730)
 */
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { runBuild } from '../src/app/build.js';
import { ingestPaths } from '../src/app/ingest.js';
import { runReport } from '../src/app/report.js';
import { queryLake } from '../src/app/sql.js';
import { generateCompany, type DemoDelivery } from '../src/demo/index.js';
import { sqlString } from '../src/engine/sql.js';
import { getFeed } from '../src/feeds/index.js';
import { loadMapping, type Mapping } from '../src/feeds/mapping.js';
import { inUtf8 } from '../src/feeds/ingest-sql.js';
import { Lake } from '../src/lake/lake.js';
import { landedDaysAgo } from './clock.js';

const SCALES = (process.env.BENCH_SCALE_CUSTOMERS ?? '50000').split(',').map(Number);
const DAYS = Number(process.env.BENCH_SCALE_DAYS ?? 730);
const END = '2026-11-30';

const fmt = (n: number) => n.toLocaleString('en-US');
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
sampler.unref();

/** Seconds and peak RSS (MiB) of one step. */
async function measured<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number; mib: number }> {
  peak = process.memoryUsage().rss;
  const started = performance.now();
  const value = await work();
  const seconds = (performance.now() - started) / 1000;
  return { value, seconds, mib: Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20) };
}

/** The source column a mapping takes its business date from: the first date or timestamp field's (the date of a date and a time column). */
function dateColumn(mapping: Mapping): string | undefined {
  const field = Object.values(mapping.fields).find((f) => (f.transform === 'timestamp' || f.transform === 'date') && (f.column || f.columns));
  return field?.column ?? field?.columns?.[0];
}

/**
 * DuckDB landing a delivery's files as date-partitioned parquet, as fast as it can: no checks, its
 * own type detection; files in another encoding (the GBK tills) decoded to UTF-8 first, as ingest
 * does, since DuckDB reads UTF-8 only (it read their Chinese header as column0…, and no dates).
 * Returns the rows written.
 */
async function baselineIngest(paths: string[], mapping: Mapping, out: string, connection: Awaited<ReturnType<DuckDBInstance['connect']>>): Promise<number> {
  const files = await Promise.all(
    paths.map(async (file, i) => {
      const scratch = path.join(`${out}-utf8`, String(i));
      await mkdir(scratch, { recursive: true });
      const decoded = await inUtf8(file, mapping.source.encoding, scratch);
      if (!decoded) throw new Error(`${file}: encoding ${mapping.source.encoding} cannot be decoded`);
      return decoded;
    }),
  );
  const list = `[${files.map(sqlString).join(', ')}]`;
  const read =
    mapping.source.format === 'jsonl'
      ? `read_json(${list}, format = 'newline_delimited', union_by_name = true, ignore_errors = true)`
      : `read_csv(${list}, delim = ${sqlString(mapping.source.delimiter)}, quote = ${sqlString(mapping.source.quote)}, header = true, union_by_name = true, ignore_errors = true)`;
  const date = dateColumn(mapping);
  // Dates as written (2025-01-04, or 2025/1/4 on the tills): DuckDB reads single-digit months and days.
  const copied = await connection.runAndReadAll(
    date
      ? `COPY (SELECT *, TRY_CAST(replace(left(CAST(${JSON.stringify(date)} AS VARCHAR), 10), '/', '-') AS DATE) AS dt FROM ${read}) TO ${sqlString(out)} (FORMAT parquet, PARTITION_BY (dt))`
      : `COPY (SELECT * FROM ${read}) TO ${sqlString(`${out}.parquet`)} (FORMAT parquet)`,
  );
  return Number(copied.getRows()[0]?.[0] ?? 0);
}

/**
 * A store day more: the till deliveries' last day of receipts, moved to the day after `after`
 * (default that last day) under receipt numbers starting with `prefix`.
 */
async function nextPosDay(delivery: DemoDelivery, filesDir: string, out: string, prefix: string, after?: string): Promise<{ file: string; lines: number; day: string }> {
  const files = delivery.paths.map((p) => path.join(filesDir, p)).sort();
  const text = await readFile(files[files.length - 1]!, 'utf8');
  const [header, ...rows] = text.trimEnd().split('\n');
  const last = rows.map((r) => /\d{4}-\d{2}-\d{2}/.exec(r)?.[0] ?? '').sort().at(-1)!;
  const day = new Date(Date.parse(`${after ?? last}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const moved = rows.filter((r) => r.includes(last)).map((r) => `${prefix}${r.replaceAll(last, day)}`);
  const file = path.join(out, `pos-${day}.csv`);
  await writeFile(file, `${header}\n${moved.join('\n')}\n`);
  return { file, lines: moved.length, day };
}

/**
 * New customer records for a day: the last `count` profiles of the largest profile file under new
 * ids (people registering again; the customer master matches them to who they are).
 */
async function newProfiles(delivery: DemoDelivery, filesDir: string, out: string, count: number): Promise<{ file: string; records: number }> {
  const sizes = await Promise.all(delivery.paths.map(async (p) => ({ file: path.join(filesDir, p), bytes: (await stat(path.join(filesDir, p))).size })));
  const largest = sizes.sort((a, b) => b.bytes - a.bytes)[0]!.file;
  const [header, ...rows] = (await readFile(largest, 'utf8')).trimEnd().split('\n');
  const idColumn = header!.split(',').indexOf('source_customer_id');
  const renamed = rows.slice(-count).map((r) => r.split(',').map((v, i) => (i === idColumn ? `N${v}` : v)).join(','));
  const file = path.join(out, 'profiles-next-day.csv');
  await writeFile(file, `${header}\n${renamed.join('\n')}\n`);
  return { file, records: renamed.length };
}

async function folderBytes(dir: string): Promise<number> {
  let bytes = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) bytes += (await stat(path.join(entry.parentPath, entry.name))).size;
  }
  return bytes;
}

interface Row {
  work: string;
  product: number;
  baseline?: number;
  mib: number;
  goal: string;
}

async function scale(customers: number): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-bench-scale-'));
  try {
    const filesDir = path.join(dir, 'files');
    const manifest = generateCompany({ out: filesDir, customers, days: DAYS, end: END });
    const deliveries = manifest.deliveries;
    const rowsIn = deliveries.reduce((n, d) => n + d.rows, 0);
    const posLines = deliveries.filter((d) => d.feed === 'pos').reduce((n, d) => n + d.rows, 0);
    console.log(`scale: ${fmt(customers)} customers, ${DAYS} days: ${fmt(rowsIn)} rows in ${deliveries.length} deliveries, ${fmt(posLines)} of them POS lines`);
    const rows: Row[] = [];

    const lake = new Lake(path.join(dir, 'lake'));
    const perDelivery = deliveries.map((d) => ({ label: `${d.feed} (${d.mapping})`, rows: d.rows, product: 0, baseline: 0, landed: 0, baselineRows: 0 }));
    // The history lands two days before the next days do, as a daily feed's would.
    const ingest = await measured(() => landedDaysAgo(2, async () => {
      for (const [i, d] of deliveries.entries()) {
        const run = await ingestPaths(lake, d.feed, d.paths.map((p) => path.join(filesDir, p)), { mapping: d.mapping });
        perDelivery[i]!.product = run.seconds;
        perDelivery[i]!.landed = run.totals.landed;
      }
    }));
    const baseline = await measured(async () => {
      const db = await DuckDBInstance.create(':memory:');
      const connection = await db.connect();
      await mkdir(path.join(dir, 'baseline'));
      try {
        for (const [i, d] of deliveries.entries()) {
          const started = performance.now();
          perDelivery[i]!.baselineRows = await baselineIngest(d.paths.map((p) => path.join(filesDir, p)), await loadMapping(getFeed(d.feed), d.mapping), path.join(dir, 'baseline', String(i)), connection);
          perDelivery[i]!.baseline = (performance.now() - started) / 1000;
        }
      } finally {
        connection.closeSync();
        db.closeSync();
      }
    });
    rows.push({ work: `ingest ${fmt(rowsIn)} rows`, product: ingest.seconds, baseline: baseline.seconds, mib: ingest.mib, goal: '≤ 1.5×' });

    const vars = Object.entries(manifest.vars).map(([k, v]) => `${k}=${v}`);
    const full = await measured(() => runBuild(lake, { var: vars }));
    const failed = full.value.results.filter((r) => r.status !== 'success');
    if (failed.length) throw new Error(`build failed: ${failed.map((r) => r.model).join(', ')}`);
    const modelSeconds = full.value.results.reduce((s, r) => s + r.seconds, 0);
    rows.push({ work: `full build, ${full.value.results.length} models`, product: full.seconds, baseline: modelSeconds, mib: full.mib, goal: '< 60 s, ≤ 1.25×' });

    const pos = deliveries.find((d) => d.feed === 'pos' && d.mapping === 'lotus-pos') ?? deliveries.find((d) => d.feed === 'pos')!;
    const next = await nextPosDay(pos, filesDir, dir, 'N');
    const daily = await measured(async () => {
      await landedDaysAgo(1, () => ingestPaths(lake, 'pos', [next.file], { mapping: pos.mapping }));
      return runBuild(lake, { var: vars });
    });
    rows.push({ work: `next day (${fmt(next.lines)} lines) + build`, product: daily.seconds, baseline: full.seconds, mib: daily.mib, goal: '≤ 0.10×' });
    // A day that also brings new customer records: the customer master matches them.
    const profiles = deliveries.find((d) => d.feed === 'customers')!;
    const next2 = await nextPosDay(pos, filesDir, dir, 'M', next.day);
    const joined = await newProfiles(profiles, filesDir, dir, 500);
    const withCustomers = await measured(async () => {
      await ingestPaths(lake, 'pos', [next2.file], { mapping: pos.mapping });
      await ingestPaths(lake, 'customers', [joined.file], { mapping: profiles.mapping });
      return runBuild(lake, { var: vars });
    });
    rows.push({
      work: `next day (${fmt(next2.lines)} lines, ${fmt(joined.records)} new customer records) + build`,
      product: withCustomers.seconds,
      baseline: full.seconds,
      mib: withCustomers.mib,
      goal: '≤ 0.10×',
    });

    const site = path.join(dir, 'site');
    const report = await measured(() => runReport(lake, site));
    const siteMb = (await folderBytes(site)) / 1e6;
    rows.push({ work: `report (${siteMb.toFixed(1)} MB)`, product: report.seconds, mib: report.mib, goal: '< 30 s, < 5 MB' });

    const query = 'select rfm_segment, count(*) as customers from customer_rfm group by 1';
    const sql = await measured(() => queryLake(lake, query));
    const analystDb = await DuckDBInstance.create(path.join(dir, 'lake', 'crmlake.duckdb'), { access_mode: 'READ_ONLY' });
    const own = await measured(async () => {
      const connection = await analystDb.connect();
      try {
        await connection.runAndReadAll(query);
      } finally {
        connection.closeSync();
      }
    }).finally(() => analystDb.closeSync());
    rows.push({ work: `crmlake sql (${sql.value.rows.length} rows)`, product: sql.seconds, baseline: own.seconds, mib: sql.mib, goal: 'opening < 1 s' });

    console.log('  | work | crmlake | baseline | ratio | peak RSS | goal |');
    console.log('  |---|---|---|---|---|---|');
    for (const r of rows) {
      const ratio = r.baseline ? `${(r.product / r.baseline).toFixed(2)}×` : '—';
      console.log(`  | ${r.work} | ${r.product.toFixed(1)} s | ${r.baseline ? `${r.baseline.toFixed(1)} s` : '—'} | ${ratio} | ${fmt(r.mib)} MiB | ${r.goal} |`);
    }
    console.log('  baselines: DuckDB landing the same files itself (its own type detection, no checks); the models\' own time, summed (two run at a time); the full build');
    console.log(`  ingest per delivery (crmlake / baseline): ${perDelivery.map((d) => `${d.label} ${fmt(d.rows)} rows ${d.product.toFixed(1)} s / ${d.baseline.toFixed(1)} s`).join('; ')}`);
    // A baseline that wrote fewer rows than ingest landed did less work than it: its ratio flatters DuckDB.
    const short = perDelivery.filter((d) => d.baselineRows < d.landed);
    if (short.length) console.log(`  baseline wrote fewer rows than ingest landed: ${short.map((d) => `${d.label} ${fmt(d.baselineRows)} < ${fmt(d.landed)}`).join('; ')}`);
    const slowest = (run: typeof full.value) =>
      [...run.results].sort((a, b) => b.seconds - a.seconds).slice(0, 6).map((r) => `${r.model} ${r.seconds.toFixed(1)} s${r.mode ? ` (${r.mode})` : ''}`).join(', ');
    console.log(`  slowest models, full build: ${slowest(full.value)}`);
    console.log(`  slowest models, next day: ${slowest(daily.value)}`);
    console.log(`  slowest models, next day with new customer records: ${slowest(withCustomers.value)}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function main(): Promise<void> {
  for (const customers of SCALES) await scale(customers);
}
