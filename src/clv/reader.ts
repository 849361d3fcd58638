/**
 * Reading transaction logs (CSV, TSV or whitespace-separated such as the
 * CDNOW files) given column names or 0-based indices and a date format.
 */

import { readFile } from 'node:fs/promises';
import { type Transaction, type TransactionColumns, TransactionLog, dayToIso, toDayNumber } from './data.js';

export type ColumnSpec = string | number;

export interface ReadTransactionsOptions {
  /** Column holding the customer id: header name, or 0-based index (number or digit string). */
  customerCol: ColumnSpec;
  dateCol: ColumnSpec;
  valueCol?: ColumnSpec;
  /**
   * Date format built from YYYY, MM, DD, M, D and literal characters, e.g.
   * 'YYYYMMDD', 'YYYY-MM-DD', 'MM/DD/YYYY', 'DD.MM.YYYY'; or 'auto' (default:
   * ISO 'YYYY-MM-DD[...]', 'YYYYMMDD', else Date.parse). Anything after the
   * matched date (a time of day) is ignored.
   */
  dateFormat?: string;
  /** 'auto' (default): ',' if the first line has one, else tab, else whitespace runs. */
  delimiter?: 'auto' | 'whitespace' | ',' | '\t' | ';' | '|';
  /** true / false, or 'auto' (default): a header exists if the first row's date does not parse. */
  header?: boolean | 'auto';
}

const MS_PER_DAY = 86_400_000;

/** Compile a date format into a parser returning the UTC day number (NaN if it does not match). */
export function compileDateFormat(format: string): (s: string) => number {
  if (format === 'auto' || format === 'ISO' || format === 'iso') {
    return (s) => {
      try {
        return toDayNumber(s);
      } catch {
        return NaN;
      }
    };
  }
  const order: ('Y' | 'M' | 'D')[] = [];
  let re = '^';
  let i = 0;
  while (i < format.length) {
    const rest = format.slice(i);
    if (rest.startsWith('YYYY')) {
      re += '(\\d{4})';
      order.push('Y');
      i += 4;
    } else if (rest.startsWith('MM')) {
      re += '(\\d{2})';
      order.push('M');
      i += 2;
    } else if (rest.startsWith('DD')) {
      re += '(\\d{2})';
      order.push('D');
      i += 2;
    } else if (rest.startsWith('M')) {
      re += '(\\d{1,2})';
      order.push('M');
      i += 1;
    } else if (rest.startsWith('D')) {
      re += '(\\d{1,2})';
      order.push('D');
      i += 1;
    } else {
      re += format[i]!.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
      i += 1;
    }
  }
  if (!order.includes('Y') || !order.includes('M') || !order.includes('D')) {
    throw new Error(`Date format must contain YYYY, MM (or M) and DD (or D): ${format}`);
  }
  re += '(?:$|[ T])';
  const rx = new RegExp(re);
  return (s) => {
    const m = rx.exec(s.trim());
    if (!m) return NaN;
    let y = 0;
    let mo = 0;
    let d = 0;
    order.forEach((k, j) => {
      const v = Number(m[j + 1]);
      if (k === 'Y') y = v;
      else if (k === 'M') mo = v;
      else d = v;
    });
    const t = Date.UTC(y, mo - 1, d);
    const back = new Date(t);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d) return NaN;
    return Math.floor(t / MS_PER_DAY);
  };
}

function splitCsvLine(line: string, sep: string): string[] {
  if (!line.includes('"')) return line.split(sep);
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === sep) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function makeSplitter(firstLine: string, delimiter: ReadTransactionsOptions['delimiter']): (line: string) => string[] {
  let d = delimiter ?? 'auto';
  if (d === 'auto') d = firstLine.includes(',') ? ',' : firstLine.includes('\t') ? '\t' : 'whitespace';
  if (d === 'whitespace') return (line) => line.trim().split(/\s+/);
  const sep = d;
  return (line) => splitCsvLine(line, sep);
}

function resolveColumn(spec: ColumnSpec, header: string[] | null, what: string): number {
  if (typeof spec === 'number') return spec;
  if (header) {
    const trimmed = header.map((h) => h.trim());
    const k = trimmed.indexOf(spec);
    if (k >= 0) return k;
    const lower = trimmed.map((h) => h.toLowerCase()).indexOf(spec.toLowerCase());
    if (lower >= 0) return lower;
  }
  if (/^\d+$/.test(spec)) return Number(spec);
  throw new Error(`${what} column "${spec}" not found${header ? ` in header [${header.join(', ')}]` : ' (file has no header; use a 0-based index)'}`);
}

export interface ParsedColumns {
  /** Customer ids in first-seen order; `columns.customer` indexes into it. */
  ids: string[];
  columns: TransactionColumns & { customer: Int32Array; day: Int32Array; value: Float64Array };
  rows: number;
  /** Rows skipped because they were blank. */
  skipped: number;
  hasHeader: boolean;
  firstDate: string | null;
  lastDate: string | null;
}

/** The parsed form of a filled transaction log. */
export function logToParsed(log: TransactionLog, extra: { skipped: number; hasHeader: boolean }): ParsedColumns {
  return {
    ids: log.ids,
    columns: log.columns(),
    rows: log.length,
    ...extra,
    firstDate: log.length > 0 ? dayToIso(log.minDay) : null,
    lastDate: log.length > 0 ? dayToIso(log.maxDay) : null,
  };
}

/** Parse a transaction file's text into columnar form (fast path for large files). */
export function parseTransactionColumns(text: string, opts: ReadTransactionsOptions): ParsedColumns {
  const lines = text.split(/\r?\n/);
  let li = 0;
  while (li < lines.length && lines[li]!.trim() === '') li++;
  if (li >= lines.length) throw new Error('Empty transactions file');
  const split = makeSplitter(lines[li]!, opts.delimiter);
  const parseDate = compileDateFormat(opts.dateFormat ?? 'auto');
  const first = split(lines[li]!);
  let header: string[] | null = null;
  if (opts.header === true) header = first;
  else if (opts.header === undefined || opts.header === 'auto') {
    // Names that are not indices force a header; otherwise look at the first row's date.
    const named = [opts.customerCol, opts.dateCol, opts.valueCol].some(
      (c) => typeof c === 'string' && !/^\d+$/.test(c),
    );
    if (named) header = first;
    else {
      const dc = resolveColumn(opts.dateCol, null, 'date');
      if (Number.isNaN(parseDate(first[dc] ?? ''))) header = first;
    }
  }
  if (header) li++;
  const cc = resolveColumn(opts.customerCol, header, 'customer');
  const dc = resolveColumn(opts.dateCol, header, 'date');
  const vc = opts.valueCol === undefined ? -1 : resolveColumn(opts.valueCol, header, 'value');

  const log = new TransactionLog(lines.length - li);
  let skipped = 0;
  const dateCache = new Map<string, number>();
  for (; li < lines.length; li++) {
    const line = lines[li]!;
    if (line.trim() === '') {
      skipped++;
      continue;
    }
    const f = split(line);
    const id = f[cc];
    const ds = f[dc];
    if (id === undefined || ds === undefined) throw new Error(`Line ${li + 1}: expected at least ${Math.max(cc, dc) + 1} fields`);
    // Logs repeat the same few thousand dates: memoise the parse.
    let dd = dateCache.get(ds);
    if (dd === undefined) {
      dd = parseDate(ds);
      if (dateCache.size < 200_000) dateCache.set(ds, dd);
    }
    if (Number.isNaN(dd)) {
      throw new Error(`Line ${li + 1}: cannot parse date "${ds}" with format ${opts.dateFormat ?? 'auto'}`);
    }
    let v = 0;
    if (vc >= 0) {
      const raw = f[vc];
      v = raw === undefined || raw.trim() === '' ? 0 : Number(raw);
      if (Number.isNaN(v)) throw new Error(`Line ${li + 1}: value "${raw}" is not a number`);
    }
    log.push(log.customerIndex(id.trim()), dd, v);
  }
  return logToParsed(log, { skipped, hasHeader: header !== null });
}

/** Parse a transaction file's text into Transaction objects (dates as UTC Dates). */
export function parseTransactions(text: string, opts: ReadTransactionsOptions): Transaction[] {
  const p = parseTransactionColumns(text, opts);
  const out: Transaction[] = new Array(p.rows);
  const hasValue = opts.valueCol !== undefined;
  for (let i = 0; i < p.rows; i++) {
    const t: Transaction = { customerId: p.ids[p.columns.customer[i]!]!, date: new Date(p.columns.day[i]! * MS_PER_DAY) };
    if (hasValue) t.value = p.columns.value[i]!;
    out[i] = t;
  }
  return out;
}

/** Read and parse a transactions file. */
export async function readTransactionsFile(path: string, opts: ReadTransactionsOptions): Promise<Transaction[]> {
  return parseTransactions(await readFile(path, 'utf8'), opts);
}

/** Column layout of the CDNOW sample files (master id, sample id, YYYYMMDD, CDs, dollars). */
export const CDNOW_COLUMNS: ReadTransactionsOptions = {
  customerCol: 0,
  dateCol: 2,
  valueCol: 4,
  dateFormat: 'YYYYMMDD',
  delimiter: 'whitespace',
  header: false,
};

/** Read a CDNOW_sample.txt / CDNOW_master.txt file. */
export async function readCdnow(path: string): Promise<Transaction[]> {
  return readTransactionsFile(path, CDNOW_COLUMNS);
}
