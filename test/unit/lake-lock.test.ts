import { existsSync } from 'node:fs';
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
      const lockFile = path.join(dir, 'lake', '_lock.json');
      expect(existsSync(lockFile)).toBe(true);
      // The refresh timer fires (every 30 s) and starts rewriting the lock file; release at once,
      // before that write has finished: release must wait for it, then remove the file.
      vi.advanceTimersByTime(30_000);
      await release();
      vi.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(existsSync(lockFile)).toBe(false);
      // And the next writer gets the lock without waiting.
      const again = await lake.lock('ingest');
      await again();
    } finally {
      await cleanup();
    }
  });
});
