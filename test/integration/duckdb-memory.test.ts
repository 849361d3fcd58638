import { totalmem } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { buildBlockMemory } from '../../src/engine/duckdb/connection.js';
import { Lake } from '../../src/lake/lake.js';
import { scratchDir } from '../helpers.js';

// A session that builds keeps the memory DuckDB's block allocator used (fewer page faults between
// queries); a read-only session (crmlake sql, the report) does not hold on to it.
describe('the DuckDB block allocator', () => {
  it('keeps a fifth of the memory, at most 4 GiB, in a session that builds, and none in a read-only one', async () => {
    expect(buildBlockMemory()).toBe(Math.min(4 * 2 ** 30, Math.floor(totalmem() / 5)));
    const { dir, cleanup } = await scratchDir('duckdb-memory');
    const lake = new Lake(path.join(dir, 'lake'));
    const setting = `select value from duckdb_settings() where name = 'block_allocator_memory'`;
    // DuckDB prints the setting rounded ("4.0 GiB", "819.2 MiB"): read it back in bytes.
    const bytes = async (engine: Awaited<ReturnType<typeof openWarehouse>>) => {
      const [, n, unit] = /^([\d.]+) (bytes|KiB|MiB|GiB)$/.exec(String((await engine.query(setting)).rows[0]?.value))!;
      return Number(n) * { bytes: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30 }[unit as 'bytes' | 'KiB' | 'MiB' | 'GiB'];
    };
    try {
      const building = await openWarehouse(lake);
      try {
        expect(Math.abs((await bytes(building)) - buildBlockMemory())).toBeLessThan(0.1 * 2 ** 30);
      } finally {
        await building.close();
      }
      const reading = await openWarehouse(lake, { readOnly: true });
      try {
        expect(await bytes(reading)).toBe(0);
      } finally {
        await reading.close();
      }
    } finally {
      await cleanup();
    }
  });
});
