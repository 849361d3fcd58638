import { Stack } from 'aws-cdk-lib';
import * as athena from 'aws-cdk-lib/aws-athena';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { Catalog } from './catalog.js';
import { resourceNames, type CrmlakeConfig } from './config.js';
import { ATHENA_PREFIX, ATHENA_QUERY_ACTIONS, GLUE_READ_ACTIONS, glueArns, lakeReadStatements, queryResultsStatements, workgroupArn } from './policies.js';
import type { Storage } from './storage.js';

const GIB = 1024 ** 3;

/**
 * Athena: two workgroups over the Glue catalog.
 *  - build: what the scheduled refresh runs in. Results under results/build/, SSE-S3. Not
 *    enforcing its settings, because an enforced output location conflicts with a CTAS's
 *    `external_location` (*measured* pitfall, DESIGN.md). A per-statement cutoff of the build's
 *    scan budget stops one runaway statement; the whole build is budgeted by CRMLAKE_MAX_SCAN_GB.
 *  - analysts: ad hoc SQL on the marts by name (`SELECT * FROM crmlake_warehouse.mart_rfm`) in
 *    the console or any JDBC/ODBC driver. Settings enforced (clients cannot turn off encryption
 *    or the cutoff), results encrypted and expiring, each query cancelled above the scan limit.
 * The analysts' managed policy gives a user or role exactly that: attach it to your analysts.
 */
export class Warehouse extends Construct {
  readonly buildWorkgroup: athena.CfnWorkGroup;
  readonly analystWorkgroup: athena.CfnWorkGroup;
  readonly analystPolicy: iam.ManagedPolicy;
  readonly buildOutput: string;

  constructor(scope: Construct, id: string, props: { config: CrmlakeConfig; storage: Storage; catalog: Catalog }) {
    super(scope, id);
    const { config, storage, catalog } = props;
    const names = resourceNames(config);
    this.buildOutput = `s3://${storage.queryResults.bucketName}/build/`;
    this.buildWorkgroup = new athena.CfnWorkGroup(this, 'BuildWorkgroup', {
      name: names.buildWorkgroup,
      description: 'crmlake scheduled refresh: model builds, tests and report queries',
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: false,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: Math.round(config.buildMaxScanGb * GIB),
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: { outputLocation: this.buildOutput, encryptionConfiguration: { encryptionOption: 'SSE_S3' } },
      },
    });
    this.analystWorkgroup = new athena.CfnWorkGroup(this, 'AnalystWorkgroup', {
      name: names.analystWorkgroup,
      description: `crmlake analysts: ad hoc SQL on the marts, at most ${config.analystScanLimitGb} GiB scanned per query`,
      state: 'ENABLED',
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: Math.max(10 * 1024 ** 2, Math.round(config.analystScanLimitGb * GIB)),
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${storage.queryResults.bucketName}/analysts/`,
          encryptionConfiguration: { encryptionOption: 'SSE_S3' },
        },
      },
    });

    const stack = Stack.of(this);
    this.analystPolicy = new iam.ManagedPolicy(this, 'AnalystPolicy', {
      description: 'crmlake analysts: query the curated tables and marts in the analysts workgroup (read-only)',
      statements: [
        new iam.PolicyStatement({ sid: 'QueryInAnalystWorkgroup', actions: [...ATHENA_QUERY_ACTIONS, 'athena:ListQueryExecutions', 'athena:BatchGetQueryExecution'], resources: [workgroupArn(stack, names.analystWorkgroup)] }),
        new iam.PolicyStatement({ sid: 'ReadCatalog', actions: GLUE_READ_ACTIONS, resources: glueArns(stack, [catalog.curatedDatabase, catalog.warehouseDatabase]) }),
        // Analysts read the zones the marts, curated tables and their symlink manifests live in, never raw/ (originals with personal data).
        new iam.PolicyStatement({ sid: 'ListLake', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [storage.lake.bucketArn] }),
        new iam.PolicyStatement({ sid: 'ReadLakeZones', actions: ['s3:GetObject'], resources: ['curated/*', 'quarantine/*', `${ATHENA_PREFIX}/*`].map((p) => storage.lake.arnForObjects(p)) }),
        ...queryResultsStatements(storage.queryResults, 'analysts'),
      ],
    });
  }

  /** What the build, test and report steps share: query in the build workgroup, read the lake and catalog. */
  grantQuery(role: iam.IRole, props: { storage: Storage; catalog: Catalog }): void {
    const stack = Stack.of(this);
    const statements = [
      new iam.PolicyStatement({ sid: 'QueryInBuildWorkgroup', actions: ATHENA_QUERY_ACTIONS, resources: [workgroupArn(stack, this.buildWorkgroup.name)] }),
      new iam.PolicyStatement({ sid: 'ReadCatalog', actions: GLUE_READ_ACTIONS, resources: glueArns(stack, [props.catalog.curatedDatabase, props.catalog.warehouseDatabase]) }),
      ...lakeReadStatements(props.storage.lake),
      ...queryResultsStatements(props.storage.queryResults, 'build'),
    ];
    for (const statement of statements) role.addToPrincipalPolicy(statement);
  }
}
