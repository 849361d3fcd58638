import { FEEDS } from './index.js';
import type { DeliveryManifest } from './ingest.js';
import type { Lake } from '../lake/lake.js';

export interface FeedStatus {
  feed: string;
  files: number;
  rejectedFiles: number;
  rowsRead: number;
  rowsLanded: number;
  rowsQuarantined: number;
  latestBusinessDate: string | null;
  lastIngest: string | null;
}

/** What the lake holds per feed, from the committed delivery manifests. */
export async function feedStatus(lake: Lake): Promise<FeedStatus[]> {
  const out: FeedStatus[] = [];
  for (const feed of Object.values(FEEDS)) {
    const manifests = await lake.listManifests<DeliveryManifest>(feed.name);
    const max = (values: (string | null | undefined)[]) => values.filter((v): v is string => !!v).sort().at(-1) ?? null;
    out.push({
      feed: feed.name,
      files: manifests.length,
      rejectedFiles: manifests.filter((m) => m.status === 'rejected').length,
      rowsRead: manifests.reduce((s, m) => s + m.counts.read, 0),
      rowsLanded: manifests.reduce((s, m) => s + m.counts.landed, 0),
      rowsQuarantined: manifests.reduce((s, m) => s + m.counts.quarantined, 0),
      latestBusinessDate: max(manifests.map((m) => m.businessDates?.max)),
      lastIngest: max(manifests.map((m) => m.ingestedAt)),
    });
  }
  return out;
}
