import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRejected, validateRecord } from '../helpers.js';
import { createRecordMapper, loadMapping } from '../../src/feeds/mapping.js';
import { posFeed } from '../../src/feeds/pos/feed.js';

const header = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];

let dir: string;
beforeAll(async () => (dir = await mkdtemp(path.join(tmpdir(), 'crmlake-mapping-'))));
afterAll(async () => rm(dir, { recursive: true, force: true }));

const validate = (values: string[]) => validateRecord(posFeed, header, values);

describe('the online-retail POS mapping', () => {
  it('maps a sale line to the canonical schema', async () => {
    const result = await validate(['536365', '85123A', 'WHITE HANGING HEART T-LIGHT HOLDER  ', '6', '2010-12-01 08:26:00', '2.55', '17850.0', 'United Kingdom']);
    expect(result).toEqual({
      ok: true,
      row: expect.objectContaining({
        order_id: '536365',
        line_number: '1',
        sku: '85123A',
        description: 'WHITE HANGING HEART T-LIGHT HOLDER',
        quantity: '6',
        unit_price: '2.55',
        order_ts: '2010-12-01 08:26:00',
        business_date: '2010-12-01',
        customer_id: '17850',
        store_id: 'UK-ONLINE',
        channel: 'online',
        currency: 'GBP',
        country: 'United Kingdom',
        line_type: 'sale',
        is_cancellation: 'false',
        is_product: 'true',
      }),
    });
  });

  it('keeps walk-in sales with a NULL customer', async () => {
    const result = await validate(['536544', '21773', 'DECORATIVE ROSE BATHROOM BOTTLE', '1', '2010-12-01 14:32:00', '2.51', '', 'United Kingdom']);
    expect(result.ok && result.row.customer_id).toBeNull();
  });

  it('marks cancellations as returns and non-product codes as such', async () => {
    const cancel = await validate(['C536379', 'D', 'Discount', '-1', '2010-12-01 09:41:00', '27.5', '14527.0', 'United Kingdom']);
    expect(cancel.ok && [cancel.row.line_type, cancel.row.is_cancellation, cancel.row.is_product]).toEqual(['return', 'true', 'false']);
    const postage = await validate(['536370', 'POST', 'POSTAGE', '3', '2010-12-01 08:45:00', '18', '12583.0', 'France']);
    expect(postage.ok && postage.row.is_product).toBe('false');
    const voucher = await validate(['536370', 'gift_0001_40', 'Dotcomgiftshop Gift Voucher £40.00', '1', '2010-12-01 08:45:00', '34.04', '', 'United Kingdom']);
    expect(voucher.ok && voucher.row.is_product).toBe('false');
  });

  it('treats a negative quantity at price 0 as a stock adjustment', async () => {
    const result = await validate(['536589', '21777', 'damaged', '-10', '2010-12-01 16:50:00', '0', '', 'United Kingdom']);
    expect(result.ok && result.row.line_type).toBe('adjustment');
  });

  it.each([
    [['536365', '85123A', 'X', 'six', '2010-12-01 08:26:00', '2.55', '17850.0', 'UK'], 'quantity', /not a number/],
    [['536365', '85123A', 'X', '0', '2010-12-01 08:26:00', '2.55', '17850.0', 'UK'], 'quantity', /quantity is zero/],
    [['536365', '85123A', 'X', '6', '2010-12-01 08:26:00', '-2.55', '17850.0', 'UK'], 'unit_price', /unit price is negative/],
    [['536365', '85123A', 'X', '6', '01/12/2010 08:26', '2.55', '17850.0', 'UK'], 'order_ts', /does not match the date format/],
    [['536365', '85123A', 'X', '6', '2010-02-30 08:26:00', '2.55', '17850.0', 'UK'], 'order_ts', /impossible day/],
    [['536365', '85123A', 'X', '6', '2010-12-01 08:26:00', '2.55', '17850.5', 'UK'], 'customer_id', /not an integer id/],
    [['', '85123A', 'X', '6', '2010-12-01 08:26:00', '2.55', '17850.0', 'UK'], 'order_id', /order id is required/],
    [['536365', '', 'X', '6', '2010-12-01 08:26:00', '2.55', '17850.0', 'UK'], 'sku', /stock code is required/],
    [['C536365', '85123A', 'X', '6', '2010-12-01 08:26:00', '2.55', '17850.0', 'UK'], 'quantity', /cancellation order with a positive quantity/],
  ])('rejects %j: field %s', async (values, field, reason) => {
    expectRejected(await validate(values), field, reason);
  });

  it('numbers lines within an order when the source has no line numbers', async () => {
    const mapping = await loadMapping(posFeed);
    const validator = posFeed.createValidator(mapping);
    const lines = ['A1', 'A2', 'B1', 'A3'].map((code) =>
      validator(createRecordMapper(mapping, header)([code[0]!, code, 'X', '1', '2010-12-01 08:26:00', '1', '', 'UK']), 2),
    );
    expect(lines.map((l) => l.ok && l.row.line_number)).toEqual(['1', '2', '1', '3']);
  });
});

describe('mapping files', () => {
  it('loads a custom mapping file with constants and a different date format', async () => {
    const file = path.join(dir, 'till.yaml');
    await writeFile(
      file,
      [
        'name: till-export', 'version: 2', 'feed: pos',
        'source: { delimiter: ";" }',
        'fields:',
        '  order_id: Receipt', '  line_number: Line', '  sku: Article',
        '  quantity: { column: Qty, transform: decimal }',
        '  unit_price: { column: Price, transform: decimal }',
        '  order_ts: { column: Time, transform: timestamp, format: "DD.MM.YYYY HH:mm" }',
        '  store_id: { value: "S-12" }', '  currency: { value: EUR }',
      ].join('\n'),
    );
    const mapping = await loadMapping(posFeed, file);
    expect(mapping.source.delimiter).toBe(';');
    const row = posFeed.createValidator(mapping)(
      createRecordMapper(mapping, ['Receipt', 'Line', 'Article', 'Qty', 'Price', 'Time'])(['R1', '4', 'X1', '2', '1.5', '24.12.2023 18:05']),
      2,
    );
    expect(row.ok && [row.row.order_ts, row.row.line_number, row.row.store_id, row.row.channel]).toEqual(['2023-12-24 18:05:00', '4', 'S-12', 'store']);
  });

  it('explains what is wrong with an invalid mapping file', async () => {
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: Bad Name\nversion: 1\nfeed: pos\nfields:\n  order_id: { column: A, value: B }\n  shoe_size: C\n');
    await expect(loadMapping(posFeed, file)).rejects.toThrow(/Invalid mapping[\s\S]*name[\s\S]*fields\.order_id: give exactly one/);
    await writeFile(file, 'name: ok\nversion: 1\nfeed: pos\nfields:\n  shoe_size: C\n');
    await expect(loadMapping(posFeed, file)).rejects.toThrow(/unknown pos fields: shoe_size/);
    await expect(loadMapping(posFeed, 'no-such-mapping')).rejects.toThrow(/Unknown pos mapping "no-such-mapping"/);
  });
});
