import { execFile } from 'node:child_process';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectGarbage, ingestFiles, type IngestRun } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';
import { Lake, RETIRED_FILES_KEPT_MS } from '../../src/lake/lake.js';
import { loadProject } from '../../src/app/project.js';
import { buildModels } from '../../src/models/runner.js';
import { CLI, copyRetailDays, scratchDir, withEngine } from '../helpers.js';

const run = promisify(execFile);
const DAYS = ['2010-12-01', '2010-12-02', '2010-12-03', '2010-12-05'];
// Non-goods codes, written out from the data set's documentation, independently of the mapping file.
const NON_PRODUCT = `('POST','DOT','C2','M','D','S','B','AMAZONFEE','BANK CHARGES','CRUK','PADS','ADJUST','ADJUST2','TEST001','TEST002')`;

let dir: string;
let cleanup: () => Promise<void>;
let posDir: string;
let lake: Lake;
let firstRun: IngestRun;

async function ingest(l: Lake, files: string[]) {
  return ingestFiles(l, files, { feed: posFeed, mapping: await loadMapping(posFeed) });
}

async function build(l: Lake, vars: Record<string, string> = {}) {
  return withEngine(l, async (engine) => buildModels(l, engine, await loadProject(), { vars }));
}

async function scalar(l: Lake, sql: string): Promise<unknown> {
  return withEngine(l, async (engine) => Object.values((await engine.query(sql)).rows[0] ?? {})[0]);
}

/** Runs SQL straight on the raw CSV files with a separate DuckDB: the independent computation. */
async function rawQuery(files: string[], sql: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const list = files.map((f) => `'${f}'`).join(', ');
    await connection.run(
      `CREATE VIEW raw AS SELECT * FROM read_csv([${list}], header = true, all_varchar = true, quote = '"', escape = '"')`,
    );
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const files = () => DAYS.map((d) => path.join(posDir, `${d}.csv`));

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('pipeline'));
  posDir = await copyRetailDays(dir, DAYS);
  lake = new Lake(path.join(dir, 'lake'));
  firstRun = await ingest(lake, files());
  await build(lake);
});
afterAll(async () => cleanup());

describe('POS ingest of real Online Retail days', () => {
  it('reconciles every file: rows read = data lines in the file = landed + quarantined', async () => {
    const lines = await rawQuery(files(), `SELECT count(*) AS n FROM raw`);
    expect(firstRun.totals.read).toBe(Number(lines[0]!.n));
    for (const file of firstRun.files) {
      const text = await readFile(file.file, 'utf8');
      const physical = text.split('\n').filter((l) => l.trim() !== '').length - 1;
      expect(file.read).toBe(physical);
      expect(file.landed + file.quarantined).toBe(file.read);
      expect(file.outcome).toBe('landed');
    }
    expect(await scalar(lake, `SELECT count(*) FROM curated.pos_lines`)).toBe(firstRun.totals.landed);
  });

  it('keeps each original in the raw zone and partitions curated rows by business date', async () => {
    const raw = await lake.list('raw/pos/');
    expect(raw.filter((f) => f.endsWith('.csv'))).toHaveLength(DAYS.length);
    const partitions = [...new Set((await lake.list('curated/pos_lines/')).map((key) => key.split('/')[2]))].sort();
    expect(partitions).toEqual(DAYS.map((d) => `dt=${d}`));
    const lineage = await withEngine(lake, async (e) =>
      (await e.query(`SELECT _source_file, _source_line, _mapping FROM curated.pos_lines WHERE order_id = '536365' AND line_number = 2`)).rows,
    );
    expect(lineage).toEqual([{ _source_file: 'online-retail/2010-12-01.csv', _source_line: 3, _mapping: 'online-retail@1' }]);
  });

  it('lands the same content only once', async () => {
    const again = await ingest(lake, files());
    expect(again.files.map((f) => f.outcome)).toEqual(DAYS.map(() => 'unchanged'));
    expect(again.totals.landed).toBe(0);
    expect(await scalar(lake, `SELECT count(*) FROM curated.pos_lines`)).toBe(firstRun.totals.landed);
  });
});

describe('files landed side by side', () => {
  it('land exactly what one at a time lands: the reconciliation in input order, the rows and the quarantine', async () => {
    const folder = path.join(dir, 'side-by-side');
    await mkdir(folder, { recursive: true });
    const day = await readFile(files()[0]!, 'utf8');
    const [header, ...lines] = day.trimEnd().split('\n');
    await writeFile(path.join(folder, 'bad-rows.csv'), [header, ...lines.map((l, i) => (i % 97 === 3 ? l.replace(/,[0-9.]+,(?=[^,]*,[^,]*$)/, ',N/A,') : l))].join('\n'));
    await writeFile(path.join(folder, 'not-csv.csv'), 'a,b\n"unclosed,1\n');
    const inputs = [...files(), path.join(folder, 'bad-rows.csv'), path.join(folder, 'not-csv.csv')];
    const landed = async (workers: number) => {
      const target = new Lake(path.join(dir, `side-by-side-${workers}`));
      const events: { index: number; done: number; finished: boolean }[] = [];
      const result = await ingestFiles(target, inputs, {
        feed: posFeed,
        mapping: await loadMapping(posFeed),
        workers,
        onFile: ({ index, done, result }) => events.push({ index, done, finished: result !== undefined }),
      });
      const rows = await withEngine(target, async (e) => (await e.query(`SELECT * EXCLUDE (_ingested_at, _source_sha256) FROM curated.pos_lines ORDER BY _source_file, _source_line`)).rows);
      const quarantine = await withEngine(target, async (e) => (await e.query(`SELECT source_file, source_line, field, reason FROM quarantine.pos ORDER BY source_file, source_line`)).rows);
      const reconciliation = result.files.map(({ reason, ...f }) => ({ ...f, reason: reason?.replace(/raw\/pos\/\S+/, 'raw/…') }));
      return { events, rows, quarantine, reconciliation };
    };
    const one = await landed(1);
    const three = await landed(3);
    expect(three.reconciliation.map((f) => f.file)).toEqual(inputs);
    expect(three.reconciliation).toEqual(one.reconciliation);
    expect(three.reconciliation.map((f) => f.outcome)).toEqual([...DAYS.map(() => 'landed'), 'landed', 'rejected']);
    expect(three.reconciliation.at(-2)!.quarantined).toBeGreaterThan(0);
    expect(three.rows.length).toBeGreaterThan(5000);
    expect(three.rows).toEqual(one.rows);
    expect(three.quarantine).toEqual(one.quarantine);
    // One at a time: each file ends before the next starts. Three at once: three start before any ends.
    expect(one.events.map((e) => e.finished)).toEqual(inputs.flatMap(() => [false, true]));
    expect(three.events.slice(0, 3).map((e) => [e.index, e.finished])).toEqual([[0, false], [1, false], [2, false]]);
    // Progress counts every file done once, whichever ends first.
    expect(three.events.filter((e) => e.finished).map((e) => e.done)).toEqual(inputs.map((_, i) => i + 1));
    expect(three.events.filter((e) => e.finished).map((e) => e.index).sort()).toEqual(inputs.map((_, i) => i));
  });

  it('spill to disk side by side when they outgrow the memory limit: each session its own spill folder (one shared folder crashed the process)', async () => {
    const folder = path.join(dir, 'spilling');
    await mkdir(folder, { recursive: true });
    const header = 'source_system,source_customer_id,full_name,gender,birth_date,mobile,phone,email,address_line,city,province,postcode,registered_at,updated_at,email_consent,email_consent_at,sms_consent,sms_consent_at';
    const rows = 70_000;
    for (const part of [0, 1]) {
      const lines = Array.from({ length: rows }, (_, i) => {
        const n = part * rows + i;
        return `pos,${6200000000 + n},彭娜${'芳强旭'[n % 3]}${n % 97},${n % 2 ? '女' : '男'},1964年2月${(n % 28) + 1}日,158-6594-${String(n % 10000).padStart(4, '0')},,member${n}@163.com,长沙市天心区东风路${n % 500}号${n % 30}栋,长沙市,,,2023-05-17 18:23:54,2026-11-30 23:30:00,否,2023-05-17 18:23:54,是,2023-05-17 18:23:54`;
      });
      await writeFile(path.join(folder, `desk-${part}.csv`), [header, ...lines].join('\n'));
    }
    const lakeDir = path.join(dir, 'spilling-lake');
    const env = { ...process.env, CRMLAKE_INGEST_MEMORY: '64MB', CRMLAKE_INGEST_WORKERS: '2' };
    const result = await run(process.execPath, [CLI, '--lake', lakeDir, 'ingest', 'customers', folder, '--mapping', 'crmlake-profiles'], { env, maxBuffer: 1 << 26 }).catch((e) => e);
    expect(result.signal ?? null).toBeNull();
    expect(result.stdout).toMatch(/reconciliation: read 140,000 = landed 140,000 \+ quarantined 0 +✓/);
    expect(await scalar(new Lake(lakeDir), `SELECT count(DISTINCT source_customer_id) FROM curated.customer_profiles`)).toBe(2 * rows);
  });
});

describe('marts against an independent computation on the raw CSV', () => {
  it('sales_daily matches revenue, returns, orders and customers per day', async () => {
    const expected = await rawQuery(
      files(),
      `WITH l AS (
         SELECT substr(InvoiceDate, 1, 10) AS day, InvoiceNo, CustomerID,
                CAST(Quantity AS DOUBLE) AS q, CAST(UnitPrice AS DOUBLE) AS p
         FROM raw WHERE upper(StockCode) NOT IN ${NON_PRODUCT} AND StockCode NOT LIKE 'gift%')
       SELECT day,
              round(sum(CASE WHEN q > 0 OR p > 0 THEN q * p ELSE 0 END), 2) AS revenue,
              round(sum(CASE WHEN q < 0 AND p > 0 THEN -q * p ELSE 0 END), 2) AS returns_value,
              count(DISTINCT CASE WHEN q > 0 THEN InvoiceNo END) AS orders,
              count(DISTINCT CASE WHEN q > 0 THEN CustomerID END) AS customers
       FROM l GROUP BY day ORDER BY day`,
    );
    const actual = await withEngine(lake, async (e) =>
      (await e.query(`SELECT CAST(date AS VARCHAR) AS day, revenue, returns_value, orders, customers FROM sales_daily ORDER BY day`)).rows,
    );
    expect(actual.map((r) => r.day)).toEqual(DAYS);
    for (const [i, row] of actual.entries()) {
      const want = expected[i]!;
      expect(row.revenue as number).toBeCloseTo(Number(want.revenue), 2);
      expect(row.returns_value as number).toBeCloseTo(Number(want.returns_value), 2);
      expect(row.orders).toBe(Number(want.orders));
      expect(row.customers).toBe(Number(want.customers));
    }
  });

  it('customer_rfm matches every customer, and scores and segments follow the documented rules', async () => {
    const expected = await rawQuery(
      files(),
      `WITH l AS (
         SELECT CAST(CAST(CustomerID AS DOUBLE) AS BIGINT) AS customer, InvoiceNo, CAST(substr(InvoiceDate, 1, 10) AS DATE) AS day,
                CAST(Quantity AS DOUBLE) AS q, CAST(UnitPrice AS DOUBLE) AS p
         FROM raw
         WHERE CustomerID IS NOT NULL AND upper(StockCode) NOT IN ${NON_PRODUCT} AND StockCode NOT LIKE 'gift%' AND (q > 0 OR p > 0))
       SELECT CAST(customer AS VARCHAR) AS customer_id,
              count(DISTINCT CASE WHEN q > 0 THEN InvoiceNo END) AS frequency,
              round(sum(q * p), 2) AS monetary,
              CAST(max(CASE WHEN q > 0 THEN day END) AS VARCHAR) AS last_purchase
       FROM l GROUP BY customer HAVING count(DISTINCT CASE WHEN q > 0 THEN InvoiceNo END) > 0 ORDER BY customer_id`,
    );
    const actual = await withEngine(lake, async (e) =>
      (await e.query(
        `SELECT customer_id, frequency, monetary, CAST(last_purchase_date AS VARCHAR) AS last_purchase, recency_days,
                r_score, f_score, m_score, rfm_segment, CAST(as_of_date AS VARCHAR) AS as_of FROM customer_rfm ORDER BY customer_id`,
      )).rows,
    );
    expect(actual.length).toBe(expected.length);
    expect(actual.length).toBeGreaterThan(300);
    for (const [i, row] of actual.entries()) {
      const want = expected[i]!;
      expect(row.customer_id).toBe(want.customer_id);
      expect(row.frequency).toBe(Number(want.frequency));
      expect(row.monetary as number).toBeCloseTo(Number(want.monetary), 2);
      expect(row.last_purchase).toBe(want.last_purchase);
      // as-of defaults to the day after the latest sale: 2010-12-06
      expect(row.as_of).toBe('2010-12-06');
      expect(row.recency_days).toBe((Date.parse('2010-12-06') - Date.parse(String(want.last_purchase))) / 86_400_000);
    }
    const score = (key: 'recency_days' | 'frequency' | 'monetary', better: 'low' | 'high') => {
      // Independent percent-rank quintiles: rank = number of worse customers / (n - 1).
      const values = actual.map((r) => r[key] as number);
      return values.map((v) => {
        const worse = values.filter((w) => (better === 'high' ? w < v : w > v)).length;
        return Math.min(5, 1 + Math.floor((5 * worse) / (values.length - 1)));
      });
    };
    const r = score('recency_days', 'low');
    const f = score('frequency', 'high');
    const m = score('monetary', 'high');
    const segment = (rs: number, fs: number) => {
      const grid: [RegExp, string][] = [
        [/^5[45]$/, 'Champions'], [/^[34][45]$/, 'Loyal'], [/^[12]5$/, 'Cannot Lose Them'], [/^[12][34]$/, 'At Risk'],
        [/^[12][12]$/, 'Hibernating'], [/^51$/, 'New Customers'], [/^41$/, 'Promising'], [/^[45][23]$/, 'Potential Loyalists'],
        [/^33$/, 'Need Attention'], [/^3[12]$/, 'About To Sleep'],
      ];
      return grid.find(([re]) => re.test(`${rs}${fs}`))![1];
    };
    actual.forEach((row, i) => {
      expect([row.r_score, row.f_score, row.m_score]).toEqual([r[i], f[i], m[i]]);
      expect(row.rfm_segment).toBe(segment(r[i]!, f[i]!));
    });
  });

  it('--as-of leaves out later sales and measures recency from that date', async () => {
    const { dir: d2, cleanup: c2 } = await scratchDir('asof');
    try {
      const l2 = new Lake(path.join(d2, 'lake'));
      await ingest(l2, files());
      await build(l2, { as_of: '2010-12-03' });
      const rows = await withEngine(l2, async (e) =>
        (await e.query(`SELECT max(last_purchase_date) AS last, min(recency_days) AS rmin, max(recency_days) AS rmax, count(*) AS n FROM customer_rfm`)).rows,
      );
      const [expected] = await rawQuery(
        files().slice(0, 2),
        `SELECT count(DISTINCT CustomerID) AS n FROM raw WHERE CustomerID IS NOT NULL AND CAST(Quantity AS DOUBLE) > 0
           AND upper(StockCode) NOT IN ${NON_PRODUCT} AND StockCode NOT LIKE 'gift%'`,
      );
      expect(rows[0]).toEqual({ last: '2010-12-02', rmin: 1, rmax: 2, n: Number(expected!.n) });
    } finally {
      await c2();
    }
  });
});

describe('bad input is quarantined, never lost', () => {
  it('quarantines bad rows with file, line, field and reason', async () => {
    const { dir: d2, cleanup: c2 } = await scratchDir('quarantine');
    try {
      const original = (await readFile(path.join(posDir, '2010-12-02.csv'), 'utf8')).split('\n');
      const lines = original.slice(0, 51); // header + 50 real rows
      lines[3] = lines[3]!.replace('2010-12-02', '2010-02-30'); // impossible date
      lines[5] = lines[5]!.replace(/,(\d+),2010/, ',lots,2010'); // quantity not a number
      lines[7] = lines[7] + ',extra'; // one field too many
      lines[9] = lines[9]!.replace(/,(\d+),2010/, ',0,2010'); // zero quantity
      const file = path.join(d2, 'broken.csv');
      await writeFile(file, lines.join('\n'));
      const l2 = new Lake(path.join(d2, 'lake'));
      const result = await ingest(l2, [file]);
      expect(result.files[0]).toMatchObject({ outcome: 'landed', read: 50, landed: 46, quarantined: 4 });
      const rejected = await withEngine(l2, async (e) =>
        (await e.query(`SELECT source_file, source_line, field, reason FROM quarantine.pos ORDER BY source_line`)).rows,
      );
      expect(rejected).toEqual([
        { source_file: 'online-retail/broken.csv', source_line: 4, field: 'order_ts', reason: expect.stringMatching(/impossible day/) },
        { source_file: 'online-retail/broken.csv', source_line: 6, field: 'quantity', reason: expect.stringMatching(/not a number/) },
        { source_file: 'online-retail/broken.csv', source_line: 8, field: '', reason: 'expected 8 fields, found 9' },
        { source_file: 'online-retail/broken.csv', source_line: 10, field: 'quantity', reason: 'quantity is zero' },
      ]);
    } finally {
      await c2();
    }
  });

  it('quarantines a file it cannot read as a whole, with the reason, and exits non-zero', async () => {
    const { dir: d2, cleanup: c2 } = await scratchDir('rejectfile');
    try {
      const file = path.join(d2, 'wrong-layout.csv');
      await writeFile(file, 'Order;Item;Qty\n1;A;2\n');
      const l2 = path.join(d2, 'lake');
      const result = await run(process.execPath, [CLI, '--lake', l2, 'ingest', 'pos', file]).catch((e) => e);
      expect(result.code).toBe(2);
      expect(result.stdout).toMatch(/rejected file online-retail\/wrong-layout.csv: .*lacks the mapped column\(s\) InvoiceNo/);
      const rows = await withEngine(new Lake(l2), async (e) => (await e.query(`SELECT reason, raw_record FROM quarantine.pos`)).rows);
      expect(rows).toHaveLength(1);
      expect(String(rows[0]!.raw_record)).toMatch(/^raw\/pos\/.*wrong-layout.csv$/);
    } finally {
      await c2();
    }
  });

  it('replaces the rows of a corrected re-delivery instead of adding to them', async () => {
    const { dir: d2, cleanup: c2 } = await scratchDir('redeliver');
    try {
      const l2 = new Lake(path.join(d2, 'lake'));
      await ingest(l2, files());
      const corrected = path.join(d2, 'corrected');
      await mkdir(corrected);
      const text = (await readFile(path.join(posDir, '2010-12-05.csv'), 'utf8')).split('\n').slice(0, 101).join('\n');
      await writeFile(path.join(corrected, '2010-12-05.csv'), text);
      const result = await ingest(l2, [path.join(corrected, '2010-12-05.csv')]);
      expect(result.files[0]).toMatchObject({ outcome: 'replaced', landed: 100 });
      expect(await scalar(l2, `SELECT count(*) FROM curated.pos_lines WHERE business_date = DATE '2010-12-05'`)).toBe(100);
      expect(await scalar(l2, `SELECT count(*) FROM curated.pos_lines`)).toBe(firstRun.files.slice(0, 3).reduce((s, f) => s + f.landed, 0) + 100);
      // The replaced file stays for readers that opened the previous manifest (invisible to new
      // ones, as the counts above show); an ingest an hour later deletes it.
      expect(await l2.list('curated/pos_lines/dt=2010-12-05/')).toHaveLength(2);
      expect(await collectGarbage(l2, posFeed, Date.now() + RETIRED_FILES_KEPT_MS - 60_000)).toBe(0);
      expect(await collectGarbage(l2, posFeed, Date.now() + RETIRED_FILES_KEPT_MS + 1)).toBe(1);
      expect(await l2.list('curated/pos_lines/dt=2010-12-05/')).toHaveLength(1);
    } finally {
      await c2();
    }
  });
});

describe('a crash mid-ingest (kill -9) leaves no visible half delivery', () => {
  const cli = (lakeDir: string, file: string, failpoint?: string) =>
    run(process.execPath, [CLI, '--lake', lakeDir, 'ingest', 'pos', file], {
      env: { ...process.env, ...(failpoint ? { CRMLAKE_FAILPOINT: failpoint } : {}) },
    }).catch((e) => e);

  it('before the commit: nothing is visible; a re-run lands the file and removes the debris', async () => {
    const { dir: d2, cleanup: c2 } = await scratchDir('crash');
    try {
      const lakeDir = path.join(d2, 'lake');
      const file = files()[0]!;
      const crashed = await cli(lakeDir, file, 'ingest:before-commit');
      expect(crashed.signal).toBe('SIGKILL');
      const l2 = new Lake(lakeDir);
      // Data files were written but no manifest lists them: readers see nothing.
      expect((await l2.list('curated/pos_lines/')).some((f) => f.endsWith('.parquet'))).toBe(true);
      expect(await scalar(l2, `SELECT count(*) FROM curated.pos_lines`)).toBe(0);
      const rerun = await cli(lakeDir, file);
      expect(rerun.stdout ?? rerun).toMatch(/landed\s+3108\s+3108/);
      expect(await scalar(l2, `SELECT count(*) FROM curated.pos_lines`)).toBe(3108);
      const parquet = (await l2.list('curated/pos_lines/')).filter((f) => f.endsWith('.parquet'));
      expect(parquet).toHaveLength(1);
    } finally {
      await c2();
    }
  });

  it('after the commit of a re-delivery: the new rows are visible and the old files are collected next time', async () => {
    const { dir: d2, cleanup: c2 } = await scratchDir('crash2');
    try {
      const lakeDir = path.join(d2, 'lake');
      const l2 = new Lake(lakeDir);
      await cli(lakeDir, files()[1]!);
      const corrected = path.join(d2, 'v2');
      await mkdir(corrected);
      const text = (await readFile(files()[1]!, 'utf8')).split('\n').slice(0, 11).join('\n');
      await writeFile(path.join(corrected, '2010-12-02.csv'), text);
      const crashed = await cli(lakeDir, path.join(corrected, '2010-12-02.csv'), 'ingest:after-commit');
      expect(crashed.signal).toBe('SIGKILL');
      expect(await scalar(l2, `SELECT count(*) FROM curated.pos_lines`)).toBe(10);
      await cli(lakeDir, files()[0]!);
      const left = (await l2.list('curated/pos_lines/')).filter((f) => f.endsWith('.parquet'));
      expect(left).toHaveLength(2); // the corrected 2010-12-02 and the new 2010-12-01; the old one is gone
    } finally {
      await c2();
    }
  });
});
