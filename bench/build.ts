/**
 * Full build of every model on the demo company, per model: where the build's time goes.
 *   BENCH_BUILD_LAKE    an existing lake to build (e.g. one `crmlake demo --lake` landed); kept.
 *                       Without it, a demo company is generated and landed in a temporary lake first.
 *   BENCH_BUILD_SCALE   customers of the generated company (default 20,000)
 *   BENCH_BUILD_RUNS    full builds in a row (default 1); times of each
 * Vars are the demo company's (DEMO_VARS). Prints total time, peak RSS and the slowest models.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runBuild } from '../src/app/build.js';
import { ingestDemoCompany } from '../src/app/demo.js';
import { DEMO_VARS } from '../src/demo/index.js';
import { Lake } from '../src/lake/lake.js';

const SCALE = Number(process.env.BENCH_BUILD_SCALE ?? 20_000);
const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 1);
const END = '2026-11-30';

let peak = 0;
const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
sampler.unref();
const mib = () => Math.round(Math.max(peak, process.memoryUsage().rss) / 2 ** 20);

export async function main(): Promise<void> {
  const given = process.env.BENCH_BUILD_LAKE;
  const dir = given ? undefined : await mkdtemp(path.join(tmpdir(), 'crmlake-bench-build-'));
  try {
    const lake = new Lake(given ?? path.join(dir!, 'lake'));
    if (!given) {
      await ingestDemoCompany(lake, { customers: SCALE, days: 730, end: END });
      console.log(`build bench: demo company of ${SCALE.toLocaleString('en-US')} customers landed`);
    } else console.log(`build bench: lake ${given}`);
    const vars = Object.entries(DEMO_VARS).map(([k, v]) => `${k}=${v}`);
    for (let run = 1; run <= RUNS; run++) {
      peak = 0;
      const build = await runBuild(lake, { var: vars });
      const failed = build.results.filter((r) => r.status !== 'success');
      if (failed.length) throw new Error(`build failed: ${failed.map((r) => `${r.model}: ${r.error ?? r.status}`).join('; ')}`);
      const modelSeconds = build.results.reduce((s, r) => s + r.seconds, 0);
      console.log(`  run ${run}  ${build.results.length} models in ${build.seconds.toFixed(1)} s (models ${modelSeconds.toFixed(1)} s), peak RSS ${mib()} MiB`);
      for (const r of [...build.results].sort((a, b) => b.seconds - a.seconds).slice(0, 15)) {
        console.log(`    ${r.model.padEnd(28)} ${r.seconds.toFixed(2).padStart(7)} s ${String(r.rows ?? '-').padStart(10)} rows`);
      }
    }
  } finally {
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}
