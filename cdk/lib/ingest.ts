import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambdaEvents from 'aws-cdk-lib/aws-lambda-event-sources';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { CrmlakeConfig } from './config.js';
import { CrmlakeFunction } from './function.js';
import { lakeReadStatements, lakeWriteStatement } from './policies.js';
import type { Storage } from './storage.js';

/** The ingest function's timeout: Lambda's maximum, so one run takes the largest file it can. */
export const INGEST_TIMEOUT = Duration.minutes(15);

/**
 * Landing → lake. S3 "object created" → SQS (dead-letter queue after `ingestMaxReceiveCount`
 * deliveries) → the ingest function (lambdas/ingest.ts), one message at a time.
 *
 * One writer: reserved concurrency 1, so the lake's writer lock (`_lock.json`) is never fought
 * over by ingests (a running build still holds it; ingest waits a minute for it and otherwise
 * fails, and the message comes back after the visibility timeout). SQS keeps the deliveries
 * while the single writer works through them. A throttled poll also counts as a receive, so
 * `maxReceiveCount` is generous (10 by default) and the visibility timeout is six times the
 * function timeout, as AWS advises for SQS event sources.
 *
 * Size one run takes: the object is downloaded to /tmp (10 GB here) and parsed at ~69k rows/s
 * (*measured* `npm run bench` on 2 cores, README), so 15 minutes hold about 50M POS lines, a
 * ~5 GB CSV. A larger file times out, is retried, lands in the dead-letter queue and raises the
 * alarm; nothing half-written is visible (the manifest commit is last). Split it by date or
 * store, or land it from a bigger machine with `crmlake ingest --lake s3://…`.
 */
export class Ingest extends Construct {
  readonly queue: sqs.Queue;
  readonly deadLetters: sqs.Queue;
  readonly handler: CrmlakeFunction;

  constructor(scope: Construct, id: string, props: { config: CrmlakeConfig; storage: Storage }) {
    super(scope, id);
    const { config, storage } = props;
    this.deadLetters = new sqs.Queue(this, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new sqs.Queue(this, 'Deliveries', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: Duration.seconds(INGEST_TIMEOUT.toSeconds() * 6),
      retentionPeriod: Duration.days(14),
      deadLetterQueue: { queue: this.deadLetters, maxReceiveCount: config.ingestMaxReceiveCount },
    });
    storage.landing.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.SqsDestination(this.queue));

    this.handler = new CrmlakeFunction(this, 'Ingest', {
      handler: 'ingest',
      description: 'crmlake ingest: one landed file into the lake (lambdas/ingest.ts)',
      memoryMb: config.ingestMemoryMb,
      timeout: INGEST_TIMEOUT,
      ephemeralMb: 10240,
      reservedConcurrency: 1,
      logRetentionDays: config.logRetentionDays,
      environment: { LAKE_URI: `s3://${storage.lake.bucketName}`, CRMLAKE_DROP_CACHE: 'true', POWERTOOLS_SERVICE_NAME: 'crmlake-ingest' },
    });
    this.handler.function.addEventSource(
      new lambdaEvents.SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true }),
    );
    const role = this.handler.role;
    role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadLanding', actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [storage.landing.arnForObjects('*')] }));
    for (const statement of lakeReadStatements(storage.lake)) role.addToPolicy(statement);
    // Ingest writes originals, curated and quarantine files, manifests, run records and the lock.
    role.addToPolicy(lakeWriteStatement(storage.lake, ['raw/*', 'curated/*', 'quarantine/*', '_manifests/*', '_runs/*', '_lock.json'], 'WriteLakeZones'));
  }
}
