import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Lake } from '../lake/lake.js';
import { S3Store } from '../lake/s3.js';
import { getFeed } from './index.js';
import { ingestFiles, type IngestRun } from './ingest.js';
import { loadMapping } from './mapping.js';

/**
 * Files arrive in a landing area as `<feed>/<mapping>/<any folders>/<file>`: the first folder
 * names the feed, the second the built-in mapping that reads it; the folders from the mapping on
 * are the delivery's source, e.g. `pos/online-retail/store-12/2010-12-01.csv` or `web/collector/batch/<batch_id>.jsonl`.
 */
export function parseLandingKey(key: string): { feed: string; mapping: string; source: string; fileName: string } {
  const parts = key.split('/').filter(Boolean);
  if (parts.length < 3) {
    throw new Error(`Landing key "${key}" does not follow <feed>/<mapping>/<file>; cannot tell which feed it belongs to`);
  }
  // The folders between feed and file are the source, so store-12/x.csv and store-13/x.csv are two deliveries.
  return { feed: parts[0]!, mapping: parts[1]!, source: parts.slice(1, -1).join('/'), fileName: parts.at(-1)! };
}

/**
 * Ingests one object from the landing bucket into the lake: downloads it to local scratch (the
 * reader streams a local file), then the usual ingest: raw copy, validation, quarantine, commit.
 * Landing the same object twice is a no-op (same delivery, same content).
 */
export async function ingestLandedObject(
  lake: Lake,
  client: S3Client,
  object: { bucket: string; key: string; landingPrefix?: string },
  options: { lockWaitMs?: number } = {},
): Promise<IngestRun> {
  const prefix = object.landingPrefix ? object.landingPrefix.replace(/\/?$/, '/') : '';
  if (prefix && !object.key.startsWith(prefix)) throw new Error(`Object ${object.key} is outside the landing prefix ${prefix}`);
  const { feed: feedName, mapping: mappingName, source, fileName } = parseLandingKey(object.key.slice(prefix.length));
  const feed = getFeed(feedName);
  const mapping = await loadMapping(feed, mappingName);
  // Not the lake's scratch: ingest clears that under its lock.
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'crmlake-landing-'));
  const local = path.join(scratch, fileName);
  try {
    await new S3Store(`s3://${object.bucket}`, client).download(object.key, local);
    return await ingestFiles(lake, [local], { feed, mapping, source, lockWaitMs: options.lockWaitMs });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
