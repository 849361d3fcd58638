import type { S3Client } from '@aws-sdk/client-s3';
import { getFeed } from '../feeds/index.js';
import { businessDateWindow, ingestFiles, ingestWorkers, type IngestRun } from '../feeds/ingest.js';
import { ingestLandedObject } from '../feeds/landing.js';
import { loadMapping } from '../feeds/mapping.js';
import { listInputs, type Lake } from '../lake/lake.js';

export interface IngestOptions {
  /** Built-in mapping name or a mapping file (default: the feed's built-in mapping). */
  mapping?: string;
  /** Source system; with the file name it identifies a delivery (default: the mapping name). */
  source?: string;
  /** Plausible business dates, `FROM..TO` (default 2000-01-01..tomorrow, or $CRMLAKE_DATE_WINDOW); rows outside are quarantined. */
  dates?: string;
  /** Called when a file is done, with the count of files done (for progress; files land two at a time). */
  onFile?: (done: number, total: number, file: string) => void;
  /** Files landed at once, 1 to 64 (default $CRMLAKE_INGEST_WORKERS, or 2). */
  workers?: string;
  /** Called once the inputs are expanded, with the files to ingest. */
  onFiles?: (files: string[]) => void;
}

/** Lands files and folders (read recursively) of one feed: originals kept, rows validated, rejects quarantined. */
export async function ingestPaths(lake: Lake, feedName: string, inputs: string[], options: IngestOptions = {}): Promise<IngestRun> {
  const feed = getFeed(feedName);
  const workers = options.workers === undefined ? undefined : ingestWorkers(options.workers, '--workers');
  const mapping = await loadMapping(feed, options.mapping);
  const { files, skipped } = await listInputs(inputs);
  if (files.length === 0) {
    const why = skipped.map((s) => `\n  skipped ${s.path}: ${s.reason}`).join('');
    throw new Error(`No files found in ${inputs.join(', ')}${why}`);
  }
  options.onFiles?.(files.map((f) => f.path));
  return ingestFiles(lake, files, {
    feed,
    mapping,
    source: options.source,
    skipped,
    dateWindow: businessDateWindow(options.dates ?? process.env.CRMLAKE_DATE_WINDOW),
    workers,
    onFile: ({ done, file, result }) => {
      if (result) options.onFile?.(done, files.length, file);
    },
  });
}

/** Lands one object of the landing bucket (`<feed>/<mapping>/<source…>/<file>`): what the ingest Lambda does per S3 event. */
export function ingestLanded(lake: Lake, client: S3Client, object: { bucket: string; key: string; landingPrefix?: string }, options: { lockWaitMs?: number } = {}): Promise<IngestRun> {
  return ingestLandedObject(lake, client, object, options);
}
