import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';

describe('the lake writer lock', () => {
  afterEach(() => vi.useRealTimers());

  it('leaves no lock file when it is released while a refresh is being written', async () => {
    const { dir, cleanup } = await scratchDir('lake-lock');
    try {
      const lake = new Lake(path.join(dir, 'lake'));
      vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
      const release = await lake.lock('build');
      const lockDir = path.join(dir, 'lake', '_lock');
      expect(existsSync(lockDir)).toBe(true);
      // The refresh timer fires (every 30 s) and starts rewriting the lock file; release at once,
      // before that write has finished: release must wait for it, so the lock ends released.
      vi.advanceTimersByTime(30_000);
      await release();
      vi.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const held = (await readdir(lockDir)).filter((f) => f.endsWith('.json'));
      for (const file of held) expect(JSON.parse(await readFile(path.join(lockDir, file), 'utf8')).releasedAt ?? 'held').not.toBe('held');
      // And the next writer gets the lock without waiting.
      const again = await lake.lock('ingest', { waitMs: 0 });
      await again();
    } finally {
      await cleanup();
    }
  });
});

describe('a holder paused past the lock and taken over', () => {
  it('cannot commit: assertHeld names the new holder', async () => {
    const { dir, cleanup } = await scratchDir('lake-lock-takeover');
    try {
      const lake = new Lake(path.join(dir, 'lake'));
      const release = await lake.lock('ingest pos');
      await release.assertHeld();
      // Another host finds the lock stale (its holder was frozen) and takes generation n+1.
      const generations = (await readdir(path.join(dir, 'lake', '_lock'))).filter((f) => /^\d+\.json$/.test(f)).map((f) => Number(f.slice(0, -5)));
      const next = Math.max(...generations) + 1;
      const holder = { pid: 4242, host: 'other-host', boot: 'x', command: 'build', since: new Date().toISOString(), expiresAt: new Date(Date.now() + 120_000).toISOString() };
      expect(await lake.store.createExclusive(`_lock/${String(next).padStart(12, '0')}.json`, JSON.stringify(holder))).toBeTruthy();
      await expect(release.assertHeld()).rejects.toThrow(/taken over .* process 4242 on other-host, build.*nothing of it was committed/);
      await release();
    } finally {
      await cleanup();
    }
  });
});
