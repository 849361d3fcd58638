import { randomUUID } from 'node:crypto';
import {
  AthenaClient,
  GetQueryExecutionCommand,
  GetQueryResultsCommand,
  StartQueryExecutionCommand,
  StopQueryExecutionCommand,
  type ColumnInfo,
  type QueryExecution,
  type Row,
} from '@aws-sdk/client-athena';
import { parse } from 'csv-parse/sync';
import type { QueryResult } from '../engine.js';

/**
 * One Athena statement at a time, the way Athena's API wants it: start the query in a
 * workgroup, poll its state with backoff, page through the results converting each Athena type,
 * and stop it on timeout, Ctrl-C or a scan budget. Throttling of any call and Athena's
 * retryable failures (ICEBERG_COMMIT_ERROR when two writers commit to one Iceberg table) are
 * retried; any other failure is an AthenaQueryError naming the statement and Athena's reason.
 */

export interface AthenaClientSettings {
  workgroup: string;
  /** Query results location, when the workgroup does not set one. */
  outputLocation?: string;
  /** Database unqualified names resolve in (the models': `select * from customer_rfm`). */
  database?: string;
  /** Give up on (and stop) a statement after this long. */
  queryTimeoutMs: number;
  /** Stop before the session's statements scan more than this many bytes. */
  maxScanBytes: number | null;
  /** Polling: first wait, growth factor, longest wait (ms). Tests shorten them. */
  poll?: { firstMs: number; factor: number; maxMs: number };
  /** Retries of throttled calls and retryable query failures. */
  retries?: { attempts: number; baseMs: number };
  /**
   * Reads an object of the results location (`s3://…/<query id>.csv`). With it, results of more
   * than one page are read from Athena's result file in one request instead of a thousand rows
   * per GetQueryResults call (a program model reading a million orders: one GET, not 1,000 calls).
   */
  readResultFile?: (uri: string) => Promise<string>;
}

export interface StatementRun {
  queryId: string;
  bytesScanned: number;
  /** Athena's statement type: DDL, DML or UTILITY. */
  statementType?: string;
  /** Where Athena wrote the result file. */
  outputLocation?: string;
}

export class AthenaQueryError extends Error {
  constructor(
    readonly statement: string,
    readonly queryId: string | undefined,
    readonly state: string,
    readonly reason: string,
  ) {
    super(`Athena ${state.toLowerCase()}${queryId ? ` (query ${queryId})` : ''}: ${reason}\n  statement: ${preview(statement)}`);
    this.name = 'AthenaQueryError';
  }
}

export class ScanBudgetError extends Error {
  constructor(
    readonly budgetBytes: number,
    readonly scannedBytes: number,
    readonly statement: string,
  ) {
    super(
      `Scan budget reached: this run scanned ${scannedBytes.toLocaleString('en-US')} bytes of its ${budgetBytes.toLocaleString('en-US')}; ` +
        `stopped before (or while) running:\n  ${preview(statement)}\nRaise --max-scan-gb (or CRMLAKE_MAX_SCAN_GB) if the build needs more.`,
    );
    this.name = 'ScanBudgetError';
  }
}

const preview = (sql: string) => {
  const flat = sql.replace(/\s+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
};

const THROTTLED = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'SlowDown']);
const isThrottled = (error: unknown) => {
  const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  return THROTTLED.has(e.name ?? '') || e.$metadata?.httpStatusCode === 429 || /rate exceeded/i.test(e.message ?? '');
};

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export class AthenaQueries {
  /** Bytes scanned by every statement this session ran. */
  bytesScanned = 0;
  statements = 0;
  private readonly running = new Set<string>();
  private interrupted = false;
  private readonly poll: { firstMs: number; factor: number; maxMs: number };
  private readonly retries: { attempts: number; baseMs: number };

  constructor(
    readonly client: AthenaClient,
    readonly settings: AthenaClientSettings,
  ) {
    this.poll = settings.poll ?? { firstMs: 200, factor: 1.5, maxMs: 5_000 };
    this.retries = settings.retries ?? { attempts: 6, baseMs: 500 };
  }

  /** Runs a statement to completion; its results stay in Athena (see `query` to read them). */
  async execute(sql: string): Promise<StatementRun> {
    const budget = this.settings.maxScanBytes;
    if (budget !== null && this.bytesScanned >= budget) throw new ScanBudgetError(budget, this.bytesScanned, sql);
    for (let attempt = 1; ; attempt++) {
      const queryId = await this.start(sql);
      this.statements++;
      const execution = await this.wait(queryId, sql);
      const bytes = execution.Statistics?.DataScannedInBytes ?? 0;
      this.bytesScanned += bytes;
      const state = execution.Status?.State ?? 'UNKNOWN';
      if (state === 'SUCCEEDED') return { queryId, bytesScanned: bytes, statementType: execution.StatementType, outputLocation: execution.ResultConfiguration?.OutputLocation };
      const reason = execution.Status?.StateChangeReason ?? execution.Status?.AthenaError?.ErrorMessage ?? 'no reason given';
      const retryable = state === 'FAILED' && (execution.Status?.AthenaError?.Retryable === true || /ICEBERG_COMMIT_ERROR|TOO_MANY_REQUESTS|SlowDown/i.test(reason));
      if (retryable && attempt < this.retries.attempts) {
        await sleep(this.backoff(attempt));
        continue;
      }
      if (state === 'CANCELLED' && this.interrupted) throw new AthenaQueryError(sql, queryId, state, 'stopped by Ctrl-C');
      throw new AthenaQueryError(sql, queryId, state, reason);
    }
  }

  /** Runs a statement and reads all its rows, each value converted from its Athena type. */
  async query(sql: string): Promise<QueryResult> {
    const run = await this.execute(sql);
    return this.results(run);
  }

  async results(run: StatementRun): Promise<QueryResult> {
    let columns: ColumnInfo[] = [];
    const rows: Record<string, unknown>[] = [];
    let token: string | undefined;
    let first = true;
    do {
      const page = await this.send(() => this.client.send(new GetQueryResultsCommand({ QueryExecutionId: run.queryId, NextToken: token, MaxResults: 1000 })));
      if (first) columns = page.ResultSet?.ResultSetMetadata?.ColumnInfo ?? [];
      if (first && page.NextToken && this.settings.readResultFile && run.outputLocation?.endsWith('.csv')) {
        return { columns: describe(columns), rows: parseResultFile(await this.settings.readResultFile(run.outputLocation), columns) };
      }
      let data: Row[] = page.ResultSet?.Rows ?? [];
      // A SELECT's first row on the first page repeats the column names.
      if (first && run.statementType === 'DML' && data.length && sameNames(data[0]!, columns)) data = data.slice(1);
      for (const row of data) rows.push(convertRow(row, columns));
      token = page.NextToken;
      first = false;
    } while (token);
    return { columns: describe(columns), rows };
  }

  /** Stops every statement still running (Ctrl-C, close). */
  async stopAll(): Promise<void> {
    this.interrupted = true;
    await Promise.all([...this.running].map((id) => this.stop(id)));
  }

  private async start(sql: string): Promise<string> {
    // One token per statement: a start retried after a throttle or a lost response never runs twice.
    const token = randomUUID();
    const response = await this.send(() =>
      this.client.send(
        new StartQueryExecutionCommand({
          QueryString: sql,
          WorkGroup: this.settings.workgroup,
          ClientRequestToken: token,
          ...(this.settings.database ? { QueryExecutionContext: { Catalog: 'AwsDataCatalog', Database: this.settings.database } } : {}),
          ...(this.settings.outputLocation ? { ResultConfiguration: { OutputLocation: this.settings.outputLocation } } : {}),
        }),
      ),
    );
    if (!response.QueryExecutionId) throw new AthenaQueryError(sql, undefined, 'FAILED', 'Athena returned no query id');
    return response.QueryExecutionId;
  }

  private async wait(queryId: string, sql: string): Promise<QueryExecution> {
    this.running.add(queryId);
    const onInterrupt = () => void this.stopAll();
    process.once('SIGINT', onInterrupt);
    const deadline = Date.now() + this.settings.queryTimeoutMs;
    const budget = this.settings.maxScanBytes;
    let delay = this.poll.firstMs;
    try {
      for (;;) {
        const { QueryExecution: execution } = await this.send(() => this.client.send(new GetQueryExecutionCommand({ QueryExecutionId: queryId })));
        const state = execution?.Status?.State;
        if (execution && (state === 'SUCCEEDED' || state === 'FAILED' || state === 'CANCELLED')) return execution;
        const scanning = execution?.Statistics?.DataScannedInBytes ?? 0;
        if (budget !== null && this.bytesScanned + scanning > budget) {
          await this.stop(queryId);
          this.bytesScanned += scanning;
          throw new ScanBudgetError(budget, this.bytesScanned, sql);
        }
        if (Date.now() >= deadline) {
          await this.stop(queryId);
          throw new AthenaQueryError(sql, queryId, 'TIMED_OUT', `still ${state?.toLowerCase() ?? 'running'} after ${Math.round(this.settings.queryTimeoutMs / 1000)} s; stopped`);
        }
        await sleep(delay);
        delay = Math.min(this.poll.maxMs, delay * this.poll.factor);
      }
    } finally {
      this.running.delete(queryId);
      process.removeListener('SIGINT', onInterrupt);
    }
  }

  private async stop(queryId: string): Promise<void> {
    try {
      await this.client.send(new StopQueryExecutionCommand({ QueryExecutionId: queryId }));
    } catch {
      // Stopping is best effort: the query may have finished meanwhile.
    }
  }

  /** Retries throttled calls with jittered exponential backoff. */
  private async send<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!isThrottled(error) || attempt >= this.retries.attempts) throw error;
        await sleep(this.backoff(attempt));
      }
    }
  }

  private backoff(attempt: number): number {
    const base = this.retries.baseMs * 2 ** (attempt - 1);
    return base / 2 + Math.random() * (base / 2);
  }
}

const describe = (columns: ColumnInfo[]) => columns.map((c) => ({ name: c.Name ?? c.Label ?? '', type: athenaTypeName(c) }));

/**
 * Athena's CSV result file: a header, then every value in double quotes; a NULL is an empty
 * field without quotes, so it stays apart from an empty string.
 */
export function parseResultFile(text: string, columns: ColumnInfo[]): Record<string, unknown>[] {
  const records = parse(text, { cast: (value, context) => (context.quoting || value !== '' ? value : null), relax_column_count: false }) as (string | null)[][];
  return records.slice(1).map((record) => {
    const out: Record<string, unknown> = {};
    columns.forEach((column, i) => {
      const value = record[i];
      out[column.Name ?? column.Label ?? `_${i}`] = value === null || value === undefined ? null : convertValue(value, (column.Type ?? 'varchar').toLowerCase());
    });
    return out;
  });
}

const sameNames = (row: Row, columns: ColumnInfo[]) =>
  (row.Data ?? []).length === columns.length && (row.Data ?? []).every((d, i) => d.VarCharValue === (columns[i]!.Label ?? columns[i]!.Name));

function athenaTypeName(column: ColumnInfo): string {
  const type = (column.Type ?? 'varchar').toLowerCase();
  return type === 'decimal' && column.Precision !== undefined ? `decimal(${column.Precision},${column.Scale ?? 0})` : type;
}

function convertRow(row: Row, columns: ColumnInfo[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  columns.forEach((column, i) => {
    const datum = row.Data?.[i];
    // A NULL comes back as a datum without a value; an empty string has VarCharValue ''.
    out[column.Name ?? column.Label ?? `_${i}`] = datum?.VarCharValue === undefined ? null : convertValue(datum.VarCharValue, (column.Type ?? 'varchar').toLowerCase());
  });
  return out;
}

/**
 * Athena sends every value as text. The same JSON-safe shapes as the DuckDB engine: numbers as
 * numbers (64-bit integers beyond 2^53 as text, so no digit is lost), dates as YYYY-MM-DD,
 * timestamps as `YYYY-MM-DD HH:MM:SS[.fff]`, booleans as booleans, the rest as text.
 */
export function convertValue(text: string, type: string): unknown {
  switch (type) {
    case 'boolean':
      return text === 'true';
    case 'tinyint':
    case 'smallint':
    case 'integer':
    case 'int':
      return Number(text);
    case 'bigint': {
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : text;
    }
    case 'double':
    case 'float':
    case 'real':
    case 'decimal':
      return Number(text);
    case 'timestamp':
    case 'timestamp with time zone':
      return text.replace(/\.0+(?=$| )/, '');
    default:
      return text;
  }
}
