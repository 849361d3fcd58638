import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../src/app/warehouse.js';
import type { Engine } from '../../src/engine/engine.js';
import { getFeed } from '../../src/feeds/index.js';
import { ingestFiles, type IngestRun } from '../../src/feeds/ingest.js';
import { loadMapping } from '../../src/feeds/mapping.js';
import { Lake } from '../../src/lake/lake.js';
import { CLI, DATASETS, independentRows, scratchDir } from '../helpers.js';

const OLIST = path.join(DATASETS, 'olist-sample');
const FILES = {
  customers: path.join(OLIST, 'olist_customers_dataset.csv'),
  surveys: path.join(OLIST, 'olist_order_reviews_dataset.csv'),
  'web-orders': path.join(OLIST, 'olist_orders_dataset.csv'),
  'web-order-items': path.join(OLIST, 'olist_order_items_dataset.csv'),
  'web-payments': path.join(OLIST, 'olist_order_payments_dataset.csv'),
} as const;
type FeedName = keyof typeof FILES;

/** The source file as DuckDB's own CSV reader sees it: every column text, nothing of crmlake involved. */
const source = (feed: FeedName) => `read_csv('${FILES[feed]}', header = true, all_varchar = true)`;
/** JavaScript's trim for the usual whitespace, as the mapping trims values; blank → NULL. */
const trimmed = (column: string) => `nullif(trim(${column}, ' ' || chr(9) || chr(10) || chr(13)), '')`;

const exec = promisify(execFile);
let dir: string;
let cleanup: () => Promise<void>;
let lake: Lake;
let engine: Engine;
const runs = {} as Record<FeedName, IngestRun>;

/** The first row of a query over the raw files in a separate DuckDB. */
const independent = async (sql: string) => (await independentRows(sql))[0]!;

const one = async (sql: string) => (await engine.query(sql)).rows[0]!;

beforeAll(async () => {
  ({ dir, cleanup } = await scratchDir('olist'));
  lake = new Lake(path.join(dir, 'lake'));
  for (const name of Object.keys(FILES) as FeedName[]) {
    const feed = getFeed(name);
    runs[name] = await ingestFiles(lake, [FILES[name]], { feed, mapping: await loadMapping(feed) });
  }
  engine = await openWarehouse(lake);
});
afterAll(async () => {
  await engine?.close();
  await cleanup();
});

describe('the five Olist files land whole (reconciliation against DuckDB read_csv of the source)', () => {
  it.each(Object.keys(FILES) as FeedName[])('%s: read = landed + quarantined = rows in the file, nothing quarantined', async (name) => {
    const { n } = await independent(`SELECT count(*) AS n FROM ${source(name)}`);
    const file = runs[name].files[0]!;
    expect(file).toMatchObject({ outcome: 'landed', read: Number(n), landed: Number(n), quarantined: 0 });
    expect(file.read).toBe(file.landed + file.quarantined);
    const table = getFeed(name).table;
    expect(await one(`SELECT count(*) AS n FROM curated.${table}`)).toEqual({ n: Number(n) });
  });
});

describe('customers (olist-customers)', () => {
  it('keeps every value, zip prefixes as text with their leading zeros', async () => {
    const mismatches = await one(
      `SELECT count(*) AS n FROM ${source('customers')} s FULL JOIN curated.customer_profiles c ON c.source_customer_id = s.customer_id
       WHERE c.source_customer_id IS NULL OR s.customer_id IS NULL
          OR c.source_person_id IS DISTINCT FROM s.customer_unique_id OR c.postcode IS DISTINCT FROM s.customer_zip_code_prefix
          OR c.city IS DISTINCT FROM s.customer_city OR c.province IS DISTINCT FROM s.customer_state
          OR c.country <> 'BR' OR c.source_system <> 'olist'`,
    );
    expect(mismatches).toEqual({ n: 0 });
    const { zeros, persons } = await independent(
      `SELECT count(*) FILTER (WHERE customer_zip_code_prefix LIKE '0%') AS zeros, count(DISTINCT customer_unique_id) AS persons FROM ${source('customers')}`,
    );
    expect(Number(zeros)).toBeGreaterThan(0);
    expect(
      await one(
        `SELECT count(*) FILTER (WHERE postcode LIKE '0%') AS zeros, count(DISTINCT source_person_id) AS persons,
                min(length(postcode)) AS shortest FROM curated.customer_profiles`,
      ),
    ).toEqual({ zeros: Number(zeros), persons: Number(persons), shortest: 5 });
    expect(await one(`SELECT postcode, city FROM curated.customer_profiles WHERE source_customer_id = '604c21ef70f5df8a002db0fd1cb1ab6b'`)).toEqual({
      postcode: '01317',
      city: 'sao paulo',
    });
  });

  it('partitions undated profiles by the ingest date', async () => {
    const manifest = (await lake.listManifests<{ ingestedAt: string }>('customers'))[0]!;
    expect(await one(`SELECT count(DISTINCT business_date) AS days, CAST(min(business_date) AS VARCHAR) AS day FROM curated.customer_profiles`)).toEqual({
      days: 1,
      day: manifest.ingestedAt.slice(0, 10),
    });
  });
});

describe('surveys (olist-reviews)', () => {
  it('keeps every review, Portuguese comments with their line breaks, keyed by review and order', async () => {
    const mismatches = await one(
      `SELECT count(*) AS n FROM ${source('surveys')} s FULL JOIN curated.survey_responses c ON c.response_id = s.review_id AND c.order_id = s.order_id
       WHERE c.response_id IS NULL OR s.review_id IS NULL
          OR c.score <> CAST(s.review_score AS INTEGER) OR c.scale_min <> 1 OR c.scale_max <> 5
          OR c.comment_title IS DISTINCT FROM ${trimmed('s.review_comment_title')}
          OR c.comment IS DISTINCT FROM ${trimmed('s.review_comment_message')}
          OR c.created_at <> CAST(s.review_creation_date AS TIMESTAMP) OR c.answered_at <> CAST(s.review_answer_timestamp AS TIMESTAMP)
          OR c.business_date <> CAST(c.answered_at AS DATE) OR c.channel <> 'web'`,
    );
    expect(mismatches).toEqual({ n: 0 });
    const { multiline } = await independent(`SELECT count(*) AS multiline FROM ${source('surveys')} WHERE ${trimmed('review_comment_message')} LIKE '%' || chr(10) || '%'`);
    expect(Number(multiline)).toBeGreaterThan(50); // 95 comments keep a line break inside them
    expect(await one(`SELECT count(*) AS multiline FROM curated.survey_responses WHERE comment LIKE '%' || chr(10) || '%'`)).toEqual({ multiline: Number(multiline) });
    expect(await one(`SELECT comment FROM curated.survey_responses WHERE response_id = '0272d07f5d34a8c3d31272e7ff967e7b'`)).toEqual({
      comment: 'A bolsa e muito bonita por fora\nMas dentro não tem forro \nE é bem fragil',
    });
  });

  it('records the physical line each review starts on, across multi-line comments', async () => {
    const lines = (await readFile(FILES.surveys, 'utf8')).split('\n');
    const expected = new Map<string, number>();
    lines.forEach((text, i) => {
      const start = /^([0-9a-f]{32}),([0-9a-f]{32}),/.exec(text);
      if (start) expected.set(`${start[1]}/${start[2]}`, i + 1);
    });
    const { rows } = await engine.query(`SELECT response_id || '/' || order_id AS k, _source_line AS line FROM curated.survey_responses`);
    expect(rows).toHaveLength(expected.size);
    const wrong = rows.filter((r) => expected.get(r.k as string) !== r.line);
    expect(wrong).toEqual([]);
  });

  it('lands the review id attached to two orders once per order', async () => {
    const { rows } = await engine.query(
      `SELECT order_id, score FROM curated.survey_responses WHERE response_id = 'e18443b78ee9f058912366f8a01c397a' ORDER BY order_id`,
    );
    expect(rows).toEqual([
      { order_id: '246161390a20f964881feeaeea896671', score: 5 },
      { order_id: '7911b64405b6667c48cb3f1334f85432', score: 5 },
    ]);
    const { ids, rows: n } = await independent(`SELECT count(DISTINCT review_id) AS ids, count(*) AS rows FROM ${source('surveys')}`);
    expect(await one(`SELECT count(DISTINCT response_id) AS ids, count(*) AS rows FROM curated.survey_responses`)).toEqual({ ids: Number(ids), rows: Number(n) });
  });

  it('quarantines an exact re-send of a review for the same order, naming its first line', async () => {
    const text = await readFile(FILES.surveys, 'utf8');
    const repeated = text.split('\n').find((l) => l.startsWith('e18443b78ee9f058912366f8a01c397a,7911b64405b6667c48cb3f1334f85432,'))!;
    const firstLine = text.split('\n').indexOf(repeated) + 1;
    const copy = path.join(dir, 'reviews-resent.csv');
    await writeFile(copy, `${text}${repeated}\n`);
    const otherLake = new Lake(path.join(dir, 'lake-resent'));
    const feed = getFeed('surveys');
    const run = await ingestFiles(otherLake, [copy], { feed, mapping: await loadMapping(feed) });
    const lastLine = text.split('\n').length; // the appended record's line
    expect(run.files[0]).toMatchObject({ read: 2994, landed: 2993, quarantined: 1 });
    const other = await openWarehouse(otherLake);
    try {
      expect((await other.query(`SELECT source_line, field, reason FROM quarantine."surveys"`)).rows).toEqual([
        {
          source_line: lastLine,
          field: 'response_id',
          reason: `duplicate response e18443b78ee9f058912366f8a01c397a for order 7911b64405b6667c48cb3f1334f85432: first seen on line ${firstLine}`,
        },
      ]);
      expect((await other.query(`SELECT count(*) AS n FROM curated.survey_responses WHERE response_id = 'e18443b78ee9f058912366f8a01c397a'`)).rows).toEqual([{ n: 2 }]);
    } finally {
      await other.close();
    }
  });
});

describe('web orders, items and payments', () => {
  it('keeps every order milestone; the business date is the purchase date', async () => {
    const ts = (column: string) => `CAST(${column} AS TIMESTAMP)`;
    const mismatches = await one(
      `SELECT count(*) AS n FROM ${source('web-orders')} s FULL JOIN curated.web_orders c ON c.order_id = s.order_id
       WHERE c.order_id IS NULL OR s.order_id IS NULL OR c.source_customer_id IS DISTINCT FROM s.customer_id OR c.status IS DISTINCT FROM s.order_status
          OR c.purchased_at IS DISTINCT FROM ${ts('s.order_purchase_timestamp')} OR c.approved_at IS DISTINCT FROM ${ts('s.order_approved_at')}
          OR c.shipped_at IS DISTINCT FROM ${ts('s.order_delivered_carrier_date')} OR c.delivered_at IS DISTINCT FROM ${ts('s.order_delivered_customer_date')}
          OR c.estimated_delivery_at IS DISTINCT FROM ${ts('s.order_estimated_delivery_date')}
          OR c.business_date <> CAST(c.purchased_at AS DATE) OR c.channel <> 'web'`,
    );
    expect(mismatches).toEqual({ n: 0 });
    // Every order's customer is in the customers file.
    expect(await one(`SELECT count(*) AS n FROM curated.web_orders o LEFT JOIN curated.customer_profiles c USING (source_customer_id) WHERE c.source_customer_id IS NULL`)).toEqual({ n: 0 });
  });

  it('keeps item prices and freight exact; the business date is the shipping limit date', async () => {
    const mismatches = await one(
      `SELECT count(*) AS n FROM ${source('web-order-items')} s FULL JOIN curated.web_order_items c
         ON c.order_id = s.order_id AND c.item_number = CAST(s.order_item_id AS INTEGER)
       WHERE c.order_id IS NULL OR s.order_id IS NULL OR c.product_id IS DISTINCT FROM s.product_id OR c.seller_id IS DISTINCT FROM s.seller_id
          OR c.shipping_limit_at <> CAST(s.shipping_limit_date AS TIMESTAMP) OR c.price <> CAST(s.price AS DECIMAL(18,4))
          OR c.freight_value <> CAST(s.freight_value AS DECIMAL(18,4)) OR c.business_date <> CAST(c.shipping_limit_at AS DATE) OR c.currency <> 'BRL'`,
    );
    expect(mismatches).toEqual({ n: 0 });
    const sums = await independent(
      `SELECT CAST(sum(CAST(price AS DECIMAL(18,2))) AS VARCHAR) AS price, CAST(sum(CAST(freight_value AS DECIMAL(18,2))) AS VARCHAR) AS freight FROM ${source('web-order-items')}`,
    );
    expect(
      await one(`SELECT CAST(CAST(sum(price) AS DECIMAL(18,2)) AS VARCHAR) AS price, CAST(CAST(sum(freight_value) AS DECIMAL(18,2)) AS VARCHAR) AS freight FROM curated.web_order_items`),
    ).toEqual(sums);
  });

  it('lands zero and not_defined payments with exact values; the business date is the ingest date', async () => {
    const mismatches = await one(
      `SELECT count(*) AS n FROM ${source('web-payments')} s FULL JOIN curated.web_payments c
         ON c.order_id = s.order_id AND c.payment_sequence = CAST(s.payment_sequential AS INTEGER)
       WHERE c.order_id IS NULL OR s.order_id IS NULL OR c.payment_type IS DISTINCT FROM s.payment_type
          OR c.installments <> CAST(s.payment_installments AS INTEGER) OR c.payment_value <> CAST(s.payment_value AS DECIMAL(18,4))`,
    );
    expect(mismatches).toEqual({ n: 0 });
    const expected = await independent(
      `SELECT CAST(sum(CAST(payment_value AS DECIMAL(18,2))) AS VARCHAR) AS total,
              count(*) FILTER (WHERE CAST(payment_value AS DECIMAL(18,2)) = 0) AS zero,
              count(*) FILTER (WHERE payment_type = 'not_defined') AS not_defined
       FROM ${source('web-payments')}`,
    );
    expect(Number(expected.zero)).toBeGreaterThan(0);
    const manifest = (await lake.listManifests<{ ingestedAt: string }>('web-payments'))[0]!;
    expect(
      await one(
        `SELECT CAST(CAST(sum(payment_value) AS DECIMAL(18,2)) AS VARCHAR) AS total, count(*) FILTER (WHERE payment_value = 0) AS zero,
                count(*) FILTER (WHERE payment_type = 'not_defined') AS not_defined, CAST(min(business_date) AS VARCHAR) AS first_day,
                CAST(max(business_date) AS VARCHAR) AS last_day
         FROM curated.web_payments`,
      ),
    ).toEqual({
      total: expected.total,
      zero: Number(expected.zero),
      not_defined: Number(expected.not_defined),
      first_day: manifest.ingestedAt.slice(0, 10),
      last_day: manifest.ingestedAt.slice(0, 10),
    });
  });
});

describe('hyphenated feed names on the command line', () => {
  it('ingests web-orders and web-payments and answers SQL on curated.<table> and quarantine."<feed>"', async () => {
    const lakeDir = path.join(dir, 'lake-cli');
    const crmlake = (...args: string[]) => exec(process.execPath, [CLI, '--lake', lakeDir, ...args]);
    const orders = await crmlake('ingest', 'web-orders', FILES['web-orders']);
    expect(orders.stdout).toMatch(/reconciliation: read 3,000 = landed 3,000 \+ quarantined 0 {2}✓/);
    const payments = path.join(dir, 'payments-with-refund.csv');
    await writeFile(payments, `${await readFile(FILES['web-payments'], 'utf8')}0f286dcb49da58061b9ae488027e4033,3,voucher,1,-50.00\n`);
    const ingest = await crmlake('ingest', 'web-payments', payments);
    expect(ingest.stdout).toMatch(/reconciliation: read 3,171 = landed 3,170 \+ quarantined 1 {2}✓/);
    expect(ingest.stdout).toMatch(/payment_value: payment value is negative/);
    const { stdout } = await crmlake(
      'sql', '--format', 'json',
      `select (select count(*) from curated.web_orders) as orders, (select count(*) from curated.web_payments) as payments,
              (select reason from quarantine."web-payments") as reason`,
    );
    expect(JSON.parse(stdout)).toEqual([{ orders: 3000, payments: 3170, reason: 'payment value is negative' }]);
  });
});
