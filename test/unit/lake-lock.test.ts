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
