import type { CanonicalColumn } from '../feed.js';

/**
 * The canonical POS line item: one row per line of a sales receipt (or of a return).
 * Money is DECIMAL so sums are exact; timestamps are the store's local wall-clock time.
 */
export const POS_TABLE = 'pos_lines';

export const POS_COLUMNS: CanonicalColumn[] = [
  { name: 'order_id', type: 'VARCHAR', doc: 'Receipt / invoice number as the store system wrote it' },
  { name: 'line_number', type: 'INTEGER', doc: 'Line within the order (from the source, else its position in the file)' },
  { name: 'order_ts', type: 'TIMESTAMP', doc: 'Local date and time of the sale' },
  { name: 'business_date', type: 'DATE', doc: 'Trading day of the sale; the partition key' },
  { name: 'store_id', type: 'VARCHAR', doc: 'Store (or site) that made the sale' },
  { name: 'channel', type: 'VARCHAR', doc: 'Sales channel: store, online, phone, …' },
  { name: 'customer_id', type: 'VARCHAR', doc: 'Loyalty / account id of the customer; NULL for walk-in sales' },
  { name: 'sku', type: 'VARCHAR', doc: 'Stock code' },
  { name: 'description', type: 'VARCHAR', doc: 'Product description, trimmed' },
  { name: 'quantity', type: 'DECIMAL(18,3)', doc: 'Units; negative for returns and cancellations' },
  { name: 'unit_price', type: 'DECIMAL(18,4)', doc: 'Price per unit in `currency`, never negative' },
  { name: 'line_amount', type: 'DECIMAL(18,4)', doc: 'quantity × unit_price, negative for returns' },
  { name: 'currency', type: 'VARCHAR', doc: 'ISO 4217 currency code' },
  { name: 'country', type: 'VARCHAR', doc: 'Country of the customer or store, when the source has it' },
  { name: 'line_type', type: 'VARCHAR', doc: "'sale' (quantity > 0), 'return' (quantity < 0 with a price), 'adjustment' (quantity < 0 at price 0: stock write-off, not a customer transaction)" },
  { name: 'is_cancellation', type: 'BOOLEAN', doc: 'The order is a cancellation (e.g. invoice numbers starting with C)' },
  { name: 'is_product', type: 'BOOLEAN', doc: 'FALSE for non-product codes: postage, fees, discounts, manual entries' },
];
