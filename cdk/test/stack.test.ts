import { Match, type Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDS } from '../../src/feeds/index.js';
import { LINEAGE_COLUMNS } from '../../src/feeds/feed.js';
import { POS_COLUMNS } from '../../src/feeds/pos/schema.js';
import { configFromContext, DEFAULT_CONFIG } from '../lib/config.js';
import { REFRESH_STEPS } from '../lib/refresh.js';
import { asList, iamStatements, synthStack } from './synth.js';
import { warehouseSources } from '../../src/app/warehouse.js';

let template: Template;
let cleanup: () => void;
let names: { lake: string; landing: string; reports: string; results: string; logs: string; dlq: string; queue: string; stateMachine: string };

const logicalId = (t: Template, type: string, match: (r: any, id: string) => boolean) => {
  const found = Object.entries(t.findResources(type)).filter(([id, r]) => match(r, id));
  expect(found, `${type} matching`).toHaveLength(1);
  return found[0]![0];
};
const functionByHandler = (t: Template, handler: string) => {
  const found = Object.values(t.findResources('AWS::Lambda::Function')).filter((r: any) => r.Properties.Handler === `lambdas/runtime.${handler}`);
  expect(found).toHaveLength(1);
  return found[0] as any;
};
/** The role's inline policy statements (the DefaultPolicy CDK attaches to it). */
const roleStatements = (t: Template, fn: any) => {
  const roleId = fn.Properties.Role['Fn::GetAtt'][0];
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p: any) => p.Properties.Roles.some((r: any) => r.Ref === roleId))
    .flatMap((p: any) => p.Properties.PolicyDocument.Statement as any[]);
};
const json = (value: unknown) => JSON.stringify(value);

beforeAll(() => {
  const synth = synthStack();
  template = synth.template;
  cleanup = synth.cleanup;
  const bucket = (id: string) => logicalId(template, 'AWS::S3::Bucket', (_r, lid) => lid.startsWith(`Storage${id}`));
  names = {
    lake: bucket('Lake'),
    landing: bucket('Landing'),
    reports: bucket('Reports'),
    results: bucket('QueryResults'),
    logs: bucket('AccessLogs'),
    dlq: logicalId(template, 'AWS::SQS::Queue', (_r, id) => id.startsWith('IngestDeadLetters')),
    queue: logicalId(template, 'AWS::SQS::Queue', (_r, id) => id.startsWith('IngestDeliveries')),
    stateMachine: logicalId(template, 'AWS::StepFunctions::StateMachine', () => true),
  };
}, 120_000);
afterAll(() => cleanup?.());

describe('storage', () => {
  it('has five buckets, all encrypted, private, TLS-only and logged (except the log bucket itself)', () => {
    const buckets = template.findResources('AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(5);
    for (const [id, bucket] of Object.entries(buckets) as [string, any][]) {
      expect(bucket.Properties.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault.SSEAlgorithm, id).toBe('AES256');
      expect(bucket.Properties.PublicAccessBlockConfiguration, id).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
      if (id !== names.logs) expect(bucket.Properties.LoggingConfiguration.DestinationBucketName, id).toEqual({ Ref: names.logs });
    }
    const policies = Object.values(template.findResources('AWS::S3::BucketPolicy')) as any[];
    for (const id of Object.keys(buckets)) {
      const policy = policies.find((p) => p.Properties.Bucket.Ref === id);
      expect(policy, `${id} has a bucket policy`).toBeDefined();
      const denyPlainHttp = policy.Properties.PolicyDocument.Statement.find((s: any) => s.Effect === 'Deny' && json(s.Condition).includes('aws:SecureTransport'));
      expect(denyPlainHttp, `${id} denies requests without TLS`).toBeDefined();
    }
  });

  it('versions the buckets where data lives, and moves raw originals to cheaper storage', () => {
    const buckets = template.findResources('AWS::S3::Bucket') as Record<string, any>;
    expect(buckets[names.lake].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(buckets[names.landing].Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(buckets[names.reports].Properties.VersioningConfiguration).toBeUndefined();
    const raw = buckets[names.lake].Properties.LifecycleConfiguration.Rules.find((r: any) => r.Prefix === 'raw/');
    expect(raw.Transitions).toEqual([
      { StorageClass: 'STANDARD_IA', TransitionInDays: 30 },
      { StorageClass: 'GLACIER_IR', TransitionInDays: 180 },
    ]);
    expect(buckets[names.results].Properties.LifecycleConfiguration.Rules[0].ExpirationInDays).toBe(7);
    expect(buckets[names.landing].Properties.LifecycleConfiguration.Rules.find((r: any) => r.Id === 'expire-delivered').ExpirationInDays).toBe(30);
    expect(buckets[names.lake].UpdateReplacePolicy).toBe('Retain');
    expect(buckets[names.lake].DeletionPolicy).toBe('Retain');
  });
});

describe('ingest', () => {
  it('sends every object created in the landing bucket to a queue with a dead-letter queue', () => {
    template.hasResourceProperties('Custom::S3BucketNotifications', {
      BucketName: { Ref: names.landing },
      NotificationConfiguration: { QueueConfigurations: [{ Events: ['s3:ObjectCreated:*'], QueueArn: { 'Fn::GetAtt': [names.queue, 'Arn'] } }] },
    });
    template.hasResourceProperties('AWS::SQS::Queue', {
      RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [names.dlq, 'Arn'] }, maxReceiveCount: 10 },
      VisibilityTimeout: 5400,
      SqsManagedSseEnabled: true,
    });
  });

  it('runs one ingest at a time on ARM64, one message per invocation, failures reported per message', () => {
    const fn = functionByHandler(template, 'ingest');
    expect(fn.Properties).toMatchObject({ Architectures: ['arm64'], ReservedConcurrentExecutions: 1, Timeout: 900, MemorySize: 3008, EphemeralStorage: { Size: 10240 } });
    expect(fn.Properties.Environment.Variables.LAKE_URI).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: names.lake }]] });
    expect(fn.Properties.Environment.Variables.CRMLAKE_DROP_CACHE).toBe('true');
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [names.queue, 'Arn'] },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });

  it('lets ingest write only the zones it owns', () => {
    const statements = roleStatements(template, functionByHandler(template, 'ingest'));
    const writes = statements.filter((s) => asList(s.Action).includes('s3:PutObject'));
    expect(writes).toHaveLength(1);
    const prefixes = asList(writes[0].Resource).map((r: any) => r['Fn::Join'][1][1]);
    expect(prefixes.sort()).toEqual(['/_lock.json', '/_manifests/*', '/_runs/*', '/curated/*', '/quarantine/*', '/raw/*']);
  });
});

describe('collector', () => {
  it('is an HTTPS API with POST /events, throttled, logged, into the collector function', () => {
    template.hasResourceProperties('AWS::ApiGatewayV2::Api', { ProtocolType: 'HTTP' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'POST /events' });
    template.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: Match.objectLike({ DestinationArn: Match.anyValue() }),
    });
    const fn = functionByHandler(template, 'collector');
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(20);
  });

  it('reads its signing secret from Secrets Manager, never from an environment variable', () => {
    const fn = functionByHandler(template, 'collector');
    const env = fn.Properties.Environment.Variables;
    expect(env.COLLECTOR_SECRET).toBeUndefined();
    const secretId = logicalId(template, 'AWS::SecretsManager::Secret', () => true);
    expect(env.COLLECTOR_SECRET_ARN).toEqual({ Ref: secretId });
    const statements = roleStatements(template, fn);
    expect(statements.find((s) => s.Action === 'secretsmanager:GetSecretValue').Resource).toEqual({ Ref: secretId });
    const put = statements.find((s) => s.Action === 's3:PutObject');
    expect(json(put.Resource)).toContain('/web/collector/*');
  });

  it('is also served through CloudFront at /events: no login function, nothing cached, POST allowed, HTTPS to the API', () => {
    const dist = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as any;
    const config = dist.Properties.DistributionConfig;
    const behavior = config.CacheBehaviors.find((b: any) => b.PathPattern === '/events');
    expect(behavior.FunctionAssociations).toBeUndefined();
    expect(behavior.AllowedMethods).toContain('POST');
    expect(behavior.ViewerProtocolPolicy).toBe('https-only');
    expect(behavior.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad'); // Managed-CachingDisabled
    const origin = config.Origins.find((o: any) => o.Id === behavior.TargetOriginId);
    expect(origin.CustomOriginConfig).toMatchObject({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] });
    expect(JSON.stringify(origin.DomainName)).toContain('ApiEndpoint');
  });
});

describe('catalog', () => {
  it('declares the two databases and a curated and a quarantine table per source (the feeds, the audience exports), no crawler', () => {
    const databases = Object.values(template.findResources('AWS::Glue::Database')).map((d: any) => d.Properties.DatabaseInput.Name);
    expect(databases.sort()).toEqual(['crmlake_curated', 'crmlake_warehouse']);
    const tables = Object.values(template.findResources('AWS::Glue::Table')).map((t: any) => t.Properties.TableInput.Name);
    const sources = warehouseSources();
    expect(sources.length).toBeGreaterThan(Object.keys(FEEDS).length);
    expect(tables.sort()).toEqual([...sources.map((s) => s.table), ...sources.map((s) => `quarantine_${s.feed.replace(/-/g, '_')}`)].sort());
    template.resourceCountIs('AWS::Glue::Crawler', 0);
  });

  it('generates pos_lines from the feed schema, with partition projection over the symlink manifests of the committed dt= files', () => {
    const pos = Object.values(template.findResources('AWS::Glue::Table')).find((t: any) => t.Properties.TableInput.Name === 'pos_lines') as any;
    const input = pos.Properties.TableInput;
    expect(input.StorageDescriptor.Columns.map((c: any) => c.Name)).toEqual([...POS_COLUMNS, ...LINEAGE_COLUMNS].map((c) => c.name));
    expect(input.StorageDescriptor.Columns.find((c: any) => c.Name === 'quantity').Type).toBe('decimal(18,3)');
    expect(input.PartitionKeys).toEqual([{ Name: 'dt', Type: 'string', Comment: Match.anyValue() }].map((k) => ({ ...k, Comment: input.PartitionKeys[0].Comment })));
    expect(input.Parameters).toMatchObject({ 'projection.enabled': 'true', 'projection.dt.type': 'date', 'projection.dt.format': 'yyyy-MM-dd' });
    expect(input.Parameters['storage.location.template']).toEqual({ 'Fn::Join': ['', ['s3://', { Ref: names.lake }, '/athena/symlinks/pos_lines/dt=${dt}/']] });
    expect(input.StorageDescriptor.SerdeInfo.SerializationLibrary).toContain('ParquetHiveSerDe');
    expect(input.StorageDescriptor.InputFormat).toBe('org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat');
  });
});

describe('warehouse', () => {
  it('has a build workgroup that does not enforce its output (CTAS external_location) and an analysts workgroup with a scan limit and encrypted results', () => {
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'crmlake-build',
      WorkGroupConfiguration: Match.objectLike({ EnforceWorkGroupConfiguration: false, BytesScannedCutoffPerQuery: 100 * 1024 ** 3 }),
    });
    template.hasResourceProperties('AWS::Athena::WorkGroup', {
      Name: 'crmlake-analysts',
      WorkGroupConfiguration: Match.objectLike({
        EnforceWorkGroupConfiguration: true,
        BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
        ResultConfiguration: { OutputLocation: { 'Fn::Join': ['', ['s3://', { Ref: names.results }, '/analysts/']] }, EncryptionConfiguration: { EncryptionOption: 'SSE_S3' } },
      }),
    });
  });

  it('gives analysts read-only access: their workgroup, the catalog, the readable zones (not raw/)', () => {
    const policy = Object.values(template.findResources('AWS::IAM::ManagedPolicy'))[0] as any;
    const statements = policy.Properties.PolicyDocument.Statement as any[];
    const actions = statements.flatMap((s) => asList(s.Action));
    expect(actions.filter((a) => /^glue:(Create|Update|Delete)/.test(a))).toEqual([]);
    const lakeObjects = statements.find((s) => s.Sid === 'ReadLakeZones');
    expect(lakeObjects.Action).toBe('s3:GetObject');
    expect(json(lakeObjects.Resource)).not.toContain('/raw/');
    expect(json(statements.find((s) => s.Sid === 'QueryInAnalystWorkgroup').Resource)).toContain('workgroup/crmlake-analysts');
  });
});

describe('refresh', () => {
  const definition = () => {
    const sm = template.findResources('AWS::StepFunctions::StateMachine')[names.stateMachine] as any;
    const parts = sm.Properties.DefinitionString['Fn::Join'][1] as unknown[];
    return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : 'TOKEN')).join('')) as { StartAt: string; States: Record<string, any> };
  };

  it('runs build → test → report → publish, each failure to one notification and a failed execution', () => {
    const { StartAt, States } = definition();
    expect(StartAt).toBe('Build');
    expect(REFRESH_STEPS.map((s) => States[s].Next ?? States[s].End)).toEqual(['Test', 'Report', 'Publish', 'Report published']);
    for (const step of REFRESH_STEPS) {
      expect(States[step].Type).toBe('Task');
      expect(States[step].Catch).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.failure', Next: 'Notify failure' }]);
      expect(States[step].Parameters).toEqual({ 'runId.$': '$$.Execution.Name', 'request.$': '$$.Execution.Input' });
    }
    expect(States['Notify failure'].Resource).toContain('sns:publish');
    expect(States['Notify failure'].Next).toBe('Refresh failed');
    expect(States['Refresh failed'].Type).toBe('Fail');
    expect(States['Report published'].Type).toBe('Succeed');
  });

  it('lets the state machine publish its failure to the encrypted alerts topic (SNS needs the key too)', () => {
    const smRole = (template.findResources('AWS::StepFunctions::StateMachine')[names.stateMachine] as any).Properties.RoleArn['Fn::GetAtt'][0];
    const statements = (Object.values(template.findResources('AWS::IAM::Policy')) as any[])
      .filter((p) => p.Properties.Roles.some((r: any) => r.Ref === smRole))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const key = logicalId(template, 'AWS::KMS::Key', () => true);
    const topic = logicalId(template, 'AWS::SNS::Topic', () => true);
    expect(statements.find((s: any) => s.Action === 'sns:Publish').Resource).toEqual({ Ref: topic });
    const kms = statements.find((s: any) => json(s.Resource) === json({ 'Fn::GetAtt': [key, 'Arn'] }));
    expect(asList(kms.Action).sort()).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
  });

  it('is started by EventBridge Scheduler on a cron in a time zone', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Etc/UTC',
      State: 'ENABLED',
      Target: Match.objectLike({ Arn: { Ref: names.stateMachine }, RetryPolicy: Match.objectLike({ MaximumRetryAttempts: 3 }) }),
    });
  });

  it('takes the schedule, its time zone and scale limits from context', () => {
    const node = {
      tryGetContext: (key: string) =>
        ({ 'crmlake:schedule': 'cron(30 5 ? * MON-FRI *)', 'crmlake:scheduleTimeZone': 'Europe/Berlin', 'crmlake:scheduleEnabled': 'false', 'crmlake:analystScanLimitGb': '2' })[key],
    };
    const config = configFromContext(node);
    const other = synthStack(config);
    try {
      other.template.hasResourceProperties('AWS::Scheduler::Schedule', { ScheduleExpression: 'cron(30 5 ? * MON-FRI *)', ScheduleExpressionTimezone: 'Europe/Berlin', State: 'DISABLED' });
      other.template.hasResourceProperties('AWS::Athena::WorkGroup', { Name: 'crmlake-analysts', WorkGroupConfiguration: Match.objectLike({ BytesScannedCutoffPerQuery: 2 * 1024 ** 3 }) });
    } finally {
      other.cleanup();
    }
  }, 120_000);

  it('refuses parameters that would deploy something else than asked', () => {
    const context = (values: Record<string, string>) => ({ tryGetContext: (key: string) => values[key] });
    expect(() => configFromContext(context({ 'crmlake:schedule': '0 6 * * *' }))).toThrow(/crmlake:schedule/);
    expect(() => configFromContext(context({ 'crmlake:logRetentionDays': '10' }))).toThrow(/crmlake:logRetentionDays/);
    expect(() => configFromContext(context({ 'crmlake:alarmEmail': 'ops' }))).toThrow(/crmlake:alarmEmail/);
    expect(() => configFromContext(context({ 'crmlake:retainData': 'yes' }))).toThrow(/crmlake:retainData/);
    expect(configFromContext(context({})).schedule).toBe(DEFAULT_CONFIG.schedule);
  });

  it('configures the engine steps for Athena and the publish step for the site', () => {
    for (const handler of ['build', 'test', 'report']) {
      const env = functionByHandler(template, handler).Properties.Environment.Variables;
      expect(env).toMatchObject({
        CRMLAKE_ENGINE: 'athena',
        CRMLAKE_ATHENA_WORKGROUP: 'crmlake-build',
        CRMLAKE_ATHENA_DATABASE: 'crmlake_warehouse',
        CRMLAKE_ATHENA_SOURCE_DATABASE: 'crmlake_curated',
        CRMLAKE_MAX_SCAN_GB: '100',
      });
      expect(functionByHandler(template, handler).Properties.Architectures).toEqual(['arm64']);
    }
    const publish = functionByHandler(template, 'publish').Properties.Environment.Variables;
    expect(publish).toMatchObject({ REPORTS_BUCKET: { Ref: names.reports }, SITE_PREFIX: 'site', STAGING_PREFIX: 'staging', DISTRIBUTION_ID: { Ref: expect.stringMatching(/^ReportsDistribution/) } });
  });

  it('lets only the build write the warehouse catalog and files; test and report only read', () => {
    const writesGlue = (handler: string) => roleStatements(template, functionByHandler(template, handler)).filter((s) => asList(s.Action).some((a: string) => /^glue:(Create|Update|Delete)/.test(a)));
    const build = writesGlue('build');
    expect(build).toHaveLength(1);
    // The Athena engine puts the source tables (over symlink manifests) and the model tables.
    expect(json(build[0].Resource)).toContain('table/crmlake_warehouse/*');
    expect(json(build[0].Resource)).toContain('table/crmlake_curated/*');
    expect(writesGlue('test')).toEqual([]);
    expect(writesGlue('report')).toEqual([]);
    const lakeWrites = (handler: string) =>
      roleStatements(template, functionByHandler(template, handler))
        .filter((s) => asList(s.Action).includes('s3:PutObject'))
        .flatMap((s) => asList(s.Resource))
        .map((r: any) => json(r));
    expect(lakeWrites('build').filter((r) => r.includes(names.lake)).map((r) => JSON.parse(r)['Fn::Join'][1][1]).sort()).toEqual(['/_lock.json', '/_runs/*', '/athena/*']);
    expect(lakeWrites('report').every((r) => r.includes(names.reports) && r.includes('/staging/*') || r.includes(names.results))).toBe(true);
    const invalidate = roleStatements(template, functionByHandler(template, 'publish')).find((s) => s.Action === 'cloudfront:CreateInvalidation');
    expect(json(invalidate.Resource)).toContain(':distribution/');
  });
});

describe('reports site', () => {
  it('serves the private bucket through CloudFront with origin access control, HTTPS, security headers and the viewer-request function', () => {
    const dist = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as any;
    const config = dist.Properties.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.Origins[0].OriginPath).toBe('/site');
    expect(config.Origins[0].OriginAccessControlId).toBeDefined();
    expect(config.Origins[0].S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
    expect(config.DefaultCacheBehavior.FunctionAssociations[0].EventType).toBe('viewer-request');
    expect(config.Logging.Bucket).toBeDefined();
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', { OriginAccessControlConfig: Match.objectLike({ SigningBehavior: 'always', OriginAccessControlOriginType: 's3' }) });
    template.hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        SecurityHeadersConfig: Match.objectLike({
          StrictTransportSecurity: Match.objectLike({ AccessControlMaxAgeSec: 31536000 }),
          FrameOptions: { FrameOption: 'DENY', Override: true },
          ContentSecurityPolicy: Match.objectLike({ ContentSecurityPolicy: Match.stringLikeRegexp("default-src 'self'") }),
        }),
      }),
    });
  });

  it('lets only this distribution read the bucket; its origin path keeps staged reports out of reach', () => {
    const policy = (Object.values(template.findResources('AWS::S3::BucketPolicy')) as any[]).find((p) => p.Properties.Bucket.Ref === names.reports);
    const allow = policy.Properties.PolicyDocument.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allow).toHaveLength(1);
    expect(allow[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(allow[0].Action).toBe('s3:GetObject');
    expect(allow[0].Resource).toEqual({ 'Fn::Join': ['', [{ 'Fn::GetAtt': [names.reports, 'Arn'] }, '/*']] });
    // Every viewer path is appended to /site: no URL reaches staging/<run>/.
    const dist = Object.values(template.findResources('AWS::CloudFront::Distribution'))[0] as any;
    const s3Origins = dist.Properties.DistributionConfig.Origins.filter((o: any) => o.S3OriginConfig);
    expect(s3Origins.map((o: any) => o.OriginPath)).toEqual(['/site']);
    // The only other path is the collector's, to the API, not the bucket.
    expect(dist.Properties.DistributionConfig.CacheBehaviors.map((b: any) => b.PathPattern)).toEqual(['/events']);
    expect(json(allow[0].Condition)).toContain('AWS:SourceArn');
  });

  it('authenticates against a KeyValueStore the function is associated with', () => {
    const kvs = logicalId(template, 'AWS::CloudFront::KeyValueStore', () => true);
    const fn = Object.values(template.findResources('AWS::CloudFront::Function'))[0] as any;
    expect(fn.Properties.FunctionConfig.Runtime).toBe('cloudfront-js-2.0');
    expect(fn.Properties.FunctionConfig.KeyValueStoreAssociations).toEqual([{ KeyValueStoreARN: { 'Fn::GetAtt': [kvs, 'Arn'] } }]);
    expect(json(fn.Properties.FunctionCode)).toContain(`"Fn::GetAtt":["${kvs}","Id"]`);
    expect(json(fn.Properties.FunctionCode)).not.toContain('__KVS_ID__');
  });
});

describe('monitoring', () => {
  it('alarms on the dead-letter queue, every function, the collector API, failed and late refreshes, to an encrypted topic with the e-mail', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com' });
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm')) as any[];
    expect(alarms).toHaveLength(1 + 1 + 6 + 1 + 2);
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    const dlq = alarms.find((a) => a.Properties.MetricName === 'ApproximateNumberOfMessagesVisible');
    expect(dlq.Properties.Dimensions).toEqual([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [names.dlq, 'QueueName'] } }]);
    const ingestFailed = alarms.find((a) => a.Properties.MetricName === 'deliveriesFailed');
    expect(ingestFailed.Properties).toMatchObject({ Namespace: 'crmlake', Dimensions: [{ Name: 'service', Value: 'crmlake-ingest' }], Threshold: 1 });
    const late = alarms.find((a) => a.Properties.MetricName === 'ExecutionsSucceeded');
    expect(late.Properties).toMatchObject({ Period: 3600, EvaluationPeriods: 26, DatapointsToAlarm: 26, Threshold: 1, ComparisonOperator: 'LessThanThreshold', TreatMissingData: 'breaching' });
    const failed = alarms.find((a) => json(a.Properties.Metrics ?? []).includes('ExecutionsFailed'));
    expect(json(failed.Properties.Metrics)).toContain('ExecutionsTimedOut');
  });
});

describe('IAM least privilege', () => {
  /**
   * Where AWS has no resource-level permissions, Resource "*" is the only choice: X-Ray trace
   * writes and CloudWatch Logs vended-log delivery (the state machine's execution log), and the
   * landing bucket notification set by CDK's own custom resource at deploy.
   */
  const STAR_RESOURCE_ALLOWED = new Set([
    'xray:PutTraceSegments',
    'xray:PutTelemetryRecords',
    'xray:GetSamplingRules',
    'xray:GetSamplingTargets',
    'logs:CreateLogDelivery',
    'logs:GetLogDelivery',
    'logs:UpdateLogDelivery',
    'logs:DeleteLogDelivery',
    'logs:ListLogDeliveries',
    'logs:PutResourcePolicy',
    'logs:DescribeResourcePolicies',
    'logs:DescribeLogGroups',
    's3:PutBucketNotification',
  ]);

  it('has no wildcard action anywhere', () => {
    for (const { policy, statement } of iamStatements(template)) {
      for (const action of asList(statement.Action)) expect(action, `${policy} ${statement.Sid ?? ''}`).not.toMatch(/\*$/);
    }
  });

  it('uses Resource "*" only for actions AWS cannot scope', () => {
    const starred = iamStatements(template).filter(({ statement }) => asList(statement.Resource).includes('*'));
    expect(starred.length).toBeGreaterThan(0);
    for (const { policy, statement } of starred) {
      for (const action of asList(statement.Action)) expect(STAR_RESOURCE_ALLOWED.has(action), `${policy}: ${action} on *`).toBe(true);
    }
  });

  it('has no managed AWS policy on crmlake roles (each function writes only its own log group)', () => {
    const roles = template.findResources('AWS::IAM::Role') as Record<string, any>;
    const withManaged = Object.entries(roles).filter(([, r]) => r.Properties.ManagedPolicyArns?.length).map(([id]) => id);
    // The only one is CDK's BucketNotificationsHandler (acknowledged in cdk/lib/nag.ts).
    expect(withManaged.every((id) => id.startsWith('BucketNotificationsHandler'))).toBe(true);
  });
});
