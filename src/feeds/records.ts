import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse } from 'csv-parse';

export interface SourceOptions {
  format: 'csv' | 'jsonl';
  delimiter: string;
  quote: string;
  /** utf-8, latin1, gbk, gb18030, … (anything the WHATWG TextDecoder knows). */
  encoding: string;
}

export type SourceRecord =
  /** `line`: physical line in the file where the record starts (1 = the header). */
  | { line: number; values: string[]; error?: undefined }
  /** A record the parser could not read (e.g. a quote never closed); quarantine it. */
  | { line: number; values?: undefined; error: string };

const LINE_BREAKS = /\r\n|\r|\n/g;

/** The file's bytes, gunzipped when they start with the gzip magic number. */
async function openBytes(file: string): Promise<Readable> {
  const handle = await open(file, 'r');
  const head = Buffer.alloc(2);
  await handle.read(head, 0, 2, 0);
  await handle.close();
  const raw = createReadStream(file);
  return head[0] === 0x1f && head[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

/** Decodes a byte stream to text in any WHATWG encoding (GBK and GB18030 included), streaming. */
function decode(encoding: string): Transform {
  const decoder = new TextDecoder(encoding, { fatal: false });
  return new Transform({
    decodeStrings: true,
    transform(chunk: Buffer, _enc, done) {
      done(null, decoder.decode(chunk, { stream: true }));
    },
    flush(done) {
      done(null, decoder.decode());
    },
  });
}

/** Streams text for the parser: gunzipped if needed, decoded from the declared encoding. */
export async function openText(file: string, encoding: string): Promise<Readable> {
  try {
    new TextDecoder(encoding);
  } catch {
    throw new Error(`unknown encoding "${encoding}"`);
  }
  return (await openBytes(file)).pipe(decode(encoding));
}

/**
 * Streams a source file record by record, in bounded memory. The first record is the header.
 * CSV: any delimiter, quoted fields spanning lines, a byte-order mark, CRLF. JSON lines: one
 * object per line; `columns` (the mapping's source columns, dotted for nested keys) become the
 * header and each object is read into them.
 */
export async function* readRecords(file: string, options: SourceOptions, columns: string[]): AsyncGenerator<SourceRecord> {
  if (options.format === 'jsonl') yield* readJsonLines(file, options.encoding, columns);
  else yield* readCsv(file, options);
}

async function* readCsv(file: string, options: SourceOptions): AsyncGenerator<SourceRecord> {
  const unreadable: SourceRecord[] = [];
  const parser = (await openText(file, options.encoding)).pipe(
    parse({
      bom: true,
      delimiter: options.delimiter,
      quote: options.quote,
      relax_column_count: true,
      skip_empty_lines: true,
      // A stray quote inside an unquoted field (`5" frame`) is kept as text, as spreadsheets do.
      relax_quotes: true,
      info: true,
      skip_records_with_error: true,
      on_skip: (error: { message: string; lines?: number } | undefined) => {
        if (error) unreadable.push({ line: error.lines ?? 0, error: error.message });
        return undefined;
      },
    }),
  );
  // csv-parse counts CR and LF of a CRLF inside a quoted field as two lines; undo that drift.
  let drift = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    let chars = 0;
    let breaks = 0;
    for (const value of record) {
      if (value.includes('\n') || value.includes('\r')) {
        for (const ch of value) if (ch === '\n' || ch === '\r') chars++;
        breaks += value.match(LINE_BREAKS)?.length ?? 0;
      }
    }
    drift += chars - breaks;
    const endLine = info.lines - drift;
    yield* unreadable.splice(0);
    yield { line: endLine - breaks, values: record };
  }
  yield* unreadable.splice(0);
}

function pick(object: unknown, dotted: string): string {
  let value: unknown = object;
  for (const key of dotted.split('.')) {
    if (value === null || typeof value !== 'object') return '';
    value = (value as Record<string, unknown>)[key];
  }
  if (value === null || value === undefined) return '';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

async function* readJsonLines(file: string, encoding: string, columns: string[]): AsyncGenerator<SourceRecord> {
  yield { line: 0, values: columns };
  let line = 0;
  for await (const text of createInterface({ input: await openText(file, encoding), crlfDelay: Infinity })) {
    const record = jsonLineRecord(++line, text, columns);
    if (record) yield record;
  }
}

/** One JSON line read into `columns` (dotted for nested keys); undefined for a blank line. */
export function jsonLineRecord(line: number, text: string, columns: string[]): SourceRecord | undefined {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return undefined;
  let object: unknown;
  try {
    object = JSON.parse(trimmed);
  } catch (error) {
    return { line, error: `not valid JSON: ${(error as Error).message}` };
  }
  if (object === null || typeof object !== 'object' || Array.isArray(object)) return { line, error: 'a JSON line must be an object' };
  return { line, values: columns.map((c) => pick(object, c)) };
}
