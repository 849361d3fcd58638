import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FEEDS } from '../../src/feeds/index.js';
import { REPO } from '../helpers.js';

describe('README', () => {
  it('lists every feed with its curated table and all its canonical columns', async () => {
    const readme = await readFile(path.join(REPO, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Feeds'), readme.indexOf('### Writing a mapping'));
    for (const feed of Object.values(FEEDS)) {
      const row = section.split('\n').find((line) => line.startsWith(`| \`${feed.name}\` |`));
      expect(row, `README feeds table has no row for ${feed.name}`).toBeDefined();
      expect(row).toContain(`\`${feed.table}\``);
      const listed = row!.split('|')[3]!.split(',').map((c) => c.trim());
      expect(listed, `columns of ${feed.name}`).toEqual(feed.columns.map((c) => c.name));
    }
  });
});
