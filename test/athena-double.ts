import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type QueryExecution,
} from '@aws-sdk/client-athena';
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
  type Partition,
  type Table,
  type TableInput,
} from '@aws-sdk/client-glue';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { loadPrelude } from '../src/engine/duckdb/prelude.js';

/**
 * A test double of Athena and Glue that executes what the Athena engine sends on DuckDB (with
 * the Trino prelude), over objects in a real S3 server (fauxqs). It speaks the SDK's request and
 * response shapes and enforces the Athena rules the engine must respect:
 *   - a CTAS or INSERT writes at most 100 partitions (HIVE_TOO_MANY_OPEN_PARTITIONS),
 *   - MERGE only on Iceberg tables,
 *   - statements of at most 262,144 characters,
 *   - a CTAS needs an empty location (HIVE_PATH_ALREADY_EXISTS),
 *   - curated tables are read through their symlink manifests (SymlinkTextInputFormat) under the
 *     partition projection template, JSON tables through their files.
 * Bytes scanned are synthetic (64 bytes per row read or written) but reported as Athena does.
 * It proves the engine's statements, their order and its Glue calls, not Trino's semantics.
 */
export class AthenaDouble {
  readonly athena = mockClient(AthenaClient);
  readonly glue = mockClient(GlueClient);
  /** Every statement Athena received, in order. */
  readonly statements: string[] = [];
  private readonly tables = new Map<string, Map<string, Table>>();
  private readonly partitions = new Map<string, Partition[]>();
  private readonly executions = new Map<string, { execution: QueryExecution; columns: ColumnInfo[]; rows: (string | null)[][] }>();
  /** Symlink and JSON tables whose files must be read again before the next statement. */
  private readonly dirty = new Set<string>();
  private readonly downloaded = new Map<string, string>();
  private next = 0;

  private constructor(
    private readonly connection: DuckDBConnection,
    private readonly instance: DuckDBInstance,
    private readonly s3: S3Client,
    private readonly dir: string,
  ) {}

  static async start(s3: S3Client): Promise<AthenaDouble> {
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    await loadPrelude(connection);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'athena-double-'));
    const double = new AthenaDouble(connection, instance, s3, dir);
    double.install();
    return double;
  }

  async stop(): Promise<void> {
    this.athena.restore();
    this.glue.restore();
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.dir, { recursive: true, force: true });
  }

  table(database: string, name: string): Table | undefined {
    return this.tables.get(database)?.get(name);
  }

  tableNames(database: string): string[] {
    return [...(this.tables.get(database)?.keys() ?? [])].sort();
  }

  private install(): void {
    const notFound = (what: string) => new EntityNotFoundException({ message: `${what} not found`, $metadata: {} });
    this.glue.on(GetDatabaseCommand).callsFake(({ Name }) => {
      if (!this.tables.has(Name)) throw notFound(`Database ${Name}`);
      return { Database: { Name } };
    });
    this.glue.on(CreateDatabaseCommand).callsFake(async ({ DatabaseInput }) => {
      this.tables.set(DatabaseInput.Name, new Map());
      await this.connection.run(`CREATE SCHEMA IF NOT EXISTS ${DatabaseInput.Name}`);
      return {};
    });
    this.glue.on(GetTableCommand).callsFake(({ DatabaseName, Name }) => {
      const table = this.table(DatabaseName, Name);
      if (!table) throw notFound(`Table ${DatabaseName}.${Name}`);
      return { Table: table };
    });
    this.glue.on(GetTablesCommand).callsFake(({ DatabaseName }) => ({ TableList: [...(this.tables.get(DatabaseName)?.values() ?? [])] }));
    this.glue.on(CreateTableCommand).callsFake(async ({ DatabaseName, TableInput: input }) => {
      if (this.table(DatabaseName, input.Name)) throw new Error(`AlreadyExistsException: Table ${input.Name} already exists`);
      await this.putGlueTable(DatabaseName, input);
      return {};
    });
    this.glue.on(UpdateTableCommand).callsFake(async ({ DatabaseName, TableInput: input }) => {
      if (!this.table(DatabaseName, input.Name)) throw notFound(`Table ${DatabaseName}.${input.Name}`);
      await this.putGlueTable(DatabaseName, input);
      return {};
    });
    this.glue.on(DeleteTableCommand).callsFake(async ({ DatabaseName, Name }) => {
      const table = this.table(DatabaseName, Name);
      if (!table) throw notFound(`Table ${DatabaseName}.${Name}`);
      this.tables.get(DatabaseName)!.delete(Name);
      this.partitions.delete(`${DatabaseName}.${Name}`);
      // Every table of the double is a DuckDB view (model tables over their `__data` table).
      await this.connection.run(`DROP VIEW IF EXISTS ${DatabaseName}.${Name}`).catch(() => undefined);
      await this.connection.run(`DROP TABLE IF EXISTS ${DatabaseName}.${Name}__data`).catch(() => undefined);
      return {};
    });
    this.glue.on(GetPartitionsCommand).callsFake(({ DatabaseName, TableName }) => ({ Partitions: this.partitions.get(`${DatabaseName}.${TableName}`) ?? [] }));
    this.glue.on(BatchDeletePartitionCommand).callsFake(({ DatabaseName, TableName, PartitionsToDelete }) => {
      if (PartitionsToDelete.length > 25) throw new Error('ValidationException: at most 25 partitions per BatchDeletePartition');
      const drop = new Set(PartitionsToDelete.map((p: Partition) => JSON.stringify(p.Values)));
      const key = `${DatabaseName}.${TableName}`;
      this.partitions.set(key, (this.partitions.get(key) ?? []).filter((p) => !drop.has(JSON.stringify(p.Values))));
      return { Errors: [] };
    });
    this.glue.on(BatchCreatePartitionCommand).callsFake(({ DatabaseName, TableName, PartitionInputList }) => {
      if (PartitionInputList.length > 100) throw new Error('ValidationException: at most 100 partitions per BatchCreatePartition');
      const key = `${DatabaseName}.${TableName}`;
      this.partitions.set(key, [...(this.partitions.get(key) ?? []), ...PartitionInputList]);
      return { Errors: [] };
    });

    this.athena.on(StartQueryExecutionCommand).callsFake(async ({ QueryString, QueryExecutionContext }) => {
      const id = `q${++this.next}`;
      // Unqualified names resolve in the context's database, as on Athena.
      await this.connection.run(`SET search_path = '${QueryExecutionContext?.Database ?? 'main'},main'`);
      this.statements.push(QueryString);
      const execution: QueryExecution = { QueryExecutionId: id, Query: QueryString, Status: { State: 'SUCCEEDED' }, Statistics: { DataScannedInBytes: 0 } };
      let columns: ColumnInfo[] = [];
      let rows: (string | null)[][] = [];
      try {
        const result = await this.run(QueryString);
        columns = result.columns;
        rows = result.rows;
        execution.StatementType = result.select ? 'DML' : 'DDL';
        execution.Statistics = { DataScannedInBytes: 64 * result.touched };
      } catch (error) {
        execution.Status = { State: 'FAILED', StateChangeReason: (error as Error).message, AthenaError: { ErrorCategory: 2, Retryable: false } };
      }
      this.executions.set(id, { execution, columns, rows });
      return { QueryExecutionId: id };
    });
    this.athena.on(GetQueryExecutionCommand).callsFake(({ QueryExecutionId }) => ({ QueryExecution: this.executions.get(QueryExecutionId)!.execution }));
    this.athena.on(StopQueryExecutionCommand).resolves({});
    this.athena.on(GetQueryResultsCommand).callsFake(({ QueryExecutionId, NextToken, MaxResults }) => {
      const { execution, columns, rows } = this.executions.get(QueryExecutionId)!;
      const size = MaxResults ?? 1000;
      const start = NextToken ? Number(NextToken) : 0;
      // A SELECT's first page starts with a row of column names, as Athena sends it.
      const all = execution.StatementType === 'DML' ? [columns.map((c) => c.Name!), ...rows] : rows;
      const page = all.slice(start, start + size);
      return {
        ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: page.map((r) => ({ Data: r.map((v) => (v === null ? {} : { VarCharValue: v })) })) },
        ...(start + size < all.length ? { NextToken: String(start + size) } : {}),
      };
    });
  }

  private async putGlueTable(database: string, input: TableInput): Promise<void> {
    this.tables.get(database)!.set(input.Name!, { ...input, DatabaseName: database } as Table);
    const format = input.StorageDescriptor?.InputFormat ?? '';
    const serde = input.StorageDescriptor?.SerdeInfo?.SerializationLibrary ?? '';
    if (format.includes('Symlink') || serde.includes('Json')) this.dirty.add(`${database}.${input.Name}`);
    else if (input.TableType !== 'VIRTUAL_VIEW') {
      // A model table switched to a staged one: its rows are the staged table's rows.
      const location = input.StorageDescriptor?.Location;
      const owner = [...this.tables.get(database)!.values()].find((t) => t.Name !== input.Name && t.StorageDescriptor?.Location === location);
      const data = owner ? `${database}.${owner.Name}__data` : `${database}.${input.Name}__data`;
      if (owner) {
        await this.connection.run(`CREATE OR REPLACE TABLE ${database}.${input.Name}__data AS SELECT * FROM ${data}`);
        await this.connection.run(`CREATE OR REPLACE VIEW ${database}.${input.Name} AS SELECT * FROM ${database}.${input.Name}__data`);
      }
    }
  }

  /** Re-reads every symlink and JSON table's files from S3 (after the engine's sync wrote them). */
  private async refreshSources(): Promise<void> {
    const dirty = [...this.dirty];
    this.dirty.clear();
    for (const qualified of dirty) {
      const [database, name] = qualified.split('.') as [string, string];
      const table = this.table(database, name);
      {
        if (!table) continue;
        const sd = table.StorageDescriptor!;
        const symlink = sd.InputFormat?.includes('Symlink');
        const json = sd.SerdeInfo?.SerializationLibrary?.includes('Json');
        if (!symlink && !json) continue;
        const template = table.Parameters?.['storage.location.template'];
        const root = template ? template.slice(0, template.indexOf('${')) .replace(/[^/]*$/, '') : sd.Location!;
        const files: { file: string; partition?: string }[] = [];
        for (const key of await this.list(root)) {
          if (symlink) {
            if (!key.endsWith('/symlink.txt')) continue;
            const partition = /\/dt=([^/]+)\//.exec(key)?.[1];
            for (const uri of (await this.read(key)).split('\n').filter(Boolean)) files.push({ file: await this.download(uri), ...(partition ? { partition } : {}) });
          } else {
            files.push({ file: await this.download(key) });
          }
        }
        const columns = sd.Columns!.map((c) => `CAST(${c.Name} AS ${duckType(c.Type!)}) AS ${c.Name}`);
        const keys = (table.PartitionKeys ?? []).map((k) => k.Name!);
        let select: string;
        if (!files.length) {
          select = `SELECT ${[...sd.Columns!.map((c) => `CAST(NULL AS ${duckType(c.Type!)}) AS ${c.Name}`), ...keys.map((k) => `CAST(NULL AS VARCHAR) AS ${k}`)].join(', ')} WHERE false`;
        } else if (json) {
          const list = files.map((f) => `'${f.file}'`).join(', ');
          const types = sd.Columns!.map((c) => `${c.Name}: '${duckType(c.Type!)}'`).join(', ');
          select = `SELECT ${sd.Columns!.map((c) => c.Name).join(', ')} FROM read_json([${list}], format = 'newline_delimited', columns = {${types}})`;
        } else {
          select = files
            .map((f) => `SELECT ${[...columns, ...keys.map((k) => `'${f.partition}' AS ${k}`)].join(', ')} FROM read_parquet('${f.file}')`)
            .join('\nUNION ALL\n');
        }
        await this.connection.run(`CREATE OR REPLACE VIEW ${database}.${table.Name} AS ${select}`);
      }
    }
  }

  private async run(sql: string): Promise<{ columns: ColumnInfo[]; rows: (string | null)[][]; select: boolean; touched: number }> {
    if (sql.length > 262_144) throw new Error(`Query exhausted resources: the query string is ${sql.length} characters; the limit is 262144`);
    await this.refreshSources();
    const none = { columns: [], rows: [], select: false };
    let match: RegExpExecArray | null;
    if ((match = /^CREATE TABLE (\w+)\.(\w+)\nWITH \(\n([\s\S]*?)\n\) AS\n([\s\S]*)$/.exec(sql))) {
      const [, database, name, props, select] = match as unknown as [string, string, string, string, string];
      if (this.table(database, name)) throw new Error(`line 1:1: Table '${database}.${name}' already exists`);
      const properties = Object.fromEntries(props.split(',\n').map((p) => p.trim().split(/\s*=\s*/) as [string, string]));
      const location = (properties.external_location ?? properties.location ?? '').replace(/^'|'$/g, '');
      if ((await this.list(location)).length) throw new Error(`HIVE_PATH_ALREADY_EXISTS: Target directory for table '${database}.${name}' already exists: ${location}`);
      const partitionedBy = [...(properties.partitioned_by ?? properties.partitioning ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]!);
      await this.connection.run(`CREATE TABLE ${database}.${name}__data AS ${select}`);
      const written = await this.enforcePartitionLimit(`${database}.${name}__data`, partitionedBy, `${database}.${name}__data`);
      await this.connection.run(`CREATE VIEW ${database}.${name} AS SELECT * FROM ${database}.${name}__data`);
      const described = await this.describe(`${database}.${name}__data`);
      const iceberg = properties.table_type === "'ICEBERG'";
      this.tables.get(database)!.set(name, {
        Name: name,
        DatabaseName: database,
        TableType: 'EXTERNAL_TABLE',
        Parameters: iceberg ? { table_type: 'ICEBERG' } : { EXTERNAL: 'TRUE' },
        PartitionKeys: partitionedBy.map((p) => ({ Name: p, Type: described.find((c) => c.Name === p)!.Type })),
        StorageDescriptor: { Location: location, Columns: described.filter((c) => !partitionedBy.includes(c.Name!)) },
      });
      this.partitions.set(`${database}.${name}`, written.map((values) => ({ Values: values, StorageDescriptor: { Location: `${location}${partitionedBy.map((p, i) => `${p}=${values[i]}`).join('/')}/` } })));
      await this.writeObject(`${location}data.parquet`, `${database}.${name}__data`);
      return { ...none, touched: await this.count(`${database}.${name}__data`) };
    }
    if ((match = /^INSERT INTO (\w+)\.(\w+)\n([\s\S]*)$/.exec(sql))) {
      const [, database, name, select] = match as unknown as [string, string, string, string];
      const table = this.table(database, name);
      if (!table) throw new Error(`line 1:1: Table '${database}.${name}' does not exist`);
      const partitionedBy = (table.PartitionKeys ?? []).map((k) => k.Name!);
      await this.connection.run(`CREATE OR REPLACE TEMP TABLE insert_batch AS ${select}`);
      await this.enforcePartitionLimit('insert_batch', partitionedBy, `${database}.${name}`);
      await this.connection.run(`INSERT INTO ${database}.${name}__data SELECT * FROM insert_batch`);
      return { ...none, touched: await this.count('insert_batch') };
    }
    if ((match = /^CREATE OR REPLACE VIEW (\w+)\.(\w+) AS\n([\s\S]*)$/.exec(sql))) {
      const [, database, name, select] = match as unknown as [string, string, string, string];
      await this.connection.run(`CREATE OR REPLACE VIEW ${database}.${name} AS ${select}`);
      this.tables.get(database)!.set(name, { Name: name, DatabaseName: database, TableType: 'VIRTUAL_VIEW', ViewOriginalText: select, StorageDescriptor: { Columns: await this.describe(`${database}.${name}`) } });
      return { ...none, touched: 0 };
    }
    if ((match = /^DROP TABLE IF EXISTS (\w+)\.(\w+)$/.exec(sql))) {
      const [, database, name] = match as unknown as [string, string, string];
      this.tables.get(database)?.delete(name);
      await this.connection.run(`DROP VIEW IF EXISTS ${database}.${name}; DROP TABLE IF EXISTS ${database}.${name}__data`);
      return { ...none, touched: 0 };
    }
    if ((match = /^MERGE INTO (\w+)\.(\w+) AS target\nUSING (\S+) AS batch\nON ([\s\S]*)\nWHEN MATCHED THEN DELETE$/.exec(sql))) {
      const [, database, name, batch, on] = match as unknown as [string, string, string, string, string];
      if (this.table(database, name)?.Parameters?.table_type !== 'ICEBERG') throw new Error('NOT_SUPPORTED: Modifying Hive table rows is only supported for transactional tables');
      await this.connection.run(`DELETE FROM ${database}.${name}__data AS target WHERE EXISTS (SELECT 1 FROM ${batch} AS batch WHERE ${on})`);
      return { ...none, touched: 0 };
    }
    if ((match = /^DELETE FROM (\w+)\.(\w+)\nWHERE ([\s\S]*)$/.exec(sql))) {
      const [, database, name, predicate] = match as unknown as [string, string, string, string];
      if (this.table(database, name)?.Parameters?.table_type !== 'ICEBERG') throw new Error('NOT_SUPPORTED: Modifying Hive table rows is only supported for transactional tables');
      await this.connection.run(`DELETE FROM ${database}.${name}__data WHERE ${predicate}`);
      return { ...none, touched: 0 };
    }
    if (/^\s*(?:(?:--[^\n]*\n|\/\*[\s\S]*?\*\/)\s*)*(SELECT|WITH)\b/i.test(sql)) {
      const reader = await this.connection.runAndReadAll(sql);
      const names = reader.columnNames();
      const types = reader.columnTypes().map(String);
      const rows = (reader.getRowsJson() as unknown[][]).map((row) => row.map((v) => (v === null ? null : typeof v === 'object' ? JSON.stringify(v) : String(v))));
      return { columns: names.map((n, i) => athenaColumn(n, types[i]!)), rows, select: true, touched: rows.length };
    }
    throw new Error(`the Athena double does not know this statement: ${sql.slice(0, 80)}`);
  }

  /** Athena writes at most 100 partitions per statement. Returns the partition values written. */
  private async enforcePartitionLimit(relation: string, partitionedBy: string[], target: string): Promise<string[][]> {
    if (!partitionedBy.length) return [];
    const reader = await this.connection.runAndReadAll(`SELECT DISTINCT ${partitionedBy.map((p) => `CAST(${p} AS VARCHAR)`).join(', ')} FROM ${relation}`);
    const values = reader.getRowsJson().map((r) => (r as unknown[]).map((v) => String(v)));
    if (values.length > 100) {
      await this.connection.run(`DROP TABLE IF EXISTS ${relation}`);
      throw new Error(`HIVE_TOO_MANY_OPEN_PARTITIONS: Exceeded limit of 100 open writers for partitions/buckets (${values.length} for ${target})`);
    }
    return values;
  }

  private async describe(relation: string): Promise<{ Name: string; Type: string }[]> {
    const reader = await this.connection.runAndReadAll(`DESCRIBE ${relation}`);
    return (reader.getRowObjectsJson() as { column_name: string; column_type: string }[]).map((c) => ({ Name: c.column_name, Type: glueTypeOf(c.column_type) }));
  }

  private async count(relation: string): Promise<number> {
    return Number((await this.connection.runAndReadAll(`SELECT count(*) FROM ${relation}`)).getRows()[0]![0]);
  }

  private split(uri: string): { bucket: string; key: string } {
    const match = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
    if (!match) throw new Error(`not an S3 location: ${uri}`);
    return { bucket: match[1]!, key: match[2]! };
  }

  private async list(uri: string): Promise<string[]> {
    if (!uri) return [];
    const { bucket, key } = this.split(uri);
    const out: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, ContinuationToken: token }));
      out.push(...(page.Contents ?? []).map((o) => `s3://${bucket}/${o.Key}`));
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  private async read(uri: string): Promise<string> {
    const { bucket, key } = this.split(uri);
    const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return object.Body!.transformToString('utf8');
  }

  /** Lake data files are write-once: each is downloaded once. */
  private async download(uri: string): Promise<string> {
    const cached = this.downloaded.get(uri);
    if (cached) return cached;
    const { bucket, key } = this.split(uri);
    const file = path.join(this.dir, 'objects', bucket, key);
    await mkdir(path.dirname(file), { recursive: true });
    const object = await this.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    await writeFile(file, await object.Body!.transformToByteArray());
    this.downloaded.set(uri, file);
    return file;
  }

  /** Puts the table's rows where Athena would have written them (so locations are really used). */
  private async writeObject(uri: string, relation: string): Promise<void> {
    const file = path.join(this.dir, `out-${++this.next}.parquet`);
    await this.connection.run(`COPY (SELECT * FROM ${relation}) TO '${file}' (FORMAT parquet)`);
    const { bucket, key } = this.split(uri);
    const { readFile } = await import('node:fs/promises');
    await this.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: await readFile(file) }));
  }
}

function duckType(glueType: string): string {
  const decimal = /^decimal\((\d+),(\d+)\)$/.exec(glueType);
  if (decimal) return `DECIMAL(${decimal[1]},${decimal[2]})`;
  return ({ string: 'VARCHAR', double: 'DOUBLE', float: 'FLOAT', bigint: 'BIGINT', int: 'INTEGER', smallint: 'SMALLINT', boolean: 'BOOLEAN', date: 'DATE', timestamp: 'TIMESTAMP' } as Record<string, string>)[glueType] ?? 'VARCHAR';
}

function glueTypeOf(duck: string): string {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(duck);
  if (decimal) return `decimal(${decimal[1]},${decimal[2]})`;
  return ({ VARCHAR: 'string', DOUBLE: 'double', FLOAT: 'float', BIGINT: 'bigint', HUGEINT: 'bigint', INTEGER: 'int', SMALLINT: 'smallint', TINYINT: 'tinyint', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp' } as Record<string, string>)[duck] ?? 'string';
}

/** How Athena describes a result column (its type names, decimals with precision). */
function athenaColumn(name: string, duck: string): ColumnInfo {
  const decimal = /^DECIMAL\((\d+),(\d+)\)$/.exec(duck);
  if (decimal) return { Name: name, Label: name, Type: 'decimal', Precision: Number(decimal[1]), Scale: Number(decimal[2]) };
  const type =
    ({ VARCHAR: 'varchar', DOUBLE: 'double', FLOAT: 'real', BIGINT: 'bigint', HUGEINT: 'bigint', INTEGER: 'integer', SMALLINT: 'smallint', TINYINT: 'tinyint', BOOLEAN: 'boolean', DATE: 'date', TIMESTAMP: 'timestamp' } as Record<string, string>)[duck] ??
    'varchar';
  return { Name: name, Label: name, Type: type };
}
