/**
 * Ingest's fast path: DuckDB parses, maps, checks and casts a whole file in SQL, with no row
 * passing through JavaScript. It lands the rows it can prove the JavaScript path would land with
 * the same values and line numbers: a UTF-8 CSV whose every record is one physical line, a
 * mapping and feed rules with SQL forms, and rows passing checks that are at least as strict as
 * the JavaScript ones. The rows those checks flag (few, in a real file) are handed back to the
 * JavaScript checks, which have the last word on every row they see and every reason: they land
 * the ones the SQL checks were only stricter about and quarantine the rest with line, field and
 * reason. Anything else (a quoted line break, GBK, a transform with no SQL form, more flagged rows
 * than RECHECK_MAX, any error) returns undefined and the whole file takes the JavaScript path.
 * A file spanning more than DATES_PER_COPY business dates is written in batches of dates.
 */
import { createReadStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '../lake/lake.js';
import { quoteIdent, sqlString } from '../engine/sql.js';
import { curatedColumnsSql, type Lineage, moveIntoLake, partitionFiles } from './curated.js';
import type { FeedDefinition } from './feed.js';
import { mappingSql, type Mapping } from './mapping.js';
import { canonicalOkSql } from './parse.js';
import { readRecords, type SourceRecord } from './records.js';

export interface SqlLanding {
  read: number;
  landed: number;
  curated: string[];
  businessDates: { min: string; max: string } | null;
  /**
   * The records the SQL checks flagged, header first, as the JavaScript reader reads them: the
   * caller runs them through the JavaScript checks. Not counted in `read` or `landed`.
   */
  recheck?: SourceRecord[];
}

/** Flagged rows held in memory for the JavaScript checks; a file with more takes the JavaScript path whole. */
export const RECHECK_MAX = 50_000;

/** Business dates (partitions) one COPY writes: a month's, with room to spare; more pass 256 MB with wide tables. */
const DATES_PER_COPY = 62;

export interface SqlLandingContext {
  feed: FeedDefinition;
  mapping: Mapping;
  dateWindow?: { from: string; to: string };
  lineage: Lineage;
  /** Scratch folder of this file. */
  scratch: string;
  /** Curated file name without `.parquet`: `<stem>-<sha8>`. */
  fileStem: string;
  /** Longest value (characters) a field may have. */
  maxFieldChars: number;
}

const isBlank = (byte: number | undefined) => byte === 32 || byte === 9;

/**
 * Whether the quotes in `buf[0, end)` (whole lines) read the same to DuckDB and to csv-parse:
 * no blanks between a delimiter and an opening quote or between a closing quote and the next
 * delimiter (DuckDB skips them, csv-parse keeps them: ` "a, b"` is two fields there), no text
 * after a closing quote, no quoted field over two lines. A quote inside an unquoted field is
 * text to both.
 */
function quotesReadAlike(buf: Buffer, end: number, delimiter: number, quote: number): boolean {
  let inside = false;
  let open = 0;
  for (let i = buf.indexOf(quote); i >= 0 && i < end; i = buf.indexOf(quote, i + 1)) {
    if (!inside) {
      let j = i - 1;
      while (j >= 0 && isBlank(buf[j])) j--;
      if (!(j < 0 || buf[j] === delimiter || buf[j] === 10 || buf[j] === 13)) continue;
      if (j !== i - 1) return false;
      inside = true;
      open = i;
    } else {
      if (i + 1 < end && buf[i + 1] === quote) {
        i++;
        continue;
      }
      const lineBreak = buf.indexOf(10, open);
      if (lineBreak >= 0 && lineBreak < i) return false;
      const next = i + 1 < end ? buf[i + 1] : undefined;
      if (!(next === undefined || next === delimiter || next === 10 || next === 13)) return false;
      inside = false;
    }
  }
  return !inside;
}

/** UTF-8 of the white space JavaScript's trim() removes besides spaces and line breaks, and of U+FFFD. */
const WIDE_BLANKS: Record<number, (next: number | undefined, after: number | undefined) => boolean> = {
  0xc2: (n) => n === 0xa0, // U+00A0
  0xe1: (n, a) => n === 0x9a && a === 0x80, // U+1680
  0xe2: (n, a) => (n === 0x80 && a !== undefined && ((a >= 0x80 && a <= 0x8a) || a === 0xa8 || a === 0xa9 || a === 0xaf)) || (n === 0x81 && a === 0x9f),
  0xe3: (n, a) => n === 0x80 && a === 0x80, // U+3000
  0xef: (n, a) => (n === 0xbb && a === 0xbf) || (n === 0xbf && a === 0xbd), // U+FEFF, U+FFFD
};

/**
 * Whether `buf[0, end)` holds no white space but spaces (tabs, form feeds, U+00A0, …: trim()
 * removes them in JavaScript, not in SQL) and no U+FFFD. A byte-order mark at the very start
 * of the file is allowed.
 */
function onlySpaces(buf: Buffer, end: number, fileStart: boolean): boolean {
  for (const byte of [9, 11, 12]) {
    const at = buf.indexOf(byte);
    if (at >= 0 && at < end) return false;
  }
  for (const [lead, test] of Object.entries(WIDE_BLANKS)) {
    for (let i = buf.indexOf(Number(lead)); i >= 0 && i < end; i = buf.indexOf(Number(lead), i + 1)) {
      if (fileStart && i === 0 && buf[1] === 0xbb && buf[2] === 0xbf) continue;
      if (test(buf[i + 1], buf[i + 2])) return false;
    }
  }
  return true;
}

/**
 * Physical lines of a file, or undefined when the fast path cannot read it as the JavaScript
 * reader does: gzip, line breaks other than LF / CRLF, quotes DuckDB reads otherwise (above),
 * white space other than spaces, U+FFFD, a line longer than `maxLineBytes`.
 */
async function countLines(file: string, delimiter: string, quote: string, maxLineBytes: number): Promise<number | undefined> {
  const d = delimiter.charCodeAt(0);
  const q = quote.charCodeAt(0);
  let lines = 0;
  let crs = 0;
  let crlfs = 0;
  let last = -1;
  let carry: Buffer = Buffer.alloc(0);
  let first = true;
  let offset = 0;
  let lineStart = 0;
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    if (first && chunk[0] === 0x1f && chunk[1] === 0x8b) return undefined;
    first = false;
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) {
      lines++;
      if (offset + i - lineStart > maxLineBytes) return undefined;
      lineStart = offset + i + 1;
      if ((i > 0 ? chunk[i - 1] : last) === 13) crlfs++;
    }
    for (let i = chunk.indexOf(13); i >= 0; i = chunk.indexOf(13, i + 1)) crs++;
    last = chunk[chunk.length - 1] ?? last;
    // Quotes are checked line by line; the unfinished last line waits for the next chunk.
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const end = buf.lastIndexOf(10) + 1;
    if (!quotesReadAlike(buf, end, d, q) || !onlySpaces(buf, end, offset === carry.length && offset === 0)) return undefined;
    carry = buf.subarray(end);
    offset += chunk.length;
  }
  if (offset - lineStart > maxLineBytes) return undefined;
  if (crs !== crlfs || !quotesReadAlike(carry, carry.length, d, q) || !onlySpaces(carry, carry.length, offset === carry.length)) return undefined;
  return last === -1 ? 0 : lines + (last === 10 ? 0 : 1);
}

export async function landWithSql(lake: Lake, connection: DuckDBConnection, file: string, context: SqlLandingContext): Promise<SqlLanding | undefined> {
  const { feed, mapping, dateWindow, lineage, scratch, fileStem } = context;
  const source = mapping.source;
  if (process.env.CRMLAKE_INGEST_SQL === '0') return undefined;
  const ascii = (c: string) => /^[\x21-\x7e]$/.test(c);
  if (source.format !== 'csv' || !/^utf-?8$/i.test(source.encoding) || !ascii(source.delimiter) || !ascii(source.quote) || !feed.sqlRules) return undefined;
  const rules = feed.sqlRules(mapping);
  if (!rules) return undefined;
  const lines = await countLines(file, source.delimiter, source.quote, context.maxFieldChars);
  if (lines === undefined || lines === 0) return undefined;
  let headerValues: string[] | undefined;
  for await (const record of readRecords(file, source, [])) {
    headerValues = record.values;
    break;
  }
  const header = headerValues?.map((v) => v.trim());
  if (!header || !headerValues || header.some((h) => /[\r\n\uFFFD]/.test(h))) return undefined;
  const column = (i: number) => `c${i}`;
  // Spaces trimmed as the JavaScript mapper trims (the scan above saw no other white space);
  // trim() only where there is something to trim, as it copies every value it is given.
  const trimmed = header
    .map((_, i) => `CASE WHEN starts_with(c${i}, ' ') OR ends_with(c${i}, ' ') THEN trim(c${i}) ELSE c${i} END AS c${i}`)
    .join(', ');
  const mapped = mappingSql(mapping, header, column);
  if (!mapped) return undefined;
  const staged = feed.columns.filter((c) => !(c.name in feed.derivedSql));
  const castOk = staged.map((c) => canonicalOkSql(c.type, quoteIdent(c.name)));
  if (castOk.some((c) => c === undefined)) return undefined;
  const partition = quoteIdent(feed.partitionColumn);

  const mappedFields = feed.columns
    .map((c) => `${mapped.fields[c.name] ?? 'CAST(NULL AS VARCHAR)'} AS ${quoteIdent(c.name)}`)
    .join(', ');
  const canonical = staged.map((c) => `${rules.columns[c.name] ?? 'CAST(NULL AS VARCHAR)'} AS ${quoteIdent(c.name)}`).join(', ');
  const windowOk = dateWindow
    ? `${partition} BETWEEN ${sqlString(dateWindow.from)} AND ${sqlString(dateWindow.to)}`
    : 'true';

  const read = `read_csv(${sqlString(file)}, header = true, auto_detect = false, compression = 'none', ` +
    `delim = ${sqlString(source.delimiter)}, quote = ${sqlString(source.quote)}, escape = ${sqlString(source.quote)}, ` +
    `strict_mode = true, null_padding = false, max_line_size = 4000000, ` +
    `columns = {${header.map((_, i) => `${sqlString(column(i))}: 'VARCHAR'`).join(', ')}})`;
  const threads = String(availableParallelism());
  const chunkDir = path.join(scratch, 'curated-sql');
  try {
    // In file order, so that rowid + 2 is the line number (1 = the header).
    await connection.run(`SET preserve_insertion_order = true`);
    await connection.run(`SET threads = ${threads}`);
    await connection.run(`CREATE OR REPLACE TEMP TABLE fast_source AS SELECT * FROM ${read}`);
    await connection.run(`SET preserve_insertion_order = false`);
    const viewSql =
      `CREATE OR REPLACE TEMP VIEW fast_rows AS ` +
        `WITH numbered AS (SELECT rowid + 2 AS _source_line, ${trimmed} FROM fast_source), ` +
        `mapped AS (SELECT _source_line, coalesce(${mapped.ok}, false) AS _mapped_ok, ${mappedFields} FROM numbered), ` +
        `checked AS (SELECT _source_line, coalesce(_mapped_ok AND ${rules.ok}, false) AS _rules_ok, ` +
          `${rules.recheckWith ?? 'CAST(NULL AS VARCHAR)'} AS _recheck_group, ${canonical} FROM mapped) ` +
        `SELECT *, coalesce(_rules_ok AND ${castOk.join(' AND ')} AND ${partition} IS NOT NULL AND ${windowOk}, false) AS _ok FROM checked`;
    await connection.run(viewSql);
    // Every record one line: a skipped blank line or a record over two lines shifts the numbers.
    const counted = await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM fast_source`);
    const rows = Number(counted.getRows()[0]![0] as bigint);
    if (rows !== lines - 1) return undefined;
    if (rows === 0) return { read: 0, landed: 0, curated: [], businessDates: null };
    // Business dates written per COPY: every open date partition holds buffers for each column,
    // and a file spanning years (an order export) would pass the memory limit in one statement.
    const dates = (await connection.runAndReadAll(`SELECT DISTINCT CAST(${partition} AS VARCHAR) AS d FROM fast_rows WHERE ${partition} IS NOT NULL ORDER BY d`))
      .getRows()
      .map((r) => String(r[0]));
    const bounds = dates.filter((_, i) => i > 0 && i % DATES_PER_COPY === 0);
    const batches = [undefined, ...bounds].map((from, i) => ({ from, to: bounds[i] }));
    const copy = async (from: string, where: string, dt: string) => {
      await mkdir(chunkDir, { recursive: true });
      for (const [i, batch] of batches.entries()) {
        const date = `CAST(${partition} AS VARCHAR)`;
        const conditions = [where, ...(batch.from ? [`${date} >= ${sqlString(batch.from)}`] : []), ...(batch.to ? [`${date} < ${sqlString(batch.to)}`] : [])];
        await connection.run(
          `COPY (SELECT ${curatedColumnsSql(feed, lineage)}, ${dt} AS dt FROM ${from} WHERE ${conditions.join(' AND ')}) ` +
            `TO ${sqlString(path.join(chunkDir, String(i)))} (FORMAT parquet, PARTITION_BY (dt))`,
        );
      }
    };
    let recheck: SourceRecord[] | undefined;
    try {
      // One pass for a clean file of a few weeks: a row that fails any check stops the COPY.
      if (batches.length > 1) throw new Error('written in batches of dates, from a table');
      await copy('fast_rows', 'true', `CASE WHEN _ok THEN CAST(${partition} AS VARCHAR) ELSE error('row ' || _source_line || ' needs the JavaScript checks') END`);
    } catch {
      // Some rows fail a check (or a cast, evaluated before the check stops the COPY): the
      // checks run once more into a table, DuckDB lands the rows that pass and the flagged ones
      // go to the JavaScript checks as read from the file.
      await rm(chunkDir, { recursive: true, force: true });
      // With the rows the validator's per-file state ties them to (feed.sqlRules recheckWith).
      await connection.run(`CREATE OR REPLACE TEMP TABLE fast_checked AS SELECT * FROM fast_rows`);
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE fast_recheck AS SELECT _source_line FROM fast_checked WHERE NOT _ok OR _recheck_group IN ` +
          `(SELECT _recheck_group FROM fast_checked WHERE NOT _ok AND _recheck_group IS NOT NULL)`,
      );
      const counted = await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM fast_recheck`);
      const flagged = Number(counted.getRows()[0]![0] as bigint);
      if (flagged > RECHECK_MAX || flagged === rows) return undefined;
      await copy('fast_checked', '_source_line NOT IN (SELECT _source_line FROM fast_recheck)', `CAST(${partition} AS VARCHAR)`);
      if (flagged > 0) {
        const values = header.map((_, i) => `coalesce(c${i}, '')`).join(', ');
        const records = await connection.runAndReadAll(
          `SELECT rowid + 2 AS line, [${values}] AS values FROM fast_source WHERE rowid + 2 IN (SELECT _source_line FROM fast_recheck) ORDER BY line`,
        );
        recheck = [{ line: 1, values: headerValues }, ...records.getRowObjectsJS().map((r) => ({ line: Number(r.line), values: r.values as string[] }))];
      }
    }
    const uploads: [string, string][] = [];
    for (const i of batches.keys()) {
      const dir = path.join(chunkDir, String(i));
      if (await stat(dir).catch(() => undefined)) {
        uploads.push(...(await partitionFiles(dir, (partitionDir, n) => `curated/${feed.table}/${partitionDir}/${fileStem}${n ? `-${n}` : ''}.parquet`)));
      }
    }
    await moveIntoLake(lake, uploads);
    const curated = uploads.map(([, key]) => key);
    const landedDates = curated.map((key) => /\/dt=(\d{4}-\d{2}-\d{2})\//.exec(key)?.[1]).filter((d) => d !== undefined).sort();
    if (landedDates.length === 0 && !recheck) return undefined;
    const landed = rows - (recheck ? recheck.length - 1 : 0);
    return {
      read: landed,
      landed,
      curated,
      businessDates: landedDates.length ? { min: landedDates[0]!, max: landedDates[landedDates.length - 1]! } : null,
      ...(recheck ? { recheck } : {}),
    };
  } catch {
    // DuckDB could not read the file as declared (a ragged row, a stray quote, bytes that are
    // not UTF-8, …): the JavaScript path reads it and says which record and why.
    return undefined;
  } finally {
    await connection.run(`SET preserve_insertion_order = false`).catch(() => undefined);
    await connection.run(`SET threads = 1`).catch(() => undefined);
    await connection.run(`DROP VIEW IF EXISTS fast_rows`).catch(() => undefined);
    await connection.run(`DROP TABLE IF EXISTS fast_checked`).catch(() => undefined);
    await connection.run(`DROP TABLE IF EXISTS fast_recheck`).catch(() => undefined);
    await connection.run(`DROP TABLE IF EXISTS fast_source`).catch(() => undefined);
    await rm(chunkDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
