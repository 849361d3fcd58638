import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { S3Store } from '../src/lake/s3.js';
import type { LakeStore } from '../src/lake/store.js';
import { acceptBatch, authenticate, CollectorError, sameBatch, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../src/feeds/web/collector.js';

/**
 * HTTPS collector for web events (API Gateway HTTP API or a Lambda function URL, payload v2).
 * POST a JSON batch signed with the shared secret; the batch is written to the landing area as
 * one JSON-lines object before the 202 answer, so an acknowledged event is never lost (no
 * in-memory buffering across requests: a frozen or recycled Lambda would drop it). The landing
 * object then triggers the ingest Lambda like any other delivery.
 * Environment: LANDING_URI (s3://bucket/prefix), and the signing secret as COLLECTOR_SECRET_ARN
 * (a Secrets Manager secret, as the stack deploys it: read on the first request and again after
 * SECRET_TTL_MS, so a rotated secret takes effect without a deploy) or COLLECTOR_SECRET (local runs).
 */
const logger = new Logger({ serviceName: 'crmlake-collector' });
const metrics = new Metrics({ namespace: 'crmlake', serviceName: 'crmlake-collector' });

export interface CollectorHandlerDeps {
  landing?: LakeStore;
  secret?: string;
  secrets?: Pick<SecretsManagerClient, 'send'>;
  now?: () => Date;
}

/** How long a secret read from Secrets Manager is reused before it is read again. */
export const SECRET_TTL_MS = 5 * 60_000;

/** The signing secret: given, else from Secrets Manager (cached), else COLLECTOR_SECRET. */
function secretSource(deps: CollectorHandlerDeps) {
  let cached: { value: string; until: number } | undefined;
  return async (nowMs: number): Promise<string | undefined> => {
    if (deps.secret) return deps.secret;
    const arn = process.env.COLLECTOR_SECRET_ARN;
    if (!arn) return process.env.COLLECTOR_SECRET;
    if (cached && cached.until > nowMs) return cached.value;
    const client = deps.secrets ?? new SecretsManagerClient({});
    const response = await client.send(new GetSecretValueCommand({ SecretId: arn }));
    if (!response.SecretString) throw new Error(`secret ${arn} has no string value`);
    cached = { value: response.SecretString, until: nowMs + SECRET_TTL_MS };
    return cached.value;
  };
}

const answer = (statusCode: number, body: Record<string, unknown>): APIGatewayProxyStructuredResultV2 => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export function createCollectorHandler(deps: CollectorHandlerDeps = {}) {
  const readSecret = secretSource(deps);
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    if (context) logger.addContext(context);
    const now = deps.now?.() ?? new Date();
    let secret: string | undefined;
    try {
      secret = await readSecret(now.getTime());
    } catch (error) {
      logger.error('cannot read the signing secret', error as Error);
      return answer(500, { error: 'collector is not configured' });
    }
    const landingUri = process.env.LANDING_URI;
    const landing = deps.landing ?? (landingUri ? new S3Store(landingUri) : undefined);
    if (!secret || !landing) {
      logger.error('collector is not configured: COLLECTOR_SECRET_ARN (or COLLECTOR_SECRET) and LANDING_URI are required');
      return answer(500, { error: 'collector is not configured' });
    }
    try {
      if (event.requestContext.http.method !== 'POST') throw new CollectorError(405, 'use POST');
      const contentType = Object.entries(event.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1] ?? '';
      if (!/^application\/json\b/i.test(contentType)) throw new CollectorError(415, 'content-type must be application/json');
      const body = event.body === undefined ? '' : event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
      const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      authenticate(headers, body, secret, now.getTime());
      const batch = acceptBatch(body, now, { signature: headers[SIGNATURE_HEADER]!, timestamp: Number(headers[TIMESTAMP_HEADER]) });
      // Created only if absent (If-None-Match on S3): an acknowledged batch is never overwritten.
      if (!(await landing.createExclusive(batch.key, batch.body))) {
        const stored = await landing.readText(batch.key);
        if (!batch.clientBatchId) throw new CollectorError(409, 'this signed request was already accepted (a replay); it is stored once');
        if (stored === undefined || !sameBatch(stored, batch)) {
          throw new CollectorError(409, `batch_id ${batch.batchId} was already used for a different batch; send new events with a new batch_id`);
        }
        logger.info('batch retried', { batchId: batch.batchId, key: batch.key });
        return answer(202, { accepted: batch.events.length, batch_id: batch.batchId, duplicate: true });
      }
      metrics.addMetric('eventsAccepted', MetricUnit.Count, batch.events.length);
      metrics.publishStoredMetrics();
      logger.info('batch landed', { batchId: batch.batchId, events: batch.events.length, key: batch.key });
      return answer(202, { accepted: batch.events.length, batch_id: batch.batchId });
    } catch (error) {
      if (error instanceof CollectorError) {
        logger.warn('request refused', { status: error.status, reason: error.message });
        metrics.addMetric('requestsRefused', MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
        return answer(error.status, { error: error.message, ...(error.details as object | undefined) });
      }
      logger.error('collector failed', error as Error);
      return answer(500, { error: 'internal error; retry with the same batch_id' });
    }
  };
}

export const handler = createCollectorHandler();
