import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, copyRetailDays, REPO, scratchDir } from '../helpers.js';

const exec = promisify(execFile);
let lakeDir: string;
let dir: string;
let cleanup: () => Promise<void>;
const crmlake = (...args: string[]) => exec(process.execPath, [CLI, ...args], { env: { ...process.env, CRMLAKE_LAKE: lakeDir }, cwd: REPO });
const failing = (...args: string[]) => crmlake(...args).then(
  (r) => ({ code: 0, ...r }),
  (e: { code: number; stdout: string; stderr: string }) => e,
);

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('models-cli'));
  lakeDir = path.join(dir, 'lake');
  const posDir = await copyRetailDays(dir, ['2010-12-01', '2010-12-02']);
  await crmlake('ingest', 'pos', posDir);
});
afterAll(async () => cleanup());

describe('crmlake lint, compile, test, docs, build --select', () => {
  it.each(['lint', 'compile', 'test', 'docs'])('has --help for %s', async (command) => {
    const { stdout } = await crmlake(command, '--help');
    expect(stdout).toMatch(new RegExp(`^Usage: crmlake ${command}`));
    expect(stdout).toContain('--select');
  });

  it('build --help describes selection, --full-refresh and --one-at-a-time', async () => {
    const { stdout } = await crmlake('build', '--help');
    expect(stdout).toMatch(/--select <selector\.\.\.>[\s\S]*--exclude[\s\S]*--full-refresh[\s\S]*--one-at-a-time[\s\S]*path:<folder>/);
  });

  it('lint passes on the shipped models and names file:line:column and a fix otherwise', async () => {
    expect((await crmlake('lint')).stdout).toMatch(/^lint: \d+ SQL models and \d+ singular tests OK/m);
    const models = path.join(dir, 'bad-models');
    await mkdir(path.join(models, 'marts'), { recursive: true });
    await writeFile(path.join(models, 'marts/m.sql'), `select customer_id, order_id\nfrom {{ ref('n') }}\nqualify row_number() over (partition by customer_id order by order_id::int) = 1\n`);
    await writeFile(path.join(models, 'marts/n.sql'), `select 1 as customer_id, 2 as order_id`);
    const result = await failing('lint', '--models', models);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/bad-models\/marts\/m\.sql:3:1: \[qualify\] QUALIFY is DuckDB-only.*\n    fix: compute the window in a CTE/);
    expect(result.stdout).toMatch(/bad-models\/marts\/m\.sql:3:70: \[double-colon-cast\]/);
    expect(result.stdout).toMatch(/^lint: 2 findings in 1 file$/m);
    expect((await crmlake('lint', '--rules')).stdout).toMatch(/^integer-division\s+integer \/ integer/m);
  });

  it('compile --engine athena writes one file per model in DAG order and every statement parses', async () => {
    const out = path.join(dir, 'athena');
    const { stdout, stderr } = await crmlake('compile', '--engine', 'athena', '--out', out, '--database', 'crm', '--location', 's3://b/wh', '--run-id', 'R9', '--check');
    const files = (await readdir(out)).sort();
    expect(files[0]).toMatch(/^01_/);
    // Dependency order: a model's file comes after the files of the models it reads.
    const position = (model: string) => files.findIndex((f) => f.endsWith(`_${model}.sql`));
    expect(position('stg_pos__lines')).toBeGreaterThanOrEqual(0);
    expect(position('stg_pos__lines')).toBeLessThan(position('int_customer_orders'));
    expect(position('int_customer_orders')).toBeLessThan(position('customer_rfm'));
    expect(files).toContain('_manifest.json');
    expect(stdout).toMatch(/customer_clv\.sql\s+program \(TypeScript, not SQL\)/);
    expect(stderr).toMatch(/check: (\d+) of \1 statements parse/);
    const rfm = await readFile(path.join(out, files.find((f) => f.endsWith('_customer_rfm.sql'))!), 'utf8');
    expect(rfm).toContain(`CREATE TABLE crm.customer_rfm__stage_r9\nWITH (\n  format = 'PARQUET',\n  write_compression = 'SNAPPY',\n  external_location = 's3://b/wh/customer_rfm/r9/'\n) AS`);
    const manifest = JSON.parse(await readFile(path.join(out, '_manifest.json'), 'utf8')) as { model: string; kind: string }[];
    expect(manifest.find((m) => m.model === 'customer_clv')).toMatchObject({ kind: 'program', statements: [] });
    const duck = await crmlake('compile', '--engine', 'duckdb', '--select', 'stg_pos__lines');
    expect(duck.stdout).toMatch(/from curated\."pos_lines";/);
    // --out writes the DuckDB SELECTs as files too (it was once ignored and everything printed).
    const duckOut = path.join(dir, 'duckdb');
    const written = await crmlake('compile', '--engine', 'duckdb', '--out', duckOut, '--select', '+customer_rfm');
    expect(written.stdout).toMatch(/compiled \d+ models for duckdb/);
    const duckFiles = (await readdir(duckOut)).sort();
    expect(duckFiles.findIndex((f) => f.endsWith('_stg_pos__lines.sql'))).toBeLessThan(duckFiles.findIndex((f) => f.endsWith('_customer_rfm.sql')));
    expect(await readFile(path.join(duckOut, duckFiles.find((f) => f.endsWith('_stg_pos__lines.sql'))!), 'utf8')).toMatch(/^-- stg_pos__lines \(view\)[\s\S]*from curated\."pos_lines";\n$/);
    const duckManifest = JSON.parse(await readFile(path.join(duckOut, '_manifest.json'), 'utf8')) as { model: string; kind: string }[];
    expect(duckManifest.find((m) => m.model === 'customer_xref')).toMatchObject({ kind: 'program' });
  });

  it('build --select refuses to read models that were never built, then test, docs and status report the runs', async () => {
    const notBuilt = await failing('build', '--select', 'customer_rfm');
    expect(notBuilt.code).toBe(1);
    expect(notBuilt.stderr).toMatch(/customer_rfm reads [a-z_, ]*stg_pos__lines[a-z_, ]*, which are not built and not selected: add \+customer_rfm/);
    const upstream = (await crmlake('build', '--select', '+customer_rfm')).stdout;
    expect(upstream).toMatch(/OK\s+view\s+stg_pos__lines[\s\S]*OK\s+table customer_xref[\s\S]*OK\s+table customer_rfm/);
    expect(upstream).not.toMatch(/sales_daily/);
    const partial = await failing('test');
    expect(partial.code).toBe(1);
    expect(partial.stdout).toMatch(/ERROR data\s+not_null_sales_daily_date[\s\S]*not built: sales_daily \(run crmlake build --select sales_daily\)/);
    // --one-at-a-time: no model starts before the one before it ended (the run record's times).
    await crmlake('build', '--one-at-a-time');
    const runs = (await readdir(path.join(lakeDir, '_runs'))).filter((f) => f.endsWith('-build.json')).sort();
    const timed = (JSON.parse(await readFile(path.join(lakeDir, '_runs', runs.at(-1)!), 'utf8')) as { results: { started: number; seconds: number }[] }).results
      .filter((r) => r.started !== undefined)
      .sort((a, b) => a.started - b.started);
    expect(timed.length).toBeGreaterThan(40);
    expect(timed.filter((r, i) => i > 0 && r.started < timed[i - 1]!.started + timed[i - 1]!.seconds - 0.002)).toEqual([]);
    const tested = await crmlake('test');
    expect(tested.stdout).toMatch(/PASS\s+unit\s+customer_rfm_scores_and_segments/);
    expect(tested.stdout).toMatch(/^test summary: (\d+) of \1 passed; 0 failed, 0 warned, 0 errored/m);
    const docs = JSON.parse((await crmlake('docs', '--json')).stdout) as { name: string; columns: { name: string; description: string }[]; lastRun: { status: string }; upstream: string[] }[];
    const rfm = docs.find((d) => d.name === 'customer_rfm')!;
    expect(rfm).toMatchObject({ upstream: ['stg_pos__lines', 'int_customer_keys'], lastRun: { status: 'success', engine: 'duckdb' } });
    expect(rfm.columns.find((c) => c.name === 'rfm_segment')!.description).toMatch(/Segment name/);
    expect((await crmlake('docs', '--select', 'sales_daily')).stdout).toMatch(/^sales_daily {2}\(incremental\) {2}models\/marts\/sales_daily\.sql\n[\s\S]*upstream: {3}stg_pos__lines\n {2}downstream: \(none\)\n {2}last run: {3}success, 2 rows/);
    const status = JSON.parse((await crmlake('status', '--json')).stdout);
    expect(status.models.find((m: { model: string }) => m.model === 'customer_rfm')).toMatchObject({ status: 'success', engine: 'duckdb' });
    expect(status.lastTest.summary).toMatchObject({ fail: 0, error: 0 });
    expect((await crmlake('status')).stdout).toMatch(/model\s+status\s+rows\s+seconds\s+engine\s+built at[\s\S]*customer_rfm\s+success\s+[\d,]+\s+[\d.]+\s+duckdb/);
  });

  it('test exits 1 on a failing test and shows the failing rows with the file and line', async () => {
    const copy = path.join(dir, 'failing');
    await cp(path.join(REPO, 'models'), path.join(copy, 'models'), { recursive: true });
    const marts = path.join(copy, 'models/marts/_marts.yml');
    await writeFile(marts, (await readFile(marts, 'utf8')).replace('At Risk, Hibernating, New Customers', 'At Risk, New Customers'));
    const result = await failing('test', '--models', path.join(copy, 'models'), '--select', 'customer_rfm', '--type', 'data');
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/FAIL\s+data\s+accepted_values_customer_rfm_rfm_segment\s+1 failing row/);
    expect(result.stdout).toMatch(/models\/marts\/_marts\.yml:\d+\n\s+value_field\s+n_records\n\s+-+\s+-+\n\s+Hibernating\s+\d+/);
    expect(result.stderr).toMatch(/crmlake: 1 of \d+ tests failed/);
    const runs = (await readdir(path.join(lakeDir, '_runs'))).filter((f) => f.endsWith('-test.json'));
    expect(runs.length).toBeGreaterThanOrEqual(3);
  });
});
