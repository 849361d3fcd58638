import {
  BatchCreatePartitionCommand,
  BatchDeletePartitionCommand,
  CreateDatabaseCommand,
  CreateTableCommand,
  DeleteTableCommand,
  EntityNotFoundException,
  GetDatabaseCommand,
  GetPartitionsCommand,
  GetTableCommand,
  GetTablesCommand,
  GlueClient,
  UpdateTableCommand,
  type Column,
  type Partition,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';
import type { SourceTable } from '../engine.js';
import { trimSlash } from './statements.js';

/**
 * The Glue catalog as the Athena engine uses it: databases, the curated feed tables (partition
 * projection on the business date, generated from the feeds' canonical schemas, never a crawler),
 * quarantine tables, and the swap of a staged model table to its final name.
 */

/** Hive/Glue column type of a feed column's SQL type (the types the feeds and programs declare). */
export function glueType(sqlType: string): string {
  const type = sqlType.trim().toUpperCase();
  const decimal = /^DECIMAL\((\d+)\s*,\s*(\d+)\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  switch (type) {
    case 'VARCHAR':
    case 'TEXT':
    case 'STRING':
      return 'string';
    case 'DOUBLE':
    case 'FLOAT8':
      return 'double';
    case 'FLOAT':
    case 'REAL':
      return 'float';
    case 'BIGINT':
    case 'INT8':
      return 'bigint';
    case 'INTEGER':
    case 'INT':
      return 'int';
    case 'SMALLINT':
      return 'smallint';
    case 'BOOLEAN':
      return 'boolean';
    case 'DATE':
      return 'date';
    case 'TIMESTAMP':
    case 'TIMESTAMP WITH TIME ZONE':
    case 'TIMESTAMPTZ':
      return 'timestamp';
    default:
      throw new Error(`no Glue type for the SQL type ${sqlType}`);
  }
}

/** The partition key of curated tables: the `dt=YYYY-MM-DD` folders of the business date. */
export const CURATED_PARTITION_KEY = 'dt';

const PARQUET_SERDE = 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe';
const SYMLINK_INPUT = 'org.apache.hadoop.hive.ql.io.SymlinkTextInputFormat';
const IGNORE_KEY_OUTPUT = 'org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat';

/** Business dates partition projection covers; days without files read as empty. */
export const PROJECTION_RANGE = '2000-01-01,NOW+1DAYS';

const columns = (list: { name: string; type: string }[]): Column[] => list.map((c) => ({ Name: c.name.toLowerCase(), Type: glueType(c.type) }));

/**
 * A feed's curated table. Its rows are the parquet files the lake's committed manifests list:
 * Athena reads them through symlink manifests (`<symlinks>/dt=YYYY-MM-DD/symlink.txt`, one per
 * business day, written by the engine), so a delivery being written, or files a re-delivery
 * replaced, are never read. Partition projection on `dt` makes every day a partition without
 * registering it (no MSCK REPAIR, no crawler).
 */
export function curatedTableInput(source: SourceTable, symlinkLocation: string): TableInput {
  const root = trimSlash(symlinkLocation);
  return {
    Name: source.table,
    Description: `crmlake curated rows of the ${source.feed} feed, partitioned by ${source.partitionColumn} (dt)`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      EXTERNAL: 'TRUE',
      classification: 'parquet',
      'projection.enabled': 'true',
      [`projection.${CURATED_PARTITION_KEY}.type`]: 'date',
      [`projection.${CURATED_PARTITION_KEY}.format`]: 'yyyy-MM-dd',
      [`projection.${CURATED_PARTITION_KEY}.range`]: PROJECTION_RANGE,
      [`projection.${CURATED_PARTITION_KEY}.interval`]: '1',
      [`projection.${CURATED_PARTITION_KEY}.interval.unit`]: 'DAYS',
      'storage.location.template': `${root}/${CURATED_PARTITION_KEY}=\${${CURATED_PARTITION_KEY}}/`,
    },
    PartitionKeys: [{ Name: CURATED_PARTITION_KEY, Type: 'string' }],
    StorageDescriptor: {
      Columns: columns(source.columns.filter((c) => c.name.toLowerCase() !== CURATED_PARTITION_KEY)),
      Location: `${root}/`,
      InputFormat: SYMLINK_INPUT,
      OutputFormat: IGNORE_KEY_OUTPUT,
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE },
    },
  };
}

/** A feed's rejected rows: one symlink manifest listing its committed quarantine files. */
export function quarantineTableInput(name: string, feed: string, quarantineColumns: { name: string; type: string }[], symlinkLocation: string): TableInput {
  return {
    Name: name,
    Description: `crmlake rejected rows of the ${feed} feed (file, line, field, reason)`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'parquet' },
    StorageDescriptor: {
      Columns: columns(quarantineColumns),
      Location: `${trimSlash(symlinkLocation)}/`,
      InputFormat: SYMLINK_INPUT,
      OutputFormat: IGNORE_KEY_OUTPUT,
      SerdeInfo: { SerializationLibrary: PARQUET_SERDE },
    },
  };
}

/**
 * Rows computed outside SQL (program models), staged as gzipped JSON lines for one CTAS into
 * parquet. Dates travel as text (cast by the CTAS): JSON has no date type.
 */
export function jsonRowsTableInput(name: string, list: { name: string; type: string }[], location: string): TableInput {
  return {
    Name: name,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { EXTERNAL: 'TRUE', classification: 'json' },
    StorageDescriptor: {
      Columns: list.map((c) => ({ Name: c.name.toLowerCase(), Type: c.type === 'DATE' ? 'string' : glueType(c.type) })),
      Location: `${trimSlash(location)}/`,
      InputFormat: 'org.apache.hadoop.mapred.TextInputFormat',
      OutputFormat: IGNORE_KEY_OUTPUT,
      SerdeInfo: { SerializationLibrary: 'org.openx.data.jsonserde.JsonSerDe' },
    },
  };
}

const isNotFound = (error: unknown) => error instanceof EntityNotFoundException || (error as { name?: string }).name === 'EntityNotFoundException';

/** The definition of a table as a TableInput under another name (Glue's Table carries read-only fields too). */
export function tableInputOf(table: Table, name: string): TableInput {
  const { Description, Owner, Retention, StorageDescriptor, PartitionKeys, ViewOriginalText, ViewExpandedText, TableType, Parameters } = table;
  const input: TableInput = { Name: name, Description, Owner, Retention, StorageDescriptor, PartitionKeys, ViewOriginalText, ViewExpandedText, TableType, Parameters };
  for (const key of Object.keys(input) as (keyof TableInput)[]) if (input[key] === undefined) delete input[key];
  return input;
}

export class GlueCatalog {
  constructor(readonly client: GlueClient) {}

  async ensureDatabase(name: string, description: string): Promise<void> {
    try {
      await this.client.send(new GetDatabaseCommand({ Name: name }));
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await this.client.send(new CreateDatabaseCommand({ DatabaseInput: { Name: name, Description: description } })).catch((e: unknown) => {
        if ((e as { name?: string }).name !== 'AlreadyExistsException') throw e;
      });
    }
  }

  async getTable(database: string, name: string): Promise<Table | undefined> {
    try {
      return (await this.client.send(new GetTableCommand({ DatabaseName: database, Name: name }))).Table;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates the table, or replaces its definition (Glue keeps the previous one as a version). */
  async putTable(database: string, input: TableInput): Promise<void> {
    if (await this.getTable(database, input.Name!)) await this.client.send(new UpdateTableCommand({ DatabaseName: database, TableInput: input }));
    else await this.client.send(new CreateTableCommand({ DatabaseName: database, TableInput: input }));
  }

  async deleteTable(database: string, name: string): Promise<void> {
    await this.client.send(new DeleteTableCommand({ DatabaseName: database, Name: name })).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }

  async tableNames(database: string): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new GetTablesCommand({ DatabaseName: database, NextToken: token }));
      names.push(...(page.TableList ?? []).map((t) => t.Name!));
      token = page.NextToken;
    } while (token);
    return names;
  }

  async partitions(database: string, table: string): Promise<Partition[]> {
    const out: Partition[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new GetPartitionsCommand({ DatabaseName: database, TableName: table, NextToken: token }));
      out.push(...(page.Partitions ?? []));
      token = page.NextToken;
    } while (token);
    return out;
  }

  /**
   * Points the final table at what a build staged (its location, columns and partitions) and
   * drops the staged name. The final table never disappears: readers see the old definition until
   * the update, the new one after (Glue keeps the old one as a table version).
   */
  async switchTable(database: string, staged: string, final: string): Promise<void> {
    const table = await this.getTable(database, staged);
    if (!table) throw new Error(`the staged table ${database}.${staged} is missing`);
    await this.putTable(database, tableInputOf(table, final));
    if (table.PartitionKeys?.length) {
      const old = await this.partitions(database, final);
      for (let i = 0; i < old.length; i += 25) {
        const batch = old.slice(i, i + 25).map((p) => ({ Values: p.Values! }));
        await this.client.send(new BatchDeletePartitionCommand({ DatabaseName: database, TableName: final, PartitionsToDelete: batch }));
      }
      const fresh = await this.partitions(database, staged);
      for (let i = 0; i < fresh.length; i += 100) {
        const batch = fresh.slice(i, i + 100).map((p) => ({ Values: p.Values!, StorageDescriptor: p.StorageDescriptor, Parameters: p.Parameters }));
        const response = await this.client.send(new BatchCreatePartitionCommand({ DatabaseName: database, TableName: final, PartitionInputList: batch }));
        if (response.Errors?.length) throw new Error(`Glue refused partitions of ${database}.${final}: ${response.Errors[0]!.ErrorDetail?.ErrorMessage ?? 'unknown error'}`);
      }
    }
    await this.deleteTable(database, staged);
  }
}
