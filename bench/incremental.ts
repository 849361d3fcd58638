/**
 * The daily rebuild: after one more day of POS lines lands, the incremental build against a
 * --full-refresh build of the same lake (the baseline, measured in the same run after the same
 * delivery), on a demo company.
 *   BENCH_INCREMENTAL_SCALE   customers of the generated company (default 20,000)
 *   BENCH_INCREMENTAL_DAYS    days of history (default 730)
 * The new day is the last day's till export again under new receipt numbers, dated the next day
 * (a new delivery, as a store sends it). Prints both builds' time, the ratio and the models
 * where the time went.
 */
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBuild } from '../src/app/build.js';
import { ingestDemoCompany } from '../src/app/demo.js';
import { landedDaysAgo } from './clock.js';
import { ingestPaths } from '../src/app/ingest.js';
import { DEMO_VARS } from '../src/demo/index.js';
import { Lake } from '../src/lake/lake.js';
import type { BuildRun } from '../src/models/runner.js';

const SCALE = Number(process.env.BENCH_INCREMENTAL_SCALE ?? 20_000);
const DAYS = Number(process.env.BENCH_INCREMENTAL_DAYS ?? 730);
const END = '2026-11-29';
const NEXT = '2026-11-30';

const slowest = (build: BuildRun, n: number) =>
  [...build.results]
    .sort((a, b) => b.seconds - a.seconds)
    .slice(0, n)
    .map((r) => `${r.model} ${r.seconds.toFixed(2)} s${r.mode ? ` (${r.mode}${r.mode === 'incremental' ? `, ${r.inserted} rows recomputed of ${r.rows}` : `, ${r.rows} rows`})` : ''}`);

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-bench-incremental-'));
  try {
    const lake = new Lake(path.join(dir, 'lake'));
    const files = path.join(dir, 'files');
    // The history lands the day before the new day does, as a daily feed's would.
    const landed = await landedDaysAgo(1, () => ingestDemoCompany(lake, { customers: SCALE, days: DAYS, end: END, filesDir: files }));
    const rows = landed.runs.reduce((n, r) => n + r.totals.landed, 0);
    console.log(`incremental bench: demo company of ${SCALE.toLocaleString('en-US')} customers, ${DAYS} days to ${END}: ${rows.toLocaleString('en-US')} rows landed`);
    const vars = Object.entries(DEMO_VARS).map(([k, v]) => `${k}=${v}`);
    const first = await runBuild(lake, { var: vars });
    console.log(`  first build (whole): ${first.seconds.toFixed(1)} s`);

    // One more day: the last day's receipts of the till export again, dated the next day.
    const month = path.join(files, 'pos', 'lotus-pos', `pos-${END.slice(0, 7)}.csv`);
    const [header, ...body] = (await readFile(month, 'utf8')).split('\n').filter((l) => l !== '');
    const day = body
      .filter((l) => l.split(';')[2]!.startsWith(END))
      .map((l) => {
        const f = l.split(';');
        f[0] = `${f[0]}-N`;
        f[2] = `${NEXT}${f[2]!.slice(10)}`;
        return f.join(';');
      });
    const newDay = path.join(dir, 'new-day');
    await mkdir(newDay, { recursive: true });
    await writeFile(path.join(newDay, `pos-${NEXT}.csv`), [header, ...day].join('\n') + '\n');
    await ingestPaths(lake, 'pos', [newDay], { mapping: 'lotus-pos' });
    console.log(`  new day ${NEXT}: ${day.length.toLocaleString('en-US')} POS lines in one new delivery`);

    // The baseline first (the same lake after the same delivery, copied), then the incremental build.
    const copy = new Lake(path.join(dir, 'lake-full'));
    await cp(lake.uri, copy.uri, { recursive: true });
    const full = await runBuild(copy, { var: vars, fullRefresh: true });
    const incremental = await runBuild(lake, { var: vars });
    const orders = (b: BuildRun, model: string) => b.results.find((r) => r.model === model)!;
    // The models built incrementally (the order facts, customer_segment_monthly), against the same models built whole.
    const facts = incremental.results.filter((r) => r.mode === 'incremental').map((r) => r.model);
    const factSeconds = (b: BuildRun) => facts.reduce((s, m) => s + orders(b, m).seconds, 0);
    console.log(`  full build (--full-refresh):  ${full.seconds.toFixed(1)} s  (the ${facts.length} incremental models ${factSeconds(full).toFixed(2)} s)`);
    console.log(`  incremental build:            ${incremental.seconds.toFixed(1)} s  (the ${facts.length} incremental models ${factSeconds(incremental).toFixed(2)} s)`);
    console.log(`  ratio incremental / full: whole build ${(incremental.seconds / full.seconds).toFixed(2)}, the incremental models ${(factSeconds(incremental) / factSeconds(full)).toFixed(2)}`);
    for (const m of facts) {
      const r = orders(incremental, m);
      console.log(`    ${m}: ${r.inserted} of ${r.rows} rows recomputed, ${r.seconds.toFixed(2)} s (full: ${orders(full, m).seconds.toFixed(2)} s)`);
    }
    console.log(`  slowest models, incremental build: ${slowest(incremental, 6).join('; ')}`);
    console.log(`  slowest models, full build:        ${slowest(full, 6).join('; ')}`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
