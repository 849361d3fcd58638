import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';

/**
 * IAM statements shared by the constructs, each scoped to the bucket prefixes, databases and
 * workgroups it touches. Wildcards appear only at the end of an ARN, as a key prefix (`raw/*`)
 * or "every table of this database" (`table/crmlake_curated/*`).
 */

/**
 * The Athena engine's zone of the lake (src/engine/athena/sources.ts ATHENA_LAYOUT on main:
 * athena/warehouse/ model tables, athena/symlinks/ manifests of committed files, athena/rows/,
 * athena/_catalog.json). Keep in step with the engine.
 */
export const ATHENA_PREFIX = 'athena';

/** List the lake and read every object (Athena reads the caller's objects with the caller's rights). */
export function lakeReadStatements(lake: s3.IBucket): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ListLake', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [lake.bucketArn] }),
    new iam.PolicyStatement({ sid: 'ReadLake', actions: ['s3:GetObject'], resources: [lake.arnForObjects('*')] }),
  ];
}

/** Write and delete objects under the given lake keys or prefixes (`athena/*`, `_lock.json`). */
export function lakeWriteStatement(lake: s3.IBucket, keys: string[], sid = 'WriteLake'): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['s3:PutObject', 's3:DeleteObject', 's3:AbortMultipartUpload'],
    resources: keys.map((key) => lake.arnForObjects(key)),
  });
}

/** Athena's own S3 access for query results under one prefix of the results bucket. */
export function queryResultsStatements(results: s3.IBucket, prefix: string): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'ListQueryResults', actions: ['s3:ListBucket', 's3:GetBucketLocation'], resources: [results.bucketArn] }),
    new iam.PolicyStatement({
      sid: 'QueryResults',
      actions: ['s3:GetObject', 's3:PutObject', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts'],
      resources: [results.arnForObjects(`${prefix}/*`)],
    }),
  ];
}

export const ATHENA_QUERY_ACTIONS = [
  'athena:StartQueryExecution',
  'athena:GetQueryExecution',
  'athena:GetQueryResults',
  'athena:StopQueryExecution',
  'athena:GetWorkGroup',
];

export function workgroupArn(scope: Stack, workgroup: string): string {
  return scope.formatArn({ service: 'athena', resource: 'workgroup', resourceName: workgroup });
}

/** Glue ARNs: the account's catalog (every Glue call names it), a database, its tables. */
export function glueArns(stack: Stack, databases: string[]): string[] {
  return [
    stack.formatArn({ service: 'glue', resource: 'catalog' }),
    ...databases.map((db) => stack.formatArn({ service: 'glue', resource: 'database', resourceName: db })),
    ...databases.map((db) => stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${db}/*` })),
  ];
}

export const GLUE_READ_ACTIONS = ['glue:GetDatabase', 'glue:GetDatabases', 'glue:GetTable', 'glue:GetTables', 'glue:GetPartition', 'glue:GetPartitions', 'glue:BatchGetPartition'];

export const GLUE_WRITE_ACTIONS = [
  'glue:CreateTable',
  'glue:UpdateTable',
  'glue:DeleteTable',
  'glue:BatchDeleteTable',
  'glue:GetTableVersions',
  'glue:DeleteTableVersion',
  'glue:BatchDeleteTableVersion',
  'glue:CreatePartition',
  'glue:BatchCreatePartition',
  'glue:UpdatePartition',
  'glue:DeletePartition',
  'glue:BatchDeletePartition',
];
