import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { Lake, RETIRED_FILES_KEPT_MS, schemaTag, sha256File, type InputFile, type SkippedInput } from '../lake/lake.js';
import { curatedColumns, type CanonicalRow, type FeedDefinition, type RowResult } from './feed.js';
import { readRecords, type SourceRecord } from './records.js';
import { createRecordMapper, mappingLabel, RowError, sourceColumns, type Mapping } from './mapping.js';
import { quoteIdent, sqlString } from '../engine/sql.js';
import { rowProblem } from './parse.js';
import { curatedColumnsSql, moveIntoLake, partitionFiles } from './curated.js';
import { landWithSql, type SqlLanding, type SqlLandingContext } from './ingest-sql.js';

/** What the lake remembers about one delivery (a source file name within a source system). */
export interface DeliveryManifest {
  feed: string;
  deliveryKey: string;
  sha256: string;
  bytes: number;
  rawPath: string;
  mapping: string;
  ingestedAt: string;
  status: 'landed' | 'rejected';
  reason?: string;
  counts: { read: number; landed: number; quarantined: number };
  businessDates: { min: string; max: string } | null;
  /** Lake-relative data files that make up this delivery; readers see exactly these. */
  files: { curated: string[]; quarantine: string[] };
  /** The columns of its curated files (lake.ts schemaTag): readers of files all alike skip reading each one's schema. */
  curatedSchema?: string;
}

export interface FileReconciliation {
  file: string;
  deliveryKey: string;
  /** landed: new; replaced: a corrected re-delivery; unchanged: same content already landed. */
  outcome: 'landed' | 'replaced' | 'unchanged' | 'rejected';
  read: number;
  landed: number;
  quarantined: number;
  reason?: string;
  topReasons: { reason: string; rows: number }[];
  businessDates: { min: string; max: string } | null;
  /**
   * Who read the rows: DuckDB alone (the fast path, see ingest-sql.ts), DuckDB with the rows its
   * checks flagged decided by the JavaScript checks, or the JavaScript checks alone.
   */
  checkedBy?: 'sql' | 'sql+javascript' | 'javascript';
}

export interface IngestRun {
  feed: string;
  mapping: string;
  startedAt: string;
  seconds: number;
  files: FileReconciliation[];
  totals: { files: number; read: number; landed: number; quarantined: number };
  /** Inputs left out, with the reason (symbolic links, hidden files, a second file of the same delivery name). */
  skipped: SkippedInput[];
}

export interface IngestOptions {
  feed: FeedDefinition;
  mapping: Mapping;
  /** Source system the files come from; with the file name it identifies a delivery. */
  source?: string;
  /** Called as a file starts and, with its result and the count of files done, as it ends. */
  onFile?: (event: { index: number; total: number; file: string; done: number; result?: FileReconciliation }) => void;
  /** Files landed at once (default: see ingestWorkers). */
  workers?: number;
  /** How long to wait for another writer to release the lake (e.g. concurrent Lambdas); default 0. */
  lockWaitMs?: number;
  /** Inputs already left out when the files were listed; reported with the run. */
  skipped?: SkippedInput[];
  /** Plausible business dates (inclusive); rows outside are quarantined. Default: see businessDateWindow. */
  dateWindow?: DateWindow;
}

/** The business dates a row may have, `YYYY-MM-DD`, both ends inclusive. */
export interface DateWindow {
  from: string;
  to: string;
}

/**
 * The default window of plausible business dates: 2000-01-01 up to tomorrow (a store a time zone
 * ahead), so sentinels such as 9999-12-31 or 1900-01-01 are quarantined, never landed where
 * they would stretch every span computed downstream (the CLV models ran for hours on one).
 * CRMLAKE_DATE_WINDOW=from..to (either end may be empty) or `ingest --dates` changes it.
 */
export function businessDateWindow(spec = process.env.CRMLAKE_DATE_WINDOW, now = new Date()): DateWindow {
  const tomorrow = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  const window = { from: '2000-01-01', to: tomorrow };
  if (!spec) return window;
  const match = /^(\d{4}-\d{2}-\d{2})?\.\.(\d{4}-\d{2}-\d{2})?$/.exec(spec.trim());
  if (!match) throw new Error(`date window "${spec}" must be FROM..TO with dates as YYYY-MM-DD (either end may be left out), e.g. 1995-01-01..2030-12-31`);
  const result = { from: match[1] ?? window.from, to: match[2] ?? window.to };
  if (result.from > result.to) throw new Error(`date window "${spec}" ends before it starts`);
  return result;
}

/** Longest field value landed (characters); longer ones are quarantined (DuckDB's CSV reader stops at 2,000,000 bytes a line). */
export const MAX_FIELD_CHARS = 1_000_000;
/** What a quarantined record, header or reason keeps of a huge value. */
const MAX_KEPT_CHARS = 10_000;

/**
 * Text safe to store and print: NUL and other control characters shown as \u escapes (a NUL
 * ends a SQL string and garbles a terminal), and cut to `max` characters with the rest counted.
 */
export function printable(text: string, max = 500): string {
  // eslint-disable-next-line no-control-regex
  const clean = (text.length > max ? text.slice(0, max) : text).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return text.length > max ? `${clean}… (${(text.length - max).toLocaleString('en-US')} more characters)` : clean;
}

/**
 * Files a run lands at once: $CRMLAKE_INGEST_WORKERS, or 2. Each has its own DuckDB session with
 * CRMLAKE_INGEST_MEMORY, so memory grows with them (500k demo company's POS months: peak 0.44 GiB
 * with one, 0.68 GiB with two); a single file uses one.
 */
export function ingestWorkers(spec = process.env.CRMLAKE_INGEST_WORKERS, name = 'CRMLAKE_INGEST_WORKERS'): number {
  if (spec === undefined || spec.trim() === '') return 2;
  const workers = Number(spec);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new Error(`${name} "${spec}" must be a whole number of files to land at once, 1 to 64`);
  return workers;
}

/** Rows per staging file (see ingestOne): about 50 MB of parquet work in memory at most. */
const STAGING_ROWS = 100_000;

const safeName = (text: string) => text.replace(/[^A-Za-z0-9._-]+/g, '_');

export function deliveryFileStem(deliveryKey: string): string {
  const hash = createHash('sha256').update(deliveryKey).digest('hex').slice(0, 8);
  return `${safeName(deliveryKey.replace(/\//g, '__')).slice(0, 120)}-${hash}`;
}

/**
 * Lands files of one feed: keeps the original in the raw zone, validates every record,
 * writes valid rows to the curated zone (parquet, one folder per business date) and rejected
 * ones to quarantine, then commits by replacing the delivery's manifest atomically.
 * Same content twice lands once; new content under the same delivery key replaces the old rows.
 */
export async function ingestFiles(lake: Lake, inputs: (string | InputFile)[], options: IngestOptions): Promise<IngestRun> {
  const { feed, mapping } = options;
  const source = options.source ?? mapping.name;
  // A delivery is the source plus the file's path within the folder given, so store-12/day.csv
  // and store-13/day.csv are two deliveries (as the landing keys make them in the cloud).
  const skipped: SkippedInput[] = [...(options.skipped ?? [])];
  const deliveries = new Map<string, string>();
  const files: string[] = [];
  const keys: string[] = [];
  for (const input of inputs) {
    const file = typeof input === 'string' ? input : input.path;
    // Checked again here, just before reading: a file swapped for a link since it was listed is not followed.
    if (!(await lstat(file)).isFile()) {
      skipped.push({ path: file, reason: 'not a regular file (a symbolic link is never followed)' });
      continue;
    }
    const key = `${source}/${typeof input === 'string' ? path.basename(input) : input.name}`;
    const first = deliveries.get(key);
    if (first !== undefined) {
      skipped.push({ path: file, reason: `same delivery name ${key} as ${first}, which it would replace; ingest it separately or with another --source` });
      continue;
    }
    deliveries.set(key, file);
    files.push(file);
    keys.push(key);
  }
  const started = new Date();
  const dateWindow = businessDateWindow();
  // Settled before the lake is touched: a bad $CRMLAKE_INGEST_WORKERS fails before the lock.
  const workers = Math.max(1, Math.min(files.length, options.workers ?? ingestWorkers()));
  const unlock = await lake.lock(`ingest ${feed.name}`, { waitMs: options.lockWaitMs });
  const results: FileReconciliation[] = new Array(files.length);
  let lastDone: FileReconciliation | undefined;
  let next = 0;
  let done = 0;
  const sessions: { instance: DuckDBInstance; connection: DuckDBConnection }[] = [];
  // Each file is its own delivery with its own files and manifest, so files land side by side:
  // while one DuckDB session writes parquet, the other file is hashed, copied, read and checked.
  const land = async (connection: DuckDBConnection) => {
    for (let index = next++; index < files.length; index = next++) {
      const file = files[index]!;
      options.onFile?.({ index, total: files.length, file, done });
      const deliveryKey = keys[index]!;
      let result: FileReconciliation;
      try {
        // The last file landed had rows the SQL checks flagged: this one likely has too (a source's
        // files share its faults), so the fast path checks it into a table at once.
        const expectFlags = lastDone?.checkedBy === 'sql+javascript';
        result = await ingestOne(lake, connection, file, deliveryKey, { ...options, dateWindow: options.dateWindow ?? dateWindow, assertLockHeld: unlock.assertHeld, expectFlags });
      } catch (error) {
        // Not even the quarantine could be written (storage failing): this file is not landed
        // (no manifest, so the next run tries it again); the run goes on with the others.
        const reason = `not landed, try again: ${printable((error as Error).message)}`;
        result = { file, deliveryKey, outcome: 'rejected', read: 0, landed: 0, quarantined: 0, reason, topReasons: [], businessDates: null };
      }
      results[index] = lastDone = result;
      options.onFile?.({ index, total: files.length, file, result, done: ++done });
    }
  };
  try {
    await collectGarbage(lake, feed);
    for (let i = 0; i < workers; i++) {
      // Bounded memory for any file size (measured by bench/stream.ts): DuckDB spills to scratch
      // beyond the limit; one thread, as each thread buffers every open date partition (the fast
      // path reads and checks with every core, and writes in batches of dates).
      const instance = await DuckDBInstance.create(':memory:', {
        memory_limit: process.env.CRMLAKE_INGEST_MEMORY ?? '256MB',
        // A spill folder each: two sessions spilling into one folder write the same file names.
        temp_directory: path.join(lake.store.scratchRoot(), `duckdb-spill-${i}`),
        preserve_insertion_order: 'false',
        threads: '1',
      });
      sessions.push({ instance, connection: await instance.connect() });
    }
    // Every session finishes before any is closed, even when one fails.
    const failed = (await Promise.allSettled(sessions.map(({ connection }) => land(connection)))).find((o) => o.status === 'rejected');
    if (failed) throw failed.reason;
  } finally {
    for (const { instance, connection } of sessions) {
      connection.closeSync();
      instance.closeSync();
    }
    // Staging files of a file that failed midway: scratch is only ever used under the lock.
    await lake.clearScratch().catch(() => undefined);
    await unlock();
  }
  const run: IngestRun = {
    feed: feed.name,
    mapping: mappingLabel(mapping),
    startedAt: started.toISOString(),
    seconds: (Date.now() - started.getTime()) / 1000,
    files: results,
    totals: {
      files: results.length,
      read: sum(results, 'read'),
      landed: sum(results, 'landed'),
      quarantined: sum(results, 'quarantined'),
    },
    skipped,
  };
  await lake.writeJsonAtomic(`_runs/${started.toISOString().replace(/[:.]/g, '-')}-ingest-${feed.name}.json`, run);
  return run;
}

const sum = (rows: FileReconciliation[], key: 'read' | 'landed' | 'quarantined') =>
  rows.reduce((total, r) => total + (r.outcome === 'unchanged' ? 0 : r[key]), 0);

async function ingestOne(
  lake: Lake,
  connection: DuckDBConnection,
  file: string,
  deliveryKey: string,
  { feed, mapping, dateWindow, assertLockHeld, expectFlags }: IngestOptions & { assertLockHeld?: () => Promise<void>; expectFlags?: boolean },
): Promise<FileReconciliation> {
  const stem = deliveryFileStem(deliveryKey);
  const manifestPath = `_manifests/${feed.name}/${stem}.json`;
  const previous = await lake.readJson<DeliveryManifest>(manifestPath);
  const sha256 = await sha256File(file);
  // Lakes landed before deliveries kept their subfolder knew this file as <source>/<file name>:
  // the same content landed under that name is not landed twice.
  const legacyKey = `${deliveryKey.split('/')[0]}/${path.basename(file)}`;
  const legacy = !previous && legacyKey !== deliveryKey ? await lake.readJson<DeliveryManifest>(`_manifests/${feed.name}/${deliveryFileStem(legacyKey)}.json`) : undefined;
  const same = previous?.sha256 === sha256 ? previous : legacy?.sha256 === sha256 ? legacy : undefined;
  if (same) {
    return {
      file, deliveryKey, outcome: 'unchanged', read: same.counts.read, landed: same.counts.landed,
      quarantined: same.counts.quarantined, topReasons: [], businessDates: same.businessDates,
      reason: same === previous ? 'same content already landed' : `same content already landed as ${legacyKey}`,
    };
  }
  const ingestedAt = new Date().toISOString();
  const sha8 = sha256.slice(0, 8);
  const rawPath = `raw/${feed.name}/${ingestedAt.slice(0, 10)}/${sha8}-${safeName(path.basename(file))}`;
  if (!(await lake.exists(rawPath))) await lake.putFile(file, rawPath);

  const scratch = await lake.scratch();
  const lineage = { _source_file: deliveryKey, _source_sha256: sha256, _ingested_at: ingestedAt.replace('T', ' ').replace('Z', ''), _mapping: mappingLabel(mapping) };
  const context: SqlLandingContext = { feed, mapping, dateWindow, lineage, scratch, fileStem: `${stem}-${sha8}`, maxFieldChars: MAX_FIELD_CHARS, expectFlags };
  // DuckDB lands the rows it can prove are exactly those the JavaScript checks would land (see
  // ingest-sql.ts); the JavaScript checks decide the rest: the rows it flagged, or the whole file.
  const fast = await landWithSql(lake, connection, file, context);
  const landing = (records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>, fileStem: string) =>
    landWithJs(lake, connection, file, records, { ...context, fileStem, deliveryKey, rawPath });
  const { read, landed, quarantined, curated, quarantine, businessDates, fileError, reasons }: Landing = !fast
    ? await landing(readRecords(file, mapping.source, sourceColumns(mapping)), context.fileStem)
    : fast.recheck
      ? combine(fast, await landing(fast.recheck, `${context.fileStem}-checked`))
      : { ...fast, quarantined: 0, quarantine: [], fileError: undefined, reasons: new Map<string, number>() };

  const manifest: DeliveryManifest = {
    feed: feed.name,
    deliveryKey,
    sha256,
    bytes: (await stat(file)).size,
    rawPath,
    mapping: lineage._mapping,
    ingestedAt,
    status: fileError ? 'rejected' : 'landed',
    ...(fileError ? { reason: fileError } : {}),
    counts: { read, landed, quarantined },
    businessDates,
    files: { curated, quarantine },
    curatedSchema: schemaTag(curatedColumns(feed)),
  };
  failpoint('ingest:before-commit');
  await assertLockHeld?.();
  // The commit point: from here on readers see the new files, and only them.
  await lake.writeJsonAtomic(manifestPath, manifest);
  failpoint('ingest:after-commit');
  if (previous) {
    // The replaced files are retired, not deleted: a reader that listed the previous manifest
    // (a build, a report, an analyst's query) is still reading them. A later ingest deletes them.
    const keep = new Set([...curated, ...quarantine]);
    await retireFiles(lake, feed.name, [...previous.files.curated, ...previous.files.quarantine].filter((old) => !keep.has(old)));
  }
  await rm(scratch, { recursive: true, force: true });

  return {
    file,
    deliveryKey,
    outcome: fileError ? 'rejected' : previous ? 'replaced' : 'landed',
    read,
    landed,
    quarantined,
    ...(fileError ? { reason: fileError } : {}),
    topReasons: [...reasons.entries()].sort((a, b) => b[1] - a[1]).slice(0, 5).map(([reason, rows]) => ({ reason, rows })),
    businessDates,
    checkedBy: !fast ? 'javascript' : fast.recheck ? 'sql+javascript' : 'sql',
  };
}

/** What landing one file produced, whichever path read it. */
interface Landing {
  read: number;
  landed: number;
  quarantined: number;
  curated: string[];
  quarantine: string[];
  businessDates: DeliveryManifest['businessDates'];
  /** Set when the whole file was quarantined (unreadable, or failing while its rows were written). */
  fileError: string | undefined;
  /** Quarantined rows per reason. */
  reasons: Map<string, number>;
}

/**
 * The fast path's rows and the JavaScript verdict on the rows it flagged, as one landing. A file
 * the JavaScript side could not finish (a write failing) is quarantined whole, as on that path.
 */
function combine(fast: SqlLanding, checked: Landing): Landing {
  if (checked.fileError) {
    const read = fast.read + checked.read;
    return { ...checked, read, landed: 0, quarantined: read };
  }
  const dates = [fast.businessDates, checked.businessDates].filter((d) => d !== null);
  return {
    read: fast.read + checked.read,
    landed: fast.landed + checked.landed,
    quarantined: checked.quarantined,
    curated: [...fast.curated, ...checked.curated],
    quarantine: checked.quarantine,
    businessDates: dates.length ? { min: dates.map((d) => d.min).sort()[0]!, max: dates.map((d) => d.max).sort().at(-1)! } : null,
    fileError: undefined,
    reasons: checked.reasons,
  };
}

/**
 * Reads, maps and checks records in JavaScript (a whole file's, or the header and the rows the
 * fast path flagged): valid rows stream to staging CSVs that DuckDB
 * writes as date-partitioned parquet, rejected rows to the quarantine with file, line, field and
 * reason; a file that cannot be read or written is quarantined whole.
 */
async function landWithJs(
  lake: Lake,
  connection: DuckDBConnection,
  file: string,
  records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  { feed, mapping, dateWindow, lineage, scratch, fileStem, deliveryKey, rawPath }: SqlLandingContext & { deliveryKey: string; rawPath: string },
): Promise<Landing> {
  const reasons = new Map<string, number>();
  let read = 0;
  let landed = 0;
  let quarantined = 0;
  let fileError: string | undefined;
  const curated: string[] = [];
  const quarantine: string[] = [];
  let businessDates: DeliveryManifest['businessDates'] = null;
  const stagingColumns = [...feed.columns.map((c) => c.name).filter((n) => !(n in feed.derivedSql)), '_source_line'];
  // Valid rows stream to a scratch CSV that DuckDB then reads in bulk: bounded memory for any
  // file size, and far cheaper than one native call per value through an appender.
  // Staging files of one business month and at most STAGING_ROWS rows each: DuckDB writes the
  // date partitions of one staging file at once and holds them in memory until it is done, so
  // this bounds memory for any file size and any span of dates.
  const staging = new Map<string, StagingWriter>();
  const closedStaging: string[] = [];
  const stagingFor = async (date: string) => {
    const month = date.slice(0, 7);
    let writer = staging.get(month);
    if (writer && writer.rows >= STAGING_ROWS) {
      await writer.close();
      closedStaging.push(writer.file);
      writer = undefined;
    }
    if (!writer) {
      writer = new StagingWriter(path.join(scratch, `staging-${month}-${closedStaging.length + staging.size}.csv`));
      staging.set(month, writer);
    }
    return writer;
  };
  await connection.run(`CREATE OR REPLACE TEMP TABLE rejected (source_line BIGINT, field VARCHAR, reason VARCHAR, raw_record VARCHAR)`);
  const rejected = await connection.createAppender('rejected');
  let header: string[] | undefined;
  const castColumns = feed.columns.filter((c) => !(c.name in feed.derivedSql));
  let minDate: string | undefined;
  let maxDate: string | undefined;

  const reject = (line: number, field: string, reason: string, raw: string) => {
    quarantined++;
    const key = field ? `${field}: ${reason}` : reason;
    reasons.set(key, (reasons.get(key) ?? 0) + 1);
    rejected.appendBigInt(BigInt(line));
    rejected.appendVarchar(field);
    rejected.appendVarchar(reason);
    rejected.appendVarchar(raw);
    rejected.endRow();
  };

  try {
    const validate = feed.createValidator(mapping);
    let mapRecord: ((values: string[]) => CanonicalRow) | undefined;
    for await (const { line, values, error } of records) {
      if (error !== undefined) {
        read++;
        reject(line, '', `unreadable record: ${printable(error)}`, '');
        continue;
      }
      if (!header || !mapRecord) {
        header = values.map((v) => v.trim());
        mapRecord = createRecordMapper(mapping, header);
        continue;
      }
      read++;
      // The original record is kept with a reject, keyed by the header where it fits (huge values cut).
      const kept = (v: string) => (v.length > MAX_KEPT_CHARS ? printable(v, MAX_KEPT_CHARS) : v);
      const raw = () => JSON.stringify(values.length === header!.length ? Object.fromEntries(header!.map((h, i) => [h, kept(values[i]!)])) : values.map(kept));
      if (values.length !== header.length) {
        reject(line, '', `expected ${header.length} fields, found ${values.length}`, raw());
        continue;
      }
      const long = values.findIndex((v) => v.length > MAX_FIELD_CHARS);
      if (long >= 0) {
        reject(line, header[long]!, `value of ${values[long]!.length.toLocaleString('en-US')} characters is longer than the ${MAX_FIELD_CHARS.toLocaleString('en-US')} a field may have`, raw());
        continue;
      }
      // Bytes that are not valid in the declared encoding decode to U+FFFD: landing them would
      // store mojibake without a word (GBK read as UTF-8), so the row is quarantined and named.
      const garbled = values.findIndex((v) => v.includes('\uFFFD'));
      if (garbled >= 0) {
        reject(line, header[garbled]!, `not valid ${mapping.source.encoding} (bytes shown as \uFFFD): is the file in another encoding, e.g. gbk? Set source.encoding in the mapping`, raw());
        continue;
      }
      let result: RowResult;
      try {
        result = validate(mapRecord(values), line);
      } catch (error) {
        if (!(error instanceof RowError)) throw error;
        result = { ok: false, field: error.field, reason: error.message };
      }
      if (result.ok) {
        // Every value must survive its column's cast exactly (a feed's own checks may miss one):
        // a bad value quarantines its row instead of failing the whole file at the COPY.
        const problem = rowProblem(castColumns, result.row);
        if (problem) result = { ok: false, ...problem };
      }
      if (!result.ok) {
        reject(line, result.field, result.reason, raw());
        continue;
      }
      const date = result.row[feed.partitionColumn]!;
      if (dateWindow && (date < dateWindow.from || date > dateWindow.to)) {
        reject(
          line,
          feed.partitionColumn,
          `business date ${date} is outside the plausible ${dateWindow.from}..${dateWindow.to} (a placeholder such as 9999-12-31?); ` +
            'if it is real, widen the window with crmlake ingest --dates FROM..TO or CRMLAKE_DATE_WINDOW',
          raw(),
        );
        continue;
      }
      await (await stagingFor(date)).write(stagingColumns.map((column) => (column === '_source_line' ? String(line) : result.row[column])));
      if (!minDate || date < minDate) minDate = date;
      if (!maxDate || date > maxDate) maxDate = date;
      landed++;
    }
    if (!header) throw new Error('the file is empty (no header line)');
  } catch (error) {
    fileError = `cannot read ${path.basename(file)}: ${printable((error as Error).message)}`;
    if (header?.some((h) => h.includes('\u0000'))) fileError += '; the header has NUL bytes: is the file UTF-16? Save it as UTF-8 or set source.encoding: utf-16le';
    else if (header?.some((h) => h.includes('\uFFFD'))) fileError += `; the header is not valid ${mapping.source.encoding}: set source.encoding in the mapping`;
  } finally {
    for (const writer of staging.values()) {
      try {
        await writer.close();
      } catch (error) {
        fileError ??= `cannot stage ${path.basename(file)}: ${printable((error as Error).message)}`;
      }
      closedStaging.push(writer.file);
    }
    rejected.closeSync();
  }

  const quarantineTarget = `quarantine/${feed.name}/${fileStem}.parquet`;
  const writeQuarantine = async (selectSql: string) => {
    const temp = path.join(scratch, 'quarantine.parquet');
    await connection.run(`COPY (${selectSql}) TO ${sqlString(temp)} (FORMAT parquet)`);
    await lake.putFile(temp, quarantineTarget, { move: true });
    quarantine.push(quarantineTarget);
  };
  const quarantineLineage =
    `${sqlString(lineage._source_sha256)} AS _source_sha256, TIMESTAMP ${sqlString(lineage._ingested_at)} AS _ingested_at, ${sqlString(lineage._mapping)} AS _mapping`;

  if (!fileError) {
    try {
      const columns = curatedColumnsSql(feed, lineage);
      if (landed > 0) {
        const uploads: [string, string][] = [];
        for (const [chunk, stagingFile] of closedStaging.sort().entries()) {
          const chunkDir = path.join(scratch, 'curated', String(chunk));
          await mkdir(path.dirname(chunkDir), { recursive: true });
          await connection.run(
            `COPY (SELECT ${columns}, CAST(${quoteIdent(feed.partitionColumn)} AS VARCHAR) AS dt ` +
              `FROM read_csv(${sqlString(stagingFile)}, header = false, auto_detect = false, ` +
              `delim = ',', quote = '"', escape = '"', nullstr = '\\N', ` +
              `columns = {${stagingColumns.map((c) => `${sqlString(c)}: 'VARCHAR'`).join(', ')}})) ` +
              `TO ${sqlString(chunkDir)} (FORMAT parquet, PARTITION_BY (dt))`,
          );
          const suffix = (n: number) => (chunk || n ? `-${chunk}${n ? `-${n}` : ''}` : '');
          uploads.push(...(await partitionFiles(chunkDir, (dir, n) => `curated/${feed.table}/${dir}/${fileStem}${suffix(n)}.parquet`)));
        }
        await moveIntoLake(lake, uploads);
        curated.push(...uploads.map(([, key]) => key));
        businessDates = { min: minDate!, max: maxDate! };
      }
      if (quarantined > 0) {
        await writeQuarantine(
          `SELECT ${sqlString(deliveryKey)} AS source_file, source_line, field, reason, raw_record, ${quarantineLineage} ` +
            `FROM rejected ORDER BY source_line`,
        );
      }
    } catch (error) {
      // Whatever fails while the rows are written (a value no check foresaw, a full disk),
      // the file is quarantined whole with the reason; the files written so far are in no
      // manifest, so no reader sees them, and the next run collects them.
      fileError = `cannot land ${path.basename(file)}: ${printable((error as Error).message)}`;
      curated.length = 0;
      quarantine.length = 0;
      businessDates = null;
    }
  }
  if (fileError) {
    // The whole file is quarantined with the reason; its rows count as read and quarantined.
    quarantined = read;
    landed = 0;
    await writeQuarantine(
      `SELECT ${sqlString(deliveryKey)} AS source_file, CAST(NULL AS BIGINT) AS source_line, '' AS field, ` +
        `${sqlString(fileError)} AS reason, ${sqlString(rawPath)} AS raw_record, ${quarantineLineage}`,
    );
  }
  await connection.run('DROP TABLE rejected');
  return { read, landed, quarantined, curated, quarantine, businessDates, fileError, reasons };
}

/**
 * Crash injection for the atomicity tests: CRMLAKE_FAILPOINT=<name> kills the process with
 * SIGKILL at that point, exactly as a power cut or an OOM kill would.
 */
function failpoint(name: string): void {
  if (process.env.CRMLAKE_FAILPOINT === name) process.kill(process.pid, 'SIGKILL');
}

/** Writes canonical rows as CSV: every value quoted, NULL as an unquoted \\N. */
export class StagingWriter {
  private readonly stream;
  private buffer = '';
  rows = 0;

  /** A write error (disk full, the scratch folder gone): raised by the next write or close, never an unhandled 'error' event. */
  private failure: Error | undefined;

  constructor(readonly file: string) {
    this.stream = createWriteStream(file, { mode: 0o600 });
    this.stream.on('error', (error) => (this.failure ??= error));
  }

  async write(values: (string | null | undefined)[]): Promise<void> {
    if (this.failure) throw this.failure;
    this.rows++;
    this.buffer += values.map((v) => (v === null || v === undefined ? '\\N' : `"${v.includes('"') ? v.replace(/"/g, '""') : v}"`)).join(',') + '\n';
    if (this.buffer.length > 1 << 16) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = this.buffer;
    this.buffer = '';
    if (this.failure) throw this.failure;
    if (!this.stream.write(chunk)) {
      // Wait for whichever comes first, then drop the other listener: one left behind per
      // back-pressure wait piles up on a long file (MaxListenersExceededWarning).
      await new Promise<void>((resolve) => {
        const done = () => {
          this.stream.off('drain', done);
          this.stream.off('error', done);
          resolve();
        };
        this.stream.once('drain', done);
        this.stream.once('error', done);
      });
    }
  }

  async close(): Promise<void> {
    await this.flush();
    if (this.failure) throw this.failure;
    await new Promise<void>((resolve, reject) => this.stream.end((error?: Error | null) => (error ? reject(error) : resolve())));
  }
}

interface RetiredFile {
  key: string;
  retiredAt: string;
}

const retiredListKey = (feed: string) => `_retired/${feed}.json`;

/** Records files a re-delivery replaced; they are deleted RETIRED_FILES_KEPT_MS later. */
async function retireFiles(lake: Lake, feed: string, keys: string[]): Promise<void> {
  if (!keys.length) return;
  const retired = (await lake.readJson<RetiredFile[]>(retiredListKey(feed))) ?? [];
  const at = new Date().toISOString();
  await lake.writeJsonAtomic(retiredListKey(feed), [...retired, ...keys.map((key) => ({ key, retiredAt: at }))]);
}

/**
 * Removes what a crashed run left behind: scratch folders and data files that no committed
 * manifest lists (they were never visible to readers), and files a re-delivery replaced more
 * than RETIRED_FILES_KEPT_MS ago. Runs under the lake's writer lock.
 */
export async function collectGarbage(lake: Lake, feed: FeedDefinition, now = Date.now()): Promise<number> {
  const manifests = await lake.listManifests<DeliveryManifest>(feed.name);
  const retired = (await lake.readJson<RetiredFile[]>(retiredListKey(feed.name))) ?? [];
  const stillRead = retired.filter((r) => now - Date.parse(r.retiredAt) < RETIRED_FILES_KEPT_MS);
  if (stillRead.length !== retired.length) await lake.writeJsonAtomic(retiredListKey(feed.name), stillRead);
  const referenced = new Set([...manifests.flatMap((m) => [...m.files.curated, ...m.files.quarantine]), ...stillRead.map((r) => r.key)]);
  let removed = 0;
  for (const zone of [`curated/${feed.table}/`, `quarantine/${feed.name}/`]) {
    for (const key of await lake.list(zone)) {
      if (!referenced.has(key)) {
        await lake.remove(key);
        removed++;
      }
    }
  }
  await lake.clearScratch();
  return removed;
}
