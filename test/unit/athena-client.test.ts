import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  TooManyRequestsException,
  type GetQueryExecutionOutput,
  type GetQueryResultsOutput,
} from '@aws-sdk/client-athena';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { AthenaQueries, AthenaQueryError, ScanBudgetError, type AthenaClientSettings } from '../../src/engine/athena/client.js';

/**
 * The Athena query state machine against the real SDK's request and response shapes
 * (aws-sdk-client-mock intercepts at the client's send; nothing leaves the machine).
 */
const athena = mockClient(AthenaClient);

const settings = (over: Partial<AthenaClientSettings> = {}): AthenaClientSettings => ({
  workgroup: 'crmlake-build',
  outputLocation: 's3://results/athena/',
  database: 'crmlake_warehouse',
  queryTimeoutMs: 60_000,
  maxScanBytes: null,
  poll: { firstMs: 1, factor: 1, maxMs: 1 },
  retries: { attempts: 4, baseMs: 1 },
  ...over,
});

const execution = (id: string, state: string, extra: Record<string, unknown> = {}) =>
  ({ QueryExecution: { QueryExecutionId: id, StatementType: 'DML', Status: { State: state }, Statistics: { DataScannedInBytes: 0 }, ...extra } }) as GetQueryExecutionOutput;

const columns = [
  { Name: 'flag', Type: 'boolean' },
  { Name: 'small', Type: 'tinyint' },
  { Name: 'n', Type: 'integer' },
  { Name: 'big', Type: 'bigint' },
  { Name: 'x', Type: 'double' },
  { Name: 'amount', Type: 'decimal', Precision: 12, Scale: 2 },
  { Name: 'day', Type: 'date' },
  { Name: 'at', Type: 'timestamp' },
  { Name: 'name', Type: 'varchar' },
];
const datum = (values: (string | undefined)[]) => ({ Data: values.map((v) => (v === undefined ? {} : { VarCharValue: v })) });

beforeEach(() => athena.reset());

describe('Athena queries', () => {
  it('starts in the workgroup, polls until SUCCEEDED, pages through results and converts every type', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q1' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('q1', 'QUEUED'))
      .resolvesOnce(execution('q1', 'RUNNING'))
      .resolves(execution('q1', 'SUCCEEDED', { Statistics: { DataScannedInBytes: 12_345 } }));
    const page1: GetQueryResultsOutput = {
      ResultSet: {
        ResultSetMetadata: { ColumnInfo: columns },
        Rows: [datum(columns.map((c) => c.Name)), datum(['true', '7', '42', '9007199254740993', '2.5', '1234.50', '2024-02-29', '2024-02-29 13:45:00.000', '刘静'])],
      },
      NextToken: 'page2',
    };
    const page2: GetQueryResultsOutput = {
      ResultSet: { ResultSetMetadata: { ColumnInfo: columns }, Rows: [datum(['false', undefined, '-3', '12', 'NaN', '0.00', undefined, undefined, ''])] },
    };
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: undefined }).resolves(page1);
    athena.on(GetQueryResultsCommand, { QueryExecutionId: 'q1', NextToken: 'page2' }).resolves(page2);

    const queries = new AthenaQueries(new AthenaClient({ region: 'eu-west-1' }), settings());
    const result = await queries.query('SELECT * FROM t');

    const start = athena.commandCalls(StartQueryExecutionCommand)[0]!.args[0].input;
    expect(start).toMatchObject({ QueryString: 'SELECT * FROM t', WorkGroup: 'crmlake-build', ResultConfiguration: { OutputLocation: 's3://results/athena/' },
      QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: 'crmlake_warehouse' },
    });
    expect(start.ClientRequestToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(athena.commandCalls(GetQueryExecutionCommand)).toHaveLength(3);
    expect(result.columns.map((c) => c.type)).toEqual(['boolean', 'tinyint', 'integer', 'bigint', 'double', 'decimal(12,2)', 'date', 'timestamp', 'varchar']);
    expect(result.rows).toEqual([
      { flag: true, small: 7, n: 42, big: '9007199254740993', x: 2.5, amount: 1234.5, day: '2024-02-29', at: '2024-02-29 13:45:00', name: '刘静' },
      { flag: false, small: null, n: -3, big: 12, x: NaN, amount: 0, day: null, at: null, name: '' },
    ]);
    expect(queries.bytesScanned).toBe(12_345);
    expect(queries.statements).toBe(1);
  });

  it('reads results of more than one page from the result file in one request, NULL apart from an empty string', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'big' });
    athena.on(GetQueryExecutionCommand).resolves(execution('big', 'SUCCEEDED', { ResultConfiguration: { OutputLocation: 's3://results/athena/big.csv' } }));
    const cols = [
      { Name: 'customer_key', Type: 'varchar' },
      { Name: 'orders', Type: 'bigint' },
      { Name: 'first_day', Type: 'date' },
    ];
    athena.on(GetQueryResultsCommand).resolves({ ResultSet: { ResultSetMetadata: { ColumnInfo: cols }, Rows: [datum(['customer_key', 'orders', 'first_day'])] }, NextToken: 'more' });
    const files: string[] = [];
    const queries = new AthenaQueries(new AthenaClient({}), {
      ...settings(),
      readResultFile: async (uri) => {
        files.push(uri);
        return '"customer_key","orders","first_day"\n"C1","3","2024-01-02"\n"","12",\n,,"2024-02-01"\n"say ""hi""\nthere","1","2024-03-01"\n';
      },
    });
    const result = await queries.query('SELECT customer_key, orders, first_day FROM orders');
    expect(files).toEqual(['s3://results/athena/big.csv']);
    expect(athena.commandCalls(GetQueryResultsCommand)).toHaveLength(1);
    expect(result.rows).toEqual([
      { customer_key: 'C1', orders: 3, first_day: '2024-01-02' },
      { customer_key: '', orders: 12, first_day: null },
      { customer_key: null, orders: null, first_day: '2024-02-01' },
      { customer_key: 'say "hi"\nthere', orders: 1, first_day: '2024-03-01' },
    ]);
  });

  it('a FAILED statement is an error naming Athena reason and the statement', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q2' });
    athena.on(GetQueryExecutionCommand).resolves(
      execution('q2', 'FAILED', { Status: { State: 'FAILED', StateChangeReason: "line 1:15: Table 'crmlake_warehouse.nope' does not exist", AthenaError: { ErrorCategory: 2, Retryable: false } } }),
    );
    const queries = new AthenaQueries(new AthenaClient({}), settings());
    const error = await queries.execute('SELECT * FROM crmlake_warehouse.nope').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AthenaQueryError);
    expect((error as Error).message).toContain("Table 'crmlake_warehouse.nope' does not exist");
    expect((error as Error).message).toContain('statement: SELECT * FROM crmlake_warehouse.nope');
    expect((error as AthenaQueryError).queryId).toBe('q2');
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('a CANCELLED statement is an error', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q3' });
    athena.on(GetQueryExecutionCommand).resolves(execution('q3', 'CANCELLED', { Status: { State: 'CANCELLED', StateChangeReason: 'Query was cancelled by user' } }));
    const error = await new AthenaQueries(new AthenaClient({}), settings()).execute('SELECT 1').catch((e: unknown) => e);
    expect((error as AthenaQueryError).state).toBe('CANCELLED');
  });

  it('retries a throttled start with the same request token, so the statement runs once', async () => {
    const throttle = new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} });
    athena.on(StartQueryExecutionCommand).rejectsOnce(throttle).rejectsOnce(throttle).resolves({ QueryExecutionId: 'q4' });
    athena.on(GetQueryExecutionCommand).rejectsOnce(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} })).resolves(execution('q4', 'SUCCEEDED'));
    await new AthenaQueries(new AthenaClient({}), settings()).execute('SELECT 1');
    const tokens = athena.commandCalls(StartQueryExecutionCommand).map((c) => c.args[0].input.ClientRequestToken);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
  });

  it('gives up on throttling after its attempts', async () => {
    athena.on(StartQueryExecutionCommand).rejects(new TooManyRequestsException({ message: 'Rate exceeded', $metadata: {} }));
    await expect(new AthenaQueries(new AthenaClient({}), settings()).execute('SELECT 1')).rejects.toThrow(/Rate exceeded/);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(4);
  });

  it('runs a statement again after ICEBERG_COMMIT_ERROR (another writer committed first)', async () => {
    athena.on(StartQueryExecutionCommand).resolvesOnce({ QueryExecutionId: 'a' }).resolves({ QueryExecutionId: 'b' });
    athena
      .on(GetQueryExecutionCommand, { QueryExecutionId: 'a' })
      .resolves(execution('a', 'FAILED', { Status: { State: 'FAILED', StateChangeReason: 'ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table' } }));
    athena.on(GetQueryExecutionCommand, { QueryExecutionId: 'b' }).resolves(execution('b', 'SUCCEEDED'));
    const run = await new AthenaQueries(new AthenaClient({}), settings()).execute('MERGE INTO t USING s ON t.k = s.k WHEN MATCHED THEN DELETE');
    expect(run.queryId).toBe('b');
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(2);
  });

  it('stops a statement that runs past the scan budget and refuses to start another', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q5' });
    athena
      .on(GetQueryExecutionCommand)
      .resolvesOnce(execution('q5', 'RUNNING', { Statistics: { DataScannedInBytes: 600 } }))
      .resolves(execution('q5', 'RUNNING', { Statistics: { DataScannedInBytes: 1_500 } }));
    athena.on(StopQueryExecutionCommand).resolves({});
    const queries = new AthenaQueries(new AthenaClient({}), settings({ maxScanBytes: 1_000 }));
    const error = await queries.execute('SELECT * FROM big').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScanBudgetError);
    expect((error as Error).message).toMatch(/scanned 1,500 bytes of its 1,000/);
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryExecutionId: 'q5' });
    await expect(queries.execute('SELECT 2')).rejects.toBeInstanceOf(ScanBudgetError);
    expect(athena.commandCalls(StartQueryExecutionCommand)).toHaveLength(1);
  });

  it('stops a statement still running at its timeout', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q6' });
    athena.on(GetQueryExecutionCommand).resolves(execution('q6', 'RUNNING'));
    athena.on(StopQueryExecutionCommand).resolves({});
    const error = await new AthenaQueries(new AthenaClient({}), settings({ queryTimeoutMs: 20 })).execute('SELECT slow()').catch((e: unknown) => e);
    expect((error as AthenaQueryError).state).toBe('TIMED_OUT');
    expect(athena.commandCalls(StopQueryExecutionCommand)).toHaveLength(1);
  });

  it('stops the running statement on Ctrl-C', async () => {
    athena.on(StartQueryExecutionCommand).resolves({ QueryExecutionId: 'q7' });
    let stopped = false;
    athena.on(GetQueryExecutionCommand).callsFake(() => execution('q7', stopped ? 'CANCELLED' : 'RUNNING'));
    athena.on(StopQueryExecutionCommand).callsFake(() => {
      stopped = true;
      return {};
    });
    const running = new AthenaQueries(new AthenaClient({}), settings()).execute('SELECT slow()').catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20));
    process.emit('SIGINT');
    const error = await running;
    expect((error as AthenaQueryError).reason).toBe('stopped by Ctrl-C');
    expect(athena.commandCalls(StopQueryExecutionCommand)[0]!.args[0].input).toEqual({ QueryExecutionId: 'q7' });
  });
});
