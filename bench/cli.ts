/**
 * How long `crmlake sql "select 1"` takes to answer, from process start to exit, against the
 * least any Node command costs: `node -e 0` measured in the same run (so the ratios hold on a
 * busy machine). Three ways: the compiled CLI (dist/, built by `npm run build` / `prepare`), the
 * sources through tsx (CRMLAKE_FROM_SOURCE=1, as the tests run it), and — for a lake that has a
 * build — the same query on that lake (BENCH_CLI_LAKE), where opening the views over the lake's
 * files adds its own cost. BENCH_CLI_RUNS (default 5) runs each; the median is reported.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'bin', 'crmlake.js');
const RUNS = Number(process.env.BENCH_CLI_RUNS ?? 5);

function median(args: string[], env: Record<string, string> = {}): number {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    execFileSync(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    times.push((performance.now() - began) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

export async function main(): Promise<void> {
  const empty = mkdtempSync(path.join(tmpdir(), 'crmlake-bench-cli-'));
  try {
    const sql = ['--lake', path.join(empty, 'lake'), 'sql', 'select 1'];
    console.log(`cli bench: process start to exit, median of ${RUNS}`);
    const baseline = median(['-e', '0']);
    console.log(`  baseline  node -e 0:                                ${baseline.toFixed(2)} s`);
    const line = (label: string, seconds: number) => console.log(`  ${label.padEnd(52)}${seconds.toFixed(2)} s = ${(seconds / baseline).toFixed(1)}× baseline`);
    if (existsSync(path.join(ROOT, 'dist', '.built'))) line('crmlake sql "select 1" (compiled, dist/)', median([CLI, ...sql]));
    else console.log('  (no dist/: run `npm run build` to measure the compiled CLI)');
    line('crmlake sql "select 1" (sources through tsx)', median([CLI, ...sql], { CRMLAKE_FROM_SOURCE: '1' }));
    const lake = process.env.BENCH_CLI_LAKE;
    if (lake) line(`crmlake sql "select 1" on ${lake}`, median([CLI, '--lake', lake, 'sql', 'select 1']));
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
}
