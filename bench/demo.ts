/**
 * The demo company end to end: generate (src/demo), ingest every delivery through the feeds,
 * build the models. Prints time, rows and peak memory per step.
 *   BENCH_DEMO_SCALE   customers (default 2,000, the `npm run demo` default)
 *   BENCH_DEMO_DAYS    days of history (default 730)
 *   BENCH_DEMO_STEPS   generate | ingest | build (default build: all three)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBuild } from '../src/app/build.js';
import { ingestDemoCompany } from '../src/app/demo.js';
import { DEFAULT_CUSTOMERS, DEFAULT_DAYS, generateCompany } from '../src/demo/index.js';
import { Lake } from '../src/lake/lake.js';

const SCALE = Number(process.env.BENCH_DEMO_SCALE ?? DEFAULT_CUSTOMERS);
const DAYS = Number(process.env.BENCH_DEMO_DAYS ?? DEFAULT_DAYS);
const STEPS = process.env.BENCH_DEMO_STEPS ?? 'build';
const END = '2026-11-30';

const fmt = (n: number) => n.toLocaleString('en-US');
let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
sampler.unref();
const mb = () => `peak RSS ${Math.round(Math.max(peak, process.memoryUsage().rss) / 1e6)} MB`;

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-bench-demo-'));
  try {
    console.log(`demo company: ${fmt(SCALE)} customers, ${DAYS} days to ${END}`);
    if (STEPS === 'generate') {
      const started = performance.now();
      const m = generateCompany({ out: path.join(dir, 'files'), customers: SCALE, days: DAYS, end: END });
      const seconds = (performance.now() - started) / 1000;
      const rows = m.deliveries.reduce((n, d) => n + d.rows, 0);
      console.log(`  generate  ${fmt(rows)} rows in ${seconds.toFixed(1)} s (${fmt(Math.round(rows / seconds))} rows/s), ${mb()}`);
      for (const d of m.deliveries) console.log(`    ${`${d.feed} ${d.mapping}`.padEnd(44)} ${fmt(d.rows).padStart(12)} rows in ${d.paths.length} files`);
      return;
    }
    const lake = new Lake(path.join(dir, 'lake'));
    const started = performance.now();
    const demo = await ingestDemoCompany(lake, { customers: SCALE, days: DAYS, end: END });
    const ingestSeconds = (performance.now() - started) / 1000 - demo.generateSeconds;
    const rows = demo.manifest.deliveries.reduce((n, d) => n + d.rows, 0);
    console.log(`  generate  ${fmt(rows)} rows in ${demo.generateSeconds.toFixed(1)} s`);
    for (const run of demo.runs) console.log(`    ${run.feed.padEnd(18)} ${fmt(run.totals.read).padStart(12)} read, ${fmt(run.totals.quarantined)} quarantined, ${run.seconds.toFixed(1)} s`);
    console.log(`  ingest    ${ingestSeconds.toFixed(1)} s (${fmt(Math.round(rows / ingestSeconds))} rows/s), ${mb()}`);
    if (STEPS === 'ingest') return;
    const build = await runBuild(lake, { var: demo.buildVars });
    console.log(`  build     ${build.results.length} models in ${build.seconds.toFixed(1)} s, ${mb()}`);
    for (const r of [...build.results].sort((a, b) => b.seconds - a.seconds).slice(0, 5)) console.log(`    ${r.model.padEnd(28)} ${r.seconds.toFixed(1)} s`);
    console.log(`  total     ${((performance.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
