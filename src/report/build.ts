import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Engine } from '../engine/engine.js';
import { formatResult } from '../engine/format.js';
import type { Lake } from '../lake/lake.js';
import { readBuildRuns } from '../models/docs.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPORTS_DIR = path.join(ROOT, 'reports');
const SOURCE_DIR = path.join(REPORTS_DIR, 'src');
/** Framework's own cache (bundled npm modules, client runtime): kept between builds, never the data. */
const SHARED_CACHE = path.join(SOURCE_DIR, '.observablehq', 'cache');
/** Written by the build itself (when it was built, which loaders failed); its loader serves `observable preview`. */
const META_LOADER = 'data/report_meta.json.js';
const FRAMEWORK_BIN = path.join(ROOT, 'node_modules', '@observablehq', 'framework', 'dist', 'bin', 'observable.js');

export interface ReportResult {
  out: string;
  pages: string[];
  files: number;
  bytes: number;
  seconds: number;
  /** Data files whose loader failed (a mart missing from the lake, a query error): their pages say there is no data. */
  warnings: string[];
}

interface LoadedData {
  file: string;
  rows: number | null;
  seconds: number;
  error?: string;
}

/**
 * Builds the static report site from the lake's marts with Observable Framework.
 *
 * Every build works on its own copy of `reports/src` (a folder beside it, so relative paths still
 * resolve), so two builds of different lakes at the same time never share a loader cache, and
 * no build can serve the data of the previous one. The SQL data loaders (`data/*.json.sql`, `data/*.csv.sql`, which
 * Framework would run one after another, each a new `crmlake sql` process) are run here first,
 * in one DuckDB session over the lake, and their output placed in the copy's loader cache where
 * Framework finds it fresh; `*.json.js` loaders run as processes, side by side. A loader that
 * fails leaves an empty data file and a warning: its page says it has no data, the rest of the
 * site is built. The site is built beside `out` and swapped in by rename, so `out` always holds
 * a whole site.
 */
export interface ReportOptions {
  /** Opens the warehouse the SQL loaders query (read-only; on the engine the lake's marts live in). */
  /** A read-only engine for the SQL loaders, given their SQL. */
  openEngine: (reads: string[]) => Promise<Engine>;
  log?: (line: string) => void;
}

export async function buildReport(lake: Lake, out: string, options: ReportOptions): Promise<ReportResult> {
  const started = performance.now();
  const outDir = path.resolve(out);
  const building = `${outDir}.building-${process.pid}`;
  await rm(building, { recursive: true, force: true });
  await removeAbandonedBuilds();
  const work = await mkdtemp(path.join(REPORTS_DIR, '.build-'));
  try {
    await cp(SOURCE_DIR, work, { recursive: true, filter: (source) => !source.includes(`${path.sep}.observablehq`) });
    await seedFrameworkCache(path.join(work, '.observablehq', 'cache'));
    // Amounts are shown in the currency the marts were built in (var reporting_currency).
    await writeFile(path.join(work, 'components', 'currency.js'), `export const CURRENCY = ${JSON.stringify(await reportingCurrency(lake))};\n`);
    const loaded = await runLoaders(lake, work, options.openEngine);
    for (const l of loaded) options.log?.(`data ${l.file}: ${l.error ? `FAILED ${l.error}` : `${l.rows ?? '?'} rows`} in ${l.seconds.toFixed(2)} s`);
    await writeFile(
      path.join(work, '.observablehq', 'cache', 'data', 'report_meta.json'),
      JSON.stringify({ built_at: new Date().toISOString(), loaders: loaded.map(({ file, rows, error }) => ({ file, rows, error: error ?? null })) }),
    );
    const output: string[] = [];
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, [FRAMEWORK_BIN, 'build'], {
        cwd: REPORTS_DIR,
        env: {
          ...process.env,
          CRMLAKE_LAKE: lake.uri,
          CRMLAKE_REPORT_SRC: path.relative(REPORTS_DIR, work),
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
    await keepFrameworkCache(path.join(work, '.observablehq', 'cache'));
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
    const warnings = loaded.filter((l) => l.error).map((l) => `${l.file}: ${l.error}`);
    return { out: outDir, pages: pages.sort(), files, bytes, seconds: (performance.now() - started) / 1000, warnings };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Removes the source copies of builds that were killed before cleaning up (older than an hour). */
async function removeAbandonedBuilds(): Promise<void> {
  for (const entry of await readdir(REPORTS_DIR)) {
    if (!entry.startsWith('.build-')) continue;
    const dir = path.join(REPORTS_DIR, entry);
    const info = await stat(dir).catch(() => undefined);
    if (info && Date.now() - info.mtimeMs > 3_600_000) await rm(dir, { recursive: true, force: true });
  }
}

/** Copies Framework's bundles of npm modules and of its client into a build's cache (not data). */
async function seedFrameworkCache(cache: string): Promise<void> {
  await mkdir(path.join(cache, 'data'), { recursive: true });
  const entries = await readdir(SHARED_CACHE).catch(() => [] as string[]);
  for (const entry of entries) {
    if (entry === 'data' || entry.startsWith('_build')) continue;
    await cp(path.join(SHARED_CACHE, entry), path.join(cache, entry), { recursive: true }).catch(() => undefined);
  }
}

/** Keeps what a build bundled for the next builds: each bundled module (`_node/<package>`…) the shared cache lacks. */
async function keepFrameworkCache(cache: string): Promise<void> {
  for (const entry of await readdir(cache, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name === 'data') continue;
    await mkdir(path.join(SHARED_CACHE, entry.name), { recursive: true });
    for (const item of await readdir(path.join(cache, entry.name))) {
      const target = path.join(SHARED_CACHE, entry.name, item);
      if (await stat(target).then(() => true, () => false)) continue;
      const staging = `${target}.${process.pid}`;
      try {
        await cp(path.join(cache, entry.name, item), staging, { recursive: true });
        await rename(staging, target);
      } catch {
        await rm(staging, { recursive: true, force: true }); // another build kept it first
      }
    }
  }
}

/**
 * Runs the site's data loaders against the lake and writes their output where Framework looks
 * for fresh loader output (`.observablehq/cache/<path>`). SQL loaders share one DuckDB session
 * (the same query and JSON as `crmlake sql --format json --file`); other loaders run as processes.
 */
async function runLoaders(lake: Lake, root: string, openEngine: ReportOptions['openEngine']): Promise<LoadedData[]> {
  const cache = path.join(root, '.observablehq', 'cache');
  const loaders = (await readdir(root, { recursive: true }))
    .map((file) => file.split(path.sep).join('/'))
    .filter((file) => !file.startsWith('.') && /\.\w+\.(sql|js)$/.test(file) && !file.startsWith('components/') && file !== META_LOADER);
  const write = async (file: string, contents: string) => {
    const target = path.join(cache, file);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, contents);
  };
  const runJs = async (file: string): Promise<LoadedData> => {
    const began = performance.now();
    const target = file.replace(/\.js$/, '');
    try {
      const text = await runProcess(process.execPath, [path.join(root, file)], { CRMLAKE_LAKE: lake.uri });
      await write(target, text);
      return { file: target, rows: countRows(text), seconds: (performance.now() - began) / 1000 };
    } catch (error) {
      await write(target, target.endsWith('.json') ? '[]' : '');
      return { file: target, rows: null, seconds: (performance.now() - began) / 1000, error: firstLine(error) };
    }
  };
  const jsRuns = Promise.all(loaders.filter((f) => f.endsWith('.js')).map(runJs));
  const results: LoadedData[] = [];
  const sqlLoaders = loaders.filter((f) => f.endsWith('.sql'));
  if (sqlLoaders.length) {
    let engine: Engine | undefined;
    let openError: string | undefined;
    const queries = new Map<string, string>();
    for (const file of sqlLoaders) queries.set(file, await readFile(path.join(root, file), 'utf8'));
    try {
      engine = await openEngine([...queries.values()]);
    } catch (error) {
      openError = firstLine(error);
    }
    try {
      for (const file of sqlLoaders) {
        const began = performance.now();
        const target = file.replace(/\.sql$/, '');
        const format = target.endsWith('.csv') ? 'csv' : 'json';
        try {
          if (!engine) throw new Error(openError);
          const result = await engine.query(queries.get(file)!);
          await write(target, formatResult(result, format) + '\n');
          results.push({ file: target, rows: result.rows.length, seconds: (performance.now() - began) / 1000 });
        } catch (error) {
          await write(target, format === 'json' ? '[]\n' : '');
          results.push({ file: target, rows: null, seconds: (performance.now() - began) / 1000, error: firstLine(error) });
        }
      }
    } finally {
      await engine?.close();
    }
  }
  results.push(...(await jsRuns));
  return results.sort((a, b) => a.file.localeCompare(b.file));
}

function runProcess(command: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPORTS_DIR, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (status) =>
      status === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(Buffer.concat(err).toString().trim() || `exited ${status}`)),
    );
  });
}

function countRows(text: string): number | null {
  try {
    const value = JSON.parse(text) as unknown;
    return Array.isArray(value) ? value.length : 1;
  } catch {
    return null;
  }
}

const firstLine = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 300);

/** The reporting currency of the last committed build (its var reporting_currency; GBP by default). */
async function reportingCurrency(lake: Lake): Promise<string> {
  const build = (await readBuildRuns(lake)).find((run) => run.committed !== false);
  const currency = String(build?.vars.reporting_currency ?? 'GBP').replace(/'/g, '').toUpperCase();
  return /^[A-Z]{3}$/.test(currency) ? currency : 'GBP';
}
