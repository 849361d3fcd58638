/**
 * Ingest's fast path: DuckDB parses, maps, checks and casts a whole file in SQL, with no row
 * passing through JavaScript. It lands the rows it can prove the JavaScript path would land with
 * the same values and line numbers: a UTF-8 CSV whose every record is one physical line, or
 * UTF-8 JSON lines with flat keys and values JSON.parse reads the same, a mapping and feed rules
 * with SQL forms, and rows passing checks that are at least as strict as
 * the JavaScript ones. The rows those checks flag (few, in a real file) are handed back to the
 * JavaScript checks, which have the last word on every row they see and every reason: they land
 * the ones the SQL checks were only stricter about and quarantine the rest with line, field and
 * reason. A file in another encoding (GBK) is decoded to UTF-8 first, as the JavaScript reader
 * decodes it. Anything else (a quoted line break, a transform with no SQL form, more flagged rows
 * than RECHECK_MAX, any error) returns undefined and the whole file takes the JavaScript path.
 * A file spanning more than DATES_PER_COPY business dates is written in batches of dates.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '../lake/lake.js';
import { quoteIdent, sqlString } from '../engine/sql.js';
import { curatedColumnsSql, type Lineage, moveIntoLake, partitionFiles } from './curated.js';
import type { FeedDefinition } from './feed.js';
import { mappingSql, sourceColumns, type Mapping } from './mapping.js';
import { canonicalOkSql } from './parse.js';
import { jsonLineRecord, openText, readRecords, type SourceRecord } from './records.js';

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

/**
 * Records below which a file takes the JavaScript path: DuckDB's statements cost a file about
 * 40 ms more than the JavaScript checks of a thousand rows (a store's daily file: 101 against
 * 64 ms per file), and win from about 2,500 rows on (28,000-row files: 0.28 s against 0.69 s).
 * The tests set CRMLAKE_INGEST_SQL_MIN_LINES=0 so that small files exercise this path too.
 */
const minLines = () => Number(process.env.CRMLAKE_INGEST_SQL_MIN_LINES ?? 3_000);

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
  /** Rows are likely to be flagged (the delivery's previous file had some): check into a table at once, with no one-pass write first. */
  expectFlags?: boolean;
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
 * reader does: gzip, line breaks other than LF / CRLF, a line longer than `maxLineBytes`; for a
 * CSV (`csv` given), also quotes DuckDB reads otherwise (above), white space other than spaces
 * and U+FFFD.
 */
async function countLines(file: string, maxLineBytes: number, csv?: { delimiter: string; quote: string }): Promise<number | undefined> {
  const d = csv?.delimiter.charCodeAt(0) ?? 0;
  const q = csv?.quote.charCodeAt(0) ?? 0;
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
    if (csv) {
      // Quotes are checked line by line; the unfinished last line waits for the next chunk.
      const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
      const end = buf.lastIndexOf(10) + 1;
      if (!quotesReadAlike(buf, end, d, q) || !onlySpaces(buf, end, offset === carry.length && offset === 0)) return undefined;
      carry = buf.subarray(end);
    }
    offset += chunk.length;
  }
  if (offset - lineStart > maxLineBytes) return undefined;
  if (crs !== crlfs) return undefined;
  if (csv && (!quotesReadAlike(carry, carry.length, d, q) || !onlySpaces(carry, carry.length, offset === carry.length))) return undefined;
  return last === -1 ? 0 : lines + (last === 10 ? 0 : 1);
}

/** How the fast path reads one source format into `fast_source` and back out for the JavaScript checks. */
interface SourceSql {
  /** Physical lines of the file. */
  lines: number;
  /** The names the mapping reads, in the order of the columns c0, c1, … */
  header: string[];
  /** The first record given to the JavaScript checks, before the flagged ones. */
  headerRecord: SourceRecord;
  /** A table function reading the file into fast_source: one row per physical line (after the header of a CSV). */
  read: string;
  /** Rows fast_source holds when every record is one line (fewer: a record spans lines, or lines were skipped). */
  rows: number;
  /** Over fast_source: `_source_line`, `_source_ok` (the record reads as JavaScript reads it) and c0, c1, … trimmed; one row per record. */
  records: string;
  /** Whether `records` costs enough (parsing JSON) to check every row once into a table rather than try a one-pass write first. */
  materialize?: boolean;
  /** The records on the given lines as the JavaScript reader reads them, in line order. */
  recheck(connection: DuckDBConnection, lines: string): Promise<SourceRecord[]>;
}

/** Spaces trimmed as the JavaScript mapper trims; trim() only where there is something to trim, as it copies every value it is given. */
const trimSpaces = (value: string) => `CASE WHEN starts_with(${value}, ' ') OR ends_with(${value}, ' ') THEN trim(${value}) ELSE ${value} END`;

/** A UTF-8 CSV whose every record is one line: DuckDB's CSV reader, all columns text. */
async function csvSource(file: string, source: Mapping['source'], maxLineBytes: number): Promise<SourceSql | undefined> {
  const ascii = (c: string) => /^[\x21-\x7e]$/.test(c);
  if (!ascii(source.delimiter) || !ascii(source.quote)) return undefined;
  const lines = await countLines(file, maxLineBytes, source);
  if (lines === undefined || lines === 0 || lines - 1 < minLines()) return undefined;
  let headerValues: string[] | undefined;
  for await (const record of readRecords(file, source, [])) {
    headerValues = record.values;
    break;
  }
  const header = headerValues?.map((v) => v.trim());
  if (!header || !headerValues || header.some((h) => /[\r\n\uFFFD]/.test(h))) return undefined;
  const column = (i: number) => `c${i}`;
  return {
    lines,
    header,
    headerRecord: { line: 1, values: headerValues },
    read:
      `read_csv(${sqlString(file)}, header = true, auto_detect = false, compression = 'none', ` +
      `delim = ${sqlString(source.delimiter)}, quote = ${sqlString(source.quote)}, escape = ${sqlString(source.quote)}, ` +
      `strict_mode = true, null_padding = false, max_line_size = 4000000, ` +
      `columns = {${header.map((_, i) => `${sqlString(column(i))}: 'VARCHAR'`).join(', ')}})`,
    rows: lines - 1,
    // The scan above saw no white space but spaces: trimming them is trimming as JavaScript does.
    records: `SELECT rowid + 2 AS _source_line, true AS _source_ok, ${header.map((_, i) => `${trimSpaces(column(i))} AS ${column(i)}`).join(', ')} FROM fast_source`,
    async recheck(connection, lines) {
      const values = header.map((_, i) => `coalesce(c${i}, '')`).join(', ');
      const records = await connection.runAndReadAll(`SELECT rowid + 2 AS line, [${values}] AS values FROM fast_source WHERE rowid + 2 IN (${lines}) ORDER BY line`);
      return records.getRowObjectsJS().map((r) => ({ line: Number(r.line), values: r.values as string[] }));
    },
  };
}

/**
 * In a JSON line, what DuckDB reads otherwise than JavaScript: what its parser takes and
 * JSON.parse does not (a trailing comma, NaN, Infinity), and white space other than spaces
 * (raw or escaped) that could end a value, which JavaScript's trim() removes and SQL's does not.
 * Also matches lines that are fine (`"a": "info"`, a tab between two keys): those are left to
 * JavaScript.
 */
const JSON_LENIENCY = [
  String.raw`,\s*[\]}]`,
  String.raw`[:\[,]\s*[-+]?(?i:nan|inf)`,
  String.raw`[\t\x0B\f\r\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}]`,
  String.raw`\\[tnfr]`,
  String.raw`\\u(000[9abcdABCD]|00[aA]0|1680|200[0-9aA]|202[89fF]|205[fF]|3000|[fF][eE][fF][fF])`,
].join('|');

/**
 * JSON lines with flat keys: each line read as one text by DuckDB's CSV reader (no delimiter,
 * no quotes) and parsed once into the mapped keys (json_transform). A line is `_source_ok` only
 * when JSON.parse reads it as the same object: an object, none of JSON_LENIENCY, no key twice
 * (DuckDB keeps the first, JavaScript the last), and every mapped value with the text
 * JavaScript's String() gives it: strings, booleans, integers within 2^53 and decimals both
 * write without an exponent (DuckDB writes a double's shortest digits as JavaScript does,
 * measured on 20,000 random ones, but exponents otherwise: 1e21 against 1e+21; objects and
 * arrays are left to JavaScript).
 */
async function jsonSource(file: string, mapping: Mapping, maxLineBytes: number): Promise<SourceSql | undefined> {
  const header = sourceColumns(mapping);
  if (header.length === 0 || header.some((c) => !/^[A-Za-z0-9_]+$/.test(c))) return undefined;
  const lines = await countLines(file, maxLineBytes);
  if (lines === undefined || lines === 0 || lines < minLines()) return undefined;
  const lineOk = [
    `json_valid(line)`,
    `regexp_matches(line, '^\\s*\\{')`,
    `NOT regexp_matches(line, ${sqlString(JSON_LENIENCY)})`,
  ].join(' AND ');
  const shape = sqlString(`{${header.map((c) => `"${c}":"JSON"`).join(',')}}`);
  // v<i>: the value as DuckDB writes it back as JSON; NULL when missing or null.
  const text = (i: number) =>
    `CASE WHEN starts_with(v${i}, '"') THEN (CASE WHEN contains(v${i}, '\\') THEN json_extract_string(v${i}, '$') ELSE v${i}[2:-2] END) ` +
    `WHEN starts_with(v${i}, '{') OR starts_with(v${i}, '[') THEN NULL ELSE v${i} END`;
  const valueOk = (i: number) =>
    `(v${i} IS NULL OR starts_with(v${i}, '"') OR v${i} IN ('true', 'false') ` +
    `OR (regexp_full_match(v${i}, '-?[0-9]{1,16}') AND abs(TRY_CAST(v${i} AS BIGINT)) <= 9007199254740992) ` +
    `OR regexp_full_match(v${i}, '-?(0|[1-9][0-9]*)\\.[0-9]*[1-9]'))`;
  const columns = header.map((_, i) => `c${i}`).join(', ');
  return {
    lines,
    header,
    headerRecord: { line: 0, values: header },
    read:
      `read_csv(${sqlString(file)}, header = false, auto_detect = false, compression = 'none', delim = '\\0', quote = '', escape = '', ` +
      `strict_mode = true, max_line_size = 4000000, columns = {'line': 'VARCHAR'})`,
    rows: lines,
    materialize: true,
    records:
      `SELECT _source_line, coalesce(_line_ok AND ${header.map((_, i) => valueOk(i)).join(' AND ')}, false) AS _source_ok, ${columns} FROM (` +
      `SELECT *, ${header.map((_, i) => `${trimSpaces(`t${i}`)} AS c${i}`).join(', ')} FROM (` +
      `SELECT *, ${header.map((_, i) => `${text(i)} AS t${i}`).join(', ')} FROM (` +
      `SELECT _source_line, _line_ok, ${header.map((c, i) => `CAST(j.${quoteIdent(c)} AS VARCHAR) AS v${i}`).join(', ')} FROM (` +
      `SELECT _source_line, _line_ok, CASE WHEN _line_ok THEN json_transform(line, ${shape}) END AS j FROM (` +
      `SELECT _source_line, line, _line_read AND len(_keys) = len(list_distinct(_keys)) AS _line_ok FROM (` +
      `SELECT rowid + 1 AS _source_line, line, ${lineOk} AS _line_read, CASE WHEN json_valid(line) THEN json_keys(line) END AS _keys ` +
      `FROM fast_source WHERE line IS NOT NULL AND NOT (starts_with(line, ' ') AND trim(line) = '')))))))`,
    async recheck(connection, lines) {
      const records = await connection.runAndReadAll(`SELECT rowid + 1 AS line, line AS text FROM fast_source WHERE rowid + 1 IN (${lines}) ORDER BY line`);
      return records
        .getRowObjectsJS()
        .map((r) => jsonLineRecord(Number(r.line), String(r.text ?? ''), header))
        .filter((r) => r !== undefined);
    },
  };
}

/**
 * The file in UTF-8, read as the JavaScript reader reads it (records.ts openText: gunzipped,
 * decoded by TextDecoder, bad bytes as U+FFFD, which the line scan then refuses): DuckDB reads
 * UTF-8 only. Line breaks are the same bytes in the encodings TextDecoder knows, so line numbers
 * are kept. Undefined for an encoding TextDecoder does not know.
 */
export async function inUtf8(file: string, encoding: string, scratch: string): Promise<string | undefined> {
  if (/^utf-?8$/i.test(encoding)) return file;
  const out = path.join(scratch, 'source-utf8');
  try {
    await pipeline(await openText(file, encoding), createWriteStream(out));
  } catch {
    return undefined;
  }
  return out;
}

export async function landWithSql(lake: Lake, connection: DuckDBConnection, file: string, context: SqlLandingContext): Promise<SqlLanding | undefined> {
  const { feed, mapping, dateWindow, lineage, scratch, fileStem } = context;
  if (process.env.CRMLAKE_INGEST_SQL === '0' || !feed.sqlRules) return undefined;
  const rules = feed.sqlRules(mapping);
  if (!rules) return undefined;
  const readable = await inUtf8(file, mapping.source.encoding, scratch);
  if (!readable) return undefined;
  const source = { ...mapping.source, encoding: 'utf-8' };
  const input = source.format === 'csv' ? await csvSource(readable, source, context.maxFieldChars) : await jsonSource(readable, mapping, context.maxFieldChars);
  if (!input) return undefined;
  const mapped = mappingSql(mapping, input.header, (i) => `c${i}`);
  if (!mapped) return undefined;
  const staged = feed.columns.filter((c) => !(c.name in feed.derivedSql));
  const castOk = staged.map((c) => canonicalOkSql(c.type, quoteIdent(c.name)));
  if (castOk.some((c) => c === undefined)) return undefined;
  const partition = quoteIdent(feed.partitionColumn);

  const mappedFields = feed.columns
    .map((c) => `${mapped.fields[c.name] ?? 'CAST(NULL AS VARCHAR)'} AS ${quoteIdent(c.name)}`)
    .join(', ');
  const canonical = staged.map((c) => `${rules.columns[c.name] ?? quoteIdent(c.name)} AS ${quoteIdent(c.name)}`).join(', ');
  const windowOk = dateWindow
    ? `${partition} BETWEEN ${sqlString(dateWindow.from)} AND ${sqlString(dateWindow.to)}`
    : 'true';

  const threads = String(availableParallelism());
  const chunkDir = path.join(scratch, 'curated-sql');
  try {
    // In file order, so that rowid gives the line number.
    await connection.run(`SET preserve_insertion_order = true`);
    await connection.run(`SET threads = ${threads}`);
    await connection.run(`CREATE OR REPLACE TEMP TABLE fast_source AS SELECT * FROM ${input.read}`);
    await connection.run(`SET preserve_insertion_order = false`);
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW fast_mapped AS WITH numbered AS (${input.records}) ` +
        `SELECT _source_line, coalesce(_source_ok AND ${mapped.ok}, false) AS _mapped_ok, ${mappedFields} FROM numbered`,
    );
    await connection.run(
      `CREATE OR REPLACE TEMP VIEW fast_rows AS ` +
        `WITH checked AS (SELECT _source_line, coalesce(_mapped_ok AND ${rules.ok}, false) AS _rules_ok, ` +
          `${rules.recheckWith ?? 'CAST(NULL AS VARCHAR)'} AS _recheck_group, ${canonical} FROM fast_mapped) ` +
        `SELECT *, coalesce(_rules_ok AND ${castOk.join(' AND ')} AND ${partition} IS NOT NULL AND ${windowOk}, false) AS _ok FROM checked`,
    );
    // Every record one line: a skipped blank line or a record over two lines shifts the numbers.
    const count = async (sql: string) => Number((await connection.runAndReadAll(`SELECT count(*)::BIGINT FROM ${sql}`)).getRows()[0]![0] as bigint);
    if ((await count('fast_source')) !== input.rows) return undefined;
    // A source costly to read (JSON), or a file likely to have flagged rows, has its rows
    // checked once, into a table; otherwise a one-pass write is tried first (below).
    const checkFirst = input.materialize || context.expectFlags === true;
    if (checkFirst) await connection.run(`CREATE OR REPLACE TEMP TABLE fast_checked AS SELECT * FROM fast_rows`);
    const rows = await count(checkFirst ? 'fast_checked' : `(${input.records})`);
    if (rows === 0) return { read: 0, landed: 0, curated: [], businessDates: null };
    // Business dates written per COPY: every open date partition holds buffers for each column,
    // and a file spanning years (an order export) would pass the memory limit in one statement.
    // Unchecked, the dates of every mapped row (more than land: they only bound the batches), with
    // nothing of the checks' cost (a window numbering an order's lines, for one: 0.5 s of 1M lines).
    const datesOf = checkFirst
      ? `SELECT CAST(${partition} AS VARCHAR) AS d FROM fast_checked`
      : `SELECT CAST(${rules.columns[feed.partitionColumn] ?? partition} AS VARCHAR) AS d FROM fast_mapped`;
    const dates = (await connection.runAndReadAll(`SELECT DISTINCT d FROM (${datesOf}) WHERE d IS NOT NULL ORDER BY d`))
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
    let flagged = 0;
    // One pass for a clean CSV of a few weeks: a row that fails any check (or a cast, evaluated
    // before the check) stops the COPY, and the work done until then is lost.
    const clean =
      !checkFirst &&
      batches.length === 1 &&
      (await copy('fast_rows', 'true', `CASE WHEN _ok THEN CAST(${partition} AS VARCHAR) ELSE error('row ' || _source_line || ' needs the JavaScript checks') END`).then(
        () => true,
        () => false,
      ));
    if (!clean) {
      // Some rows fail a check, or the file spans more dates than one COPY writes: the checks
      // run once more into a table, DuckDB lands the rows that pass (batch by batch) and the
      // flagged ones go to the JavaScript checks as read from the file.
      await rm(chunkDir, { recursive: true, force: true });
      // With the rows the validator's per-file state ties them to (feed.sqlRules recheckWith).
      if (!checkFirst) await connection.run(`CREATE OR REPLACE TEMP TABLE fast_checked AS SELECT * FROM fast_rows`);
      await connection.run(
        `CREATE OR REPLACE TEMP TABLE fast_recheck AS SELECT _source_line FROM fast_checked WHERE NOT _ok OR _recheck_group IN ` +
          `(SELECT _recheck_group FROM fast_checked WHERE NOT _ok AND _recheck_group IS NOT NULL)`,
      );
      flagged = await count('fast_recheck');
      if (flagged > RECHECK_MAX || flagged === rows) return undefined;
      await copy('fast_checked', '_source_line NOT IN (SELECT _source_line FROM fast_recheck)', `CAST(${partition} AS VARCHAR)`);
      if (flagged > 0) recheck = [input.headerRecord, ...(await input.recheck(connection, 'SELECT _source_line FROM fast_recheck'))];
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
    const landed = rows - flagged;
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
    await connection.run(`DROP VIEW IF EXISTS fast_mapped`).catch(() => undefined);
    await connection.run(`DROP TABLE IF EXISTS fast_checked`).catch(() => undefined);
    await connection.run(`DROP TABLE IF EXISTS fast_recheck`).catch(() => undefined);
    await connection.run(`DROP TABLE IF EXISTS fast_source`).catch(() => undefined);
    await rm(chunkDir, { recursive: true, force: true }).catch(() => undefined);
  }
}
