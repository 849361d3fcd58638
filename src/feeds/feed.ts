import type { ZodType } from 'zod';
import type { CanonicalRow, Mapping } from './mapping.js';

export type { CanonicalRow };

/** A column of a feed's canonical (curated) table. Types are SQL types both engines accept. */
export interface CanonicalColumn {
  name: string;
  type: string;
  doc: string;
}

export type RowResult = { ok: true; row: CanonicalRow } | { ok: false; field: string; reason: string };

/** Turns one mapped source record into a canonical row or a reason; may keep per-file state. */
export type RowValidator = (mapped: CanonicalRow, line: number) => RowResult;

export interface FeedDefinition {
  /** Feed name as used on the command line and in the lake (`pos`). */
  name: string;
  /** Curated table the feed lands in (`pos_lines`). */
  table: string;
  columns: CanonicalColumn[];
  /** Column holding the business date that partitions the curated table. */
  partitionColumn: string;
  /** Name of the built-in mapping used when none is given. */
  defaultMapping: string;
  /** Folder with the feed's built-in mappings (`<name>.yaml`). */
  mappingsDir: string;
  /** SQL expressions for columns computed from other columns when rows are written. */
  derivedSql: Record<string, string>;
  /** A fresh validator per file, so per-file state (line numbers within orders) never leaks. */
  createValidator(mapping: Mapping): RowValidator;
  /**
   * The validator in SQL, for ingest's fast path (DuckDB parses and casts the file). Given the
   * mapped fields as VARCHAR columns named after the canonical fields, plus `_source_line`:
   * `ok`, a condition that holds only for rows the validator accepts, and `columns`, the
   * canonical text of each staged column the validator derives or defaults, exactly as it would
   * return it (a column not listed is its mapped field as it is). `ok` may be
   * stricter than the validator (a file with a row it rejects takes the JavaScript path, which
   * has the last word), never looser. Undefined when a mapping's rules have no SQL form.
   * `recheckWith`, over the same mapped fields: when the validator keeps per-file state, the
   * group of rows that state depends on (rows sharing a non-NULL value with a row `ok` rejects
   * are checked by the validator with it, in file order, instead of landing in SQL).
   */
  sqlRules?(mapping: Mapping): { ok: string; columns: Record<string, string>; recheckWith?: string } | undefined;
}

/** The ingest's UTC date, the day of the file's raw/<date> folder: the business date of rows that carry none. */
export const utcToday = () => new Date().toISOString().slice(0, 10);

/** `Number(v) >= 0` of a validator in SQL, stricter: plain unsigned decimals only ('-0' and '1e3' are left to the validator). */
export const nonNegativeSql = (column: string) => `(${column} IS NULL OR regexp_full_match(${column}, '[0-9]+(\\.[0-9]*)?|\\.[0-9]+'))`;

/**
 * A file's key in SQL (feed.sqlRules): a key seen twice is flagged on every line that has it, so
 * the validator keeps the first line it accepts and quarantines the others, naming it.
 */
export const onceInFileSql = (key: string) => `count(*) OVER (PARTITION BY ${key}) = 1`;

/** Lineage columns added to every curated row. */
export const LINEAGE_COLUMNS: CanonicalColumn[] = [
  { name: '_source_file', type: 'VARCHAR', doc: 'Delivery the row came from (source/file name)' },
  { name: '_source_line', type: 'BIGINT', doc: 'Line of the record in the delivered file (1 = header)' },
  { name: '_source_sha256', type: 'VARCHAR', doc: 'SHA-256 of the delivered file' },
  { name: '_ingested_at', type: 'TIMESTAMP', doc: 'When the row was landed (UTC)' },
  { name: '_mapping', type: 'VARCHAR', doc: 'Mapping name@version that produced the row' },
];

/** The columns of a feed's curated files, as ingest writes them and engines register them: its canonical columns, then the lineage. */
export const curatedColumns = (feed: Pick<FeedDefinition, 'columns'>): { name: string; type: string }[] =>
  [...feed.columns, ...LINEAGE_COLUMNS].map(({ name, type }) => ({ name, type }));

/** Checks a mapped row against a feed's zod schema: a reject naming the first failing field, or undefined. */
export function schemaReject(schema: ZodType, mapped: CanonicalRow): RowResult | undefined {
  const checked = schema.safeParse(mapped);
  if (checked.success) return undefined;
  const issue = checked.error.issues[0]!;
  return { ok: false, field: String(issue.path[0] ?? ''), reason: issue.message };
}
