import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StagingWriter } from '../../src/feeds/ingest.js';
import { scratchDir } from '../helpers.js';

describe('the staging writer', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ dir, cleanup } = await scratchDir('staging-writer')));
  afterAll(() => cleanup());

  it('waits out back-pressure on a long file without piling up listeners, and writes every row', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on('warning', onWarning);
    try {
      const file = path.join(dir, 'staging.csv');
      const writer = new StagingWriter(file);
      const value = 'x'.repeat(200);
      for (let i = 0; i < 100_000; i++) await writer.write([String(i), value, null]);
      await writer.close();
      await new Promise((resolve) => setTimeout(resolve, 10));
      const lines = (await readFile(file, 'utf8')).split('\n');
      expect(lines).toHaveLength(100_001);
      expect(lines[99_999]).toBe(`"99999","${value}",\\N`);
      expect(writer.rows).toBe(100_000);
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });
});
