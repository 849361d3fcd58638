import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { CrmlakeConfig } from './config.js';

/**
 * The buckets. Every one: encrypted at rest (SSE-S3: no KMS request charges on a lake read by
 * Athena file by file), public access blocked, TLS required by bucket policy, server access logs
 * to the log bucket. Versioned where data lives (landing, lake): an overwritten manifest or a
 * deleted file can be restored for `noncurrentVersionsExpireDays`.
 *
 *   landing   deliveries (`<feed>/<mapping>/<source>/<file>`); each object created → ingest
 *   lake      raw/ (originals) · curated/ · quarantine/ · _manifests/ · warehouse/ (models)
 *   reports   site/ (served by CloudFront) · staging/<run>/ (a refresh's report before publish)
 *   results   Athena query results: build/ and analysts/
 *   logs      S3 server access logs and CloudFront logs
 */
export class Storage extends Construct {
  readonly accessLogs: s3.Bucket;
  readonly landing: s3.Bucket;
  readonly lake: s3.Bucket;
  readonly reports: s3.Bucket;
  readonly queryResults: s3.Bucket;

  constructor(scope: Construct, id: string, config: CrmlakeConfig) {
    super(scope, id);
    const dataRemoval = config.retainData ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const common: s3.BucketProps = {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
    };
    this.accessLogs = new s3.Bucket(this, 'AccessLogs', {
      ...common,
      // CloudFront standard logs are written with an ACL: the bucket must accept ACLs from the log delivery.
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(config.accessLogsExpireDays) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const logged = (prefix: string): s3.BucketProps => ({ ...common, serverAccessLogsBucket: this.accessLogs, serverAccessLogsPrefix: `s3/${prefix}/` });
    const noncurrent: s3.LifecycleRule = { id: 'expire-old-versions', noncurrentVersionExpiration: Duration.days(config.noncurrentVersionsExpireDays), abortIncompleteMultipartUploadAfter: Duration.days(7) };

    this.landing = new s3.Bucket(this, 'Landing', {
      ...logged('landing'),
      versioned: true,
      lifecycleRules: [noncurrent, { id: 'expire-delivered', expiration: Duration.days(config.landingExpireDays) }],
      removalPolicy: dataRemoval,
    });
    this.lake = new s3.Bucket(this, 'Lake', {
      ...logged('lake'),
      versioned: true,
      lifecycleRules: [
        noncurrent,
        {
          id: 'raw-to-cheaper-storage',
          prefix: 'raw/',
          transitions: [
            { storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(config.rawToInfrequentDays) },
            { storageClass: s3.StorageClass.GLACIER_INSTANT_RETRIEVAL, transitionAfter: Duration.days(config.rawToGlacierDays) },
          ],
        },
      ],
      removalPolicy: dataRemoval,
    });
    this.reports = new s3.Bucket(this, 'Reports', {
      ...logged('reports'),
      // The site is rebuilt from the lake by any refresh: no versions to keep.
      lifecycleRules: [{ id: 'expire-staged-reports', prefix: 'staging/', expiration: Duration.days(7) }],
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.queryResults = new s3.Bucket(this, 'QueryResults', {
      ...logged('query-results'),
      lifecycleRules: [{ id: 'expire-results', expiration: Duration.days(config.queryResultsExpireDays), abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
