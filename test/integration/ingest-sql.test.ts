/**
 * Differential test of ingest's fast path (src/feeds/ingest-sql.ts): every file is ingested
 * twice, once with DuckDB allowed to land it alone and once with the JavaScript checks only
 * (CRMLAKE_INGEST_SQL=0), and both lakes must hold exactly the same curated rows, quarantine
 * records and reconciliation. Clean files must take the fast path; messy ones must not slip
 * through it with different values.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles, type IngestRun } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { Lake } from '../../src/lake/lake.js';
import { copyRetailDays, queryLake, REPO, scratchDir } from '../helpers.js';

const RETAIL_HEADER = 'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country';
const GOOD = '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom';
const GOOD2 = '536365,71053,WHITE METAL LANTERN,6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom';

/** Files that DuckDB must land alone, with exactly the JavaScript result. */
const CLEAN: Record<string, string> = {
  'bom-crlf.csv': `\uFEFF${RETAIL_HEADER}\r\n${GOOD}\r\n${GOOD2}\r\n`,
  'quoting.csv': [
    RETAIL_HEADER,
    '536366,22633,"HAND WARMER, UNION JACK",6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom',
    '536366,22632,"HAND WARMER ""RED"" POLKA",6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom',
    '536366,22634,5" PHOTO FRAME,6,2010-12-01 08:28:00,1.85,17850.0,United Kingdom',
    '536366,22635,  SPACES AROUND  ,6,2010-12-01 08:28:00,1.85,,United Kingdom',
    '536366,22636,"",6,2010-12-01 08:28:00,1.85,"",United Kingdom',
    '536366,22637,   ,6,2010-12-01 08:28:00,1.85, 012346.00 ,',
  ].join('\n'),
  'numbers-and-codes.csv': [
    RETAIL_HEADER,
    'C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527.0,United Kingdom',
    '536380,post,POSTAGE,1.,2010-12-01 09:41:00,.5,0,France',
    '536381,GIFT_0001_20,Dotcomgiftshop Gift Voucher,1,2010-12-01 09:41:00,0,000,United Kingdom',
    '536382,22139,RETROSPOT TEA SET,-12,2010-12-01 09:45:00,-0,,United Kingdom',
    '536382,22140,RETROSPOT TEA SET,-12,2010-12-01 09:45:00,0.000,,United Kingdom',
    '536382,22141,RETROSPOT,00012.500,2010-12-31 23:59:59,0012.3400,,United Kingdom',
    '536382,22142,NULL,3,2011-02-28 00:00:00,1,,NULL',
  ].join('\n'),
  'header-only.csv': `${RETAIL_HEADER}\n`,
};

/** Files with something the fast path must leave to JavaScript (or that it must get exactly right). */
const MESSY: Record<string, string> = {
  'bad-number.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',6,', ',lots,')].join('\n'),
  'exponent.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',6,', ',1e3,')].join('\n'),
  'plus-sign.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',6,', ',+6,')].join('\n'),
  'too-many-places.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',6,', ',0.0001,')].join('\n'),
  'huge-amount.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',3.39,', ',99999999999999,').replace(',6,', ',600,')].join('\n'),
  'bad-date.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('2010-12-01 08:26:00', '2010-02-30 08:26:00')].join('\n'),
  'bad-time.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('08:26:00', '24:00:00')].join('\n'),
  'leap-day.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('2010-12-01', '2012-02-29')].join('\n'),
  'iso-t.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('2010-12-01 08:26:00', '2010-12-01T08:26:00')].join('\n'),
  'sentinel-date.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('2010-12-01', '9999-12-31')].join('\n'),
  'old-date.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('2010-12-01', '1999-12-31')].join('\n'),
  'quoted-newline.csv': [RETAIL_HEADER, GOOD, '536365,71054,"WHITE\nLANTERN",6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom', GOOD2, GOOD2.replace(',6,', ',0,')].join('\n'),
  'quoted-crlf.csv': [RETAIL_HEADER, GOOD, '536365,71054,"WHITE\r\nLANTERN",6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom', GOOD2].join('\r\n'),
  'missing-field.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',United Kingdom', '')].join('\n'),
  'extra-field.csv': [RETAIL_HEADER, GOOD, `${GOOD2},extra`].join('\n'),
  'blank-line.csv': [RETAIL_HEADER, GOOD, '', GOOD2].join('\n'),
  'trailing-blank-lines.csv': [RETAIL_HEADER, GOOD, GOOD2, '', ''].join('\n'),
  'tab.csv': [RETAIL_HEADER, GOOD.replace('HOLDER', 'HOLDER\t'), GOOD2].join('\n'),
  'nbsp.csv': [RETAIL_HEADER, GOOD.replace('HOLDER', 'HOLDER\u00a0'), GOOD2].join('\n'),
  'lone-cr.csv': [RETAIL_HEADER, GOOD, GOOD2].join('\r'),
  'quote-after-space.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('WHITE METAL LANTERN', ' "WHITE, METAL"')].join('\n'),
  'space-after-quote.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('WHITE METAL LANTERN', '"WHITE, METAL" ')].join('\n'),
  'space-at-line-start.csv': [RETAIL_HEADER, GOOD, ` "536365",71053,"WHITE, METAL LANTERN",6,2010-12-01 08:26:00,3.39,17850.0,United Kingdom`].join('\n'),
  'text-after-quote.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('WHITE METAL LANTERN', '"WHITE"METAL')].join('\n'),
  'unclosed-quote.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('WHITE METAL LANTERN', '"WHITE METAL LANTERN')].join('\n'),
  'zero-quantity.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',6,', ',0,')].join('\n'),
  'negative-price.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',3.39,', ',-3.39,')].join('\n'),
  'positive-cancellation.csv': [RETAIL_HEADER, GOOD, `C${GOOD2}`].join('\n'),
  'bad-customer.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('17850.0', '17850.5')].join('\n'),
  'no-stock-code.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',71053,', ',,')].join('\n'),
  'unicode-sku.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',71053,', ',straße,')].join('\n'),
  'nbsp-inside.csv': [RETAIL_HEADER, GOOD.replace('HANGING HEART', 'HANGING\u00a0HEART'), GOOD2].join('\n'),
  'zero-width-nbsp.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('17850.0', '\uFEFF17850.0')].join('\n'),
  'ideographic-space.csv': [RETAIL_HEADER, GOOD, GOOD2.replace(',United Kingdom', ',United Kingdom\u3000')].join('\n'),
  'long-value.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('WHITE METAL LANTERN', 'W'.repeat(1_000_001))].join('\n'),
  'replacement-char.csv': [RETAIL_HEADER, GOOD, GOOD2.replace('LANTERN', 'LANT\uFFFDRN')].join('\n'),
  // Bad rows among good orders: the good orders land in SQL; the orders with a bad line go to the
  // JavaScript checks whole, which number their lines without the rejected ones.
  'few-bad-rows.csv': [
    RETAIL_HEADER,
    GOOD.replace('536365', '536370'),
    GOOD,
    GOOD2.replace(',6,', ',lots,'),
    GOOD2,
    GOOD2.replace('536365', '536370'),
    GOOD.replace('536365', '536371'),
    GOOD2.replace('536365', '536371').replace('2010-12-01 08:26:00', '2010-12-32 08:26:00'),
    GOOD.replace('536365', '536372'),
  ].join('\n'),
  'no-header.csv': '',
  'wrong-layout.csv': 'Order;Item;Qty\n1;A;2\n',
};

const LOTUS_HEADER = 'receipt_id;line_no;sold_at;store_code;member_no;sku;item_name;qty;unit_price;currency';
/** The semicolon-separated Lotus & Leaf layout: line numbers from the file, NULL as text, upper-cased currency. */
const LOTUS: Record<string, string> = {
  'lotus-clean.csv': [
    LOTUS_HEADER,
    'S-1;1;2024-03-01 10:00:00;SH01;M001;T100;绿茶;2;15.50;cny',
    'S-1;2;2024-03-01 10:00:00;SH01;NULL;DISC;折扣;1;0;CNY',
    'R-2;007;2024-03-02 11:00:00;SH01;;T100;绿茶;-2;15.50;NULL',
  ].join('\n'),
  'lotus-messy.csv': [LOTUS_HEADER, 'S-1;1;2024-03-01 10:00:00;SH01;M001;T100;绿茶;2;15.50;cny', 'S-1;x;2024-03-01 10:00:00;SH01;M001;T100;绿茶;2;15.50;cny'].join('\n'),
};

let cleanup: () => Promise<void>;
let dir: string;

/** Curated rows, quarantine records and per-file results of one ingest, comparable across lakes. */
async function ingestAndRead(files: string[], mappingName: string | undefined, sql: boolean, name: string, feedName = 'pos') {
  const feed = getFeed(feedName);
  const mapping = await loadMapping(feed, mappingName);
  const lake = new Lake(path.join(dir, name));
  const saved = process.env.CRMLAKE_INGEST_SQL;
  if (!sql) process.env.CRMLAKE_INGEST_SQL = '0';
  let run: IngestRun;
  try {
    run = await ingestFiles(lake, files, { feed, mapping, source: 'src' });
  } finally {
    if (saved === undefined) delete process.env.CRMLAKE_INGEST_SQL;
    else process.env.CRMLAKE_INGEST_SQL = saved;
  }
  const curated = await queryLake(
    lake,
    `SELECT * EXCLUDE (_ingested_at), CAST(_ingested_at IS NOT NULL AS BOOLEAN) AS has_ingested_at FROM curated.${feed.table} ORDER BY _source_file, _source_line`,
  );
  const quarantine = await queryLake(lake, `SELECT source_file, source_line, field, reason, raw_record FROM quarantine."${feed.name}" ORDER BY source_file, source_line`);
  const raw = new RegExp(`raw/${feed.name}/[^ ]*`);
  const results = run.files.map(({ checkedBy: _, reason, ...rest }) => ({ ...rest, reason: reason?.replace(raw, 'raw/…') }));
  return { run, curated, quarantine: quarantine.map((q) => ({ ...q, raw_record: String(q.raw_record).replace(raw, 'raw/…') })), results };
}

async function writeAll(files: Record<string, string>, folder: string): Promise<string[]> {
  const { mkdir } = await import('node:fs/promises');
  await mkdir(path.join(dir, folder), { recursive: true });
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(dir, folder, name);
    await writeFile(file, text);
    paths.push(file);
  }
  return paths;
}

beforeAll(async () => {
  const scratch = await scratchDir('ingest-sql');
  dir = scratch.dir;
  cleanup = scratch.cleanup;
});
afterAll(async () => cleanup());

describe('the fast ingest path lands exactly what the JavaScript checks land', () => {
  it('on real Online Retail days, with line numbers within orders, cancellations and non-product codes', async () => {
    const folder = await copyRetailDays(dir, ['2010-12-01', '2010-12-02', '2010-12-03']);
    const files = ['2010-12-01', '2010-12-02', '2010-12-03'].map((d) => path.join(folder, `${d}.csv`));
    // A latin-1 byte in one copy: not UTF-8, so DuckDB refuses it and JavaScript quarantines the row.
    const latin = path.join(folder, 'latin1.csv');
    const bytes = await readFile(files[0]!);
    await writeFile(latin, Buffer.concat([bytes.subarray(0, 300), Buffer.from([0xe9]), bytes.subarray(300)]));
    const fast = await ingestAndRead([...files, latin], undefined, true, 'real-fast');
    const slow = await ingestAndRead([...files, latin], undefined, false, 'real-slow');
    expect(fast.run.files.map((f) => f.checkedBy)).toEqual(['sql', 'sql', 'sql', 'javascript']);
    expect(fast.results).toEqual(slow.results);
    expect(fast.curated.length).toBeGreaterThan(5000);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine).toEqual(slow.quarantine);
  });

  it('on a real day with bad values sprinkled through it: DuckDB lands the good orders, JavaScript judges the rest', async () => {
    const folder = await copyRetailDays(dir, ['2010-12-01'], 'sprinkled');
    const file = path.join(folder, '2010-12-01.csv');
    const [header, ...lines] = (await readFile(file, 'utf8')).trimEnd().split('\n');
    // Quantity, InvoiceDate, UnitPrice, CustomerID, Country: the last five fields (no commas in them).
    const edit = (line: string, field: number, value: string) => {
      const tail = line.split(',').slice(-5);
      tail[field] = value;
      return [...line.split(',').slice(0, -5), ...tail].join(',');
    };
    const mutations = [
      (l: string) => edit(l, 0, 'lots'),
      (l: string) => edit(l, 0, '1e3'),
      (l: string) => edit(l, 0, '0'),
      (l: string) => edit(l, 0, '0.0001'),
      (l: string) => edit(l, 1, '2010-12-32 08:26:00'),
      (l: string) => edit(l, 1, '9999-12-31 00:00:00'),
      (l: string) => edit(l, 2, '-3.39'),
      (l: string) => edit(edit(l, 0, '600'), 2, '99999999999999'),
      (l: string) => edit(l, 3, '17850.5'),
      (l: string) => `C${l}`,
    ];
    const mutated = lines.map((line, i) => (i % 97 === 5 ? mutations[Math.floor(i / 97) % mutations.length]!(line) : line));
    await writeFile(file, [header, ...mutated].join('\n'));
    const fast = await ingestAndRead([file], undefined, true, 'sprinkled-fast');
    const slow = await ingestAndRead([file], undefined, false, 'sprinkled-slow');
    expect(fast.run.files.map((f) => f.checkedBy)).toEqual(['sql+javascript']);
    expect(fast.run.files[0]!.quarantined).toBeGreaterThanOrEqual(25);
    expect(fast.results).toEqual(slow.results);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine).toEqual(slow.quarantine);
  });

  it('on clean files with a BOM, CRLF, quoting, spaces, blanks and odd but valid numbers', async () => {
    const files = await writeAll(CLEAN, 'clean');
    const fast = await ingestAndRead(files, undefined, true, 'clean-fast');
    const slow = await ingestAndRead(files, undefined, false, 'clean-slow');
    expect(fast.run.files.map((f) => [path.basename(f.file), f.checkedBy])).toEqual(Object.keys(CLEAN).map((n) => [n, 'sql']));
    expect(fast.results).toEqual(slow.results);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine).toEqual([]);
    expect(slow.quarantine).toEqual([]);
  });

  it('on messy files: bad numbers and dates, quoted line breaks, ragged rows, blank lines, stray quotes, odd whitespace', async () => {
    const files = await writeAll(MESSY, 'messy');
    const fast = await ingestAndRead(files, undefined, true, 'messy-fast');
    const slow = await ingestAndRead(files, undefined, false, 'messy-slow');
    for (const [i, result] of fast.results.entries()) expect([path.basename(result.file), result]).toEqual([path.basename(result.file), slow.results[i]]);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine).toEqual(slow.quarantine);
    // Every rejected row was judged by the JavaScript checks: DuckDB alone never quarantines.
    for (const result of fast.run.files) if (result.quarantined > 0) expect(result.checkedBy).not.toBe('sql');
    // A file with a few bad values keeps the fast path for its other rows (here: all the rows
    // are one order, which the JavaScript checks then number whole).
    const checkedBy = Object.fromEntries(fast.run.files.map((f) => [path.basename(f.file), f.checkedBy]));
    expect(checkedBy).toMatchObject({ 'few-bad-rows.csv': 'sql+javascript', 'bad-number.csv': 'javascript', 'quoted-newline.csv': 'javascript' });
    const few = fast.run.files.find((f) => path.basename(f.file) === 'few-bad-rows.csv')!;
    expect([few.read, few.landed, few.quarantined]).toEqual([8, 6, 2]);
    // read = landed + quarantined, whichever path read the file.
    for (const result of fast.run.files) if (result.outcome !== 'rejected') expect(result.landed + result.quarantined).toBe(result.read);
  });

  it('with another mapping: semicolons, line numbers from the file, NULL as text, upper-cased currency', async () => {
    const files = await writeAll(LOTUS, 'lotus');
    const fast = await ingestAndRead(files, 'lotus-pos', true, 'lotus-fast');
    const slow = await ingestAndRead(files, 'lotus-pos', false, 'lotus-slow');
    expect(fast.run.files.map((f) => f.checkedBy)).toEqual(['sql', 'sql+javascript']);
    expect(fast.results).toEqual(slow.results);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine).toEqual(slow.quarantine);
  });
});

/** The Olist sample, and a copy of each file with bad values and repeated keys sprinkled through it. */
const OLIST = path.join(REPO, 'samples', 'datasets', 'olist-sample');
const ORDER_FEEDS = [
  {
    feed: 'web-orders',
    file: 'olist_orders_dataset.csv',
    // order_id, customer_id, status, purchased_at, …
    damage: [(f: string[]) => (f[0] = ''), (f: string[]) => (f[3] = ''), (f: string[]) => (f[3] = '2018-02-30 10:00:00'), (f: string[]) => (f[1] = '')],
  },
  {
    feed: 'web-order-items',
    file: 'olist_order_items_dataset.csv',
    // order_id, order_item_id, product_id, seller_id, shipping_limit_date, price, freight_value
    damage: [
      (f: string[]) => (f[1] = '0'),
      (f: string[]) => (f[1] = '1.5'),
      (f: string[]) => (f[2] = ''),
      (f: string[]) => (f[5] = '-1.00'),
      (f: string[]) => (f[5] = '-0.00'),
      (f: string[]) => (f[6] = 'free'),
      (f: string[]) => (f[6] = '-2'),
      (f: string[]) => (f[4] = ''),
    ],
  },
  {
    feed: 'web-payments',
    file: 'olist_order_payments_dataset.csv',
    // order_id, payment_sequential, payment_type, payment_installments, payment_value
    damage: [(f: string[]) => (f[1] = '0'), (f: string[]) => (f[3] = '-1'), (f: string[]) => (f[4] = ''), (f: string[]) => (f[4] = '1e3')],
  },
];

describe('the fast path of the web-order feeds lands exactly what their JavaScript checks land', () => {
  for (const { feed, file, damage } of ORDER_FEEDS) {
    it(`${feed}: the Olist sample, and a copy with bad values and repeated keys`, async () => {
      const [header, ...lines] = (await readFile(path.join(OLIST, file), 'utf8')).trimEnd().split('\n');
      // A line repeated later (an export fault: the first lands, the repeat is quarantined) and
      // one repeated after a damaged first copy (the repeat is then the first good one).
      const messy = lines.map((line, i) => {
        if (i % 89 !== 7) return line;
        const fields = line.split(',');
        damage[Math.floor(i / 89) % damage.length]!(fields);
        return fields.join(',');
      });
      messy.splice(500, 0, lines[3]!, messy[7]!.replace(/^[^,]*/, lines[7]!.split(',')[0]!));
      messy.push(lines[7]!);
      const folder = path.join(dir, feed);
      await mkdir(folder, { recursive: true });
      const files = [path.join(folder, 'clean.csv'), path.join(folder, 'messy.csv')];
      await writeFile(files[0]!, [header, ...lines].join('\n'));
      await writeFile(files[1]!, [header, ...messy].join('\n'));
      const fast = await ingestAndRead(files, undefined, true, `${feed}-fast`, feed);
      const slow = await ingestAndRead(files, undefined, false, `${feed}-slow`, feed);
      expect(fast.run.files.map((f) => f.checkedBy)).toEqual(['sql', 'sql+javascript']);
      expect(fast.run.files[1]!.quarantined).toBeGreaterThan(10);
      expect(fast.results).toEqual(slow.results);
      expect(fast.curated.length).toBeGreaterThan(5000);
      expect(fast.curated).toEqual(slow.curated);
      expect(fast.quarantine).toEqual(slow.quarantine);
      expect(fast.quarantine.some((q) => /duplicate .*first seen on line/.test(String((q as Record<string, unknown>).reason)))).toBe(true);
    });
  }
});
