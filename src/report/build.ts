import { spawn } from 'node:child_process';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Lake } from '../lake/lake.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPORTS_DIR = path.join(ROOT, 'reports');
const FRAMEWORK_BIN = path.join(ROOT, 'node_modules', '@observablehq', 'framework', 'dist', 'bin', 'observable.js');

export interface ReportResult {
  out: string;
  pages: string[];
  files: number;
  bytes: number;
  seconds: number;
}

/**
 * Builds the static report site from the lake's marts with Observable Framework. Its data
 * loaders (`reports/src/data/*.json.sql`) run against the lake given here; their cached output
 * is cleared first because Framework would otherwise serve the data of the previous build.
 * The site is built beside `out` and swapped in by rename, so `out` always holds a whole site.
 */
export async function buildReport(lake: Lake, out: string, options: { log?: (line: string) => void } = {}): Promise<ReportResult> {
  const started = performance.now();
  const outDir = path.resolve(out);
  const building = `${outDir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await rm(path.join(REPORTS_DIR, 'src', '.observablehq', 'cache', 'data'), { recursive: true, force: true });
  const output: string[] = [];
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn(process.execPath, [FRAMEWORK_BIN, 'build'], {
      cwd: REPORTS_DIR,
      env: {
        ...process.env,
        CRMLAKE_LAKE: lake.uri,
        CRMLAKE_REPORT_OUT: building,
        OBSERVABLE_TELEMETRY_DISABLE: 'true',
        NO_COLOR: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const collect = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        output.push(line);
        options.log?.(line);
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('close', (status) => resolve(status ?? 1));
  });
  if (code !== 0) {
    await rm(building, { recursive: true, force: true });
    throw new Error(`report build failed (Observable Framework exited ${code}):\n${output.slice(-25).join('\n')}`);
  }
  const previous = `${outDir}.previous-${process.pid}`;
  const hadPrevious = await rename(outDir, previous).then(
    () => true,
    () => false,
  );
  await rename(building, outDir);
  if (hadPrevious) await rm(previous, { recursive: true, force: true });
  let bytes = 0;
  let files = 0;
  const pages: string[] = [];
  for (const entry of await readdir(outDir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    files++;
    bytes += (await stat(full)).size;
    if (entry.name.endsWith('.html') && !full.includes(`${path.sep}_`)) pages.push(path.relative(outDir, full));
  }
  return { out: outDir, pages: pages.sort(), files, bytes, seconds: (performance.now() - started) / 1000 };
}
