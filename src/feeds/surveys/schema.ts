import type { CanonicalColumn } from '../feed.js';

/**
 * The canonical survey response: one row per satisfaction response or review, and per thing it
 * rates. Key: response_id + order_id (a source may attach one response to several orders; each
 * pair is a row).
 */
export const SURVEYS_TABLE = 'survey_responses';

export const SURVEYS_COLUMNS: CanonicalColumn[] = [
  { name: 'response_id', type: 'VARCHAR', doc: 'Response or review id; required' },
  { name: 'source_system', type: 'VARCHAR', doc: 'System the response comes from; the mapping name unless the mapping sets it' },
  { name: 'channel', type: 'VARCHAR', doc: 'Where the customer answered or what was rated: web, store, call, …' },
  { name: 'score', type: 'INTEGER', doc: 'Rating from scale_min to scale_max' },
  { name: 'scale_min', type: 'INTEGER', doc: 'Lowest possible score (mapping rule `scale_min`, default 1, or a source column)' },
  { name: 'scale_max', type: 'INTEGER', doc: 'Highest possible score (mapping rule `scale_max`, default 5, or a source column)' },
  { name: 'nps_score', type: 'INTEGER', doc: 'Likelihood to recommend, 0-10, when asked' },
  { name: 'comment_title', type: 'VARCHAR', doc: 'Title of the comment or review' },
  { name: 'comment', type: 'VARCHAR', doc: 'Free text as written, line breaks kept (trimmed at both ends)' },
  { name: 'order_id', type: 'VARCHAR', doc: 'Order rated (web_orders.order_id, pos_lines.order_id)' },
  { name: 'call_id', type: 'VARCHAR', doc: 'Call rated (calls.call_id)' },
  { name: 'store_id', type: 'VARCHAR', doc: 'Store rated' },
  { name: 'agent', type: 'VARCHAR', doc: 'Agent or sales person rated' },
  { name: 'product_id', type: 'VARCHAR', doc: 'Product reviewed' },
  { name: 'source_customer_id', type: 'VARCHAR', doc: "Respondent's id in the source system, when known" },
  { name: 'created_at', type: 'TIMESTAMP', doc: 'When the survey was sent or the review opened' },
  { name: 'answered_at', type: 'TIMESTAMP', doc: 'When the customer answered' },
  { name: 'business_date', type: 'DATE', doc: 'Partition key: date of answered_at, else of created_at' },
];
