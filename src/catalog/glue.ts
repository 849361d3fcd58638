import type { SourceTable } from '../engine/engine.js';
import { quarantineTable } from '../engine/athena/relations.js';
import { QUARANTINE_COLUMNS, sourceTables } from '../feeds/index.js';

/**
 * The Glue catalog entries of the lake's curated and quarantine tables, generated from the feeds'
 * canonical schemas (src/feeds), never discovered by a crawler: the CDK stack declares them with
 * these definitions and the Athena engine can create or check them with the same ones, so the
 * columns Athena reads are the columns ingest writes.
 *
 * The shape is the Glue API's `TableInput` (PascalCase, as `@aws-sdk/client-glue` takes it);
 * `cdk/lib/catalog.ts` turns it into CloudFormation's camelCase. No SDK import here, so the
 * domain layer stays free of AWS clients.
 *
 * Partitions are never registered: a curated table uses partition projection over the `dt=`
 * folders ingest writes (`curated/<table>/dt=YYYY-MM-DD/…`), so a new business date is visible
 * to the next query without an `ALTER TABLE ADD PARTITION` or `MSCK REPAIR`.
 */
export interface GlueColumn {
  Name: string;
  Type: string;
  Comment?: string;
}

export interface GlueTableInput {
  Name: string;
  Description?: string;
  TableType: 'EXTERNAL_TABLE';
  Parameters: Record<string, string>;
  PartitionKeys: GlueColumn[];
  StorageDescriptor: {
    Columns: GlueColumn[];
    Location: string;
    InputFormat: string;
    OutputFormat: string;
    SerdeInfo: { SerializationLibrary: string; Parameters: Record<string, string> };
    Compressed: boolean;
    StoredAsSubDirectories: boolean;
  };
}

const PARQUET = {
  InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
  OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
  SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe', Parameters: { 'serialization.format': '1' } },
};

/** The partition column ingest adds to every curated file's folder (`dt=YYYY-MM-DD`). */
export const CURATED_PARTITION_KEY = 'dt';

/** First business date partition projection enumerates (a query filtering on `dt` never looks before it). */
export const PROJECTION_START_DATE = '2000-01-01';

/** An engine SQL type (the feeds' schemas use DuckDB/Trino names) as a Glue (Hive) column type. */
export function glueType(sqlType: string): string {
  const type = sqlType.trim().toUpperCase();
  const decimal = /^DECIMAL\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(type);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  const simple: Record<string, string> = {
    VARCHAR: 'string',
    INTEGER: 'int',
    INT: 'int',
    BIGINT: 'bigint',
    DOUBLE: 'double',
    BOOLEAN: 'boolean',
    DATE: 'date',
    TIMESTAMP: 'timestamp',
  };
  const glue = simple[type];
  if (!glue) throw new Error(`No Glue type for the SQL type "${sqlType}": add it to glueType() in src/catalog/glue.ts`);
  return glue;
}

/** `s3://bucket/prefix` + a lake-relative folder, with exactly one slash between and a trailing one. */
function location(lakeUri: string, folder: string): string {
  return `${lakeUri.replace(/\/+$/, '')}/${folder}/`;
}

/** A feed's curated table: its columns (canonical + lineage) over `curated/<table>/`, projected by `dt`. */
export function curatedTableInput(table: SourceTable, lakeUri: string, options: { projectionStart?: string } = {}): GlueTableInput {
  const base = location(lakeUri, `curated/${table.table}`);
  return {
    Name: table.table,
    Description: `Curated rows of the ${table.feed} feed (written by crmlake ingest; partitioned by ${table.partitionColumn} as dt=)`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: {
      classification: 'parquet',
      EXTERNAL: 'TRUE',
      'projection.enabled': 'true',
      [`projection.${CURATED_PARTITION_KEY}.type`]: 'date',
      [`projection.${CURATED_PARTITION_KEY}.format`]: 'yyyy-MM-dd',
      [`projection.${CURATED_PARTITION_KEY}.range`]: `${options.projectionStart ?? PROJECTION_START_DATE},NOW`,
      [`projection.${CURATED_PARTITION_KEY}.interval`]: '1',
      [`projection.${CURATED_PARTITION_KEY}.interval.unit`]: 'DAYS',
      'storage.location.template': `${base}${CURATED_PARTITION_KEY}=\${${CURATED_PARTITION_KEY}}/`,
      'crmlake.feed': table.feed,
      'crmlake.partition_column': table.partitionColumn,
    },
    // The folder value is a string (`2010-12-01`); the typed business date is a column of the file.
    PartitionKeys: [{ Name: CURATED_PARTITION_KEY, Type: 'string', Comment: `${table.partitionColumn} as YYYY-MM-DD (folder)` }],
    StorageDescriptor: {
      Columns: table.columns.map((c) => ({ Name: c.name, Type: glueType(c.type) })),
      Location: base,
      ...PARQUET,
      Compressed: false,
      StoredAsSubDirectories: false,
    },
  };
}

/** A feed's quarantine table (`quarantine_<feed>`) over `quarantine/<feed>/`, unpartitioned. */
export function quarantineTableInput(feed: string, lakeUri: string): GlueTableInput {
  return {
    Name: quarantineTable(feed),
    Description: `Rows of the ${feed} feed that ingest rejected, with file, line, field and reason`,
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', EXTERNAL: 'TRUE', 'crmlake.feed': feed },
    PartitionKeys: [],
    StorageDescriptor: {
      Columns: QUARANTINE_COLUMNS.map((c) => ({ Name: c.name, Type: glueType(c.type) })),
      Location: location(lakeUri, `quarantine/${feed}`),
      ...PARQUET,
      Compressed: false,
      StoredAsSubDirectories: false,
    },
  };
}

/** Every table of the source (curated) database: one curated and one quarantine table per feed. */
export function sourceCatalog(lakeUri: string, options: { projectionStart?: string } = {}): GlueTableInput[] {
  return sourceTables().flatMap((table) => [curatedTableInput(table, lakeUri, options), quarantineTableInput(table.feed, lakeUri)]);
}
