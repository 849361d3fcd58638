import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import { loadProject } from '../../src/app/project.js';
import { CustomerRules, settingsFor } from '../../src/feeds/customers/feed.js';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { Lake } from '../../src/lake/lake.js';
import { buildModels, type BuildRun } from '../../src/models/runner.js';
import { queryLake, scratchDir } from '../helpers.js';

// Issue #15: per-source settings live in the customers mapping (rules), travel on each row, and
// the build reads every record with its own source's settings; the build variables are the fallback.

const DEALER_CSV = [
  'CustNo,Name,Mobile,DOB',
  'D1,"LIU, Jing",138 0013 8000,03/04/1985',
  'D2,Mr Wang,0731-5867 1888,',
].join('\n');
const DEALER_MAPPING = `
name: dealer-dms
version: 1
feed: customers
fields:
  source_customer_id: CustNo
  full_name: Name
  mobile: Mobile
  birth_date: DOB
rules:
  default_country: CN
  day_first: true
  priority: 2
`;
// A second system without settings: its national numbers cannot be read unless a variable says.
const WEB_CSV = ['source_system,source_customer_id,full_name,mobile,birth_date', 'web,W1,刘静,13800138000,1985-04-03', 'web,W2,李娜,0731 12,'].join('\n');
const LOYALTY_CSV = ['source_system,source_customer_id,full_name,mobile', 'loyalty,L1,Jing Liu,+86 138 0013 8000'].join('\n');
const LOYALTY_MAPPING = `
name: loyalty-desk
version: 1
feed: customers
fields:
  source_system: source_system
  source_customer_id: source_customer_id
  full_name: full_name
  mobile: mobile
rules:
  systems:
    loyalty: { priority: 1 }
`;

let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;

async function ingest(file: string, text: string, mapping: string) {
  await writeFile(path.join(dir, file), text);
  const feed = getFeed('customers');
  return ingestFiles(lake, [path.join(dir, file)], { feed, mapping: await loadMapping(feed, mapping) });
}

async function build(vars: Record<string, string> = {}): Promise<BuildRun> {
  const engine = await openWarehouse(lake);
  try {
    return await buildModels(lake, engine, await loadProject(), { vars });
  } finally {
    await engine.close();
  }
}

const notesOf = (run: BuildRun) => run.results.flatMap((r) => r.notes ?? []);

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('settings'));
  lake = new Lake(path.join(dir, 'lake'));
  await writeFile(path.join(dir, 'dealer.yaml'), DEALER_MAPPING);
  await writeFile(path.join(dir, 'loyalty.yaml'), LOYALTY_MAPPING);
  await ingest('dealer.csv', DEALER_CSV, path.join(dir, 'dealer.yaml'));
  await ingest('web.csv', WEB_CSV, 'crmlake-profiles');
  await ingest('loyalty.csv', LOYALTY_CSV, path.join(dir, 'loyalty.yaml'));
}, 120_000);
afterAll(async () => cleanup?.());

describe('per-source settings in the customers mapping', () => {
  it('are checked when the mapping is read, and apply per source_system', () => {
    expect(settingsFor(CustomerRules.parse({ default_country: 'CN', priority: 2, systems: { web: { priority: 1 } } }), 'web')).toEqual({ default_country: 'CN', priority: 1 });
    expect(CustomerRules.safeParse({ default_country: 'China' }).success).toBe(false);
    expect(CustomerRules.safeParse({ dayfirst: true }).success).toBe(false);
  });

  it('are stamped on every landed row', async () => {
    const rows = await queryLake(lake, `SELECT source_system, source_customer_id, default_country, day_first, source_priority FROM curated.customer_profiles ORDER BY 2`);
    expect(rows.find((r) => r.source_customer_id === 'D1')).toMatchObject({ source_system: 'dealer-dms', default_country: 'CN', day_first: true, source_priority: 2 });
    expect(rows.find((r) => r.source_customer_id === 'W1')).toMatchObject({ default_country: null, day_first: null, source_priority: null });
    expect(rows.find((r) => r.source_customer_id === 'L1')).toMatchObject({ default_country: null, source_priority: 1 });
  });

  it('the build reads each source with its own settings and says per source which phones it could not read', async () => {
    const run = await build();
    expect(run.results.every((r) => r.status === 'success')).toBe(true);
    const notes = notesOf(run);
    // web declared no country and no variable gave one: its national numbers are reported, not guessed.
    expect(notes).toContainEqual(expect.stringMatching(/^web: 2 phone value\(s\) not read \(2 national number and no country known/));
    expect(notes.some((n) => n.startsWith('dealer-dms:'))).toBe(false);
    const dim = await queryLake(lake, `SELECT phones, birth_date, best_record_id, source_systems FROM dim_customer WHERE source_systems LIKE '%dealer-dms%' AND phones LIKE '%8613800138000%'`);
    expect(dim).toHaveLength(1);
    // "LIU, Jing" (dealer) and "Jing Liu" (loyalty) on one mobile: one customer (exact phone + name),
    // golden record from the loyalty desk (priority 1) over the dealer (priority 2).
    expect(dim[0]!.source_systems).toContain('loyalty');
    expect(String(dim[0]!.best_record_id)).toBe('loyalty:L1');
    expect(String(dim[0]!.birth_date)).toBe('1985-04-03'); // 03/04/1985 read day first
    const mrWang = await queryLake(lake, `SELECT phones FROM dim_customer WHERE best_record_id = 'dealer-dms:D2'`);
    expect(mrWang[0]!.phones).toBe('+8673158671888');
  }, 120_000);

  it('falls back to the build variable where no mapping says', async () => {
    const notes = notesOf(await build({ customer_default_country: 'CN' }));
    expect(notes).toContainEqual(expect.stringMatching(/^web: 1 phone value\(s\) not read \(1 invalid phone number \(CN\)/));
  }, 120_000);
});
