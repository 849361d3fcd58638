import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { Lake } from '../../src/lake/lake.js';
import { loadProject } from '../../src/app/project.js';
import { buildModels } from '../../src/models/runner.js';
import { queryLake, REPO, scratchDir } from '../helpers.js';

const FIXTURES = path.join(REPO, 'test', 'fixtures', 'customers');
const VARS = { customer_source_priority: 'membership,dealer', customer_default_country: 'CN' };

let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;

async function ingest(feed: string, file: string, mapping?: string) {
  const definition = getFeed(feed);
  return ingestFiles(lake, [file], { feed: definition, mapping: await loadMapping(definition, mapping) });
}

async function build() {
  const engine = await openWarehouse(lake);
  try {
    return await buildModels(lake, engine, await loadProject(), { vars: VARS });
  } finally {
    await engine.close();
  }
}

const query = (sql: string) => queryLake(lake, sql);

const keysOf = async () =>
  Object.fromEntries((await query('SELECT record_id, customer_key FROM customer_xref')).map((r) => [r.record_id, r.customer_key])) as Record<string, string>;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('master'));
  lake = new Lake(path.join(dir, 'lake'));
  await ingest('customers', path.join(FIXTURES, 'membership.csv'), 'crmlake-profiles');
  await ingest('customers', path.join(FIXTURES, 'dealer.csv'), 'crmlake-profiles');
  await build();
}, 120_000);
afterAll(async () => cleanup?.());

describe('the customer master on messy profiles from two systems', () => {
  it('puts records of one person under one key, and keeps namesakes apart', async () => {
    const keys = await keysOf();
    expect(Object.keys(keys)).toHaveLength(8);
    // 王立: same mobile written three ways (13800138000 / +86 138 0013 8000) and the same name
    expect(keys['dealer:D-17']).toBe(keys['membership:M001']);
    // 李娜: the same e-mail in another case and the same birth date in another format
    expect(keys['dealer:D-18']).toBe(keys['membership:M002']);
    // 陈静: same mobile, same name
    expect(keys['dealer:D-19']).toBe(keys['membership:M004']);
    // 张伟 twice: a common name, another birth date, another phone: two people
    expect(keys['dealer:D-20']).not.toBe(keys['membership:M003']);
    expect(new Set(Object.values(keys)).size).toBe(5);
    const rules = await query(`SELECT match_rule, count(*) AS n FROM customer_xref GROUP BY 1 ORDER BY 1`);
    expect(rules).toEqual([
      { match_rule: 'exact:email_dob', n: 1 },
      { match_rule: 'exact:phone_name', n: 2 },
      { match_rule: 'new', n: 5 },
    ]);
  });

  it('keeps a golden record by the documented survivorship rules', async () => {
    const keys = await keysOf();
    const [wang] = await query(`SELECT * FROM dim_customer WHERE customer_key = '${keys['membership:M001']}'`);
    expect(wang).toMatchObject({
      family_name: '王',
      given_name: '立',
      gender: 'M',
      birth_date: '1997-04-12',
      email: 'wangli@163.com', // only the trusted membership record has one
      phones: '+8613800138000 +8673158671888', // all numbers of all records, mobile first
      mobile: '+8613800138000',
      province: '湖南省', // 湖南长沙岳麓区… parsed, the membership address wins over the dealer's city
      city: '长沙市',
      district: '岳麓区',
      source_systems: 'dealer,membership',
      records: 2,
      best_record_id: 'membership:M001',
    });
    // Every customer mart joins on the golden key.
    const c360 = await query(`SELECT count(*) AS n FROM customer_360`);
    expect(c360).toEqual([{ n: 5 }]);
  });

  it('keeps keys across builds, and a new record of a known person joins that person', async () => {
    const before = await keysOf();
    const trained = await query('SELECT * FROM customer_match_params');
    const again = await build();
    expect(await keysOf()).toEqual(before);
    // The same records: the parameters the first build trained are used again, not retrained.
    const notes = (run: typeof again) => run.results.find((r) => r.model === 'customer_xref')!.notes!.join(' ');
    expect(notes(again)).toMatch(/matching parameters of \S+ reused \(trained on \d+ records/);
    expect(await query('SELECT * FROM customer_match_params')).toEqual(trained);
    expect(trained[0]!.trained_records).toBe(Object.keys(before).length);
    expect(JSON.parse(String(trained[0]!.params))).toMatchObject({ version: 1, prior: expect.any(Number) });

    await ingest('customers', path.join(FIXTURES, 'web.csv'), 'crmlake-profiles');
    const run = await build();
    expect(notes(run)).toMatch(/\(incremental\)/);
    // More than 10% new records: trained again on all of them.
    const records = Number((await query('SELECT count(*) AS n FROM customer_xref'))[0]!.n);
    expect(records).toBeGreaterThan(1.1 * Object.keys(before).length);
    expect(notes(run)).toMatch(new RegExp(`matching parameters trained on ${records} records`));
    expect((await query('SELECT trained_records FROM customer_match_params'))[0]!.trained_records).toBe(records);
    const after = await keysOf();
    expect(after['web:W-1']).toBe(before['membership:M001']);
    for (const [record, key] of Object.entries(before)) expect(after[record]).toBe(key);
    const events = await query(`SELECT event, count(*) AS n FROM customer_key_events GROUP BY 1 ORDER BY 1`);
    expect(events).toEqual([{ event: 'create', n: 5 }]);
  });

  it('applies reviewers\' decisions fed back as the match-decisions feed, and logs the split', async () => {
    const before = await keysOf();
    const decisions = path.join(dir, 'review.csv');
    await writeFile(
      decisions,
      'record_id_a,record_id_b,match_probability,decision,reviewer,decided_at\n' +
        'membership:M004,dealer:D-19,1,different,anna,2026-11-20T10:00:00Z\n' +
        'dealer:D-20,membership:M003,0.2,same,anna,2026-11-20T10:05:00Z\n' +
        'membership:M001,dealer:D-18,0.1,,,\n',
    );
    const landed = await ingest('match-decisions', decisions);
    expect(landed.totals).toMatchObject({ read: 3, landed: 3, quarantined: 0 });
    await build();
    const after = await keysOf();
    expect(after['dealer:D-19']).not.toBe(after['membership:M004']);
    expect(after['membership:M003']).toBe(after['dealer:D-20']);
    expect(after['membership:M001']).toBe(before['membership:M001']);
    const reviewed = await query(`SELECT record_id, match_rule FROM customer_xref WHERE match_rule = 'review:same'`);
    expect(reviewed).toHaveLength(1);
    const events = await query(`SELECT event, count(*) AS n FROM customer_key_events GROUP BY 1 ORDER BY 1`);
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['create', 'merge', 'split']));
  });
});
