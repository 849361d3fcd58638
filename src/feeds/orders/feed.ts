import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sqlString } from '../../engine/sql.js';
import { type CanonicalColumn, type CanonicalRow, type FeedDefinition, onceInFileSql, type RowResult, type RowValidator, schemaReject, utcToday } from '../feed.js';
import { rowProblem } from '../parse.js';
import {
  WEB_ORDER_ITEMS_COLUMNS,
  WEB_ORDER_ITEMS_TABLE,
  WEB_ORDERS_COLUMNS,
  WEB_ORDERS_TABLE,
  WEB_PAYMENTS_COLUMNS,
  WEB_PAYMENTS_TABLE,
} from './schema.js';

const MAPPINGS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings');

const required = (name: string) => z.string({ error: `${name} is required` });
const notNegative = (name: string) => z.string().refine((v) => !v.startsWith('-') || Number(v) === 0, { message: `${name} is negative` });
const positive = (name: string) => z.string().refine((v) => Number(v) >= 1, { message: `${name} must be 1 or more` });

const OrderRow = z.object({
  order_id: required('order id'),
  purchased_at: required('purchase time'),
});

const ItemRow = z.object({
  order_id: required('order id'),
  item_number: required('item number').pipe(positive('item number')),
  product_id: required('product id'),
  price: required('price').pipe(notNegative('price')),
  freight_value: notNegative('freight value').nullable().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code').nullable().optional(),
});

const PaymentRow = z.object({
  order_id: required('order id'),
  payment_sequence: required('payment sequence').pipe(positive('payment sequence')),
  installments: notNegative('installments').nullable().optional(),
  // Zero is a real payment (a fully discounted voucher, an undefined method on a free order).
  payment_value: required('payment value').pipe(notNegative('payment value')),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code').nullable().optional(),
});

/** The zod checks above in SQL, over the mapped fields (ingest's fast path, feed.sqlRules). */
const requiredSql = (field: string) => `${field} IS NOT NULL`;
const notNegativeSql = (field: string) => `(NOT starts_with(${field}, '-') OR TRY_CAST(${field} AS DOUBLE) = 0)`;
const positiveSql = (field: string) => `TRY_CAST(${field} AS DOUBLE) >= 1`;
const optionalSql = (field: string, check: string) => `(${field} IS NULL OR ${check})`;
const currencySql = optionalSql('currency', "regexp_full_match(currency, '[A-Z]{3}')");

/**
 * The validator shared by the three feeds: zod checks, the business date, values that fit their
 * SQL types, then the file's key: a second record with the key of an earlier one is
 * quarantined, naming the line of the first (an export fault; the first record lands).
 */
function orderValidator(
  schema: z.ZodType,
  columns: CanonicalColumn[],
  key: { fields: string[]; label: string },
  complete: (mapped: CanonicalRow) => CanonicalRow,
): RowValidator {
  const firstLine = new Map<string, number>();
  return (mapped: CanonicalRow, line: number): RowResult => {
    const rejected = schemaReject(schema, mapped);
    if (rejected) return rejected;
    const row = complete(Object.assign({}, mapped));
    const problem = rowProblem(columns, row);
    if (problem) return { ok: false, ...problem };
    const values = key.fields.map((f) => row[f] ?? '');
    const id = values.join('\u0000');
    const first = firstLine.get(id);
    if (first !== undefined) {
      return { ok: false, field: key.fields.at(-1)!, reason: `duplicate ${key.label} ${values.join(' #')}: first seen on line ${first}` };
    }
    firstLine.set(id, line);
    return { ok: true, row };
  };
}

/**
 * One of the three web-order feeds: they differ only in table, schema, key and business date.
 * `complete` fills derived fields; `today` is the UTC date of the ingest, the same day as the
 * file's raw/<date> folder.
 */
function orderFeed(spec: {
  name: string;
  table: string;
  columns: CanonicalColumn[];
  defaultMapping: string;
  schema: z.ZodType;
  key: { fields: string[]; label: string };
  complete: (row: CanonicalRow, today: string) => CanonicalRow;
  /** The schema's checks and `complete` in SQL. */
  checksSql: string[];
  completeSql: (today: string) => Record<string, string>;
}): FeedDefinition {
  return {
    name: spec.name,
    table: spec.table,
    columns: spec.columns,
    partitionColumn: 'business_date',
    defaultMapping: spec.defaultMapping,
    mappingsDir: MAPPINGS,
    derivedSql: {},
    createValidator(): RowValidator {
      const today = utcToday();
      return orderValidator(spec.schema, spec.columns, spec.key, (row) => spec.complete(row, today));
    },
    sqlRules() {
      // The file's key once (the whole group of a repeated key is flagged: no recheckWith).
      return { ok: [...spec.checksSql, onceInFileSql(spec.key.fields.join(', '))].join(' AND '), columns: spec.completeSql(utcToday()) };
    },
  };
}

export const webOrdersFeed = orderFeed({
  name: 'web-orders',
  table: WEB_ORDERS_TABLE,
  columns: WEB_ORDERS_COLUMNS,
  defaultMapping: 'olist-orders',
  schema: OrderRow,
  key: { fields: ['order_id'], label: 'order' },
  complete: (row) => {
    row.channel = row.channel ?? 'web';
    row.business_date = row.business_date ?? row.purchased_at!.slice(0, 10);
    return row;
  },
  checksSql: [requiredSql('order_id'), requiredSql('purchased_at')],
  completeSql: () => ({ channel: "coalesce(channel, 'web')", business_date: 'coalesce(business_date, left(purchased_at, 10))' }),
});

export const webOrderItemsFeed = orderFeed({
  name: 'web-order-items',
  table: WEB_ORDER_ITEMS_TABLE,
  columns: WEB_ORDER_ITEMS_COLUMNS,
  defaultMapping: 'olist-order-items',
  schema: ItemRow,
  key: { fields: ['order_id', 'item_number'], label: 'item' },
  complete: (row, today) => {
    // An item line carries no purchase date; its shipping deadline is the only date on it.
    row.business_date = row.business_date ?? row.shipping_limit_at?.slice(0, 10) ?? today;
    return row;
  },
  checksSql: [
    requiredSql('order_id'),
    positiveSql('item_number'),
    requiredSql('product_id'),
    requiredSql('price'),
    notNegativeSql('price'),
    optionalSql('freight_value', notNegativeSql('freight_value')),
    currencySql,
  ],
  completeSql: (today) => ({ business_date: `coalesce(business_date, left(shipping_limit_at, 10), ${sqlString(today)})` }),
});

export const webPaymentsFeed = orderFeed({
  name: 'web-payments',
  table: WEB_PAYMENTS_TABLE,
  columns: WEB_PAYMENTS_COLUMNS,
  defaultMapping: 'olist-payments',
  schema: PaymentRow,
  key: { fields: ['order_id', 'payment_sequence'], label: 'payment' },
  complete: (row, today) => {
    row.business_date = row.business_date ?? today;
    return row;
  },
  checksSql: [
    requiredSql('order_id'),
    positiveSql('payment_sequence'),
    optionalSql('installments', notNegativeSql('installments')),
    requiredSql('payment_value'),
    notNegativeSql('payment_value'),
    currencySql,
  ],
  completeSql: (today) => ({ business_date: `coalesce(business_date, ${sqlString(today)})` }),
});
