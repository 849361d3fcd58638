/**
 * Opening a lake of three years of daily deliveries: what a reader pays to learn a feed's
 * committed files (Lake.committedFiles, which every engine session does per feed before its first
 * query), with the manifest index (one listing + one read) and without it (one read per delivery,
 * as before the index), against the least it can cost: reading one file of the index's size.
 * On a local folder and on S3 (fauxqs, an S3-compatible server in this process).
 *   BENCH_OPEN_DELIVERIES   daily deliveries of one feed (default 1,096: three years)
 *   BENCH_OPEN_RUNS         runs of each measure; the median is reported (default 5)
 */
import { readFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Lake, manifestIndexKey } from '../src/lake/lake.js';
import { LocalStore } from '../src/lake/local.js';
import { S3Store } from '../src/lake/s3.js';
import type { LakeStore } from '../src/lake/store.js';
import { startLocalS3 } from '../test/s3.js';

const DELIVERIES = Number(process.env.BENCH_OPEN_DELIVERIES ?? 1096);
const RUNS = Number(process.env.BENCH_OPEN_RUNS ?? 5);

/** A daily delivery's manifest as ingest writes it (one business date, one curated and one quarantine file). */
function dailyManifest(day: string, i: number) {
  const stem = `tills__pos-${day}.csv-${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}`;
  return {
    feed: 'pos',
    deliveryKey: `tills/pos-${day}.csv`,
    sha256: `${stem}`.padEnd(64, '0').slice(0, 64),
    bytes: 912_345,
    rawPath: `raw/pos/${day}/${stem}.csv`,
    mapping: 'online-retail@1',
    ingestedAt: `${day}T06:00:00.000Z`,
    status: 'landed',
    counts: { read: 9132, landed: 9120, quarantined: 12 },
    businessDates: { min: day, max: day },
    files: { curated: [`curated/pos_lines/dt=${day}/${stem}.parquet`], quarantine: [`quarantine/pos/${stem}.parquet`] },
  };
}

async function median(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const began = performance.now();
    await run();
    times.push(performance.now() - began);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

async function measure(label: string, makeStore: () => LakeStore, readOne: () => Promise<unknown>): Promise<void> {
  const start = new Date('2023-12-01T00:00:00Z').getTime();
  const writer = new Lake(makeStore());
  const unlock = await writer.lock('bench lake-open');
  const writeStarted = performance.now();
  for (let i = 0; i < DELIVERIES; i++) {
    const day = new Date(start + i * 86_400_000).toISOString().slice(0, 10);
    await writer.writeJsonAtomic(`_manifests/pos/tills__pos-${day}.json`, dailyManifest(day, i));
  }
  const commitMs = performance.now() - writeStarted;
  const releaseStarted = performance.now();
  await unlock(); // writes the index
  const indexMs = performance.now() - releaseStarted;
  const indexBytes = (await makeStore().readText(manifestIndexKey('pos')))!.length;
  const open = async () => {
    const files = await new Lake(makeStore()).committedFiles('pos');
    if (files.curated.length !== DELIVERIES) throw new Error(`expected ${DELIVERIES} files, got ${files.curated.length}`);
  };
  const baseline = await median(readOne);
  const indexed = await median(open);
  const index = await makeStore().readText(manifestIndexKey('pos'));
  await makeStore().remove(manifestIndexKey('pos'));
  const unindexed = await median(open); // a reader never writes the index: every run reads every manifest
  await makeStore().writeText(manifestIndexKey('pos'), index!);
  const ms = (n: number) => `${n.toFixed(1).padStart(7)} ms`;
  console.log(`  ${label}`);
  console.log(`    commit ${DELIVERIES} manifests ${ms(commitMs)}; index of ${Math.round(indexBytes / 1024)} KiB written at release in ${ms(indexMs)}`);
  console.log(`    baseline: read and parse one ${Math.round(indexBytes / 1024)} KiB file   ${ms(baseline)}`);
  console.log(`    open with the manifest index              ${ms(indexed)} = ${(indexed / baseline).toFixed(1)}× baseline`);
  console.log(`    open without it (one read per delivery)   ${ms(unindexed)} = ${(unindexed / baseline).toFixed(1)}× baseline, ${(unindexed / indexed).toFixed(1)}× the index`);
}

export async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-bench-open-'));
  const s3 = await startLocalS3('crmlake-bench-open');
  try {
    console.log(`lake open: committed files of one feed of ${DELIVERIES.toLocaleString('en-US')} daily deliveries, median of ${RUNS}`);
    const root = path.join(dir, 'lake');
    await measure('local folder', () => new LocalStore(root), async () => JSON.parse(await readFile(path.join(root, '_manifests', 'pos.index.json'), 'utf8')));
    const s3Store = () => new S3Store(`s3://${s3.bucket}/lake`, s3.client, path.join(dir, 'cache'));
    await measure('S3 (fauxqs, in process)', s3Store, async () => JSON.parse((await s3Store().readText(manifestIndexKey('pos')))!));
  } finally {
    await s3.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
