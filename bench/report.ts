/**
 * The report site against the number of customers: the demo company (src/demo) at growing
 * scales, landed and built, then `crmlake report`. Prints the report's time, the site's size,
 * the data files' size and the largest of them per scale, and how each grew against the
 * smallest scale: a page ships aggregates, so the site must not grow with the customers.
 *   BENCH_REPORT_SCALES   customers per scale, comma-separated (default 2000,20000,100000)
 *   BENCH_REPORT_DAYS     days of history (default 365)
 *   BENCH_REPORT_LAKES    built lakes to report instead (comma-separated paths; skips generating)
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBuild } from '../src/app/build.js';
import { ingestDemoCompany } from '../src/app/demo.js';
import { runReport } from '../src/app/report.js';
import { openWarehouse } from '../src/app/warehouse.js';
import { Lake } from '../src/lake/lake.js';

const SCALES = (process.env.BENCH_REPORT_SCALES ?? '2000,20000,100000').split(',').map(Number);
const DAYS = Number(process.env.BENCH_REPORT_DAYS ?? 365);
const LAKES = process.env.BENCH_REPORT_LAKES?.split(',').filter(Boolean);
const END = '2026-11-30';

const fmt = (n: number) => n.toLocaleString('en-US');
const kib = (bytes: number) => `${fmt(Math.round(bytes / 1024))} KiB`;

interface Measure {
  label: string;
  customers: number;
  seconds: number;
  siteBytes: number;
  dataBytes: number;
  largest: { file: string; bytes: number };
}

async function measure(lake: Lake, label: string, dir: string): Promise<Measure> {
  const out = path.join(dir, `site-${label}`);
  const report = await runReport(lake, out);
  if (report.warnings.length) console.log(`    warnings: ${report.warnings.join('; ')}`);
  let dataBytes = 0;
  let largest = { file: '', bytes: 0 };
  for (const entry of await readdir(path.join(out, '_file', 'data'), { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const bytes = (await stat(path.join(entry.parentPath, entry.name))).size;
    dataBytes += bytes;
    if (bytes > largest.bytes) largest = { file: entry.name.replace(/\.[0-9a-f]{8}\./, '.'), bytes };
  }
  const customers = await countCustomers(lake);
  return { label, customers, seconds: report.seconds, siteBytes: report.bytes, dataBytes, largest };
}

async function countCustomers(lake: Lake): Promise<number> {
  const engine = await openWarehouse(lake, { readOnly: true });
  try {
    const result = await engine.query('select count(*) as n from customer_360');
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await engine.close();
  }
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-bench-report-'));
  try {
    const measures: Measure[] = [];
    if (LAKES) {
      console.log(`report: ${LAKES.length} built lake(s)`);
      for (const [i, location] of LAKES.entries()) measures.push(await measure(new Lake(location), `lake${i + 1}`, dir));
    } else {
      console.log(`report: the demo company at ${SCALES.map(fmt).join(', ')} customers, ${DAYS} days to ${END}`);
      for (const scale of SCALES) {
        const lake = new Lake(path.join(dir, `lake-${scale}`));
        const started = performance.now();
        const demo = await ingestDemoCompany(lake, { customers: scale, days: DAYS, end: END });
        await runBuild(lake, { var: demo.buildVars });
        console.log(`  ${fmt(scale)} customers: generated, landed and built in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        measures.push(await measure(lake, String(scale), dir));
        await rm(path.join(dir, `lake-${scale}`), { recursive: true, force: true });
      }
    }
    const first = measures[0]!;
    console.log(`  ${'customer_360 rows'.padStart(18)}  ${'report'.padStart(8)}  ${'site'.padStart(11)}  ${'data files'.padStart(11)}  largest data file`);
    for (const m of measures) {
      console.log(
        `  ${fmt(m.customers).padStart(18)}  ${`${m.seconds.toFixed(1)} s`.padStart(8)}  ${kib(m.siteBytes).padStart(11)}  ${kib(m.dataBytes).padStart(11)}  ${m.largest.file} ${kib(m.largest.bytes)}`,
      );
    }
    if (measures.length > 1) {
      const last = measures.at(-1)!;
      console.log(
        `  ${(last.customers / first.customers).toFixed(1)}× the customers: report ${(last.seconds / first.seconds).toFixed(2)}×, site ${(last.siteBytes / first.siteBytes).toFixed(2)}×, data files ${(last.dataBytes / first.dataBytes).toFixed(2)}×`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
