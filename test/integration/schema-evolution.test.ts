import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/app/ingest.js';
import { sourceTables } from '../../src/feeds/index.js';
import { Lake, schemaTag } from '../../src/lake/lake.js';
import { independentRows, queryLake, REPO, scratchDir } from '../helpers.js';

// A lake whose customer profiles were landed before the consent columns existed still builds:
// the missing canonical columns read as NULL (as on Athena, whose schema comes from the feed).
let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('schema-evolution'));
  lake = new Lake(path.join(dir, 'lake'));
  await ingestPaths(lake, 'customers', [path.join(REPO, 'test', 'fixtures', 'customers', 'membership.csv')], { mapping: 'crmlake-profiles' });
  // Rewrite the landed files as an older crmlake wrote them: without the consent columns, and
  // a manifest that does not declare its files' columns.
  const { curated } = await lake.committedFiles('customers');
  const consent = ['email_consent', 'email_consent_at', 'sms_consent', 'sms_consent_at', 'ads_consent', 'ads_consent_at'];
  for (const key of curated) {
    const file = path.join(dir, 'lake', key);
    await independentRows(`COPY (SELECT * EXCLUDE (${consent.join(', ')}) FROM read_parquet('${file}')) TO '${file}.old' (FORMAT parquet)`);
    await independentRows(`COPY (SELECT * FROM read_parquet('${file}.old')) TO '${file}' (FORMAT parquet)`);
    expect((await independentRows(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((r) => r.column_name)).not.toContain('email_consent');
  }
  const manifests = path.join(dir, 'lake', '_manifests', 'customers');
  for (const name of await readdir(manifests)) {
    const { curatedSchema, ...older } = JSON.parse(await readFile(path.join(manifests, name), 'utf8')) as Record<string, unknown>;
    // As ingest declares them: the columns the engines register for the feed.
    expect(curatedSchema).toBe(schemaTag(sourceTables().find((t) => t.feed === 'customers')!.columns));
    await writeFile(path.join(manifests, name), JSON.stringify(older));
  }
});
afterAll(() => cleanup());

describe('curated files older than a canonical column', () => {
  it('read the new column as NULL', async () => {
    const rows = await queryLake(lake, 'select count(*) as n, count(email_consent) as consented, count(email) as emails from curated.customer_profiles');
    expect(rows).toEqual([{ n: expect.any(Number), consented: 0, emails: expect.any(Number) }]);
    expect(Number(rows[0]!.n)).toBeGreaterThan(0);
  });

  it('beside files with it: each file is read by its own columns, old first or not', async () => {
    const file = path.join(dir, 'consent.csv');
    await writeFile(file, 'source_system,source_customer_id,full_name,email,email_consent,updated_at\nshop,S1,Ann Lee,ann@example.com,true,2026-01-05T10:00:00Z\nshop,S2,Bo Li,bo@example.com,false,2026-01-05T10:00:00Z\n');
    await ingestPaths(lake, 'customers', [file], { mapping: 'crmlake-profiles' });
    expect((await lake.committedFiles('customers')).curatedSchema).toBeUndefined();
    const rows = await queryLake(lake, 'select count(*) as n, count(email_consent) as consented from curated.customer_profiles');
    const before = await queryLake(lake, `select count(*) as n from curated.customer_profiles where source_system <> 'shop'`);
    expect(rows).toEqual([{ n: Number(before[0]!.n) + 2, consented: 2 }]);
  });
});
