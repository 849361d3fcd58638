import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { CloudFrontClient, CreateInvalidationCommand } from '@aws-sdk/client-cloudfront';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, SQSEvent, SQSRecord } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createCollectorHandler } from '../../lambdas/collector.js';
import { createIngestHandler } from '../../lambdas/ingest.js';
import { createRefreshHandlers, type RefreshEvent } from '../../lambdas/refresh.js';
import { RefreshError } from '../../src/app/refresh.js';
import { signBody } from '../../src/feeds/web/collector.js';
import { Lake } from '../../src/lake/lake.js';
import { S3Store } from '../../src/lake/s3.js';
import { queryLake, RETAIL_DAYS, scratchDir } from '../helpers.js';
import { startLocalS3, type LocalS3 } from '../s3.js';

/**
 * The handlers as the CDK stack wires them (cdk/lib/*.ts), with the event shapes AWS delivers:
 * S3 notifications inside SQS messages (ingest), an HTTP API request with the signing secret in
 * Secrets Manager (collector), and Step Functions' `{ runId, request }` payload (refresh steps).
 * S3 is the local fauxqs server; Secrets Manager and CloudFront, which have no local server
 * here, are aws-sdk-client-mock doubles. The refresh steps run on DuckDB: the steps are
 * engine-agnostic, and Athena cannot run on this machine.
 */
let s3: LocalS3;
let dir: string;
let cleanup: () => Promise<void>;
const REPORTS = 'reports-test';
const lake = () => new Lake(new S3Store(`s3://${s3.bucket}/lake`, s3.client, path.join(dir, 'cache')));

beforeAll(async () => {
  s3 = await startLocalS3('aws-handlers');
  s3.server.createBucket(REPORTS);
  ({ dir, cleanup } = await scratchDir('lambdas-aws'));
});
afterAll(async () => {
  await s3?.stop();
  await cleanup?.();
});
afterEach(() => vi.restoreAllMocks());
const quiet = () => vi.spyOn(process.stdout, 'write').mockImplementation(() => true);

/** An SQS message as Lambda receives it from the queue the landing bucket notifies. */
function sqsRecord(messageId: string, body: unknown): SQSRecord {
  return {
    messageId, receiptHandle: `rh-${messageId}`, body: JSON.stringify(body),
    attributes: { ApproximateReceiveCount: '1', SentTimestamp: String(Date.now()), SenderId: 'AIDAS3', ApproximateFirstReceiveTimestamp: String(Date.now()) },
    messageAttributes: {}, md5OfBody: 'md5', eventSource: 'aws:sqs', eventSourceARN: 'arn:aws:sqs:eu-west-1:123456789012:crmlake-IngestDeliveries', awsRegion: 'eu-west-1',
  };
}
function s3Notification(key: string) {
  return {
    Records: [{
      eventVersion: '2.1', eventSource: 'aws:s3', awsRegion: 'eu-west-1', eventTime: new Date().toISOString(), eventName: 'ObjectCreated:Put',
      userIdentity: { principalId: 'AWS:X' }, requestParameters: { sourceIPAddress: '10.0.0.1' }, responseElements: { 'x-amz-request-id': 'R', 'x-amz-id-2': 'I' },
      s3: { s3SchemaVersion: '1.0', configurationId: 'cfg', bucket: { name: s3.bucket, ownerIdentity: { principalId: 'O' }, arn: `arn:aws:s3:::${s3.bucket}` },
        object: { key: encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+'), size: 1, eTag: 'e', sequencer: '01' } },
    }],
  };
}

describe('ingest through SQS (the stack: landing → queue → ingest)', () => {
  it('ingests each message, skips S3 test events, and returns only the failed message for retry', async () => {
    const out: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
    const good = 'landing/pos/online-retail/store-1/2010-12-01.csv';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: good, Body: await readFile(path.join(RETAIL_DAYS, '2010-12-01.csv')) }));
    process.env.LANDING_PREFIX = 'landing';
    const handler = createIngestHandler({ client: s3.client, lake: lake() });
    const event: SQSEvent = {
      Records: [
        sqsRecord('m-test', { Service: 'Amazon S3', Event: 's3:TestEvent', Time: new Date().toISOString(), Bucket: s3.bucket, RequestId: 'r', HostId: 'h' }),
        sqsRecord('m-good', s3Notification(good)),
        sqsRecord('m-bad', s3Notification('landing/loyalty/x/missing.csv')),
      ],
    };
    const result = await handler(event);
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm-bad' }]);
    // The metric the stack's IngestDeliveriesFailed alarm watches (namespace crmlake, service crmlake-ingest).
    const emf = out.join('').split('\n').filter((l) => l.includes('deliveriesFailed')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ service: 'crmlake-ingest', deliveriesFailed: 1 });
    expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'crmlake', Dimensions: [['service']] });
    expect(result.files).toHaveLength(1);
    expect(result.files[0]).toMatchObject({ outcome: 'landed', read: 3108, landed: 3108 });
    expect(await queryLake(lake(), 'SELECT count(*) AS n FROM curated.pos_lines')).toEqual([{ n: 3108 }]);
    delete process.env.LANDING_PREFIX;
  });

  it('empties the lake cache in /tmp after each run when CRMLAKE_DROP_CACHE=true (as the stack sets it)', async () => {
    quiet();
    const key = 'landing/pos/online-retail/store-2/2010-12-02.csv';
    await s3.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: await readFile(path.join(RETAIL_DAYS, '2010-12-02.csv')) }));
    vi.stubEnv('LANDING_PREFIX', 'landing');
    vi.stubEnv('CRMLAKE_DROP_CACHE', 'true');
    try {
      const target = lake();
      const result = await createIngestHandler({ client: s3.client, lake: target })({ Records: [sqsRecord('m-2', s3Notification(key))] });
      expect(result.files[0]).toMatchObject({ outcome: 'landed' });
      expect(existsSync((target.store as S3Store).cacheDir)).toBe(false);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('collector with its secret in Secrets Manager', () => {
  const ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:crmlake-collector-AbCdEf';
  const body = JSON.stringify({ batch_id: 'batch-sm-1', events: [{ session_id: 's-9', event_type: 'page_view', occurred_at: '2026-11-23T10:15:00Z', page_url: '/' }] });
  const request = (secret: string): APIGatewayProxyEventV2 => {
    const ts = Math.floor(Date.now() / 1000);
    return {
      version: '2.0', routeKey: 'POST /events', rawPath: '/events', rawQueryString: '', body, isBase64Encoded: false,
      headers: { 'content-type': 'application/json', 'x-crmlake-timestamp': String(ts), 'x-crmlake-signature': signBody(secret, ts, body) },
      requestContext: {
        accountId: '123456789012', apiId: 'api', domainName: 'x.execute-api.eu-west-1.amazonaws.com', domainPrefix: 'x', requestId: 'r', routeKey: 'POST /events',
        stage: '$default', time: '', timeEpoch: Date.now(), http: { method: 'POST', path: '/events', protocol: 'HTTP/1.1', sourceIp: '10.0.0.2', userAgent: 'shop' },
      },
    };
  };

  it('reads the secret named by COLLECTOR_SECRET_ARN once, then from its cache, and checks signatures with it', async () => {
    quiet();
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand, { SecretId: ARN }).resolves({ SecretString: 'from-secrets-manager' });
    vi.stubEnv('COLLECTOR_SECRET_ARN', ARN);
    vi.stubEnv('COLLECTOR_SECRET', 'an-old-env-secret-that-must-not-be-used');
    try {
      const handler = createCollectorHandler({ landing: new S3Store(`s3://${s3.bucket}/landing`, s3.client, path.join(dir, 'lc')), secrets: new SecretsManagerClient({ region: 'eu-west-1' }) });
      expect((await handler(request('from-secrets-manager'))).statusCode).toBe(202);
      expect((await handler(request('an-old-env-secret-that-must-not-be-used'))).statusCode).toBe(401);
      expect((await handler(request('from-secrets-manager'))).statusCode).toBe(202);
      expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    } finally {
      secrets.restore();
      vi.unstubAllEnvs();
    }
  });

  it('answers 500 without touching the landing bucket when the secret cannot be read', async () => {
    quiet();
    const secrets = mockClient(SecretsManagerClient);
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), { name: 'AccessDeniedException' }));
    vi.stubEnv('COLLECTOR_SECRET_ARN', ARN);
    try {
      const landing = new S3Store(`s3://${s3.bucket}/landing-denied`, s3.client, path.join(dir, 'ld'));
      const handler = createCollectorHandler({ landing, secrets: new SecretsManagerClient({ region: 'eu-west-1' }) });
      const response = await handler(request('anything'));
      expect(response.statusCode).toBe(500);
      expect(await landing.list('')).toEqual([]);
    } finally {
      secrets.restore();
      vi.unstubAllEnvs();
    }
  });
});

describe('refresh steps (Step Functions payloads → src/app → S3 and CloudFront)', () => {
  const env = {
    LAKE_URI: 'unused: the lake is given',
    CRMLAKE_ENGINE: 'duckdb',
    REPORTS_BUCKET: REPORTS,
    SITE_PREFIX: 'site',
    STAGING_PREFIX: 'staging',
    DISTRIBUTION_ID: 'E2EXAMPLE123',
    AWS_REGION: 'us-east-1',
  };
  const keys = async (prefix: string) =>
    ((await s3.client.send(new ListObjectsV2Command({ Bucket: REPORTS, Prefix: prefix }))).Contents ?? []).map((o) => o.Key!).sort();
  const text = async (key: string) => (await s3.client.send(new GetObjectCommand({ Bucket: REPORTS, Key: key }))).Body!.transformToString();
  const event: RefreshEvent = { runId: 'a1b2c3d4-sched', request: {} };

  it('builds, tests, stages the report, then publishes it over the live site and invalidates CloudFront', async () => {
    quiet();
    const cloudfront = mockClient(CloudFrontClient);
    cloudfront.on(CreateInvalidationCommand).resolves({ Invalidation: { Id: 'I-1', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
    // A page of an older site that the new one no longer has.
    await s3.client.send(new PutObjectCommand({ Bucket: REPORTS, Key: 'site/retired-page.html', Body: '<p>old</p>' }));
    try {
      const steps = createRefreshHandlers({ lake: lake(), s3: s3.client, cloudfront: new CloudFrontClient({ region: 'us-east-1' }), env });
      const built = await steps.build(event);
      expect(built).toMatchObject({ runId: event.runId, committed: true });
      expect(built.models).toBeGreaterThan(40);
      const tested = await steps.test(event);
      expect(tested.fail + tested.error).toBe(0);

      const staged = await steps.report(event);
      expect(staged.pages).toContain('index.html');
      const stagedKeys = await keys(`staging/${event.runId}/`);
      expect(stagedKeys).toContain(`staging/${event.runId}/index.html`);
      expect(stagedKeys).toContain(`staging/${event.runId}/_crmlake_report.json`);
      expect(await keys('site/')).toEqual(['site/retired-page.html']); // nothing live changed yet

      if (staged.warnings.length > 0) {
        await expect(steps.publish(event)).rejects.toThrow(/published, but/);
      } else {
        expect(await steps.publish(event)).toMatchObject({ invalidationId: 'I-1', removed: 1 });
      }
      const live = await keys('site/');
      expect(live).toContain('site/index.html');
      expect(live).not.toContain('site/retired-page.html');
      expect(live).not.toContain('site/_crmlake_report.json');
      expect(live.length).toBe(stagedKeys.length - 1);
      expect(await text('site/index.html')).toMatch(/<html/i);
      expect(await keys('staging/')).toEqual([]);
      const calls = cloudfront.commandCalls(CreateInvalidationCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]!.args[0].input).toEqual({ DistributionId: 'E2EXAMPLE123', InvalidationBatch: { CallerReference: `crmlake-${event.runId}`, Paths: { Quantity: 1, Items: ['/*'] } } });
    } finally {
      cloudfront.restore();
    }
  }, 600_000);

  it('keeps the live site when publish finds no staged report, and names the step', async () => {
    quiet();
    const before = await keys('site/');
    const steps = createRefreshHandlers({ lake: lake(), s3: s3.client, cloudfront: { send: async () => { throw new Error('must not invalidate'); } }, env });
    const error = await steps.publish({ runId: 'never-staged' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RefreshError);
    expect((error as RefreshError).step).toBe('publish report');
    expect((error as Error).message).toMatch(/no staged report .*never-staged/);
    expect(await keys('site/')).toEqual(before);
  });

  it('publishes a report whose data files partly failed, then fails the step so the alarm fires', async () => {
    quiet();
    const runId = 'partial-run';
    await s3.client.send(new PutObjectCommand({ Bucket: REPORTS, Key: `staging/${runId}/index.html`, Body: '<html>partial</html>' }));
    await s3.client.send(new PutObjectCommand({ Bucket: REPORTS, Key: `staging/${runId}/_crmlake_report.json`, Body: JSON.stringify({ runId, files: 1, bytes: 20, pages: ['index.html'], warnings: ['data/clv.json: mart_clv is missing'] }) }));
    const cloudfront = mockClient(CloudFrontClient);
    cloudfront.on(CreateInvalidationCommand).resolves({ Invalidation: { Id: 'I-2', Status: 'InProgress', CreateTime: new Date(), InvalidationBatch: undefined } });
    try {
      const steps = createRefreshHandlers({ lake: lake(), s3: s3.client, cloudfront: new CloudFrontClient({ region: 'us-east-1' }), env });
      await expect(steps.publish({ runId })).rejects.toThrow(/published, but 1 of its data file\(s\) failed/);
      expect(await text('site/index.html')).toBe('<html>partial</html>');
      expect(cloudfront.commandCalls(CreateInvalidationCommand)).toHaveLength(1);
    } finally {
      cloudfront.restore();
    }
  });

  it('refuses a run id that is not a plain name (it becomes an S3 prefix)', async () => {
    const steps = createRefreshHandlers({ lake: lake(), s3: s3.client, env });
    await expect(steps.publish({ runId: '../site' })).rejects.toThrow(/runId must be/);
  });
});
