import type { CanonicalColumn } from '../feed.js';

/**
 * A reviewer's decision on a candidate pair of customer records from the `customer_match_review`
 * mart: the same person or not. The customer master applies them on the next build (a "same"
 * links the records, a "different" keeps them apart), overriding the matching model.
 */
export const DECISIONS_TABLE = 'customer_match_decisions';

export const DECISIONS_COLUMNS: CanonicalColumn[] = [
  { name: 'record_id_a', type: 'VARCHAR', doc: 'One record of the pair, `source_system:source_customer_id`; required' },
  { name: 'record_id_b', type: 'VARCHAR', doc: 'The other record of the pair; required' },
  { name: 'decision', type: 'VARCHAR', doc: "'same' or 'different'; NULL while the pair is undecided (such rows change nothing)" },
  { name: 'reviewer', type: 'VARCHAR', doc: 'Who decided' },
  { name: 'decided_at', type: 'TIMESTAMP', doc: 'When; the latest decision on a pair wins' },
  { name: 'business_date', type: 'DATE', doc: 'Partition key: the date of decided_at, else the UTC date the file was ingested' },
];
