import { execFile } from 'node:child_process';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Lake } from '../../src/lake/lake.js';
import { S3Store } from '../../src/lake/s3.js';
import { conditionalS3Double } from '../s3-double.js';
import { REPO, scratchDir } from '../helpers.js';

const run = promisify(execFile);
const WORKER = path.join(REPO, 'test', 'integration', 'workers', 'lock-worker.ts');

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratchDir('lock')));
afterAll(() => cleanup());

/** Starts `processes` workers on one lake folder; each resolves with its result or its signal. */
function contend(lakeDir: string, processes: number, tries: number, env: Record<string, string> = {}) {
  return Promise.all(
    Array.from({ length: processes }, () =>
      run(process.execPath, ['--import', 'tsx', WORKER, lakeDir, String(tries)], { cwd: REPO, env: { ...process.env, ...env } }).then(
        ({ stdout }) => JSON.parse(stdout) as { acquired: number; overlaps: number },
        (error: { signal?: string }) => ({ killed: error.signal }),
      ),
    ),
  );
}

describe('the writer lock on a lake folder', () => {
  it('is exclusive: 8 processes × 40 tries, never two holders at once', async () => {
    const lakeDir = path.join(dir, 'stress');
    const results = await contend(lakeDir, 8, 40);
    expect(results).toEqual(Array.from({ length: 8 }, () => ({ acquired: 40, overlaps: 0 })));
  }, 180_000);

  it('takes over from holders killed while holding it (kill -9 at random turns), still one at a time', async () => {
    const lakeDir = path.join(dir, 'kills');
    const results = await contend(lakeDir, 6, 12, { KILL_EVERY: '5' });
    // Each worker kills itself on its 5th try: every kill left a live-looking lock that the
    // others had to take over from a dead pid, and nobody ever overlapped.
    expect(results).toEqual(Array.from({ length: 6 }, () => ({ killed: 'SIGKILL' })));
    const generations = (await readdir(path.join(lakeDir, '_lock'))).filter((f) => f.endsWith('.json'));
    expect(generations.length).toBeLessThanOrEqual(2);
    // The last holder died holding it: a new writer takes over at once (the pid is dead).
    const unlock = await new Lake(lakeDir).lock('after the kills');
    await unlock();
  }, 180_000);

  it('never leaves an empty lock, and a lock it cannot read counts as held, not stale', async () => {
    const lakeDir = path.join(dir, 'garbled');
    const lake = new Lake(lakeDir);
    const unlock = await lake.lock('first');
    const [file] = await readdir(path.join(lakeDir, '_lock'));
    expect(JSON.parse(await readFile(path.join(lakeDir, '_lock', file!), 'utf8'))).toMatchObject({ pid: process.pid, command: 'first' });
    await unlock();
    // A torn document (as a crash of the old open('wx')-then-write did) is not taken as stale.
    await writeFile(path.join(lakeDir, '_lock', '000000000099.json'), '');
    await expect(lake.lock('second')).rejects.toThrow(/_lock\/000000000099\.json cannot be read; it is treated as held/);
  });

  it('releases only its own lock: a holder that was taken over cannot free the new holder', async () => {
    const lakeDir = path.join(dir, 'taken');
    const lake = new Lake(lakeDir);
    const unlockFirst = await lake.lock('first');
    // The first holder froze past the TTL: its lock now looks expired from another machine.
    const [file] = await readdir(path.join(lakeDir, '_lock'));
    const expired = { pid: 1, host: 'elsewhere', command: 'first', since: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:02:00Z' };
    await writeFile(path.join(lakeDir, '_lock', file!), JSON.stringify(expired));
    const unlockSecond = await lake.lock('second');
    await unlockFirst(); // the frozen one wakes up and lets go of what it thinks it holds
    await expect(new Lake(lakeDir).lock('third')).rejects.toThrow(/locked by process \d+ .*\(second/);
    await unlockSecond();
    await (await new Lake(lakeDir).lock('third'))();
  });

  it('a refresh never brings a released lock back', async () => {
    const lakeDir = path.join(dir, 'refresh');
    const child = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { Lake } = await import(${JSON.stringify(path.join(REPO, 'src/lake/lake.ts'))});
         const lake = new Lake(${JSON.stringify(lakeDir)});
         const unlock = await lake.lock('refreshing');
         await new Promise((r) => setTimeout(r, 130));
         await unlock();
         await new Promise((r) => setTimeout(r, 250));
         const again = await new Lake(${JSON.stringify(lakeDir)}).lock('next', { waitMs: 0 });
         await again();
         console.log('ok');`,
      ],
      { cwd: REPO, env: { ...process.env, CRMLAKE_LOCK_TTL_MS: '40' } },
    );
    expect(child.stdout.trim()).toBe('ok');
  });

  it('writes lock files owner-only', async () => {
    const lakeDir = path.join(dir, 'modes');
    const unlock = await new Lake(lakeDir).lock('modes');
    const [file] = await readdir(path.join(lakeDir, '_lock'));
    expect((await stat(path.join(lakeDir, '_lock', file!))).mode & 0o777).toBe(0o600);
    await unlock();
  });
});

describe('the writer lock on S3 (a double that enforces If-None-Match and If-Match)', () => {
  it('is exclusive among 8 concurrent writers × 15 tries in one process (as concurrent Lambdas)', async () => {
    const s3 = conditionalS3Double();
    try {
      let inside = 0;
      let overlaps = 0;
      let acquired = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          const lake = new Lake(new S3Store('s3://bucket/lake', s3.client, path.join(dir, `s3-cache-${w}`)));
          for (let i = 0; i < 15; i++) {
            const unlock = await lake.lock(`writer ${w}`, { waitMs: 120_000 });
            acquired++;
            if (++inside > 1) overlaps++;
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            inside--;
            await unlock();
          }
        }),
      );
      expect({ acquired, overlaps }).toEqual({ acquired: 120, overlaps: 0 });
      const creates = s3.puts.filter((p) => p.IfNoneMatch === '*');
      expect(creates.length).toBeGreaterThanOrEqual(120);
      const releases = s3.puts.filter((p) => p.IfMatch !== undefined);
      expect(releases).toHaveLength(120);
    } finally {
      s3.restore();
    }
  }, 120_000);

  it('lets exactly one of 8 writers take over a stale lock', async () => {
    const s3 = conditionalS3Double();
    try {
      const stale = { pid: 1, host: 'gone', command: 'ingest pos', since: '2026-01-01T00:00:00Z', expiresAt: '2026-01-01T00:02:00Z' };
      s3.objects.set('bucket/lake/_lock/000000000003.json', { body: JSON.stringify(stale), etag: '"old"', modified: new Date(0) });
      const outcomes = await Promise.allSettled(
        Array.from({ length: 8 }, (_, w) => new Lake(new S3Store('s3://bucket/lake', s3.client, path.join(dir, `s3-take-${w}`))).lock(`writer ${w}`)),
      );
      const winners = outcomes.filter((o) => o.status === 'fulfilled');
      expect(winners).toHaveLength(1);
      for (const o of outcomes.filter((x) => x.status === 'rejected')) expect(String((o as PromiseRejectedResult).reason)).toMatch(/locked by process/);
      expect(JSON.parse(s3.objects.get('bucket/lake/_lock/000000000004.json')!.body)).toMatchObject({ pid: process.pid });
    } finally {
      s3.restore();
    }
  });

  it('asks for server-side encryption on every PUT', async () => {
    const s3 = conditionalS3Double();
    try {
      const store = new S3Store('s3://bucket/lake', s3.client, path.join(dir, 's3-sse'));
      await store.writeText('_manifests/pos/x.json', '{}');
      const file = path.join(dir, 'small.csv');
      await writeFile(file, 'a,b\n1,2\n');
      await store.putFile(file, 'raw/pos/x.csv');
      await (await new Lake(store).lock('sse'))();
      expect(s3.puts.length).toBeGreaterThanOrEqual(4);
      for (const put of s3.puts) expect(put).toMatchObject({ ServerSideEncryption: 'AES256' });
    } finally {
      s3.restore();
    }
  });
});
