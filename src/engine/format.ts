import { createHash } from 'node:crypto';
import type { QueryResult } from './engine.js';

// Query results as text: one place for the CLI (`crmlake sql`, status, tests) and the report's data files.

/** Plain aligned text table, for terminals and logs. */
export function formatTable(columns: string[], rows: Record<string, unknown>[]): string {
  const cell = (v: unknown) => (v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const body = rows.map((r) => columns.map((c) => cell(r[c])));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...body.map((r) => r[i]!.length))));
  const fit = (text: string, i: number) => (text.length > widths[i]! ? text.slice(0, widths[i]! - 1) + '…' : text.padEnd(widths[i]!));
  const line = (cells: string[]) => cells.map(fit).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** A result as JSON rows, CSV (RFC 4180 quoting) or an aligned table with a row count. */
export function formatResult(result: QueryResult, format: 'table' | 'csv' | 'json'): string {
  const names = result.columns.map((c) => c.name);
  if (format === 'json') return JSON.stringify(result.rows);
  if (format === 'csv') {
    const cell = (v: unknown) => {
      if (v === null || v === undefined) return '';
      const text = neutralizeFormula(typeof v === 'object' ? JSON.stringify(v) : String(v));
      return /[",\r\n\t]/.test(text) || text.startsWith("'") ? `"${text.replace(/"/g, '""')}"` : text;
    };
    return [names.map(cell).join(','), ...result.rows.map((r) => names.map((n) => cell(r[n])).join(','))].join('\n');
  }
  return `${formatTable(names, result.rows)}\n(${result.rows.length} row${result.rows.length === 1 ? '' : 's'})`;
}

/** A plain number, as spreadsheets read it: `-12.5` is a value, not a formula. */
const PLAIN_NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * OWASP's rule against CSV (formula) injection: a cell starting with = + - @, a tab or a carriage
 * return is run as a formula by Excel, LibreOffice and Google Sheets (`=HYPERLINK(…)`,
 * `@SUM(…)`, `-2+3`), so it gets a leading apostrophe and is quoted. Plain numbers, negative
 * ones included, stay numbers. Customer names, products and free text reach every CSV here.
 */
export function neutralizeFormula(text: string): string {
  return /^[=+\-@\t\r]/.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/**
 * A digest of a result read row by row (for engines that cannot compute one where the data is):
 * SHA-256 of its columns and of each row's digest, the rows' digests sorted so that the order the
 * engine returned them in does not matter.
 */
export function resultDigest(result: QueryResult): string {
  const json = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const rows = result.rows.map((row) => createHash('sha256').update(json(result.columns.map((c) => row[c.name] ?? null))).digest('hex')).sort();
  const hash = createHash('sha256').update(json(result.columns));
  for (const row of rows) hash.update(row);
  return `rows:${result.rows.length}:${hash.digest('hex')}`;
}
