import { Stack } from 'aws-cdk-lib';
import * as glue from 'aws-cdk-lib/aws-glue';
import { Construct } from 'constructs';
import type { TableInput } from '@aws-sdk/client-glue';
import { glueSourceTables } from '../../src/app/catalog.js';
import type { CrmlakeConfig } from './config.js';
import { resourceNames } from './config.js';
import type { Storage } from './storage.js';

/** The Glue API's PascalCase TableInput as CloudFormation's camelCase (keys only; parameter maps kept as they are). */
export function toCfnTableInput(input: TableInput): glue.CfnTable.TableInputProperty {
  const sd = input.StorageDescriptor!;
  const column = (c: { Name?: string; Type?: string; Comment?: string }) => ({ name: c.Name!, type: c.Type, ...(c.Comment ? { comment: c.Comment } : {}) });
  return {
    name: input.Name,
    description: input.Description,
    tableType: input.TableType,
    parameters: input.Parameters,
    partitionKeys: (input.PartitionKeys ?? []).map(column),
    storageDescriptor: {
      columns: (sd.Columns ?? []).map(column),
      location: sd.Location,
      inputFormat: sd.InputFormat,
      outputFormat: sd.OutputFormat,
      serdeInfo: { serializationLibrary: sd.SerdeInfo?.SerializationLibrary, parameters: sd.SerdeInfo?.Parameters },
    },
  };
}

/**
 * The Glue catalog: the curated database (one curated table with partition projection and one
 * quarantine table per feed, the same definitions the Athena engine's catalog sync writes
 * (src/engine/athena/sources.ts, from the feeds' schemas; never by a
 * crawler) and the warehouse database, which the build fills with the models' tables and views
 * through the Athena engine.
 */
export class Catalog extends Construct {
  readonly curatedDatabase: string;
  readonly warehouseDatabase: string;
  readonly tables: glue.CfnTable[] = [];

  constructor(scope: Construct, id: string, props: { config: CrmlakeConfig; storage: Storage }) {
    super(scope, id);
    const names = resourceNames(props.config);
    const catalogId = Stack.of(this).account;
    this.curatedDatabase = names.curatedDatabase;
    this.warehouseDatabase = names.warehouseDatabase;
    const curated = new glue.CfnDatabase(this, 'CuratedDatabase', {
      catalogId,
      databaseInput: { name: names.curatedDatabase, description: 'crmlake curated feeds and quarantine (generated from src/feeds schemas)' },
    });
    new glue.CfnDatabase(this, 'WarehouseDatabase', {
      catalogId,
      databaseInput: {
        name: names.warehouseDatabase,
        description: 'crmlake models (staging, intermediate, marts), built by the scheduled refresh',
        locationUri: `s3://${props.storage.lake.bucketName}/athena/warehouse/`,
      },
    });
    for (const input of glueSourceTables(`s3://${props.storage.lake.bucketName}`)) {
      const table = new glue.CfnTable(this, `Table-${input.Name}`, { catalogId, databaseName: names.curatedDatabase, tableInput: toCfnTableInput(input) });
      table.node.addDependency(curated);
      this.tables.push(table);
    }
  }
}
