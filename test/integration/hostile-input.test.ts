import { cp, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestPaths } from '../../src/app/ingest.js';
import { Lake } from '../../src/lake/lake.js';
import { queryLake, RETAIL_DAYS, scratchDir } from '../helpers.js';

const HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const line = (invoice: string, quantity: string, price: string, when = '2010-12-01 08:26:00', description = 'WHITE METAL LANTERN') =>
  `${invoice},71053,${description},${quantity},${when},${price},17850.0,United Kingdom`;

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratchDir('hostile')));
afterAll(() => cleanup());

const count = async (lake: Lake, sql: string) => Number(Object.values((await queryLake(lake, sql))[0]!)[0]);

describe('a folder of deliveries', () => {
  it('keeps two stores\' files of the same name apart (the subfolder is part of the delivery)', async () => {
    const drop = path.join(dir, 'stores');
    await mkdir(path.join(drop, 'store-12'), { recursive: true });
    await mkdir(path.join(drop, 'store-13'), { recursive: true });
    await cp(path.join(RETAIL_DAYS, '2010-12-01.csv'), path.join(drop, 'store-12', 'day.csv'));
    await cp(path.join(RETAIL_DAYS, '2010-12-02.csv'), path.join(drop, 'store-13', 'day.csv'));
    const lake = new Lake(path.join(dir, 'stores-lake'));
    const run = await ingestPaths(lake, 'pos', [drop]);
    expect(run.files.map((f) => [f.deliveryKey, f.outcome])).toEqual([
      ['online-retail/store-12/day.csv', 'landed'],
      ['online-retail/store-13/day.csv', 'landed'],
    ]);
    expect(await count(lake, 'select count(*) from curated.pos_lines')).toBe(run.totals.landed);
    // Delivered again: both unchanged, nothing replaced.
    const again = await ingestPaths(lake, 'pos', [drop]);
    expect(again.files.map((f) => f.outcome)).toEqual(['unchanged', 'unchanged']);
    expect(await count(lake, 'select count(*) from curated.pos_lines')).toBe(run.totals.landed);
  });

  it('does not land again what a lake landed under the old delivery name (<source>/<file name>)', async () => {
    const lake = new Lake(path.join(dir, 'legacy-lake'));
    const day = path.join(RETAIL_DAYS, '2010-12-01.csv');
    await ingestPaths(lake, 'pos', [day]); // a file given by itself keeps the name online-retail/2010-12-01.csv
    const drop = path.join(dir, 'legacy', 'store-12');
    await mkdir(drop, { recursive: true });
    await cp(day, path.join(drop, '2010-12-01.csv'));
    const run = await ingestPaths(lake, 'pos', [path.join(dir, 'legacy')]);
    expect(run.files[0]).toMatchObject({ deliveryKey: 'online-retail/store-12/2010-12-01.csv', outcome: 'unchanged', reason: 'same content already landed as online-retail/2010-12-01.csv' });
    expect(await count(lake, 'select count(*) from curated.pos_lines')).toBe(3108);
  });

  it('says what it skipped and why, and never copies a link\'s target into raw/', async () => {
    const drop = path.join(dir, 'odd');
    await mkdir(drop, { recursive: true });
    await cp(path.join(RETAIL_DAYS, '2010-12-01.csv'), path.join(drop, 'good.csv'));
    await symlink('/etc/passwd', path.join(drop, 'passwd.csv'));
    await writeFile(path.join(drop, '..csv'), `${HEADER}\n${line('1', '1', '1')}\n`);
    const lake = new Lake(path.join(dir, 'odd-lake'));
    const run = await ingestPaths(lake, 'pos', [drop]);
    expect(run.files.map((f) => f.deliveryKey)).toEqual(['online-retail/good.csv']);
    expect(run.skipped).toEqual([
      { path: path.join(drop, '..csv'), reason: expect.stringMatching(/hidden file/) },
      { path: path.join(drop, 'passwd.csv'), reason: 'symbolic link to /etc/passwd: links are not followed; give the file itself' },
    ]);
    const raw = await lake.list('raw/');
    expect(raw).toHaveLength(1);
    for (const key of raw) expect(await readFile(await lake.localFile(key), 'utf8')).not.toMatch(/root:/);
    const record = JSON.parse(await readFile(path.join(dir, 'odd-lake', '_runs', (await readdir(path.join(dir, 'odd-lake', '_runs')))[0]!), 'utf8'));
    expect(record.skipped).toHaveLength(2);
  });
});

describe('numbers outside their column types', () => {
  it('quarantines each bad row naming line and field, lands the rest, and goes on to the next file', async () => {
    const drop = path.join(dir, 'numbers');
    await mkdir(drop, { recursive: true });
    const rows = [
      line('536365', '6', '2.55'), // line 2: fine
      line('536366', '1000000000000000', '1'), // 3: quantity ≥ 1e15
      line('536367', '1e308', '1'), // 4
      line('536368', '1', '100000000000000'), // 5: price ≥ 1e14
      line('536369', '100000000', '10000000'), // 6: quantity × price overflows
      line('536370', '0.0001', '1'), // 7: would land as a 0-quantity sale
      line('536371', '1.2345', '1'), // 8: would round to 1.235
      line('536372', '1', '0.00001'), // 9: would round to 0
      line('536373', '2', '1.5'), // 10: fine
    ];
    await writeFile(path.join(drop, 'a-bad.csv'), [HEADER, ...rows].join('\n') + '\n');
    await cp(path.join(RETAIL_DAYS, '2010-12-02.csv'), path.join(drop, 'b-good.csv'));
    const lake = new Lake(path.join(dir, 'numbers-lake'));
    const run = await ingestPaths(lake, 'pos', [drop]);
    expect(run.files[0]).toMatchObject({ outcome: 'landed', read: 9, landed: 2, quarantined: 7 });
    expect(run.files[1]).toMatchObject({ outcome: 'landed', quarantined: 0 });
    const rejects = await queryLake(lake, 'select source_file, source_line, field, reason from quarantine.pos order by source_line');
    expect(rejects.map((r) => [Number(r.source_line), r.field])).toEqual([
      [3, 'quantity'],
      [4, 'quantity'],
      [5, 'unit_price'],
      [6, 'unit_price'],
      [7, 'quantity'],
      [8, 'quantity'],
      [9, 'unit_price'],
    ]);
    expect(rejects.every((r) => r.source_file === 'online-retail/a-bad.csv')).toBe(true);
    expect(rejects.map((r) => r.reason)).toEqual([
      expect.stringMatching(/too large for DECIMAL\(18,3\)/),
      expect.stringMatching(/not a plain decimal number: "1e\+308"/),
      expect.stringMatching(/too large for DECIMAL\(18,4\)/),
      expect.stringMatching(/is too large for a line amount/),
      expect.stringMatching(/0\.0001 has more than 3 decimal places/),
      expect.stringMatching(/1\.2345 has more than 3 decimal places/),
      expect.stringMatching(/0\.00001 has more than 4 decimal places/),
    ]);
    const landed = await queryLake(lake, "select cast(quantity as varchar) q, cast(unit_price as varchar) p from curated.pos_lines where _source_file = 'online-retail/a-bad.csv' order by 1");
    expect(landed).toEqual([
      { q: '2.000', p: '1.5000' },
      { q: '6.000', p: '2.5500' },
    ]);
  });
});

describe('implausible business dates', () => {
  const file = async () => {
    const drop = path.join(dir, 'dates');
    await mkdir(drop, { recursive: true });
    const rows = [line('1', '1', '1'), line('2', '1', '1', '9999-12-31 00:00:00'), line('3', '1', '1', '1900-01-01 00:00:00')];
    await writeFile(path.join(drop, 'sentinels.csv'), [HEADER, ...rows].join('\n') + '\n');
    return path.join(drop, 'sentinels.csv');
  };

  it('quarantines sentinels outside the default window 2000-01-01..tomorrow with the reason', async () => {
    const lake = new Lake(path.join(dir, 'dates-lake'));
    const run = await ingestPaths(lake, 'pos', [await file()]);
    expect(run.files[0]).toMatchObject({ landed: 1, quarantined: 2, businessDates: { min: '2010-12-01', max: '2010-12-01' } });
    const rejects = await queryLake(lake, 'select source_line, field, reason from quarantine.pos order by source_line');
    expect(rejects.map((r) => r.field)).toEqual(['business_date', 'business_date']);
    expect(String(rejects[0]!.reason)).toMatch(/^business date 9999-12-31 is outside the plausible 2000-01-01\.\.\d{4}-\d{2}-\d{2} .*--dates FROM\.\.TO/);
  });

  it('takes a wider window when asked (per ingest)', async () => {
    const lake = new Lake(path.join(dir, 'dates-wide'));
    const run = await ingestPaths(lake, 'pos', [await file()], { dates: '1900-01-01..' });
    expect(run.files[0]).toMatchObject({ landed: 2, quarantined: 1 });
  });
});

describe('files that used to crash the ingest', () => {
  it('a UTF-16 file: rejected whole with a reason that names the encoding, the run goes on', async () => {
    const drop = path.join(dir, 'utf16');
    await mkdir(drop, { recursive: true });
    const text = (await readFile(path.join(RETAIL_DAYS, '2010-12-01.csv'), 'utf8')).split('\n').slice(0, 20).join('\r\n');
    await writeFile(path.join(drop, 'a-utf16.csv'), Buffer.from('\uFEFF' + text, 'utf16le'));
    await cp(path.join(RETAIL_DAYS, '2010-12-02.csv'), path.join(drop, 'b-good.csv'));
    const lake = new Lake(path.join(dir, 'utf16-lake'));
    const run = await ingestPaths(lake, 'pos', [drop]);
    expect(run.files[0]).toMatchObject({ outcome: 'rejected', reason: expect.stringMatching(/NUL bytes: is the file UTF-16\?/) });
    expect(run.files[0]!.reason).not.toContain('\u0000');
    expect(run.files[1]).toMatchObject({ outcome: 'landed' });
    const [reject] = await queryLake(lake, 'select reason from quarantine.pos');
    expect(String(reject!.reason)).not.toContain('\u0000');
    expect(String(reject!.reason)).toMatch(/NUL bytes: is the file UTF-16\?/);
    expect(await lake.list('_tmp/')).toEqual([]);
  });

  it('a field over 2,000,000 bytes: that row quarantined (the value cut), the others landed', async () => {
    const drop = path.join(dir, 'long');
    await mkdir(drop, { recursive: true });
    const huge = 'X'.repeat(2_100_000);
    await writeFile(path.join(drop, 'long.csv'), [HEADER, line('1', '1', '1'), line('2', '1', '1', undefined, huge), line('3', '1', '1')].join('\n') + '\n');
    const lake = new Lake(path.join(dir, 'long-lake'));
    const run = await ingestPaths(lake, 'pos', [drop]);
    expect(run.files[0]).toMatchObject({ outcome: 'landed', landed: 2, quarantined: 1 });
    const [reject] = await queryLake(lake, 'select source_line, field, reason, length(raw_record) as kept from quarantine.pos');
    expect(reject).toMatchObject({ source_line: 3, field: 'Description', reason: 'value of 2,100,000 characters is longer than the 1,000,000 a field may have' });
    expect(Number(reject!.kept)).toBeLessThan(20_000);
    expect(await lake.list('_tmp/')).toEqual([]);
  });

  // 5 MB here for the suite's time (csv-parse takes about 20 s on a 20 MB field); 20 MB behaves the same.
  it('a 5 MB one-line file: rejected with a short reason, a small manifest and run record', async () => {
    const drop = path.join(dir, 'oneline');
    await mkdir(drop, { recursive: true });
    await writeFile(path.join(drop, 'one.csv'), 'A'.repeat(5 * 1024 * 1024));
    const lakeDir = path.join(dir, 'oneline-lake');
    const run = await ingestPaths(new Lake(lakeDir), 'pos', [drop]);
    expect(run.files[0]!.outcome).toBe('rejected');
    expect(run.files[0]!.reason!.length).toBeLessThan(1000);
    expect(run.files[0]!.reason).toMatch(/A{200}… \(1 columns\)/); // the header quoted, cut at 200 characters
    for (const zone of ['_manifests/pos', '_runs']) {
      for (const f of await readdir(path.join(lakeDir, zone))) expect((await stat(path.join(lakeDir, zone, f))).size).toBeLessThan(10_000);
    }
  });

  it('GBK bytes read as UTF-8: the rows are quarantined as "not valid utf-8", not landed as mojibake', async () => {
    const drop = path.join(dir, 'gbk');
    await mkdir(drop, { recursive: true });
    const gbk = Buffer.from([0xd6, 0xd0, 0xce, 0xc4]); // 中文 in GBK
    const body = Buffer.concat([Buffer.from(`${HEADER}\n${line('1', '1', '1')}\n1,71053,`), gbk, Buffer.from(',1,2010-12-01 08:26:00,1,17850.0,China\n')]);
    await writeFile(path.join(drop, 'gbk.csv'), body);
    const lake = new Lake(path.join(dir, 'gbk-lake'));
    const run = await ingestPaths(lake, 'pos', [drop]);
    expect(run.files[0]).toMatchObject({ landed: 1, quarantined: 1 });
    const [reject] = await queryLake(lake, 'select field, reason from quarantine.pos');
    expect(reject).toMatchObject({ field: 'Description', reason: expect.stringMatching(/^not valid utf-8 .*gbk/) });
  });
});

describe('personal data at rest on a local lake', () => {
  it('writes every file owner-only (0600) in owner-only folders (0700)', async () => {
    const lakeDir = path.join(dir, 'modes-lake');
    await ingestPaths(new Lake(lakeDir), 'pos', [path.join(RETAIL_DAYS, '2010-12-01.csv')]);
    const entries = await readdir(lakeDir, { recursive: true, withFileTypes: true });
    expect(entries.length).toBeGreaterThan(5);
    for (const entry of entries) {
      const mode = (await stat(path.join(entry.parentPath, entry.name))).mode & 0o777;
      expect([path.relative(lakeDir, path.join(entry.parentPath, entry.name)), mode.toString(8)]).toEqual([
        path.relative(lakeDir, path.join(entry.parentPath, entry.name)),
        entry.isDirectory() ? '700' : '600',
      ]);
    }
  });
});
