import type { S3Client } from '@aws-sdk/client-s3';
import { getFeed } from '../feeds/index.js';
import { ingestFiles, type IngestRun } from '../feeds/ingest.js';
import { ingestLandedObject } from '../feeds/landing.js';
import { loadMapping } from '../feeds/mapping.js';
import { expandInputs, type Lake } from '../lake/lake.js';

export interface IngestOptions {
  /** Built-in mapping name or a mapping file (default: the feed's built-in mapping). */
  mapping?: string;
  /** Source system; with the file name it identifies a delivery (default: the mapping name). */
  source?: string;
  /** Called when a file is done (for progress). */
  onFile?: (index: number, total: number, file: string) => void;
  /** Called once the inputs are expanded, with the files to ingest. */
  onFiles?: (files: string[]) => void;
}

/** Lands files and folders (read recursively) of one feed: originals kept, rows validated, rejects quarantined. */
export async function ingestPaths(lake: Lake, feedName: string, inputs: string[], options: IngestOptions = {}): Promise<IngestRun> {
  const feed = getFeed(feedName);
  const mapping = await loadMapping(feed, options.mapping);
  const files = await expandInputs(inputs);
  if (files.length === 0) throw new Error(`No files found in ${inputs.join(', ')}`);
  options.onFiles?.(files);
  return ingestFiles(lake, files, {
    feed,
    mapping,
    source: options.source,
    onFile: ({ index, file, result }) => {
      if (result) options.onFile?.(index, files.length, file);
    },
  });
}

/** Lands one object of the landing bucket (`<feed>/<mapping>/<source…>/<file>`): what the ingest Lambda does per S3 event. */
export function ingestLanded(lake: Lake, client: S3Client, object: { bucket: string; key: string; landingPrefix?: string }, options: { lockWaitMs?: number } = {}): Promise<IngestRun> {
  return ingestLandedObject(lake, client, object, options);
}
