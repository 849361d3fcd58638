import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, copyRetailDays, REPO, scratchDir } from '../helpers.js';

const exec = promisify(execFile);
const crmlake = (...args: string[]) => exec(process.execPath, [CLI, ...args], { env: { ...process.env, CRMLAKE_LAKE: lakeDir } });

let lakeDir: string;
let cleanup: () => Promise<void>;
let posDir: string;

beforeAll(async () => {
  const scratch = await scratchDir('cli');
  cleanup = scratch.cleanup;
  lakeDir = path.join(scratch.dir, 'lake');
  posDir = await copyRetailDays(scratch.dir, ['2010-12-01', '2010-12-02']);
});
afterAll(async () => cleanup());

describe('crmlake CLI', () => {
  it.each(['ingest', 'build', 'sql', 'report', 'refresh', 'serve', 'demo', 'status', 'clv', 'clv fit'])('has --help for %s', async (command) => {
    const { stdout } = await crmlake(...command.split(' '), '--help');
    expect(stdout).toMatch(new RegExp(`^Usage: crmlake ${command}`));
    expect(stdout).toContain('--lake <location>');
  });

  it('ingests, builds and answers SQL in table, csv and json', async () => {
    const ingest = await crmlake('ingest', 'pos', posDir);
    expect(ingest.stdout).toMatch(/reconciliation: read 5,217 = landed 5,217 \+ quarantined 0/);
    const build = await crmlake('build');
    expect(build.stdout).toMatch(/OK\s+table customer_rfm\s+[\d,]+ rows/);
    expect(build.stdout).toMatch(/OK\s+incremental sales_daily\s+2 rows/);
    const query = `select cast(date as varchar) as date, orders from sales_daily order by date`;
    const json = JSON.parse((await crmlake('sql', '--format', 'json', query)).stdout);
    expect(json.map((r: { date: string }) => r.date)).toEqual(['2010-12-01', '2010-12-02']);
    const csv = (await crmlake('sql', '--format', 'csv', query)).stdout.trim().split('\n');
    expect(csv).toEqual(['date,orders', ...json.map((r: { date: string; orders: number }) => `${r.date},${r.orders}`)]);
    expect((await crmlake('sql', query)).stdout).toMatch(/date\s+orders\n-+\s+-+\n2010-12-01/);
    const status = JSON.parse((await crmlake('status', '--json')).stdout);
    expect(status.feeds.find((f: { feed: string }) => f.feed === 'pos')).toMatchObject({
      files: 2, rowsRead: 5217, rowsLanded: 5217, rowsQuarantined: 0, latestBusinessDate: '2010-12-02',
    });
    expect(status.lastBuild.results.find((r: { model: string }) => r.model === 'sales_daily')).toMatchObject({ status: 'success', rows: 2 });
    expect((await crmlake('status')).stdout).toMatch(/pos\s+2\s+0\s+5,217\s+5,217\s+0\s+2010-12-02/);
  });

  it('refreshes (build, test, report) in one command, and stops with the step named on failure', async () => {
    const out = path.join(lakeDir, '..', 'site');
    const ok = await crmlake('refresh', '--out', out);
    expect(ok.stdout).toMatch(/refresh: build models[\s\S]*test summary: (\d+) of \1 passed[\s\S]*report: \d+ page\(s\)[\s\S]*refresh: done/);
    expect(existsSync(path.join(out, 'index.html'))).toBe(true);
    const stamp = statSync(path.join(out, 'index.html')).mtimeMs;

    const models = path.join(lakeDir, '..', 'broken-models');
    await cp(path.join(REPO, 'models'), models, { recursive: true });
    await writeFile(path.join(models, 'marts', 'broken.sql'), "select * from {{ ref('no_such_model') }}\n");
    const failed = await crmlake('refresh', '--out', out, '--models', models).catch((e) => e);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/refresh failed at "build models": .*no_such_model.*The published report was left as it was/);
    expect(statSync(path.join(out, 'index.html')).mtimeMs).toBe(stamp);
  });

  it('explains bad input instead of failing obscurely', async () => {
    const badDate = await crmlake('build', '--as-of', '2010-13-45').catch((e) => e);
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/--as-of must be a date written YYYY-MM-DD/);
    const badFeed = await crmlake('ingest', 'shoes', posDir).catch((e) => e);
    expect(badFeed.stderr).toMatch(/Allowed choices are pos/);
    const badSql = await crmlake('sql', 'select * from no_such_mart').catch((e) => e);
    expect(badSql.stderr).toMatch(/crmlake: .*no_such_mart/);
    const missing = await crmlake('ingest', 'pos', path.join(posDir, 'nope.csv')).catch((e) => e);
    expect(missing.stderr).toMatch(/Input not found: .*nope.csv/);
  });

  it('says so when files are rejected whole, describes a binary first line instead of printing it, and names a lake without a build', async () => {
    const dir = path.dirname(posDir);
    // A PNG signature and bytes that are no UTF-8 text, under a .csv name.
    const binary = Buffer.from(Array.from({ length: 600 }, (_, i) => (i < 8 ? [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a][i]! : (i * 151 + 7) % 256)));
    await writeFile(path.join(dir, 'photo.csv'), binary);
    await writeFile(path.join(dir, 'other.csv'), 'a,b\n1,2\n');
    const other = path.join(dir, 'other-lake');
    const ingest = async (...files: string[]) =>
      // A rejected file makes ingest exit 2; its report is on stdout either way.
      exec(process.execPath, [CLI, '--lake', other, 'ingest', 'pos', ...files]).then((r) => r.stdout, (e: { code: number; stdout: string }) => {
        expect(e.code).toBe(2);
        return e.stdout;
      });
    const onlyRejected = await ingest(path.join(dir, 'photo.csv'), path.join(dir, 'other.csv'));
    expect(onlyRejected).toMatch(/reconciliation: no rows read: 2 file\(s\) rejected whole/);
    expect(onlyRejected).not.toMatch(/read 0 = landed 0/);
    expect(onlyRejected).toMatch(/photo\.csv: .*the first line is not utf-8 text \(\d+ undecodable byte\(s\)/);
    expect(onlyRejected).toMatch(/other\.csv: .*\(found: a, b\)/);
    expect(onlyRejected).not.toMatch(/[\uFFFD\u0000-\u0008\u000E-\u001F]/);
    // (New content: the same file again would be an unchanged delivery.)
    await writeFile(path.join(dir, 'photo2.csv'), binary.map((b, i) => (i < 8 ? b : 255 - b)));
    const mixed = await ingest(path.join(posDir, '2010-12-01.csv'), path.join(dir, 'photo2.csv'));
    expect(mixed).toMatch(/read [\d,]+ = landed [\d,]+ \+ quarantined 0 {2}✓; 1 more file\(s\) rejected whole/);
    // Curated data but no build, and a folder that is no lake at all: both say there is no build.
    for (const lake of [other, path.join(dir, 'not-a-lake')]) {
      const noBuild = await exec(process.execPath, [CLI, '--lake', lake, 'sql', 'select * from customer_360']).catch((e) => e);
      expect(noBuild.code).toBe(1);
      expect(noBuild.stderr).toMatch(/has no built models yet: run `crmlake build`/);
    }
  });
});
