import { Token, Validations, type CfnElement, type Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { Catalog } from './catalog.js';
import type { Collector } from './collector.js';
import type { Ingest } from './ingest.js';
import type { Refresh } from './refresh.js';
import type { ReportsSite } from './reports.js';
import type { Storage } from './storage.js';
import type { Warehouse } from './warehouse.js';

/** The parts of the stack whose findings are acknowledged (the stack passes itself; no import of it here). */
interface StackParts extends Stack {
  readonly storage: Storage;
  readonly ingest: Ingest;
  readonly collector: Collector;
  readonly catalog: Catalog;
  readonly warehouse: Warehouse;
  readonly site: ReportsSite;
  readonly refresh: Refresh;
}

/**
 * Every cdk-nag AwsSolutions finding the stack accepts, each with its reason. A finding not
 * listed here fails `npm run synth` and cdk/test/nag.test.ts. Acknowledgements are per finding
 * (cdk-nag 3 has no prefix matching), so wildcard findings are spelled out resource by resource:
 * each is a key prefix of one bucket or "the tables of one database", never a bare `*`, except
 * the two places AWS has no resource-level permissions (X-Ray and CloudWatch Logs delivery).
 */
const ack = (scope: IConstruct, rule: string, reason: string) => Validations.of(scope).acknowledge({ id: `AwsSolutions::${rule}`, reason });

export function acknowledgeFindings(stack: StackParts): void {
  const arn = (resource: IConstruct) => `<${(stack as Stack).getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
  const { storage, ingest, collector, warehouse, refresh, site } = stack;
  const lake = arn(storage.lake);
  const landing = arn(storage.landing);
  const results = arn(storage.queryResults);
  const reports = arn(storage.reports);
  // cdk-nag prints unresolved pseudo parameters as <AWS::Region>, a stack with an env its values.
  const region = Token.isUnresolved(stack.region) ? '<AWS::Region>' : stack.region;
  const account = Token.isUnresolved(stack.account) ? '<AWS::AccountId>' : stack.account;
  const tables = (db: string) => `arn:<AWS::Partition>:glue:${region}:${account}:table/${db}/*`;
  const wildcards = (scope: IConstruct, reason: string, resources: string[]) => {
    for (const resource of resources) ack(scope, `AwsSolutions-IAM5[Resource::${resource}]`, reason);
  };

  // Lambda runtime: see cdk/lib/function.ts (RUNTIME).
  for (const fn of [ingest.handler, collector.handler, ...Object.values(refresh.steps)]) {
    ack(fn.function, 'AwsSolutions-L1', 'Node.js 24 LTS (supported until April 2028); Node.js 26, the newest the library knows, is not offered by Lambda in every region yet. Raise RUNTIME in cdk/lib/function.ts when it is.');
  }

  wildcards(ingest.handler.role, 'Ingest reads any delivered object of the landing bucket (deliveries arrive under <feed>/<mapping>/<source>/ folders that are data, not configuration) and any lake object (manifests, existing originals), and writes only under the zone prefixes it owns: raw/, curated/, quarantine/, _manifests/, _runs/.', [
    `${landing}/*`,
    `${lake}/*`,
    `${lake}/raw/*`,
    `${lake}/curated/*`,
    `${lake}/quarantine/*`,
    `${lake}/_manifests/*`,
    `${lake}/_runs/*`,
  ]);
  wildcards(collector.handler.role, 'The collector writes batch objects under web/collector/ of the landing bucket only; their keys carry the day, hour and batch id.', [`${landing}/web/collector/*`]);

  const engineReason =
    'The refresh steps query through Athena, which reads the lake objects with the caller\'s rights (every curated, quarantine and warehouse file, object by object), writes query results under build/ of the results bucket, and reads the Glue tables of the two crmlake databases (their tables are created by builds, so they cannot be named in advance).';
  for (const name of ['Build', 'Test', 'Report'] as const) {
    wildcards(refresh.steps[name].role, engineReason, [`${lake}/*`, `${results}/build/*`, tables(stack.catalog.curatedDatabase), tables(stack.catalog.warehouseDatabase)]);
  }
  wildcards(refresh.steps.Build.role, 'The build writes only the Athena engine\'s zone athena/ (model tables, symlink manifests, program rows; keys named by model, day and run) and its run record under _runs/, nothing else of the lake.', [`${lake}/athena/*`, `${lake}/_runs/*`]);
  wildcards(refresh.steps.Test.role, 'The test step writes its run record under _runs/ only.', [`${lake}/_runs/*`]);
  wildcards(refresh.steps.Report.role, 'The report step uploads the site it built under staging/<run>/ of the reports bucket, which CloudFront does not serve.', [`${reports}/${site.stagingPrefix}/*`]);
  wildcards(refresh.steps.Publish.role, 'Publish reads and removes the staged site and replaces the files of the live site; both are prefixes of the reports bucket whose file names are the site\'s pages and assets.', [
    `${reports}/${site.stagingPrefix}/*`,
    `${reports}/${site.sitePrefix}/*`,
  ]);

  wildcards(warehouse.analystPolicy, 'Analysts read the curated and quarantine zones and the Athena engine\'s zone (marts, symlink manifests) (never raw/, which holds originals with personal data), keep their query results under analysts/, and read the tables of the two crmlake databases.', [
    `${lake}/curated/*`,
    `${lake}/quarantine/*`,
    `${lake}/athena/*`,
    `${results}/analysts/*`,
    tables(stack.catalog.curatedDatabase),
    tables(stack.catalog.warehouseDatabase),
  ]);

  const stateMachineRole = refresh.stateMachine.role;
  wildcards(stateMachineRole, 'Step Functions invokes the step functions by ARN and by their versions and aliases (ARN:*), as the LambdaInvoke task grants it.', Object.values(refresh.steps).map((fn) => `${arn(fn.function)}:*`));
  ack(stateMachineRole, 'AwsSolutions-IAM5[Resource::*]', 'X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets) and CloudWatch Logs delivery for the execution log (logs:CreateLogDelivery and related) have no resource-level permissions: AWS requires Resource "*" for them.');

  // The BucketNotifications custom resource is CDK's own (it sets the landing bucket's event notification).
  const notificationsHandler = stack.node.children.find((c) => c.node.id.startsWith('BucketNotificationsHandler'));
  if (notificationsHandler) {
    ack(notificationsHandler, 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]', 'aws-cdk-lib\'s BucketNotificationsHandler (sets the landing bucket\'s S3 → SQS notification at deploy) ships with the basic execution role; it runs once per deploy and cannot be given another role.');
  }

  ack(collector.secret, 'AwsSolutions-SMG4', 'The signing secret is shared with the web shop, which must change its copy at the same moment: rotation is a planned operation (put a new value, update the shop), not an automatic Lambda rotation.');
  ack(collector.api, 'AwsSolutions-APIG4', 'The sender is the web shop\'s server, not an AWS principal or a user: every request is authenticated by its HMAC-SHA256 signature and timestamp (lambdas/collector.ts), and unsigned or stale requests are refused with 401.');

  ack(site.distribution, 'AwsSolutions-CFR1', 'Executives read the reports wherever they travel; access is controlled by login (the viewer-request function), not by country.');
  ack(site.distribution, 'AwsSolutions-CFR2', 'No WAF web ACL by default (at least $5/month plus requests, more than the site costs): every request must pass Basic authentication in the viewer-request function first. Add a web ACL with rate limiting when the site is exposed to heavy traffic.');
  ack(site.distribution, 'AwsSolutions-CFR4', 'The distribution uses the default *.cloudfront.net certificate, with which CloudFront cannot raise the minimum viewer TLS version (it allows TLSv1 for old clients); a custom domain with an ACM certificate (not wired in this stack yet) would allow TLSv1.2_2021. Viewers are browsers of executives, which negotiate TLS 1.2 or 1.3 anyway.');
}
