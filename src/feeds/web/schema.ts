import type { CanonicalColumn } from '../feed.js';

/** The canonical web event: one row per page view, product view, cart, checkout, purchase, sign-up. */
export const WEB_TABLE = 'web_events';

export const WEB_EVENT_TYPES = ['page_view', 'product_view', 'search', 'add_to_cart', 'checkout', 'purchase', 'sign_up'] as const;

export const WEB_COLUMNS: CanonicalColumn[] = [
  { name: 'event_id', type: 'VARCHAR', doc: 'Event id (from the source, or built from session, offset and item)' },
  { name: 'session_id', type: 'VARCHAR', doc: 'Visit / session' },
  { name: 'customer_id', type: 'VARCHAR', doc: 'Logged-in customer; NULL for anonymous visitors' },
  { name: 'event_type', type: 'VARCHAR', doc: `One of ${WEB_EVENT_TYPES.join(', ')}` },
  { name: 'occurred_at', type: 'TIMESTAMP', doc: 'When it happened, when the source has a clock time' },
  { name: 'business_date', type: 'DATE', doc: 'Day of the event; the partition key' },
  { name: 'session_offset_ms', type: 'BIGINT', doc: 'Milliseconds since the session began, when the source counts so' },
  { name: 'item_id', type: 'VARCHAR', doc: 'Product viewed, added or bought' },
  { name: 'page_url', type: 'VARCHAR', doc: 'Page' },
  { name: 'order_id', type: 'VARCHAR', doc: 'Order placed by a purchase event' },
  { name: 'value', type: 'DECIMAL(18,4)', doc: 'Money value of the event (cart or order value)' },
  { name: 'currency', type: 'VARCHAR', doc: 'ISO 4217 currency of value' },
];
