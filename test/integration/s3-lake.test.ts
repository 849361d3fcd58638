import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { collectGarbage, ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';
import { Lake, RETIRED_FILES_KEPT_MS, sha256File } from '../../src/lake/lake.js';
import { S3Store } from '../../src/lake/s3.js';
import { loadProject } from '../../src/app/project.js';
import { buildModels } from '../../src/models/runner.js';
import { CLI, copyRetailDays, queryLake, scratchDir } from '../helpers.js';
import { startLocalS3, type LocalS3 } from '../s3.js';

const run = promisify(execFile);
const DAYS = ['2010-12-01', '2010-12-02', '2010-12-03'];

let s3: LocalS3;
let dir: string;
let cleanup: () => Promise<void>;
let posDir: string;

const ingest = async (lake: Lake, files: string[]) => ingestFiles(lake, files, { feed: posFeed, mapping: await loadMapping(posFeed) });
const s3Lake = (prefix: string) => new Lake(new S3Store(`s3://${s3.bucket}/${prefix}`, s3.client, path.join(dir, 'cache', prefix)));

async function objectKeys(prefix: string): Promise<string[]> {
  return s3Lake(prefix).list('');
}

beforeAll(async () => {
  s3 = await startLocalS3();
  ({ dir, cleanup } = await scratchDir('s3'));
  posDir = await copyRetailDays(dir, DAYS);
});

afterAll(async () => {
  await s3?.stop();
  await cleanup?.();
});

describe('the lake on S3 (a real S3-compatible server)', () => {
  it('lands files with the same zones, reconciliation and results as a local lake', async () => {
    const files = DAYS.map((d) => path.join(posDir, `${d}.csv`));
    const remote = s3Lake('lake');
    const local = new Lake(path.join(dir, 'local-lake'));
    const [onS3, onDisk] = [await ingest(remote, files), await ingest(local, files)];
    expect(onS3.totals).toEqual(onDisk.totals);
    expect(onS3.totals.read).toBe(onS3.totals.landed + onS3.totals.quarantined);

    const keys = await objectKeys('lake');
    expect(keys.filter((k) => k.startsWith('raw/pos/'))).toHaveLength(3);
    expect(keys.filter((k) => k.startsWith('_manifests/pos/'))).toHaveLength(3);
    expect(keys.filter((k) => k.startsWith('curated/pos_lines/dt=')).map((k) => k.split('/')[2])).toEqual(DAYS.map((d) => `dt=${d}`));
    // The lock's last generation stays behind, marked released.
    const lockKeys = keys.filter((k) => k.startsWith('_lock/'));
    expect(lockKeys.length).toBeGreaterThan(0);
    expect(JSON.parse((await remote.store.readText(lockKeys.at(-1)!))!)).toHaveProperty('releasedAt');
    // The original is kept byte for byte.
    const rawKey = keys.find((k) => k.startsWith('raw/pos/') && k.endsWith('2010-12-02.csv'))!;
    const raw = await s3.client.send(new GetObjectCommand({ Bucket: s3.bucket, Key: `lake/${rawKey}` }));
    expect(Buffer.from(await raw.Body!.transformToByteArray())).toEqual(await readFile(files[1]!));

    // Models build on S3 data exactly as on local data (DuckDB reads through the cache).
    for (const lake of [remote, local]) {
      const engine = await openWarehouse(lake);
      try {
        await buildModels(lake, engine, await loadProject(), {});
      } finally {
        await engine.close();
      }
    }
    const rfm = 'SELECT customer_id, r_score, f_score, m_score, rfm_segment FROM customer_rfm ORDER BY customer_id';
    const [remoteRfm, localRfm] = [await queryLake(remote, rfm), await queryLake(local, rfm)];
    expect(remoteRfm.length).toBeGreaterThan(100);
    expect(remoteRfm).toEqual(localRfm);
    expect((await objectKeys('lake')).filter((k) => k.startsWith('warehouse/customer_rfm/'))).toHaveLength(1);
  });

  it('is idempotent and replaces a corrected re-delivery, removing the old objects', async () => {
    const lake = s3Lake('redeliver');
    const file = path.join(posDir, '2010-12-03.csv');
    const first = await ingest(lake, [file]);
    expect((await ingest(lake, [file])).files[0]!.outcome).toBe('unchanged');
    const before = (await objectKeys('redeliver')).filter((k) => k.startsWith('curated/'));

    const corrected = path.join(dir, 'corrected');
    await mkdir(corrected, { recursive: true });
    await writeFile(path.join(corrected, '2010-12-03.csv'), (await readFile(file, 'utf8')).split('\n').slice(0, 51).join('\n'));
    const second = await ingest(lake, [path.join(corrected, '2010-12-03.csv')]);
    expect(second.files[0]).toMatchObject({ outcome: 'replaced', landed: 50 });
    await collectGarbage(lake, posFeed, Date.now() + RETIRED_FILES_KEPT_MS + 1); // an ingest an hour later
    const after = (await objectKeys('redeliver')).filter((k) => k.startsWith('curated/'));
    expect(after).toHaveLength(1);
    expect(after).not.toEqual(before);
    expect(await queryLake(lake, 'SELECT count(*) AS n FROM curated.pos_lines')).toEqual([{ n: 50 }]);
    expect(first.totals.landed).toBeGreaterThan(50);
  });

  it('serves the CLI with --lake s3://… (ingest, status, sql)', async () => {
    const env = { ...process.env, ...s3.env, CRMLAKE_CACHE: path.join(dir, 'cli-cache') };
    const lakeUri = `s3://${s3.bucket}/cli`;
    const ingested = await run(process.execPath, [CLI, '--lake', lakeUri, 'ingest', 'pos', path.join(posDir, '2010-12-01.csv')], { env });
    expect(ingested.stdout).toMatch(/reconciliation: read 3,108 = landed 3,108 \+ quarantined 0/);
    const status = JSON.parse((await run(process.execPath, [CLI, '--lake', lakeUri, 'status', '--json'], { env })).stdout);
    expect(status.lake).toBe(lakeUri);
    expect(status.feeds.find((f: { feed: string }) => f.feed === 'pos')).toMatchObject({ files: 1, rowsLanded: 3108 });
    const sql = await run(process.execPath, [CLI, '--lake', lakeUri, 'sql', '--format', 'json', 'SELECT count(DISTINCT order_id) AS orders FROM curated.pos_lines'], { env });
    expect(JSON.parse(sql.stdout)).toEqual([{ orders: 143 }]);
  });

  it('uploads large objects in parts and reads them back intact', async () => {
    const big = path.join(dir, 'big.bin');
    await writeFile(big, randomBytes(20 * 1024 * 1024));
    const store = new S3Store(`s3://${s3.bucket}/big`, s3.client, path.join(dir, 'big-cache'));
    await store.putFile(big, 'raw/x/big.bin');
    const head = await s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: 'big/raw/x/big.bin' }));
    expect(head.ContentLength).toBe(20 * 1024 * 1024);
    expect(await sha256File(await store.localFile('raw/x/big.bin'))).toBe(await sha256File(big));
  });
});

describe('the S3 writer lock', () => {
  it('refuses a second writer while the first holds the lock, and frees it on release', async () => {
    const lake = s3Lake('locking');
    const release = await lake.lock('ingest pos');
    await expect(s3Lake('locking').lock('build')).rejects.toThrow(/locked by process \d+ .*ingest pos/);
    await release();
    const again = await s3Lake('locking').lock('build');
    await again();
  });

  it('takes over a lock whose holder stopped refreshing it', async () => {
    const lake = s3Lake('stale');
    const expired = { pid: 1, host: 'another-machine', command: 'ingest pos', since: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:02:00Z' };
    await lake.store.writeText('_lock/000000000001.json', JSON.stringify(expired));
    const release = await lake.lock('build');
    expect(JSON.parse((await lake.store.readText('_lock/000000000002.json'))!)).toMatchObject({ command: 'build', pid: process.pid });
    await release();
  });

  // S3 itself enforces If-None-Match and If-Match; fauxqs does not, so those paths are tested
  // against a double that does (test/integration/lock.test.ts).
});
