import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { Catalog } from './catalog.js';
import { COLLECTOR_ROUTE, Collector } from './collector.js';
import type { CrmlakeConfig } from './config.js';
import { Ingest } from './ingest.js';
import { Monitoring } from './monitoring.js';
import { acknowledgeFindings } from './nag.js';
import { Refresh } from './refresh.js';
import { ReportsSite } from './reports.js';
import { Storage } from './storage.js';
import { Warehouse } from './warehouse.js';

export interface CrmlakeStackProps extends StackProps {
  config: CrmlakeConfig;
}

/**
 * The whole serverless warehouse in one stack, one construct per concern (as
 * rehanvdm/serverless-website-analytics wires one function per concern): storage → ingest and
 * collector (data in) → catalog and warehouse (SQL over it) → reports site → the scheduled
 * refresh tying them together → monitoring watching all of it. No VPC, so no NAT gateway.
 */
export class CrmlakeStack extends Stack {
  readonly storage: Storage;
  readonly ingest: Ingest;
  readonly collector: Collector;
  readonly catalog: Catalog;
  readonly warehouse: Warehouse;
  readonly site: ReportsSite;
  readonly refresh: Refresh;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: CrmlakeStackProps) {
    super(scope, id, { description: 'crmlake: serverless CRM warehouse (ingest, Glue/Athena models, scheduled static reports)', ...props });
    const { config } = props;
    this.storage = new Storage(this, 'Storage', config);
    this.monitoring = new Monitoring(this, 'Monitoring', config);
    this.ingest = new Ingest(this, 'Ingest', { config, storage: this.storage });
    this.collector = new Collector(this, 'Collector', { config, storage: this.storage });
    this.catalog = new Catalog(this, 'Catalog', { config, storage: this.storage });
    this.warehouse = new Warehouse(this, 'Warehouse', { config, storage: this.storage, catalog: this.catalog });
    this.site = new ReportsSite(this, 'Reports', { storage: this.storage });
    this.site.addCollector(this.collector.api, COLLECTOR_ROUTE);
    this.refresh = new Refresh(this, 'Refresh', { config, storage: this.storage, catalog: this.catalog, warehouse: this.warehouse, site: this.site, alerts: this.monitoring.topic });

    // The failure notification is published by the state machine's role.
    this.monitoring.grantKeyToPublisher(this.refresh.stateMachine);
    this.monitoring.watchDeadLetters('IngestDeadLetters', this.ingest.deadLetters, 'Ingest');
    this.monitoring.watchFunction('IngestErrors', this.ingest.handler, 'The ingest function');
    this.monitoring.watchIngestFailures('IngestDeliveriesFailed');
    this.monitoring.watchFunction('CollectorErrors', this.collector.handler, 'The collector function');
    this.monitoring.watchApi('CollectorServerErrors', this.collector.api);
    for (const [name, fn] of Object.entries(this.refresh.steps)) this.monitoring.watchFunction(`Refresh${name}Errors`, fn, `The refresh ${name.toLowerCase()} step`);
    this.monitoring.watchRefresh(this.refresh.stateMachine);

    const output = (id: string, value: string, description: string) => new CfnOutput(this, id, { value, description });
    output('LandingBucket', this.storage.landing.bucketName, 'Drop deliveries here: <feed>/<mapping>/<source>/<file>');
    output('LakeBucket', this.storage.lake.bucketName, 'The lake (raw, curated, quarantine, warehouse)');
    output('ReportsUrl', this.site.url, 'The report site (log in with a user of ReportsUsersStoreArn)');
    output('ReportsUsersStoreArn', this.site.users.keyValueStoreArn, 'KeyValueStore of report readers (see README "Deploy to AWS")');
    output('CollectorUrl', `${this.site.url.replace(/\/$/, '')}${COLLECTOR_ROUTE}`, 'POST signed web-event batches here (through CloudFront)');
    output('CollectorApiUrl', this.collector.url, 'The same collector without CloudFront');
    output('CollectorSecretArn', this.collector.secret.secretArn, 'Signing secret the web shop shares');
    output('RefreshStateMachineArn', this.refresh.stateMachine.stateMachineArn, 'Start a refresh on demand (aws stepfunctions start-execution)');
    output('AnalystWorkgroup', this.warehouse.analystWorkgroup.name, 'Athena workgroup for ad hoc SQL');
    output('AnalystPolicyArn', this.warehouse.analystPolicy.managedPolicyArn, 'Attach to analysts (query the marts read-only)');
    output('AlertsTopicArn', this.monitoring.topic.topicArn, 'Alarms and failed refreshes');

    acknowledgeFindings(this);
  }
}
