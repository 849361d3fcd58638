import type { FeedDefinition } from './feed.js';
import { callsFeed } from './calls/feed.js';
import { posFeed } from './pos/feed.js';
import { webFeed } from './web/feed.js';

/** Every feed crmlake can ingest, by name. */
export const FEEDS: Record<string, FeedDefinition> = {
  pos: posFeed,
  calls: callsFeed,
  web: webFeed,
};

export function getFeed(name: string): FeedDefinition {
  const feed = FEEDS[name];
  if (!feed) throw new Error(`Unknown feed "${name}". Known feeds: ${Object.keys(FEEDS).join(', ')}`);
  return feed;
}
