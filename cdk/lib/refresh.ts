import { Duration, RemovalPolicy, Stack, TimeZone } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as schedulerTargets from 'aws-cdk-lib/aws-scheduler-targets';
import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { Catalog } from './catalog.js';
import { resourceNames, type CrmlakeConfig } from './config.js';
import { CrmlakeFunction } from './function.js';
import { ATHENA_PREFIX, GLUE_WRITE_ACTIONS, glueArns, lakeWriteStatement } from './policies.js';
import type { ReportsSite } from './reports.js';
import type { Storage } from './storage.js';
import type { Warehouse } from './warehouse.js';

/** The refresh's steps in order: the state names, each a function of lambdas/refresh.ts. */
export const REFRESH_STEPS = ['Build', 'Test', 'Report', 'Publish'] as const;

/**
 * The scheduled refresh: EventBridge Scheduler (cron in a time zone) → a Step Functions state
 * machine running build → test → report → publish, each its own function with its own rights
 * and its own 15 minutes. Any failed step goes to "Notify failure" (an SNS message naming the
 * execution, the step's error and cause) and the execution fails; the live report is replaced
 * only by the last step, so a failure keeps the last good report.
 *
 * On demand: `aws stepfunctions start-execution --state-machine-arn <RefreshStateMachineArn>`
 * (input `{}` or `{"asOf": "YYYY-MM-DD"}`).
 */
export class Refresh extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: scheduler.Schedule;
  readonly steps: Record<(typeof REFRESH_STEPS)[number], CrmlakeFunction>;

  constructor(
    scope: Construct,
    id: string,
    props: { config: CrmlakeConfig; storage: Storage; catalog: Catalog; warehouse: Warehouse; site: ReportsSite; alerts: sns.ITopic },
  ) {
    super(scope, id);
    const { config, storage, catalog, warehouse, site } = props;
    const names = resourceNames(config);
    const stack = Stack.of(this);
    const engineEnv = {
      LAKE_URI: `s3://${storage.lake.bucketName}`,
      CRMLAKE_ENGINE: 'athena',
      CRMLAKE_ATHENA_WORKGROUP: names.buildWorkgroup,
      CRMLAKE_ATHENA_DATABASE: catalog.warehouseDatabase,
      CRMLAKE_ATHENA_SOURCE_DATABASE: catalog.curatedDatabase,
      CRMLAKE_ATHENA_OUTPUT: warehouse.buildOutput,
      CRMLAKE_MAX_SCAN_GB: String(config.buildMaxScanGb),
      POWERTOOLS_SERVICE_NAME: 'crmlake-refresh',
    };
    const siteEnv = { REPORTS_BUCKET: site.bucket.bucketName, SITE_PREFIX: site.sitePrefix, STAGING_PREFIX: site.stagingPrefix };
    const step = (name: string, handler: string, description: string, extra: { memoryMb?: number; timeout?: Duration; ephemeralMb?: number; environment?: Record<string, string> } = {}) =>
      new CrmlakeFunction(this, name, {
        handler,
        description,
        memoryMb: extra.memoryMb ?? config.refreshMemoryMb,
        timeout: extra.timeout ?? Duration.minutes(15),
        ephemeralMb: extra.ephemeralMb,
        logRetentionDays: config.logRetentionDays,
        environment: { ...engineEnv, ...extra.environment },
      });
    this.steps = {
      Build: step('BuildStep', 'build', 'crmlake refresh: build the models on Athena'),
      Test: step('TestStep', 'test', 'crmlake refresh: run the model tests'),
      Report: step('ReportStep', 'report', 'crmlake refresh: build the report site into staging', { ephemeralMb: 4096, environment: siteEnv }),
      Publish: step('PublishStep', 'publish', 'crmlake refresh: publish the staged report and invalidate CloudFront', {
        memoryMb: 512,
        timeout: Duration.minutes(5),
        environment: { ...siteEnv, DISTRIBUTION_ID: site.distribution.distributionId },
      }),
    };

    // Rights, step by step. All three engine steps query in the build workgroup and read the lake.
    for (const name of ['Build', 'Test', 'Report'] as const) warehouse.grantQuery(this.steps[name].role, { storage, catalog });
    const buildRole = this.steps.Build.role;
    // The Athena engine puts the curated and quarantine tables (over symlink manifests of the
    // committed files) and the models' tables: it writes both databases' tables.
    buildRole.addToPolicy(new iam.PolicyStatement({ sid: 'WriteCatalogTables', actions: GLUE_WRITE_ACTIONS, resources: glueArns(stack, [catalog.curatedDatabase, catalog.warehouseDatabase]) }));
    // The engine's own zone (athena/: model tables, symlink manifests, program rows, its catalog);
    // the lock and the run record at the lake's top.
    buildRole.addToPolicy(lakeWriteStatement(storage.lake, [`${ATHENA_PREFIX}/*`, '_runs/*', '_lock.json'], 'WriteWarehouse'));
    this.steps.Test.role.addToPolicy(lakeWriteStatement(storage.lake, ['_runs/*'], 'WriteTestRuns'));
    this.steps.Report.role.addToPolicy(
      new iam.PolicyStatement({ sid: 'StageReport', actions: ['s3:PutObject', 's3:AbortMultipartUpload'], resources: [site.bucket.arnForObjects(`${site.stagingPrefix}/*`)] }),
    );
    const publishRole = this.steps.Publish.role;
    publishRole.addToPolicy(new iam.PolicyStatement({ sid: 'ListReports', actions: ['s3:ListBucket'], resources: [site.bucket.bucketArn] }));
    publishRole.addToPolicy(new iam.PolicyStatement({ sid: 'ReadStaged', actions: ['s3:GetObject', 's3:DeleteObject'], resources: [site.bucket.arnForObjects(`${site.stagingPrefix}/*`)] }));
    publishRole.addToPolicy(new iam.PolicyStatement({ sid: 'WriteSite', actions: ['s3:PutObject', 's3:DeleteObject'], resources: [site.bucket.arnForObjects(`${site.sitePrefix}/*`)] }));
    publishRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'InvalidateSite',
        actions: ['cloudfront:CreateInvalidation'],
        resources: [stack.formatArn({ service: 'cloudfront', region: '', resource: 'distribution', resourceName: site.distribution.distributionId })],
      }),
    );

    // The state machine.
    const notifyFailure = new tasks.SnsPublish(this, 'Notify failure', {
      topic: props.alerts,
      subject: `crmlake refresh failed (${config.name})`,
      message: sfn.TaskInput.fromObject({
        refresh: 'failed; the published report was kept',
        execution: sfn.JsonPath.executionId,
        error: sfn.JsonPath.stringAt('$.failure.Error'),
        cause: sfn.JsonPath.stringAt('$.failure.Cause'),
      }),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'Refresh failed', { error: 'RefreshFailed', cause: 'A refresh step failed; the published report was kept (see the step above and the SNS message)' });
    notifyFailure.next(failed);
    const invoke = (name: (typeof REFRESH_STEPS)[number]) =>
      new tasks.LambdaInvoke(this, name, {
        lambdaFunction: this.steps[name].function,
        payload: sfn.TaskInput.fromObject({ runId: sfn.JsonPath.executionName, request: sfn.JsonPath.objectAt('$$.Execution.Input') }),
        payloadResponseOnly: true,
        resultPath: `$.${name.toLowerCase()}`,
        retryOnServiceExceptions: true,
      }).addCatch(notifyFailure, { resultPath: '$.failure' });
    const definition = invoke('Build')
      .next(invoke('Test'))
      .next(invoke('Report'))
      .next(invoke('Publish'))
      .next(new sfn.Succeed(this, 'Report published'));
    const logGroup = new logs.LogGroup(this, 'StateMachineLogs', { retention: config.logRetentionDays as logs.RetentionDays, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: 'crmlake refresh: build → test → report → publish; a failure keeps the last good report',
      timeout: Duration.hours(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    this.schedule = new scheduler.Schedule(this, 'Schedule', {
      description: `crmlake refresh, ${config.schedule} ${config.scheduleTimeZone}`,
      schedule: scheduler.ScheduleExpression.expression(config.schedule, TimeZone.of(config.scheduleTimeZone)),
      target: new schedulerTargets.StepFunctionsStartExecution(this.stateMachine, {
        input: scheduler.ScheduleTargetInput.fromObject({ trigger: 'schedule' }),
        retryAttempts: 3,
      }),
      enabled: config.scheduleEnabled,
    });
  }
}
