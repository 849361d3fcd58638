import type { SourceTable } from '../engine/engine.js';
import { curatedColumns, type FeedDefinition } from './feed.js';
import { callsFeed } from './calls/feed.js';
import { campaignMembersFeed, campaignsFeed } from './campaigns/feed.js';
import { customersFeed } from './customers/feed.js';
import { decisionsFeed } from './decisions/feed.js';
import { webOrderItemsFeed, webOrdersFeed, webPaymentsFeed } from './orders/feed.js';
import { posFeed } from './pos/feed.js';
import { surveysFeed } from './surveys/feed.js';
import { webFeed } from './web/feed.js';

/** Every feed crmlake can ingest, by name. */
export const FEEDS: Record<string, FeedDefinition> = {
  pos: posFeed,
  calls: callsFeed,
  web: webFeed,
  customers: customersFeed,
  surveys: surveysFeed,
  'web-orders': webOrdersFeed,
  'web-order-items': webOrderItemsFeed,
  'web-payments': webPaymentsFeed,
  'match-decisions': decisionsFeed,
  campaigns: campaignsFeed,
  'campaign-members': campaignMembersFeed,
};

export function getFeed(name: string): FeedDefinition {
  const feed = FEEDS[name];
  if (!feed) throw new Error(`Unknown feed "${name}". Known feeds: ${Object.keys(FEEDS).join(', ')}`);
  return feed;
}

/** Every feed's curated table as engines register it (columns with lineage, partition column). */
export function sourceTables(): SourceTable[] {
  return Object.values(FEEDS).map((feed) => ({
    feed: feed.name,
    table: feed.table,
    columns: curatedColumns(feed),
    partitionColumn: feed.partitionColumn,
  }));
}

/** The columns of every feed's quarantine (rejected rows), as ingest writes them. */
export const QUARANTINE_COLUMNS: { name: string; type: string }[] = [
  { name: 'source_file', type: 'VARCHAR' },
  { name: 'source_line', type: 'BIGINT' },
  { name: 'field', type: 'VARCHAR' },
  { name: 'reason', type: 'VARCHAR' },
  { name: 'raw_record', type: 'VARCHAR' },
  { name: '_source_sha256', type: 'VARCHAR' },
  { name: '_ingested_at', type: 'TIMESTAMP' },
  { name: '_mapping', type: 'VARCHAR' },
];
