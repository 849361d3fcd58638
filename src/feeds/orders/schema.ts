import type { CanonicalColumn } from '../feed.js';

/**
 * Web-shop orders, their items and their payments: three feeds, three tables, joined by
 * order_id. (The `web` feed is the clickstream; these are the orders themselves.) Money is
 * DECIMAL so sums are exact.
 */
export const WEB_ORDERS_TABLE = 'web_orders';
export const WEB_ORDER_ITEMS_TABLE = 'web_order_items';
export const WEB_PAYMENTS_TABLE = 'web_payments';

export const WEB_ORDERS_COLUMNS: CanonicalColumn[] = [
  { name: 'order_id', type: 'VARCHAR', doc: 'Order id; required, unique within a file' },
  { name: 'source_customer_id', type: 'VARCHAR', doc: 'Customer account (customer_profiles.source_customer_id; per order in Olist)' },
  { name: 'status', type: 'VARCHAR', doc: 'Order status as the shop writes it (delivered, shipped, canceled, …)' },
  { name: 'purchased_at', type: 'TIMESTAMP', doc: 'When the order was placed; required' },
  { name: 'approved_at', type: 'TIMESTAMP', doc: 'When the payment was approved' },
  { name: 'shipped_at', type: 'TIMESTAMP', doc: 'When it was handed to the carrier' },
  { name: 'delivered_at', type: 'TIMESTAMP', doc: 'When the customer received it' },
  { name: 'estimated_delivery_at', type: 'TIMESTAMP', doc: 'Delivery date promised at purchase' },
  { name: 'channel', type: 'VARCHAR', doc: "Sales channel: 'web' unless the mapping says otherwise" },
  { name: 'business_date', type: 'DATE', doc: 'Partition key: date of purchased_at' },
];

export const WEB_ORDER_ITEMS_COLUMNS: CanonicalColumn[] = [
  { name: 'order_id', type: 'VARCHAR', doc: 'Order (web_orders.order_id); required' },
  { name: 'item_number', type: 'INTEGER', doc: 'Item within the order, from 1; with order_id unique within a file' },
  { name: 'product_id', type: 'VARCHAR', doc: 'Product; required' },
  { name: 'seller_id', type: 'VARCHAR', doc: 'Seller (marketplace) that ships the item' },
  { name: 'shipping_limit_at', type: 'TIMESTAMP', doc: 'Deadline for the seller to hand the item to the carrier' },
  { name: 'price', type: 'DECIMAL(18,4)', doc: 'Item price; never negative' },
  { name: 'freight_value', type: 'DECIMAL(18,4)', doc: 'Freight charged for the item; never negative' },
  { name: 'currency', type: 'VARCHAR', doc: 'ISO 4217 currency of price and freight' },
  {
    name: 'business_date',
    type: 'DATE',
    doc: 'Partition key: date of shipping_limit_at, the only date on an item line (a few days after the purchase; join web_orders for the purchase date), else the ingest date',
  },
];

export const WEB_PAYMENTS_COLUMNS: CanonicalColumn[] = [
  { name: 'order_id', type: 'VARCHAR', doc: 'Order (web_orders.order_id); required' },
  { name: 'payment_sequence', type: 'INTEGER', doc: 'Payment within the order, from 1; with order_id unique within a file' },
  { name: 'payment_type', type: 'VARCHAR', doc: 'As the source writes it (credit_card, boleto, voucher, debit_card, not_defined, …)' },
  { name: 'installments', type: 'INTEGER', doc: 'Number of installments; never negative' },
  { name: 'payment_value', type: 'DECIMAL(18,4)', doc: 'Amount paid; zero is kept (real zero vouchers), negative is rejected' },
  { name: 'currency', type: 'VARCHAR', doc: 'ISO 4217 currency of payment_value' },
  {
    name: 'business_date',
    type: 'DATE',
    doc: 'Partition key: the UTC date the file was ingested, as payment files carry no date (join web_orders for the purchase date)',
  },
];
