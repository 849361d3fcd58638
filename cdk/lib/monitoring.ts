import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { Construct } from 'constructs';
import type { CrmlakeConfig } from './config.js';
import type { CrmlakeFunction } from './function.js';

/**
 * Alerts: one SNS topic (encrypted with a customer managed key, because CloudWatch alarms cannot
 * publish to a topic under the AWS managed SNS key), an optional e-mail subscription, and the
 * alarms that say something needs a person: a delivery in the dead-letter queue, a function
 * failing, a refresh failing, and no successful refresh for `lateRefreshHours`.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly alarms: cloudwatch.Alarm[] = [];
  private readonly config: CrmlakeConfig;

  constructor(scope: Construct, id: string, config: CrmlakeConfig) {
    super(scope, id);
    this.config = config;
    const key = new kms.Key(this, 'AlertsKey', { description: 'crmlake alerts topic', enableKeyRotation: true });
    this.key = key;
    // CloudWatch alarms and Step Functions (through its role, granted by the task) publish here.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey'],
        resources: ['*'], // in a key policy, "*" means this key
      }),
    );
    this.topic = new sns.Topic(this, 'Alerts', { displayName: `crmlake alerts (${config.name})`, masterKey: key, enforceSSL: true });
    if (config.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(config.alarmEmail));
  }

  /**
   * A publisher of the encrypted topic also needs the key (SNS encrypts each message with a data
   * key). The SnsPublish task grants sns:Publish but not the key; `topic.grantPublish` would add
   * `kms:GenerateDataKey*`, a wildcard action, so the two key actions SNS uses are granted here.
   */
  grantKeyToPublisher(grantee: iam.IGrantable): void {
    this.key.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }

  private alarm(id: string, props: cloudwatch.AlarmProps): cloudwatch.Alarm {
    const alarm = new cloudwatch.Alarm(this, id, props);
    alarm.addAlarmAction(new actions.SnsAction(this.topic));
    this.alarms.push(alarm);
    return alarm;
  }

  watchDeadLetters(id: string, queue: sqs.IQueue, what: string): void {
    this.alarm(id, {
      alarmDescription: `${what}: a message reached the dead-letter queue after all its retries (see the ingest function's logs, fix, then redrive the queue)`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  watchFunction(id: string, fn: CrmlakeFunction, what: string): void {
    this.alarm(id, {
      alarmDescription: `${what} failed (errors or timeouts; see its log group)`,
      metric: fn.function.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  /** Ingest reports a failed delivery as a batch item failure, not a function error: alarm on its own metric. */
  watchIngestFailures(id: string): void {
    this.alarm(id, {
      alarmDescription: 'Ingest could not land a delivery; it will be retried, then dead-lettered (see the ingest function logs: "ingest failed")',
      metric: new cloudwatch.Metric({ namespace: 'crmlake', metricName: 'deliveriesFailed', dimensionsMap: { service: 'crmlake-ingest' }, period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  watchApi(id: string, api: apigw.HttpApi): void {
    this.alarm(id, {
      alarmDescription: 'The collector answered 5xx: web events are being refused (see the collector function logs)',
      metric: api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      threshold: 5,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
  }

  watchRefresh(stateMachine: sfn.StateMachine): void {
    const period = Duration.minutes(5);
    this.alarm('RefreshFailed', {
      alarmDescription: 'A refresh failed, timed out or was aborted; the last good report is still published',
      metric: new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: stateMachine.metricFailed({ period, statistic: 'Sum' }),
          timedOut: stateMachine.metricTimedOut({ period, statistic: 'Sum' }),
          aborted: stateMachine.metricAborted({ period, statistic: 'Sum' }),
        },
        period,
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: 1,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    // Late: not one successful execution in any of the last N hours. No data is no success.
    this.alarm('RefreshLate', {
      alarmDescription: `No refresh succeeded in the last ${this.config.lateRefreshHours} hours: the published report is getting old`,
      metric: stateMachine.metricSucceeded({ period: Duration.hours(1), statistic: 'Sum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: this.config.lateRefreshHours,
      datapointsToAlarm: this.config.lateRefreshHours,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
  }
}
