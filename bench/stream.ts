/**
 * Memory stays bounded however large the file: `crmlake ingest` (a child process, so its peak
 * RSS is its own) on generated POS files of two sizes, BENCH_STREAM_MB (default 200) and a
 * quarter of it. Bounded means the peak RSS of the large file is about that of the small one,
 * and far below the file's size. Baseline in the same run: DuckDB's own read_csv → parquet.
 */
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';

const run = promisify(execFile);
const MB = Number(process.env.BENCH_STREAM_MB ?? 200);
const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(REPO, 'bin', 'crmlake.js');
const SAMPLES = path.join(REPO, 'samples', 'datasets', 'online-retail', 'by-day');

/** Real Online Retail lines cycled with fresh invoice numbers and dates until `bytes` are written. */
async function generate(file: string, bytes: number): Promise<number> {
  const lines: string[] = [];
  for (const name of (await readdir(SAMPLES)).filter((f) => f.endsWith('.csv')).sort()) {
    lines.push(...(await readFile(path.join(SAMPLES, name), 'utf8')).trim().split('\n').slice(1));
  }
  const out = createWriteStream(file);
  let written = out.write('InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n') ? 0 : 0;
  let rows = 0;
  while (written < bytes) {
    const round = Math.floor(rows / lines.length);
    const line =
      lines[rows % lines.length]!
        .replace(/^(C?)(\d+)/, (_, c: string, n: string) => `${c}${Number(n) + round * 100_000}`)
        .replace(/2010-12-\d\d/, `2011-${String(1 + (Math.floor(round / 28) % 12)).padStart(2, '0')}-${String(1 + (round % 28)).padStart(2, '0')}`) + '\n';
    written += line.length;
    rows++;
    if (!out.write(line)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve) => out.end(resolve));
  return rows;
}

/** Runs the real CLI and samples its peak resident memory (VmHWM) from /proc. */
async function ingestPeak(lake: string, file: string): Promise<{ seconds: number; peakMiB: number; stdout: string }> {
  const t0 = performance.now();
  const child = execFile(process.execPath, [CLI, '--lake', lake, 'ingest', 'pos', file], { maxBuffer: 1 << 24 });
  let peak = 0;
  const sample = setInterval(async () => {
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
    if (hwm) peak = Math.max(peak, Number(hwm[1]) / 1024);
  }, 50);
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  clearInterval(sample);
  if (code !== 0) throw new Error(`ingest exited with ${code}:\n${stdout}`);
  return { seconds: (performance.now() - t0) / 1000, peakMiB: peak, stdout };
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-stream-'));
  try {
    const results = [];
    for (const size of [MB / 4, MB]) {
      const file = path.join(dir, `pos-${size}mb.csv`);
      const rows = await generate(file, size * 1024 * 1024);
      const bytes = (await stat(file)).size;
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const t0 = performance.now();
      await connection.run(`COPY (SELECT * FROM read_csv('${file}', header = true)) TO '${path.join(dir, 'baseline.parquet')}' (FORMAT parquet)`);
      const baseline = (performance.now() - t0) / 1000;
      connection.closeSync();
      instance.closeSync();
      const ingest = await ingestPeak(path.join(dir, `lake-${size}`), file);
      const reconciliation = /reconciliation: (.*)/.exec(ingest.stdout)?.[1] ?? '?';
      results.push({ size, bytes, rows, ...ingest });
      console.log(
        `stream bench: ${(bytes / 2 ** 20).toFixed(0)} MiB, ${rows.toLocaleString('en-US')} lines: ingest ${ingest.seconds.toFixed(1)} s ` +
          `(${(ingest.seconds / baseline).toFixed(1)}× DuckDB read_csv → parquet ${baseline.toFixed(1)} s), peak RSS ${ingest.peakMiB.toFixed(0)} MiB ` +
          `= ${(ingest.peakMiB / (bytes / 2 ** 20)).toFixed(2)}× file size; ${reconciliation}`,
      );
      await rm(file, { force: true });
      await rm(path.join(dir, `lake-${size}`), { recursive: true, force: true });
    }
    const [small, large] = results;
    console.log(
      `  bounded: ${(large!.bytes / small!.bytes).toFixed(1)}× the data took ${(large!.peakMiB / small!.peakMiB).toFixed(2)}× the peak memory`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
