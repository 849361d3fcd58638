import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type CanonicalRow, type FeedDefinition, type RowValidator, schemaReject } from '../feed.js';
import type { Mapping } from '../mapping.js';
import { rowProblem } from '../parse.js';
import { sqlString } from '../../engine/sql.js';
import { POS_COLUMNS, POS_TABLE } from './schema.js';

const PosRules = z
  .object({
    cancellation_prefix: z.string().optional(),
    non_product_skus: z.array(z.string()).default([]),
    non_product_sku_pattern: z.string().optional(),
  })
  .strict();

const required = (name: string) => z.string({ error: `${name} is required` });
/** Columns cast from the row's text (line_amount is computed in SQL from two of them). */
const CAST_COLUMNS = POS_COLUMNS.filter((c) => c.name !== 'line_amount');
/** line_amount is DECIMAL(18,4): at most 14 digits before the point. */
const MAX_LINE_AMOUNT = 10n ** 14n;

/** A plain decimal as an integer count of 10^-scale units (exact; the text already fits the scale). */
function scaled(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.replace(/^-/, '').split('.');
  const units = BigInt(whole || '0') * 10n ** BigInt(scale) + BigInt((fraction + '0'.repeat(scale)).slice(0, scale) || '0');
  return text.startsWith('-') ? -units : units;
}

const decimal = (name: string) =>
  required(name).refine((v) => Number.isFinite(Number(v)), { message: `${name} is not a number` });

/** The typed checks every POS row must pass after mapping; the path of an issue names the field. */
const PosRow = z.object({
  order_id: required('order id'),
  line_number: z.string().regex(/^\d+$/, 'line number must be a positive integer').nullable().optional(),
  order_ts: required('sale timestamp'),
  sku: required('stock code'),
  quantity: decimal('quantity').refine((v) => Number(v) !== 0, { message: 'quantity is zero' }),
  unit_price: decimal('unit price').refine((v) => Number(v) >= 0, { message: 'unit price is negative' }),
  store_id: required('store id'),
  channel: z.string().nullable().optional(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'currency must be an ISO 4217 code').nullable().optional(),
});

export const posFeed: FeedDefinition = {
  name: 'pos',
  table: POS_TABLE,
  columns: POS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'online-retail',
  mappingsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings'),
  derivedSql: {
    // Exact decimal product, so sums of line amounts are exact too.
    line_amount: 'CAST(CAST(quantity AS DECIMAL(18,3)) * CAST(unit_price AS DECIMAL(18,4)) AS DECIMAL(18,4))',
  },
  sqlRules(mapping: Mapping) {
    const rules = PosRules.parse(mapping.rules);
    const pattern = rules.non_product_sku_pattern;
    // Only patterns that read the same in JavaScript and RE2 (anchored plain text).
    if (pattern !== undefined && !/^\^?[A-Za-z0-9_ -]*\$?$/.test(pattern)) return undefined;
    // Quantities and prices as exact decimals: ingest accepts a row only when both are plain
    // decimals that fit their columns without rounding (canonicalOkSql), so these comparisons
    // are the validator's Number() comparisons.
    const quantity = 'TRY_CAST(quantity AS DECIMAL(18,3))';
    const price = 'TRY_CAST(unit_price AS DECIMAL(18,4))';
    const cancellation = rules.cancellation_prefix !== undefined ? `starts_with(order_id, ${sqlString(rules.cancellation_prefix)})` : 'false';
    const nonProduct = [
      ...(rules.non_product_skus.length ? [`upper(sku) IN (${rules.non_product_skus.map((s) => sqlString(s.toUpperCase())).join(', ')})`] : []),
      ...(pattern !== undefined ? [`regexp_matches(sku, ${sqlString(`(?i)${pattern}`)})`] : []),
    ];
    // A source with line numbers needs no numbering: its lines without one (few) are flagged, and
    // the validator numbers them. Numbering is a window over the whole file, which also keeps a
    // failing one-pass write from stopping at its first bad row (0.5 s of a million lines).
    const numbered = mapping.fields.line_number !== undefined;
    const ok = [
      'order_id IS NOT NULL',
      'order_ts IS NOT NULL',
      'sku IS NOT NULL',
      'store_id IS NOT NULL',
      numbered ? "regexp_full_match(line_number, '[0-9]{1,9}')" : "(line_number IS NULL OR regexp_full_match(line_number, '[0-9]{1,9}'))",
      "(currency IS NULL OR regexp_full_match(currency, '[A-Z]{3}'))",
      `${quantity} <> 0`,
      `${price} >= 0`,
      `NOT (${cancellation} AND ${quantity} > 0)`,
      // Upper-casing agrees with JavaScript's for ASCII only.
      "NOT regexp_matches(sku, '[^\\x00-\\x7F]')",
      // In 38 digits: the product of two DECIMAL(18, _) overflows DuckDB's, which would fail the
      // whole statement instead of flagging the row.
      `abs(CAST(${quantity} AS DECIMAL(38,3)) * CAST(${price} AS DECIMAL(38,4))) < 100000000000000`,
    ];
    return {
      ok: ok.join(' AND '),
      // The validator numbers an order's lines without a number as it accepts them: with one of
      // them flagged, the whole order's unnumbered lines are numbered by the validator.
      recheckWith: 'CASE WHEN line_number IS NULL THEN order_id END',
      columns: {
        // Sources without line numbers: position of the line within its order in this file.
        line_number: numbered ? 'line_number' : 'coalesce(line_number, CAST(row_number() OVER (PARTITION BY order_id, line_number IS NULL ORDER BY _source_line) AS VARCHAR))',
        business_date: 'left(order_ts, 10)',
        channel: "coalesce(channel, 'store')",
        line_type: `CASE WHEN ${quantity} > 0 THEN 'sale' WHEN ${price} > 0 THEN 'return' ELSE 'adjustment' END`,
        is_cancellation: `CASE WHEN ${cancellation} THEN 'true' ELSE 'false' END`,
        is_product: nonProduct.length ? `CASE WHEN ${nonProduct.join(' OR ')} THEN 'false' ELSE 'true' END` : "'true'",
      },
    };
  },
  createValidator(mapping: Mapping): RowValidator {
    const rules = PosRules.parse(mapping.rules);
    const nonProduct = new Set(rules.non_product_skus.map((s) => s.toUpperCase()));
    const nonProductPattern = rules.non_product_sku_pattern ? new RegExp(rules.non_product_sku_pattern, 'i') : undefined;
    const linesPerOrder = new Map<string, number>();

    return (mapped: CanonicalRow) => {
      const rejected = schemaReject(PosRow, mapped);
      if (rejected) return rejected;
      const orderId = mapped.order_id!;
      const quantity = Number(mapped.quantity);
      const price = Number(mapped.unit_price);
      const isCancellation = rules.cancellation_prefix !== undefined && orderId.startsWith(rules.cancellation_prefix);
      if (isCancellation && quantity > 0) {
        return { ok: false, field: 'quantity', reason: 'cancellation order with a positive quantity' };
      }
      const sku = mapped.sku!;
      const isProduct = !nonProduct.has(sku.toUpperCase()) && !nonProductPattern?.test(sku);
      const lineType = quantity > 0 ? 'sale' : price > 0 ? 'return' : 'adjustment';
      let lineNumber = mapped.line_number;
      if (!lineNumber) {
        // Sources without line numbers: position of the line within its order in this file.
        const next = (linesPerOrder.get(orderId) ?? 0) + 1;
        linesPerOrder.set(orderId, next);
        lineNumber = String(next);
      }
      const row: CanonicalRow = Object.assign({}, mapped);
      row.line_number = lineNumber;
      row.business_date = mapped.order_ts!.slice(0, 10);
      // Values must fit their columns exactly: a quantity of 0.0001 or a price of 1e14 is
      // quarantined, never rounded to 0 or left to fail the whole file at the cast.
      const problem = rowProblem(CAST_COLUMNS, row);
      if (problem) return { ok: false, ...problem };
      const amount = scaled(mapped.quantity!, 3) * scaled(mapped.unit_price!, 4);
      if (amount >= MAX_LINE_AMOUNT * 10n ** 7n || -amount >= MAX_LINE_AMOUNT * 10n ** 7n) {
        return { ok: false, field: 'unit_price', reason: `quantity ${mapped.quantity} × unit price ${mapped.unit_price} is too large for a line amount (DECIMAL(18,4))` };
      }
      row.business_date = mapped.order_ts!.slice(0, 10);
      row.channel = mapped.channel ?? 'store';
      row.currency = mapped.currency ?? null;
      row.line_amount = null; // derivedSql
      row.line_type = lineType;
      row.is_cancellation = isCancellation ? 'true' : 'false';
      row.is_product = isProduct ? 'true' : 'false';
      return { ok: true, row };
    };
  },
};
