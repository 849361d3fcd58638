import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event, S3EventRecord, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { ingestLandedObject } from '../src/feeds/landing.js';
import type { FileReconciliation } from '../src/feeds/ingest.js';
import { Lake } from '../src/lake/lake.js';
import { S3Store, s3ClientFromEnv } from '../src/lake/s3.js';
import { rm } from 'node:fs/promises';

/**
 * S3 "object created" in the landing bucket → ingest that object into the lake.
 * Environment: LAKE_URI (s3://bucket/prefix of the lake), LANDING_PREFIX (optional key prefix
 * before <feed>/<mapping>/…). Idempotent by construction: a redelivered event finds the same
 * delivery with the same content and changes nothing. A failure is thrown so Lambda retries.
 *
 * Takes the S3 notification directly or, as the stack wires it, through an SQS queue (each
 * message body is one S3 notification): then every message that failed is reported back as a
 * batch item failure, so only it returns to the queue (and, after its retries, to the
 * dead-letter queue), and S3's "s3:TestEvent" message is acknowledged and skipped.
 */
const logger = new Logger({ serviceName: 'crmlake-ingest' });
const metrics = new Metrics({ namespace: 'crmlake', serviceName: 'crmlake-ingest' });

export interface IngestHandlerDeps {
  client?: S3Client;
  lake?: Lake;
}

export function createIngestHandler(deps: IngestHandlerDeps = {}) {
  const ingestS3 = createS3Ingest(deps);
  return async (event: S3Event | SQSEvent, context?: Context): Promise<{ files: FileReconciliation[] } & Partial<SQSBatchResponse>> => {
    if (context) logger.addContext(context);
    if (!isSqsEvent(event)) return ingestS3(event.Records);
    const files: FileReconciliation[] = [];
    const batchItemFailures: SQSBatchResponse['batchItemFailures'] = [];
    for (const message of event.Records) {
      const body = JSON.parse(message.body) as Partial<S3Event> & { Event?: string };
      if (body.Event === 's3:TestEvent' || !body.Records) {
        logger.info('skipped a message that is not an S3 object notification', { messageId: message.messageId, event: body.Event });
        continue;
      }
      try {
        files.push(...(await ingestS3(body.Records)).files);
      } catch {
        // The function itself succeeds (so Lambda's Errors metric stays 0): this metric is what
        // the stack's alarm watches, long before the message's last retry reaches the dead-letter queue.
        batchItemFailures.push({ itemIdentifier: message.messageId });
        metrics.addMetric('deliveriesFailed', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
      }
    }
    return { files, batchItemFailures };
  };
}

const isSqsEvent = (event: S3Event | SQSEvent): event is SQSEvent => event.Records.length > 0 && (event.Records[0] as { eventSource?: string }).eventSource === 'aws:sqs';

function createS3Ingest(deps: IngestHandlerDeps) {
  return async (records: S3EventRecord[]): Promise<{ files: FileReconciliation[] }> => {
    const client = deps.client ?? (await s3ClientFromEnv());
    const lakeUri = process.env.LAKE_URI;
    const lake = deps.lake ?? (lakeUri ? new Lake(lakeUri) : undefined);
    if (!lake) throw new Error('LAKE_URI is not set (s3://bucket/prefix of the lake)');
    const files: FileReconciliation[] = [];
    try {
      for (const record of records) {
        // S3 event keys are URL-encoded with '+' for spaces.
        const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
        const bucket = record.s3.bucket.name;
        const run = await ingestLandedObject(lake, client, { bucket, key, landingPrefix: process.env.LANDING_PREFIX }, { lockWaitMs: 60_000 });
        for (const file of run.files) {
          files.push(file);
          logger.info('ingested', { bucket, key, feed: run.feed, mapping: run.mapping, ...file, file: undefined });
          metrics.addDimension('feed', run.feed);
          metrics.addMetric('rowsRead', MetricUnit.Count, file.outcome === 'unchanged' ? 0 : file.read);
          metrics.addMetric('rowsLanded', MetricUnit.Count, file.outcome === 'unchanged' ? 0 : file.landed);
          metrics.addMetric('rowsQuarantined', MetricUnit.Count, file.outcome === 'unchanged' ? 0 : file.quarantined);
          metrics.addMetric('filesRejected', MetricUnit.Count, file.outcome === 'rejected' ? 1 : 0);
          metrics.publishStoredMetrics();
        }
      }
      return { files };
    } catch (error) {
      logger.error('ingest failed', error as Error);
      throw error;
    } finally {
      // A warm function keeps /tmp between runs, and the S3 lake caches every file it writes
      // there: CRMLAKE_DROP_CACHE=true (set by the stack) empties it after each run so a
      // long-lived container never fills its ephemeral storage.
      if (process.env.CRMLAKE_DROP_CACHE === 'true' && lake.store instanceof S3Store) await rm(lake.store.cacheDir, { recursive: true, force: true });
    }
  };
}

export const handler = createIngestHandler();
