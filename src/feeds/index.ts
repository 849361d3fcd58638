import type { FeedDefinition } from './feed.js';
import { callsFeed } from './calls/feed.js';
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
};

export function getFeed(name: string): FeedDefinition {
  const feed = FEEDS[name];
  if (!feed) throw new Error(`Unknown feed "${name}". Known feeds: ${Object.keys(FEEDS).join(', ')}`);
  return feed;
}
