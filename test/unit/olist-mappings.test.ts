import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRejected, REPO, scratchDir, validateRecord } from '../helpers.js';
import type { FeedDefinition, RowResult } from '../../src/feeds/feed.js';
import { customersFeed } from '../../src/feeds/customers/feed.js';
import { FEEDS } from '../../src/feeds/index.js';
import { createRecordMapper, loadMapping, RowError } from '../../src/feeds/mapping.js';
import { webOrderItemsFeed, webOrdersFeed, webPaymentsFeed } from '../../src/feeds/orders/feed.js';
import { canonicalProblem, rowProblem } from '../../src/feeds/parse.js';
import { readRecords } from '../../src/feeds/records.js';
import { surveysFeed } from '../../src/feeds/surveys/feed.js';
import { renderFeedsDoc } from '../../scripts/feeds-doc.js';

let dir: string;
let cleanup: () => Promise<void>;
beforeAll(async () => ({ dir, cleanup } = await scratchDir('olist-mappings')));
afterAll(async () => cleanup());

/** One validator for a run of records, as ingest uses per file (so duplicates within it are seen). */
async function fileValidator(feed: FeedDefinition, header: string[], mapping?: string) {
  const loaded = await loadMapping(feed, mapping);
  const validate = feed.createValidator(loaded);
  const map = createRecordMapper(loaded, header);
  let line = 1;
  return (values: string[]): RowResult => {
    line++;
    try {
      return validate(map(values), line);
    } catch (error) {
      if (error instanceof RowError) return { ok: false, field: error.field, reason: error.message };
      throw error;
    }
  };
}

async function writeMapping(name: string, yaml: string): Promise<string> {
  const file = path.join(dir, `${name}.yaml`);
  await writeFile(file, yaml);
  return file;
}

/** Today's UTC date, read around a call so a run across midnight still passes. */
async function duringToday<T>(run: () => Promise<T>): Promise<{ result: T; days: string[] }> {
  const before = new Date().toISOString().slice(0, 10);
  const result = await run();
  return { result, days: [before, new Date().toISOString().slice(0, 10)] };
}

const rowOf = (result: RowResult) => {
  if (!result.ok) throw new Error(`rejected: ${result.field}: ${result.reason}`);
  return result.row;
};

describe('feed registry', () => {
  it('registers the new feeds by their command-line names and tables', () => {
    expect(Object.fromEntries(Object.entries(FEEDS).map(([name, feed]) => [name, feed.table]))).toMatchObject({
      customers: 'customer_profiles',
      surveys: 'survey_responses',
      'web-orders': 'web_orders',
      'web-order-items': 'web_order_items',
      'web-payments': 'web_payments',
    });
    for (const [name, feed] of Object.entries(FEEDS)) expect(feed.name).toBe(name);
  });
});

describe('the olist-customers mapping', () => {
  const header = ['customer_id', 'customer_unique_id', 'customer_zip_code_prefix', 'customer_city', 'customer_state'];

  it('keeps the zip prefix as text with its leading zero and partitions by the ingest date', async () => {
    const { result, days } = await duringToday(() =>
      validateRecord(customersFeed, header, ['604c21ef70f5df8a002db0fd1cb1ab6b', '1fab45044607781492b36762739233af', '01317', 'sao paulo', 'SP']),
    );
    const row = rowOf(result);
    expect(row).toMatchObject({
      source_system: 'olist',
      source_customer_id: '604c21ef70f5df8a002db0fd1cb1ab6b',
      source_person_id: '1fab45044607781492b36762739233af',
      postcode: '01317',
      city: 'sao paulo',
      province: 'SP',
      country: 'BR',
    });
    expect(days).toContain(row.business_date);
  });

  it('requires the customer id', async () => {
    expectRejected(await validateRecord(customersFeed, header, ['', 'u1', '01317', 'sao paulo', 'SP']), 'source_customer_id', /source customer id is required/);
  });

  it('quarantines a second record of the same customer in one file, naming the first line', async () => {
    const validate = await fileValidator(customersFeed, header);
    expect(validate(['c1', 'u1', '01317', 'sao paulo', 'SP']).ok).toBe(true);
    expect(validate(['c2', 'u1', '01315', 'sao paulo', 'SP']).ok).toBe(true);
    expectRejected(validate(['c1', 'u1', '01317', 'sao paulo', 'SP']), 'source_customer_id', /duplicate customer c1: first seen on line 2/);
  });

  it('keeps names, genders, phones and birth dates as written (trimmed only), and dates the row by its last update', async () => {
    const file = await writeMapping(
      'members',
      `name: members
version: 1
feed: customers
fields:
  source_customer_id: MemberNo
  full_name: Name
  gender: Sex
  birth_date: Born
  mobile: Mobile
  email: Mail
  registered_at: { column: Joined, transform: timestamp, format: "YYYY/M/D" }
  updated_at: { column: Changed, transform: timestamp, format: "YYYY/M/D" }
`,
    );
    const members = ['MemberNo', 'Name', 'Sex', 'Born', 'Mobile', 'Mail', 'Joined', 'Changed'];
    const validate = await fileValidator(customersFeed, members, file);
    const row = rowOf(validate(['  M-0001 ', ' 王 小明 ', '男', '1985年3月', '+86 138-0013-8000', 'Wang@Example.COM', '2019/1/5', '2024/6/30']));
    expect(row).toMatchObject({
      source_system: 'members',
      source_customer_id: 'M-0001',
      full_name: '王 小明',
      gender: '男',
      birth_date: '1985年3月',
      mobile: '+86 138-0013-8000',
      email: 'Wang@Example.COM',
      registered_at: '2019-01-05 00:00:00',
      updated_at: '2024-06-30 00:00:00',
      business_date: '2024-06-30',
    });
    expect(rowOf(validate(['M-0002', 'Li', 'F', '', '', '', '2020/2/1', ''])).business_date).toBe('2020-02-01');
  });
});

describe('the olist-reviews mapping', () => {
  const header = ['review_id', 'order_id', 'review_score', 'review_comment_title', 'review_comment_message', 'review_creation_date', 'review_answer_timestamp'];
  const review = (id: string, order: string, score = '5', comment = '') => [id, order, score, '', comment, '2018-02-07 00:00:00', '2018-02-07 20:52:41'];

  it('maps a review and dates it by the answer', async () => {
    const row = rowOf(await validateRecord(surveysFeed, header, ['r1', 'o1', '4', 'MT lindo', 'MT lindo', '2018-07-25 00:00:00', '2018-07-26 21:37:22']));
    expect(row).toMatchObject({
      response_id: 'r1', order_id: 'o1', score: '4', scale_min: '1', scale_max: '5', comment_title: 'MT lindo', comment: 'MT lindo',
      created_at: '2018-07-25 00:00:00', answered_at: '2018-07-26 21:37:22', business_date: '2018-07-26', channel: 'web', source_system: 'olist',
    });
    expect(row.nps_score ?? null).toBeNull();
  });

  it('lands one review attached to two orders as two rows, and quarantines the same review for the same order', async () => {
    const validate = await fileValidator(surveysFeed, header);
    expect(validate(review('e18443b78ee9f058912366f8a01c397a', '246161390a20f964881feeaeea896671')).ok).toBe(true);
    expect(validate(review('e18443b78ee9f058912366f8a01c397a', '7911b64405b6667c48cb3f1334f85432')).ok).toBe(true);
    expect(validate(review('other', '246161390a20f964881feeaeea896671')).ok).toBe(true); // a second review of one order
    expectRejected(
      validate(review('e18443b78ee9f058912366f8a01c397a', '7911b64405b6667c48cb3f1334f85432')),
      'response_id',
      /duplicate response e18443b78ee9f058912366f8a01c397a for order 7911b64405b6667c48cb3f1334f85432: first seen on line 3/,
    );
  });

  it.each([
    [['r1', 'o1', '6', '', '', '2018-02-07 00:00:00', '2018-02-07 20:52:41'], 'score', /score 6 is outside the scale 1-5/],
    [['r1', 'o1', '0', '', '', '2018-02-07 00:00:00', '2018-02-07 20:52:41'], 'score', /score 0 is outside the scale 1-5/],
    [['r1', 'o1', '4.5', '', '', '2018-02-07 00:00:00', '2018-02-07 20:52:41'], 'score', /not a whole number/],
    [['', 'o1', '5', '', '', '2018-02-07 00:00:00', '2018-02-07 20:52:41'], 'response_id', /response id is required/],
    [['r1', 'o1', '', '', '', '2018-02-07 00:00:00', '2018-02-07 20:52:41'], 'score', /empty response/],
    [['r1', 'o1', '5', '', '', '', ''], 'answered_at', /needs an answer or creation time/],
    [['r1', 'o1', '5', '', '', '2018-02-30 00:00:00', ''], 'created_at', /impossible day/],
  ])('rejects %j: field %s', async (values, field, reason) => {
    expectRejected(await validateRecord(surveysFeed, header, values), field, reason);
  });

  it('reads a quoted Portuguese comment spanning lines intact, on the line where it starts', async () => {
    const file = path.join(dir, 'reviews.csv');
    const comment = 'A bolsa e muito bonita por fora\nMas dentro não tem forro \nE é bem fragil';
    await writeFile(
      file,
      `${header.join(',')}\n` +
        `r1,o1,5,,"${comment} \n",2018-02-07 00:00:00,2018-02-07 20:52:41\n` +
        `r2,o2,3,"Ótimo, recomendo","Chegou ""antes"" do prazo",2018-02-08 00:00:00,2018-02-08 10:00:00\n`,
    );
    const loaded = await loadMapping(surveysFeed);
    const records = [];
    for await (const record of readRecords(file, loaded.source, [])) records.push(record);
    const [head, ...data] = records;
    const validate = await fileValidator(surveysFeed, head!.values!);
    const rows = data.map((r) => rowOf(validate(r.values!)));
    expect(data.map((r) => r.line)).toEqual([2, 6]);
    expect(rows[0]!.comment).toBe(comment);
    expect(rows[1]).toMatchObject({ comment_title: 'Ótimo, recomendo', comment: 'Chegou "antes" do prazo' });
  });

  it('takes the scale and NPS from a mapping for other surveys', async () => {
    const file = await writeMapping(
      'store-survey',
      `name: store-survey
version: 1
feed: surveys
fields:
  response_id: id
  store_id: store
  score: { column: stars, transform: integer }
  nps_score: { column: recommend, transform: integer }
  answered_at: { column: at, transform: timestamp }
  channel: { value: store }
rules: { scale_min: 0, scale_max: 10 }
`,
    );
    const validate = await fileValidator(surveysFeed, ['id', 'store', 'stars', 'recommend', 'at'], file);
    expect(rowOf(validate(['s1', 'S-12', '0', '9', '2024-05-01 10:00']))).toMatchObject({ score: '0', scale_min: '0', scale_max: '10', nps_score: '9', business_date: '2024-05-01' });
    expectRejected(validate(['s2', 'S-12', '7', '11', '2024-05-01 10:00']), 'nps_score', /NPS score 11 is outside 0-10/);
    expectRejected(validate(['s3', 'S-12', '11', '', '2024-05-01 10:00']), 'score', /outside the scale 0-10/);
  });
});

describe('the olist-orders mapping', () => {
  const header = [
    'order_id', 'customer_id', 'order_status', 'order_purchase_timestamp', 'order_approved_at', 'order_delivered_carrier_date',
    'order_delivered_customer_date', 'order_estimated_delivery_date',
  ];

  it('maps an order, blank milestones as NULL, partitioned by the purchase date', async () => {
    const row = rowOf(await validateRecord(webOrdersFeed, header, ['o1', 'c1', 'canceled', '2018-08-15 23:30:33', '', '', '', '2018-08-27 00:00:00']));
    expect(row).toMatchObject({
      order_id: 'o1', source_customer_id: 'c1', status: 'canceled', purchased_at: '2018-08-15 23:30:33', approved_at: null, shipped_at: null,
      delivered_at: null, estimated_delivery_at: '2018-08-27 00:00:00', channel: 'web', business_date: '2018-08-15',
    });
  });

  it('requires an order id and a purchase time; quarantines a repeated order id', async () => {
    expectRejected(await validateRecord(webOrdersFeed, header, ['', 'c1', 'delivered', '2018-08-15 11:30:33', '', '', '', '']), 'order_id', /order id is required/);
    expectRejected(await validateRecord(webOrdersFeed, header, ['o1', 'c1', 'delivered', '', '', '', '', '']), 'purchased_at', /purchase time is required/);
    const validate = await fileValidator(webOrdersFeed, header);
    expect(validate(['o1', 'c1', 'delivered', '2018-08-15 11:30:33', '', '', '', '']).ok).toBe(true);
    expectRejected(validate(['o1', 'c1', 'delivered', '2018-08-15 11:30:33', '', '', '', '']), 'order_id', /duplicate order o1: first seen on line 2/);
  });
});

describe('the olist-order-items mapping', () => {
  const header = ['order_id', 'order_item_id', 'product_id', 'seller_id', 'shipping_limit_date', 'price', 'freight_value'];

  it('keeps money exact and partitions by the shipping limit date', async () => {
    const row = rowOf(await validateRecord(webOrderItemsFeed, header, ['o1', '2', 'p1', 's1', '2018-04-04 22:47:21', '39.95', '0.00']));
    expect(row).toMatchObject({ order_id: 'o1', item_number: '2', price: '39.95', freight_value: '0.00', currency: 'BRL', business_date: '2018-04-04' });
  });

  it.each([
    [['o1', '1', 'p1', 's1', '2018-04-04 22:47:21', '-39.95', '1.00'], 'price', /price is negative/],
    [['o1', '1', 'p1', 's1', '2018-04-04 22:47:21', '39.95', '-1.00'], 'freight_value', /freight value is negative/],
    [['o1', '0', 'p1', 's1', '2018-04-04 22:47:21', '39.95', '1.00'], 'item_number', /item number must be 1 or more/],
    [['o1', '1', '', 's1', '2018-04-04 22:47:21', '39.95', '1.00'], 'product_id', /product id is required/],
    [['o1', '1', 'p1', 's1', '2018-04-04 22:47:21', '39,95', '1.00'], 'price', /not a number/],
    [['o1', '1', 'p1', 's1', '2018-04-04 22:47:21', '39.95001', '1.00'], 'price', /more than 4 decimal places/],
  ])('rejects %j: field %s', async (values, field, reason) => {
    expectRejected(await validateRecord(webOrderItemsFeed, header, values), field, reason);
  });

  it('quarantines a repeated item number of one order', async () => {
    const validate = await fileValidator(webOrderItemsFeed, header);
    expect(validate(['o1', '1', 'p1', 's1', '2018-04-04 22:47:21', '10.00', '1.00']).ok).toBe(true);
    expect(validate(['o1', '2', 'p1', 's1', '2018-04-04 22:47:21', '10.00', '1.00']).ok).toBe(true);
    expectRejected(validate(['o1', '2', 'p2', 's1', '2018-04-04 22:47:21', '12.00', '1.00']), 'item_number', /duplicate item o1 #2: first seen on line 3/);
  });
});

describe('the olist-payments mapping', () => {
  const header = ['order_id', 'payment_sequential', 'payment_type', 'payment_installments', 'payment_value'];

  it('lands zero-value and not_defined payments, partitioned by the ingest date', async () => {
    const { result, days } = await duringToday(async () => {
      const validate = await fileValidator(webPaymentsFeed, header);
      return [validate(['4637ca194b6387e2d538dc89b124b0ee', '1', 'not_defined', '1', '0.00']), validate(['8bcbe01d44d147f901cd3192671144db', '4', 'voucher', '1', '0.00'])];
    });
    const rows = result.map(rowOf);
    expect(rows[0]).toMatchObject({ payment_sequence: '1', payment_type: 'not_defined', installments: '1', payment_value: '0.00', currency: 'BRL' });
    expect(rows[1]).toMatchObject({ payment_type: 'voucher', payment_value: '0.00' });
    for (const row of rows) expect(days).toContain(row.business_date);
  });

  it.each([
    [['o1', '1', 'credit_card', '8', '-165.67'], 'payment_value', /payment value is negative/],
    [['o1', '1', 'credit_card', '-1', '165.67'], 'installments', /installments is negative/],
    [['o1', '0', 'credit_card', '1', '165.67'], 'payment_sequence', /payment sequence must be 1 or more/],
    [['o1', '1', 'credit_card', '1', ''], 'payment_value', /payment value is required/],
    [['', '1', 'credit_card', '1', '1.00'], 'order_id', /order id is required/],
  ])('rejects %j: field %s', async (values, field, reason) => {
    expectRejected(await validateRecord(webPaymentsFeed, header, values), field, reason);
  });

  it('lands -0.00 and 0 installments, and quarantines a repeated payment sequence', async () => {
    const validate = await fileValidator(webPaymentsFeed, header);
    expect(rowOf(validate(['o1', '1', 'voucher', '0', '-0.00']))).toMatchObject({ installments: '0', payment_value: '-0.00' });
    expectRejected(validate(['o1', '1', 'voucher', '1', '5.00']), 'payment_sequence', /duplicate payment o1 #1: first seen on line 2/);
  });
});

describe('canonicalProblem (values that would not survive their SQL cast)', () => {
  it('accepts canonical values', () => {
    for (const [type, value] of [
      ['DECIMAL(18,4)', '39.95'], ['DECIMAL(18,4)', '-0.00'], ['DECIMAL(18,4)', '.5'], ['DECIMAL(18,4)', '12.340000'], ['DECIMAL(18,4)', '99999999999999.9999'],
      ['INTEGER', '-12'], ['BIGINT', '9007199254740991'], ['TIMESTAMP', '2018-02-07 20:52:41'], ['TIMESTAMP', '2018-02-07 20:52:41.123'],
      ['DATE', '2018-02-07'], ['BOOLEAN', 'false'], ['VARCHAR', 'anything at all'],
    ]) {
      expect(canonicalProblem(type!, value!), `${type} ${value}`).toBeUndefined();
    }
  });

  it.each([
    ['DECIMAL(18,4)', '1.23456', /more than 4 decimal places/],
    ['DECIMAL(18,4)', '100000000000000', /too large for DECIMAL\(18,4\)/],
    ['DECIMAL(18,4)', '1e-7', /not a plain decimal/],
    ['DECIMAL(18,4)', '-', /not a plain decimal/],
    ['INTEGER', '4.5', /not a whole number/],
    ['INTEGER', '2147483648', /out of range for INTEGER/],
    ['TIMESTAMP', '07/02/2018', /not a date-time/],
    ['DATE', '2018-2-7', /not a date/],
    ['BOOLEAN', 'Y', /not true\/false/],
  ])('%s %j: %s', (type, value, reason) => {
    expect(canonicalProblem(type, value)).toMatch(reason);
  });

  it('names the first column of a row that would not cast', () => {
    const columns = [{ name: 'a', type: 'VARCHAR' }, { name: 'b', type: 'INTEGER' }, { name: 'c', type: 'DATE' }];
    expect(rowProblem(columns, { a: 'x', b: null, c: '2020-01-01' })).toBeUndefined();
    expect(rowProblem(columns, { a: 'x', b: 'seven', c: 'never' })).toEqual({ field: 'b', reason: 'not a whole number: "seven"' });
  });
});

describe('docs/feeds.md', () => {
  it('is the text scripts/feeds-doc.ts generates from the feed definitions (regenerate: node --import tsx scripts/feeds-doc.ts)', async () => {
    expect(await readFile(path.join(REPO, 'docs', 'feeds.md'), 'utf8')).toBe(await renderFeedsDoc());
  });
});
