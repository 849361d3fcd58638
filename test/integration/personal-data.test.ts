import { copyFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { ingestPaths } from '../../src/app/ingest.js';
import { queryLake as analystQuery } from '../../src/app/sql.js';
import { Lake } from '../../src/lake/lake.js';
import { REPO, RETAIL_DAYS, scratchDir } from '../helpers.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'customers');
let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;
const rows = async (sql: string) => (await analystQuery(lake, sql)).rows;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('personal'));
  lake = new Lake(path.join(dir, 'lake'));
  await ingestPaths(lake, 'customers', [path.join(FIXTURES, 'membership.csv'), path.join(FIXTURES, 'dealer.csv')], { mapping: 'crmlake-profiles' });
  const pos = path.join(dir, 'pos.csv');
  await copyFile(path.join(RETAIL_DAYS, '2010-12-01.csv'), pos);
  await writeFile(path.join(dir, 'bad.csv'), 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n1,2,Ann Smith ann@example.com,x,2010-12-01 08:00:00,1,17850.0,UK\n');
  await ingestPaths(lake, 'pos', [pos, path.join(dir, 'bad.csv')]);
});
afterAll(() => cleanup());

describe('personal data in an analyst\'s session (restricted, the default)', () => {
  it('shows contact fields of the customer profiles as pseudonyms: stable, joinable, not reversible here', async () => {
    const profiles = await rows('select source_customer_id, full_name, email, mobile, city from curated.customer_profiles order by 1');
    expect(profiles.length).toBeGreaterThan(3);
    for (const p of profiles) {
      for (const field of ['full_name', 'email', 'mobile'] as const) if (p[field] !== null) expect(String(p[field])).toMatch(/^h:[0-9a-f]{16}$/);
    }
    expect(profiles.some((p) => p.city !== null && !String(p.city).startsWith('h:'))).toBe(true); // not a contact field
    // The same value gets the same pseudonym in every relation and session.
    const again = await rows('select source_customer_id, email from curated.customer_profiles order by 1');
    expect(again.map((r) => r.email)).toEqual(profiles.map((p) => p.email));
  });

  it('hides the original records of quarantined rows, keeps the reason', async () => {
    const [reject] = await rows('select source_line, field, reason, raw_record from quarantine.pos');
    expect(reject).toMatchObject({ source_line: 2, field: 'quantity', reason: expect.stringMatching(/not a number/) });
    expect(String(reject!.raw_record)).toMatch(/^h:[0-9a-f]{16}$/);
  });

  it('cannot read the restricted files around the pseudonyms, but reads the rest', async () => {
    const root = path.join(dir, 'lake');
    for (const zone of ['curated/customer_profiles/**/*.parquet', 'quarantine/pos/*.parquet', 'raw/**/*.csv']) {
      await expect(rows(`select * from read_parquet('${root}/${zone}')`), zone).rejects.toThrow(/Permission Error|not allowed|disabled/i);
    }
    await expect(rows(`select * from read_csv('${root}/_restricted/pseudonym-secret')`)).rejects.toThrow(/Permission Error|not allowed|disabled/i);
    expect(await rows(`select count(*) as n from read_parquet('${root}/curated/pos_lines/**/*.parquet')`)).toEqual([{ n: 3108 }]);
    expect((await stat(path.join(root, '_restricted', 'pseudonym-secret'))).mode & 0o777).toBe(0o600);
  });

  it('pseudonymizes what a query reads through models built as views, and leaves what it does not name unreadable', async () => {
    await runBuild(lake, { select: ['+int_customer_records'] });
    // int_customer_records is a view over stg_customers, a view over curated.customer_profiles:
    // the query names neither, and reads their pseudonyms.
    const records = await rows('select email, mobile from int_customer_records where email is not null');
    expect(records.length).toBeGreaterThan(3);
    for (const r of records) expect(String(r.email)).toMatch(/^h:[0-9a-f]{16}$/);
    // A relation named only at run time was not prepared for this session: it cannot be read.
    await expect(rows(`select * from query_table('curated.customer_' || 'profiles')`)).rejects.toThrow(/customer_profiles holds personal data/);
    await expect(rows(`select * from query_table('quarantine.p' || 'os')`)).rejects.toThrow(/quarantine.pos holds personal data/);
    // Its columns stay listed.
    expect((await rows('describe curated.customer_profiles')).map((r) => r.column_name)).toContain('email');
  });

  it('shows them as stored with CRMLAKE_PERSONAL_DATA=open (the documented option)', async () => {
    process.env.CRMLAKE_PERSONAL_DATA = 'open';
    try {
      const emails = await rows(`select email from curated.customer_profiles where email like '%@%' limit 1`);
      expect(emails).toHaveLength(1);
      const [reject] = await rows('select raw_record from quarantine.pos');
      expect(String(reject!.raw_record)).toContain('ann@example.com');
    } finally {
      delete process.env.CRMLAKE_PERSONAL_DATA;
    }
  });
});
