/**
 * Differential test of ingest's fast path (src/feeds/ingest-sql.ts): every file is ingested
 * twice, once with DuckDB allowed to land it alone and once with the JavaScript checks only
 * (CRMLAKE_INGEST_SQL=0), and both lakes must hold exactly the same curated rows, quarantine
 * records and reconciliation. Clean files must take the fast path; messy ones must not slip
 * through it with different values.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles, type IngestRun } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { generateCompany, type DemoDelivery } from '../../src/demo/index.js';
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
  // Some lines without a number: the validator numbers an order's unnumbered lines in file order.
  'lotus-gaps.csv': [
    LOTUS_HEADER,
    'S-3;1;2024-03-03 10:00:00;SH01;M001;T100;绿茶;1;15.50;CNY',
    'S-3;;2024-03-03 10:00:00;SH01;M001;T101;红茶;1;18.00;CNY',
    'S-4;;2024-03-03 11:00:00;SH02;;T100;绿茶;3;15.50;CNY',
    'S-3;NULL;2024-03-03 10:00:00;SH01;M001;T102;白茶;2;22.00;CNY',
    'S-4;;2024-03-03 11:00:00;SH02;;BAG;袋;1;0.50;CNY',
    'S-5;1;2024-03-03 12:00:00;SH02;M002;T100;绿茶;1;15.50;CNY',
  ].join('\n'),
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
    expect(fast.run.files.map((f) => f.checkedBy)).toEqual(['sql', 'sql+javascript', 'sql+javascript']);
    expect(fast.results).toEqual(slow.results);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine).toEqual(slow.quarantine);
    // Every line of the file with gaps landed, the unnumbered ones numbered by the validator.
    expect(fast.curated.filter((r) => String(r._source_file).endsWith('lotus-gaps.csv') && r.line_number !== null)).toHaveLength(6);
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

/** A web collector event (JSON line) with the demo company's fields; `extra` overrides or adds. */
const event = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    event_id: `ws${String(n).padStart(6, '0')}-1`,
    session_id: `ws${String(n).padStart(6, '0')}`,
    ...(n % 3 ? { customer_id: `W${n % 500}` } : {}),
    event_type: ['page_view', 'product_view', 'add_to_cart', 'checkout', 'purchase'][n % 5],
    occurred_at: `2026-0${1 + (n % 9)}-1${n % 10}T${String(n % 24).padStart(2, '0')}:0${n % 10}:3${n % 10}+08:00`,
    ...(n % 5 >= 2 ? { value: Math.round(n * 137.31) / 100, currency: n % 7 ? 'CNY' : 'cny' } : {}),
    ...(n % 5 === 1 ? { item_id: `SKU-${n % 97}`, page_url: `/p/SKU-${n % 97}` } : {}),
    ...(n % 5 === 4 ? { order_id: `WO${n}` } : {}),
    ...extra,
  });

/** Lines JSON.parse, the collector mapping or the web checks read differently from a plain event, or reject. */
const ODD_EVENTS: string[] = [
  event(1, { occurred_at: '2026-03-01T00:30:00+08:00' }), // the UTC date is the day before
  event(2, { occurred_at: '2026-03-01T23:30:00-05:30' }),
  event(3, { occurred_at: '2026-03-01T10:00:00.250Z' }),
  event(4, { occurred_at: '2026-03-01 10:00:00+0800' }),
  event(5, { occurred_at: '2026-03-01' }),
  event(6, { occurred_at: '2026-03-01T10:00' }), // no seconds: JavaScript reads it
  event(7, { occurred_at: '2026-02-30T10:00:00+08:00' }),
  event(8, { occurred_at: '0099-03-01T10:00:00Z' }),
  event(35, { occurred_at: '0050-03-01T10:00:00+08:00' }), // JavaScript's Date.UTC reads year 50 as 1950
  event(9, { occurred_at: null }),
  event(10, { value: 12.5, currency: 'EUR' }),
  event(11, { value: 0.30000000000000004 }),
  event(12, { value: 1e21 }),
  event(13, { value: 0.0000001 }),
  event(14, { value: -3 }),
  event(15, { value: '12.50' }),
  event(16, { value: 9007199254740993 }),
  event(17, { value: true }),
  event(18, { event_type: 'scroll' }),
  event(19, { event_id: '' }),
  event(20, { session_id: { id: 7 } }),
  event(21, { page_url: ['/a', '/b'] }),
  event(22, { item_id: 'SKU-\t' }),
  event(23, { item_id: '\u00a0SKU-1' }),
  event(24, { item_id: '  SKU-2  ' }),
  event(25, { page_url: '/p/\ud83d\ude00' }),
  event(26, { currency: 'straße' }),
  event(27, { order_id: 42 }),
  event(28, { item_id: 1e21 }),
  event(29, { item_id: 0.1 + 0.2 }),
  event(30, { item_id: 12.5 }),
  event(31, { item_id: 1e-7 }),
  event(32, { item_id: 100 }),
  '{"event_id":"x1","session_id":"s1","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z",}',
  '{"event_id":"x2","session_id":"s2","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z","note":NaN}',
  '{"event_id":"x3","event_id":"x4","session_id":"s3","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z"}',
  '{"event_id":"x5","session_id":"s5","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z","page_url":"/\\ud800"}',
  '{"event_id":"x6","session_id":"s6","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z","page_url":"a\\u0000b"}',
  '{"event_id":"x8","session_id":"s8","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z","item_id":9007199254740993}',
  '{"event_id":"x10","event\\u005fid":"x11","session_id":"s10","event_type":"page_view","occurred_at":"2026-03-01T10:00:00Z"}',
  '["not", "an", "object"]',
  '{"event_id": "x7", "session_id"',
  '',
  '   ',
  '\u00a0',
  `  ${event(33)}  `,
];

describe('the fast path of JSON lines lands exactly what the JavaScript reader and checks land', () => {
  it('web collector events: clean (LF and CRLF) and with every odd line JSON.parse, the mapping or the checks see otherwise', async () => {
    const folder = path.join(dir, 'collector');
    await mkdir(folder, { recursive: true });
    const clean = Array.from({ length: 2000 }, (_, i) => event(100 + i));
    const messy = clean.flatMap((line, i) => (i % 50 === 7 ? [ODD_EVENTS[Math.floor(i / 50) % ODD_EVENTS.length]!, line] : [line]));
    messy.push(...ODD_EVENTS);
    const files = [path.join(folder, 'clean.jsonl'), path.join(folder, 'crlf.jsonl'), path.join(folder, 'messy.jsonl')];
    await writeFile(files[0]!, `${clean.join('\n')}\n`);
    await writeFile(files[1]!, `\uFEFF${clean.slice(0, 300).join('\r\n')}`);
    await writeFile(files[2]!, `${messy.join('\n')}\n`);
    const fast = await ingestAndRead(files, 'collector', true, 'collector-fast', 'web');
    const slow = await ingestAndRead(files, 'collector', false, 'collector-slow', 'web');
    expect(fast.run.files.map((f) => f.checkedBy)).toEqual(['sql', 'sql', 'sql+javascript']);
    expect(fast.results).toEqual(slow.results);
    expect(fast.curated.length).toBeGreaterThan(4000);
    expect(fast.curated).toEqual(slow.curated);
    expect(fast.quarantine.length).toBeGreaterThan(10);
    expect(fast.quarantine).toEqual(slow.quarantine);
    const messyRun = fast.run.files[2]!;
    expect(messyRun.landed + messyRun.quarantined).toBe(messyRun.read);
  });
});

/** An edit of one line's fields (split on commas); `lines` are the file's unedited lines. */
type Edit = (fields: string[], i: number, lines: string[]) => void;
const set = (at: number, value: string): Edit => (f) => void (f[at] = value);

/**
 * The demo company's files of one delivery, and a messy copy of one of them: every `every`-th
 * line from the tenth on (i % every === 2, so the line before and three before are unedited)
 * gets the next of `edits`. Written back in the file's encoding.
 */
async function demoWithMessyCopy(spec: {
  name: string;
  customers: number;
  days: number;
  delivery: (d: DemoDelivery) => boolean;
  file?: (files: string[]) => string;
  every: number;
  edits: Edit[];
  encoding?: 'gbk';
}): Promise<{ out: string; files: string[]; messy: string; lines: string[] }> {
  const out = path.join(dir, spec.name);
  const manifest = generateCompany({ out, customers: spec.customers, days: spec.days, end: '2026-11-30' });
  const files = manifest.deliveries.find(spec.delivery)!.paths.map((p) => path.join(out, p));
  const bytes = await readFile(spec.file?.(files) ?? files[0]!);
  const [header, ...lines] = (spec.encoding ? iconv.decode(bytes, spec.encoding) : bytes.toString('utf8')).trimEnd().split('\n');
  const edited = lines.map((line, i) => {
    if (i < 10 || i % spec.every !== 2) return line;
    const fields = line.split(',');
    spec.edits[Math.floor(i / spec.every) % spec.edits.length]!(fields, i, lines);
    return fields.join(',');
  });
  const messy = path.join(out, `${spec.name}-messy.csv`);
  const text = [header, ...edited].join(spec.encoding ? '\r\n' : '\n');
  await writeFile(messy, spec.encoding ? iconv.encode(text, spec.encoding) : text);
  return { out, files, messy, lines };
}

/** Both paths on the same files: the fast one must land and quarantine exactly what JavaScript does. */
async function expectSameOnBothPaths(files: string[], mapping: string | undefined, feed: string, name: string, minimum: { curated: number; quarantined: number }) {
  const fast = await ingestAndRead(files, mapping, true, `${name}-fast`, feed);
  const slow = await ingestAndRead(files, mapping, false, `${name}-slow`, feed);
  expect(fast.results).toEqual(slow.results);
  expect(fast.curated.length).toBeGreaterThan(minimum.curated);
  expect(fast.curated).toEqual(slow.curated);
  expect(fast.quarantine.length).toBeGreaterThan(minimum.quarantined);
  expect(fast.quarantine).toEqual(slow.quarantine);
  return fast.run.files.map((f) => f.checkedBy);
}

describe('the fast path of the demo company’s feeds lands exactly what their JavaScript checks land', () => {
  it('call-centre months, and a copy with bad yes/no words, durations, scores and times', async () => {
    // call_id,start_time,agent,queue,answered,wait_seconds,talk_time,hold_seconds,resolved,complaint,csat,customer_no,caller_number
    const values: [number, string][] = [
      [4, 'maybe'], [4, 'YES'], [4, 'n'], [4, '是'], [4, 'İ'],
      [6, '1:75'], [6, '1:02:03'], [6, '125'], [6, '2.5'], [6, '-3'], [6, ''], [6, '102:10'], [6, '1:60:00'], [6, '0042'],
      [5, '-5'], [5, '12.0'], [5, 'x'], [7, '007'],
      [10, '0'], [10, '6'], [10, '4.0'], [10, 'abc'],
      [1, '2026-02-30 10:00:00'], [1, ''], [0, ''], [8, '对'], [9, '不'],
    ];
    const edits: Edit[] = [...values.map(([at, value]) => set(at, value)), (f) => ([f[4], f[6]] = ['N', '0:30'])]; // unanswered, with talk time
    const { files, messy, lines } = await demoWithMessyCopy({ name: 'calls', customers: 3000, days: 90, delivery: (d) => d.feed === 'calls', every: 3, edits });
    const checkedBy = await expectSameOnBothPaths([...files, messy], 'lotus-callcenter', 'calls', 'calls', { curated: lines.length, quarantined: 10 });
    // Each demo month has one record the generator broke on purpose: the JavaScript checks judge it.
    expect(checkedBy).toEqual([...files, messy].map(() => 'sql+javascript'));
  });

  it('profile files, with per-system settings, and a copy with repeated and missing ids, bad times and consents', async () => {
    // source_system,source_customer_id,full_name,gender,birth_date,mobile,phone,email,address_line,city,province,postcode,registered_at,updated_at,email_consent,email_consent_at,sms_consent,sms_consent_at
    const edits: Edit[] = [
      set(1, ''),
      (f, i, lines) => (f[1] = lines[i - 1]!.split(',')[1]!), // the id of the line before: a duplicate
      (f, i, lines) => ([f[0], f[1]] = ['web', lines[i - 3]!.split(',')[1]!]), // the same id in another system: two customers
      set(0, ''),
      set(12, '2026-13-01 10:00:00'),
      set(12, '2026-03-01T10:00:00+08:00'),
      (f) => ([f[12], f[13]] = ['2026-03-01 10:00:00', '']),
      (f) => ([f[12], f[13]] = ['', '']),
      set(14, 'maybe'),
      set(14, 'Y'),
      set(15, 'yesterday'),
    ];
    const { out, files, messy, lines } = await demoWithMessyCopy({
      name: 'customers', customers: 3000, days: 90, delivery: (d) => d.feed === 'customers',
      file: (all) => all.find((f) => f.endsWith('loyalty-desk.csv'))!, every: 5, edits,
    });
    // The shipped layout with settings: a default for every system, web's own, and a system the
    // file leaves blank (then the mapping's name).
    const withSettings = path.join(out, 'profiles-with-settings.yaml');
    const shipped = await readFile(path.join(REPO, 'src', 'feeds', 'customers', 'mappings', 'crmlake-profiles.yaml'), 'utf8');
    await writeFile(
      withSettings,
      `${shipped.replace('name: crmlake-profiles', 'name: profiles-with-settings')}\nrules:\n  default_country: CN\n  day_first: true\n  priority: 2\n  systems:\n    web: { default_country: HK, priority: 1 }\n    partner: { day_first: false }\n`,
    );
    for (const [i, mapping] of ['crmlake-profiles', withSettings].entries()) {
      const checkedBy = await expectSameOnBothPaths([...files, messy], mapping, 'customers', `customers-${i}`, { curated: lines.length, quarantined: 20 });
      expect(checkedBy.every((c) => c?.startsWith('sql'))).toBe(true);
      expect(checkedBy.at(-1)).toBe('sql+javascript');
    }
  });

  it('survey months, and a copy with scores off the scale, repeated responses and missing times', async () => {
    // response_id,channel,customer_system,customer_id,order_no,call_id,store,score,nps,comment,sent_at,answered_at
    const edits: Edit[] = [
      set(7, '9'), set(7, '0'), set(7, 'x'), set(8, '11'), set(8, '-1'), set(8, '10'), set(0, ''),
      (f, i, lines) => ([f[0], f[4]] = [lines[i - 1]!.split(',')[0]!, lines[i - 1]!.split(',')[4]!]), // the same response for the same order
      (f, i, lines) => ([f[0], f[4]] = [lines[i - 3]!.split(',')[0]!, 'WO-OTHER']), // the same response for another order
      (f) => ([f[7], f[8], f[9]] = ['', '', '']),
      set(11, '2026-02-30 10:00:00'),
      (f) => ([f[10], f[11]] = ['', '']),
      set(9, '"好，很好, 谢谢"'),
    ];
    const { files, messy, lines } = await demoWithMessyCopy({
      name: 'surveys', customers: 6000, days: 120, delivery: (d) => d.feed === 'surveys', file: (all) => all.at(-2)!, every: 4, edits,
    });
    const checkedBy = await expectSameOnBothPaths([...files, messy], 'lotus-surveys', 'surveys', 'surveys', { curated: lines.length, quarantined: 20 });
    expect(checkedBy).toEqual([...files, messy].map(() => 'sql+javascript'));
  });

  it('campaign audiences, and a copy with repeated members, contacted controls and bad values', async () => {
    // campaign_id,source_system,source_customer_id,is_control,contacted_on
    const edits: Edit[] = [
      (f, i, lines) => f.splice(0, 3, ...lines[i - 1]!.split(',').slice(0, 3)), // listed twice
      (f) => ([f[3], f[4]] = ['true', '2026-01-05']),
      (f) => ([f[3], f[4]] = ['是', '']),
      set(3, 'perhaps'), set(4, '2026-02-30'), set(4, '2026-01-05T23:30:00-08:00'), set(2, ''), set(0, ''),
    ];
    const { files, messy, lines } = await demoWithMessyCopy({ name: 'members', customers: 3000, days: 400, delivery: (d) => d.feed === 'campaign-members', every: 4, edits });
    const checkedBy = await expectSameOnBothPaths([...files, messy], undefined, 'campaign-members', 'members', { curated: lines.length, quarantined: 20 });
    expect(checkedBy).toEqual([...files.map(() => 'sql'), 'sql+javascript']);
  });

  it('legacy tills (GBK, Chinese header, date and time in two columns), clean, messy and with a byte GBK cannot read', async () => {
    // 小票号,行号,销售日期,销售时间,门店编号,会员卡号,商品编码,商品名称,数量,单价
    const values: [number, string][] = [
      [2, '2024/2/30'], [3, '25:00:00'], [2, '2024-12-02'], [2, ''], [3, ''], [3, '9:5:00'], [3, '09:05:00'],
      [2, '2024/02/03'], [8, 'x'], [9, '-1'], [1, 'a'], [7, '铁观音 «特级»'], [0, ''],
    ];
    const { out, files, messy, lines } = await demoWithMessyCopy({
      name: 'legacy', customers: 3000, days: 90, delivery: (d) => d.mapping === 'lotus-pos-legacy', every: 6, edits: values.map(([at, value]) => set(at, value)), encoding: 'gbk',
    });
    // A lead byte with no trail byte GBK knows: U+FFFD to the decoder, which the fast path leaves to JavaScript.
    const unreadable = path.join(out, 'legacy-unreadable.csv');
    const bytes = await readFile(files[1]!);
    await writeFile(unreadable, Buffer.concat([bytes.subarray(0, 400), Buffer.from([0xb0, 0xff]), bytes.subarray(400)]));
    const checkedBy = await expectSameOnBothPaths([...files, messy, unreadable], 'lotus-pos-legacy', 'pos', 'legacy', { curated: lines.length, quarantined: 20 });
    expect(checkedBy).toEqual([...files.map(() => 'sql+javascript'), 'sql+javascript', 'javascript']);
  });
});

describe('the fast path on the real samples with joined columns', () => {
  it('PwC call centre (date and time joined, H:mm:ss) and DIGINETICA product views (id joined from three columns): clean and with bad values', async () => {
    const cases = [
      { feed: 'calls', mapping: 'pwc-call-centre', file: path.join(REPO, 'samples', 'datasets', 'pwc-call-centre', 'call-center.csv'), separator: ',', edits: [[3, '25:00:00'], [2, '2021-02-30'], [3, ''], [5, 'maybe'], [8, '0:61:00'], [9, '7']] },
      { feed: 'web', mapping: 'diginetica', file: path.join(REPO, 'samples', 'datasets', 'diginetica-clickstream', 'item-views.csv'), separator: ';', edits: [[4, '2016-13-09'], [3, '-5'], [0, ''], [2, 'NA'], [3, '1.5'], [1, ' 42 ']] },
    ] as const;
    for (const c of cases) {
      const [header, ...lines] = (await readFile(c.file, 'utf8')).trimEnd().split(/\r?\n/);
      const messy = lines.map((line, i) => {
        if (i % 37 !== 5) return line;
        const fields = line.split(c.separator);
        const [at, value] = c.edits[Math.floor(i / 37) % c.edits.length]!;
        fields[at] = value;
        return fields.join(c.separator);
      });
      const messyFile = path.join(dir, `${c.mapping}-messy.csv`);
      await writeFile(messyFile, [header, ...messy].join('\n'));
      const checkedBy = await expectSameOnBothPaths([c.file, messyFile], c.mapping, c.feed, c.mapping, { curated: lines.length, quarantined: 5 });
      expect(checkedBy).toEqual(['sql', 'sql+javascript']);
    }
  });
});
