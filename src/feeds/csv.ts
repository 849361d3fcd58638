import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';

export interface CsvOptions {
  delimiter: string;
  quote: string;
  encoding: BufferEncoding;
}

export type CsvRecord =
  /** `line`: physical line in the file where the record starts (1 = the header). */
  | { line: number; values: string[]; error?: undefined }
  /** A record the parser could not read (e.g. a quote never closed); quarantine it. */
  | { line: number; values?: undefined; error: string };

const LINE_BREAKS = /\r\n|\r|\n/g;

/**
 * Streams a delimited file record by record (bounded memory). The first record is the header.
 * Handles a byte-order mark, CRLF and quoted fields spanning lines.
 */
export async function* readCsv(file: string, options: CsvOptions): AsyncGenerator<CsvRecord> {
  const unreadable: CsvRecord[] = [];
  const parser = createReadStream(file).pipe(
    parse({
      bom: true,
      delimiter: options.delimiter,
      quote: options.quote,
      encoding: options.encoding,
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
