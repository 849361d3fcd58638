import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryManifest } from '../../src/feeds/ingest.js';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';
import { Lake } from '../../src/lake/lake.js';
import { CLI, queryLake, RETAIL_DAYS, scratchDir } from '../helpers.js';

const DAYS = ['2010-12-01', '2010-12-02', '2010-12-03', '2010-12-05', '2010-12-06', '2010-12-07'];
const files = DAYS.map((d) => path.join(RETAIL_DAYS, `${d}.csv`));

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratchDir('concurrency')));
afterAll(() => cleanup());

const curatedRows = async (lake: Lake) => Number((await queryLake(lake, 'select count(*) as n from curated.pos_lines'))[0]!.n);

/** What the committed manifests promise: every listed file exists and the rows add up. */
async function expectConsistent(lake: Lake): Promise<number> {
  const manifests = await lake.listManifests<DeliveryManifest>('pos');
  for (const m of manifests) for (const f of [...m.files.curated, ...m.files.quarantine]) expect(await lake.exists(f), f).toBe(true);
  const promised = manifests.reduce((sum, m) => sum + m.counts.landed, 0);
  expect(await curatedRows(lake)).toBe(promised);
  return manifests.length;
}

describe('concurrent writers on one lake', () => {
  it('six ingests at once (as concurrent Lambdas) take turns and all land', async () => {
    const lake = new Lake(path.join(dir, 'together'));
    const mapping = await loadMapping(posFeed);
    const runs = await Promise.all(files.map((f) => ingestFiles(new Lake(path.join(dir, 'together')), [f], { feed: posFeed, mapping, lockWaitMs: 120_000 })));
    for (const run of runs) expect(run.totals.read).toBe(run.totals.landed + run.totals.quarantined);
    expect(await curatedRows(lake)).toBe(runs.reduce((s, r) => s + r.totals.landed, 0));
    expect(await expectConsistent(lake)).toBe(6);
    expect(await lake.list('_tmp/')).toEqual([]);
  }, 180_000);
});

describe('kill -9 at random moments of an ingest', () => {
  it('leaves the lake before-or-after each delivery, every round; a re-run completes it', async () => {
    const lakeDir = path.join(dir, 'killed');
    const lake = new Lake(lakeDir);
    const ingest = (target: string) => spawn(process.execPath, [CLI, '--lake', target, 'ingest', 'pos', ...files], { stdio: 'ignore' });
    // How long a whole run takes here, so the kills fall anywhere in it (start-up included).
    const began = Date.now();
    await new Promise((resolve) => ingest(path.join(dir, 'timing')).on('exit', resolve));
    const whole = Date.now() - began;
    const rounds = 4;
    const survived: number[] = [];
    for (let round = 0; round < rounds; round++) {
      const child = ingest(lakeDir);
      const delay = whole * (0.3 + 0.7 * Math.random());
      const timer = setTimeout(() => child.kill('SIGKILL'), delay);
      await new Promise((resolve) => child.on('exit', resolve));
      clearTimeout(timer);
      survived.push(await expectConsistent(lake));
    }
    const rerun = ingest(lakeDir);
    expect(await new Promise((resolve) => rerun.on('exit', resolve))).toBe(0);
    expect(await expectConsistent(lake)).toBe(6);
    const expected = (await lake.listManifests<DeliveryManifest>('pos')).reduce((s, m) => s + m.counts.read - m.counts.quarantined, 0);
    expect(await curatedRows(lake)).toBe(expected);
    // Debris of killed runs is collected by the next run: only the manifests' files remain.
    const listed = new Set((await lake.listManifests<DeliveryManifest>('pos')).flatMap((m) => m.files.curated));
    expect((await lake.list('curated/pos_lines/')).filter((k) => !listed.has(k))).toEqual([]);
    console.log(`kill rounds: ${rounds} over a ${whole} ms run, deliveries committed after each kill: ${survived.join(', ')}`);
  }, 300_000);
});
