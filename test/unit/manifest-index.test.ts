import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake, manifestIndexKey } from '../../src/lake/lake.js';
import { LocalStore } from '../../src/lake/local.js';
import { S3Store } from '../../src/lake/s3.js';
import type { LakeStore } from '../../src/lake/store.js';
import { scratchDir } from '../helpers.js';
import { startLocalS3, type LocalS3 } from '../s3.js';

interface Manifest {
  delivery: string;
  files: { curated: string[]; quarantine: string[] };
}

const manifest = (delivery: string, file = `curated/t/dt=${delivery}/a.parquet`): Manifest => ({ delivery, files: { curated: [file], quarantine: [] } });
const manifestKey = (delivery: string) => `_manifests/pos/${delivery}.json`;

/** The store, counting the documents read (GET or file read) and the listings. */
function counting(store: LakeStore): { store: LakeStore; reads: () => number; lists: () => number } {
  let reads = 0;
  let lists = 0;
  const proxy = new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (property === 'readText' || property === 'readVersioned') reads++;
        if (property === 'list' || property === 'listVersions') lists++;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return { store: proxy, reads: () => reads, lists: () => lists };
}

/** A writer that commits these deliveries under the lock, as ingest does, and releases it. */
async function commit(lake: Lake, manifests: Manifest[]): Promise<void> {
  const unlock = await lake.lock('test commit');
  try {
    for (const m of manifests) await lake.writeJsonAtomic(manifestKey(m.delivery), m);
  } finally {
    await unlock();
  }
}

const deliveries = (lake: Lake) => lake.listManifests<Manifest>('pos').then((ms) => ms.map((m) => m.delivery));

/** The same checks on both stores. */
function indexContract(name: string, makeStore: (prefix: string) => LakeStore) {
  describe(`the manifest index (${name})`, () => {
    it('opens a feed of many deliveries with one listing and one read, the same manifests as without it', async () => {
      const days = Array.from({ length: 40 }, (_, i) => `2024-01-${String(i + 1).padStart(2, '0')}`).map((d, i) => (i < 31 ? d : `2024-02-${String(i - 30).padStart(2, '0')}`));
      await commit(new Lake(makeStore('many')), days.map((d) => manifest(d)));
      const reader = counting(makeStore('many'));
      const lake = new Lake(reader.store);
      expect(await deliveries(lake)).toEqual([...days].sort());
      expect(reader.reads()).toBe(1);
      expect(reader.lists()).toBe(1);
      expect((await lake.committedFiles('pos')).curated).toHaveLength(40);
      // Without the index (deleted): the same answer, from every manifest.
      await makeStore('many').remove(manifestIndexKey('pos'));
      const fallback = counting(makeStore('many'));
      expect(await deliveries(new Lake(fallback.store))).toEqual([...days].sort());
      expect(fallback.reads()).toBe(41);
    });

    it('shows a delivery committed by a writer that crashed before writing the index, and repairs the index at the next release', async () => {
      await commit(new Lake(makeStore('crash')), [manifest('2024-01-01'), manifest('2024-01-02')]);
      // The crashed writer: its manifest is committed (written whole), its lock never released.
      const crashed = new Lake(makeStore('crash'));
      await crashed.lock('crashed ingest');
      await crashed.writeJsonAtomic(manifestKey('2024-01-03'), manifest('2024-01-03'));
      const reader = counting(makeStore('crash'));
      expect(await deliveries(new Lake(reader.store))).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
      expect(reader.reads()).toBe(2); // the index and the one manifest it lacks
      // The next writer (the stale lock expired, or a build over the feed) repairs the index.
      const index = JSON.parse((await makeStore('crash').readText(manifestIndexKey('pos')))!) as { entries: { key: string }[] };
      expect(index.entries.map((e) => e.key)).toEqual([manifestKey('2024-01-01'), manifestKey('2024-01-02')]);
      const next = new Lake(makeStore('crash'));
      await next.listManifests('pos');
      await next.flushManifestIndexes();
      const repaired = counting(makeStore('crash'));
      expect(await deliveries(new Lake(repaired.store))).toEqual(['2024-01-01', '2024-01-02', '2024-01-03']);
      expect(repaired.reads()).toBe(1);
    });

    it('never shows a delivery whose manifest is not committed, even when the index lists it', async () => {
      await commit(new Lake(makeStore('phantom')), [manifest('2024-01-01')]);
      const store = makeStore('phantom');
      const index = JSON.parse((await store.readText(manifestIndexKey('pos')))!) as { entries: { key: string; version: string; manifest: Manifest }[] };
      index.entries.push({ key: manifestKey('2024-01-02'), version: index.entries[0]!.version, manifest: manifest('2024-01-02') });
      await store.writeText(manifestIndexKey('pos'), JSON.stringify(index));
      expect(await deliveries(new Lake(makeStore('phantom')))).toEqual(['2024-01-01']);
      // A manifest removed (as a retired delivery is) leaves the index's copy unused too.
      await commit(new Lake(makeStore('phantom')), [manifest('2024-01-03')]);
      const remover = new Lake(makeStore('phantom'));
      const unlock = await remover.lock('remove');
      await remover.remove(manifestKey('2024-01-01'));
      expect(await deliveries(new Lake(makeStore('phantom')))).toEqual(['2024-01-03']);
      await unlock();
      const after = JSON.parse((await makeStore('phantom').readText(manifestIndexKey('pos')))!) as { entries: { key: string }[] };
      expect(after.entries.map((e) => e.key)).toEqual([manifestKey('2024-01-03')]);
    });

    it('shows the new manifest of a re-delivered file, whether the index caught up or not', async () => {
      await commit(new Lake(makeStore('redelivery')), [manifest('2024-01-01'), manifest('2024-01-02')]);
      // Replaced behind the index's back (a writer that crashed before its release).
      await makeStore('redelivery').writeText(manifestKey('2024-01-02'), JSON.stringify(manifest('2024-01-02', 'curated/t/dt=2024-01-02/b.parquet')));
      const files = async () => (await new Lake(makeStore('redelivery')).committedFiles('pos')).curated;
      expect(await files()).toEqual(['curated/t/dt=2024-01-01/a.parquet', 'curated/t/dt=2024-01-02/b.parquet']);
      // Replaced by a writer that released its lock: the index has the new copy.
      await commit(new Lake(makeStore('redelivery')), [manifest('2024-01-02', 'curated/t/dt=2024-01-02/c.parquet')]);
      const reader = counting(makeStore('redelivery'));
      expect((await new Lake(reader.store).committedFiles('pos')).curated).toEqual(['curated/t/dt=2024-01-01/a.parquet', 'curated/t/dt=2024-01-02/c.parquet']);
      expect(reader.reads()).toBe(1);
    });

    it('reads every manifest when the index cannot be parsed', async () => {
      await commit(new Lake(makeStore('torn')), [manifest('2024-01-01'), manifest('2024-01-02')]);
      await makeStore('torn').writeText(manifestIndexKey('pos'), '{"format": 1, "feed": "pos", "entr');
      expect(await deliveries(new Lake(makeStore('torn')))).toEqual(['2024-01-01', '2024-01-02']);
    });
  });
}

let dir: string;
let cleanup: () => Promise<void>;
let s3: LocalS3;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('manifest-index'));
  s3 = await startLocalS3();
});

afterAll(async () => {
  await s3?.stop();
  await cleanup?.();
});

indexContract('local folder', (prefix) => new LocalStore(path.join(dir, 'local', prefix)));
indexContract('S3', (prefix) => new S3Store(`s3://${s3.bucket}/${prefix}`, s3.client, path.join(dir, 'cache', prefix)));

describe('the manifest index on disk', () => {
  it('is not a delivery: the feed folder holds only the manifests', async () => {
    const root = path.join(dir, 'layout');
    await commit(new Lake(root), [manifest('2024-01-01')]);
    expect(await new Lake(root).list('_manifests/pos/')).toEqual([manifestKey('2024-01-01')]);
    const index = JSON.parse(await readFile(path.join(root, '_manifests', 'pos.index.json'), 'utf8')) as { entries: unknown[] };
    expect(index.entries).toHaveLength(1);
    await writeFile(path.join(root, '_manifests', 'pos.index.json'), 'not json');
    expect(await deliveries(new Lake(root))).toEqual(['2024-01-01']);
  });

  it('is written by a writer that read it stale (as a build reads every feed), and never for a feed with no delivery', async () => {
    const root = path.join(dir, 'repair');
    await commit(new Lake(root), [manifest('2024-01-01')]);
    await writeFile(path.join(root, '_manifests', 'pos.index.json'), 'not json');
    const build = new Lake(root);
    const unlock = await build.lock('build');
    expect((await build.committedFiles('pos')).curated).toHaveLength(1);
    expect((await build.committedFiles('web')).curated).toHaveLength(0);
    await unlock();
    const index = JSON.parse(await readFile(path.join(root, '_manifests', 'pos.index.json'), 'utf8')) as { entries: unknown[] };
    expect(index.entries).toHaveLength(1);
    expect(await new Lake(root).exists(manifestIndexKey('web'))).toBe(false);
  });
});
