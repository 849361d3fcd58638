import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CrmlakeConfig } from './config.js';
import { CrmlakeFunction } from './function.js';
import type { Storage } from './storage.js';

/** The collector's path: the web shop POSTs signed JSON batches here. */
export const COLLECTOR_ROUTE = '/events';

/**
 * Web events in: an HTTP API (HTTPS only) → the collector function (lambdas/collector.ts), which
 * checks the batch's HMAC signature with a secret kept in Secrets Manager (never in the function's
 * environment, where anyone who may read the function's configuration could read it) and writes
 * the batch to the landing bucket, from where ingest takes it like any delivery.
 *
 * Throttling at two levels: the API stage's rate and burst (excess requests get 429 before any
 * function runs) and the function's reserved concurrency (a ceiling on cost and on the landing
 * writes). Authorization is the signature, checked in the function: the sender is a server of
 * the web shop holding the shared secret, not a user with AWS credentials or a Cognito login.
 */
export class Collector extends Construct {
  readonly api: apigw.HttpApi;
  readonly secret: secrets.Secret;
  readonly handler: CrmlakeFunction;
  readonly url: string;

  constructor(scope: Construct, id: string, props: { config: CrmlakeConfig; storage: Storage }) {
    super(scope, id);
    const { config, storage } = props;
    this.secret = new secrets.Secret(this, 'SigningSecret', {
      description: 'crmlake collector: HMAC-SHA256 key the web shop signs event batches with (x-crmlake-signature)',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    this.handler = new CrmlakeFunction(this, 'Collector', {
      handler: 'collector',
      description: 'crmlake collector: signed web-event batches into the landing bucket (lambdas/collector.ts)',
      memoryMb: 512,
      timeout: Duration.seconds(10),
      reservedConcurrency: config.collectorMaxConcurrency,
      logRetentionDays: config.logRetentionDays,
      environment: {
        LANDING_URI: `s3://${storage.landing.bucketName}`,
        COLLECTOR_SECRET_ARN: this.secret.secretArn,
        POWERTOOLS_SERVICE_NAME: 'crmlake-collector',
      },
    });
    this.handler.role.addToPolicy(new iam.PolicyStatement({ sid: 'ReadSigningSecret', actions: ['secretsmanager:GetSecretValue'], resources: [this.secret.secretArn] }));
    // The collector writes only its own batches (web/collector/<day>/<hour>/<batch>.jsonl).
    this.handler.role.addToPolicy(new iam.PolicyStatement({ sid: 'WriteBatches', actions: ['s3:PutObject'], resources: [storage.landing.arnForObjects('web/collector/*')] }));

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'crmlake collector for web events',
      createDefaultStage: false,
      disableExecuteApiEndpoint: false,
    });
    this.api.addRoutes({ path: COLLECTOR_ROUTE, methods: [apigw.HttpMethod.POST], integration: new HttpLambdaIntegration('Collect', this.handler.function) });
    const stage = new apigw.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: config.collectorRateLimit, burstLimit: config.collectorBurstLimit },
      accessLogSettings: { destination: new apigw.LogGroupLogDestination(accessLogs) },
    });
    this.url = `${stage.url.replace(/\/$/, '')}${COLLECTOR_ROUTE}`;
  }
}
