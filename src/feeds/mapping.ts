import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { sqlString } from '../engine/sql.js';
import { FALSE_WORDS, parseBoolean, parseDecimal, parseDuration, parseInteger, parseIntegerId, parseTimestamp, timestampPatternSql, TRUE_WORDS } from './parse.js';

/**
 * A declarative mapping from one source layout to a feed's canonical columns.
 * Each canonical field is taken from a source column (`column`), from several joined
 * (`columns`, e.g. a date and a time), or is a constant (`value`); values are trimmed,
 * `null_values` become NULL, and an optional `transform` normalizes them.
 */
export const TRANSFORMS = ['integer_id', 'integer', 'decimal', 'boolean', 'duration', 'timestamp', 'date', 'upper', 'lower'] as const;

const FieldObject = z
  .object({
    column: z.string().optional(),
    columns: z.array(z.string()).min(2).optional(),
    join: z.string().default(' '),
    value: z.string().optional(),
    transform: z.enum(TRANSFORMS).optional(),
    format: z.string().optional(),
    /** The column may be absent from a file's header; the field is then NULL. */
    optional: z.boolean().default(false),
  })
  .strict()
  .refine((f) => [f.column, f.columns, f.value].filter((x) => x !== undefined).length === 1, {
    message: 'give exactly one of `column`, `columns` or `value`',
  });
type FieldObject = z.infer<typeof FieldObject>;
const FieldSpec = z.union([z.string().transform((column): FieldObject => ({ column, join: ' ', optional: false })), FieldObject]);

export const MappingSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
    version: z.number().int().positive(),
    feed: z.string(),
    description: z.string().optional(),
    source: z
      .object({
        format: z.enum(['csv', 'jsonl']).default('csv'),
        delimiter: z.string().min(1).default(','),
        quote: z.string().length(1).default('"'),
        /** Any WHATWG encoding label: utf-8, latin1, gbk, gb18030, big5, shift_jis, … */
        encoding: z.string().default('utf-8'),
        null_values: z.array(z.string()).default(['']),
      })
      .strict()
      .default({ format: 'csv', delimiter: ',', quote: '"', encoding: 'utf-8', null_values: [''] }),
    fields: z.record(z.string(), FieldSpec),
    /** Feed-specific rules (e.g. POS cancellation prefix, non-product codes). */
    rules: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

export type Mapping = z.infer<typeof MappingSpec>;

export function mappingLabel(mapping: Mapping): string {
  return `${mapping.name}@${mapping.version}`;
}

/** Canonical values travel as strings (or NULL) and are cast by SQL on the way into parquet. */
export type CanonicalRow = Record<string, string | null>;

/** What loading a mapping needs of its feed (every FeedDefinition has it). */
export interface MappedFeed {
  name: string;
  defaultMapping: string;
  mappingsDir: string;
  columns: readonly { name: string }[];
}

/** Loads a built-in mapping by name or a mapping file (YAML or JSON) by path. */
export async function loadMapping(feed: MappedFeed, nameOrFile?: string): Promise<Mapping> {
  const wanted = nameOrFile ?? feed.defaultMapping;
  const isFile = /[\\/]|\.(ya?ml|json)$/i.test(wanted);
  const file = isFile ? path.resolve(wanted) : path.join(feed.mappingsDir, `${wanted}.yaml`);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new Error(
      isFile ? `Mapping file not found: ${file}` : `Unknown ${feed.name} mapping "${wanted}". Built-in: ${feed.defaultMapping}; or pass a mapping file path.`,
    );
  }
  const parsed = MappingSpec.safeParse(parseYaml(text));
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new Error(`Invalid mapping ${file}:\n${problems}`);
  }
  const mapping = parsed.data;
  if (mapping.feed !== feed.name) throw new Error(`Mapping ${file} is for feed "${mapping.feed}", not "${feed.name}"`);
  const known = new Set(feed.columns.map((c) => c.name));
  const unknown = Object.keys(mapping.fields).filter((f) => !known.has(f));
  if (unknown.length) throw new Error(`Mapping ${file} maps unknown ${feed.name} fields: ${unknown.join(', ')}`);
  return mapping;
}

export class RowError extends Error {
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The longest header a rejection message quotes (a file of the wrong kind can have a first line of any length). */
const HEADER_QUOTE_CHARS = 200;

/**
 * The header as a rejection message quotes it. A first line with undecodable bytes (U+FFFD) or
 * control characters is not text in the mapping's encoding — a binary file, a compressed file
 * of another kind, or text in another encoding — and is described, never printed raw.
 */
export function describeHeader(header: string[], encoding: string): string {
  const text = header.join(', ');
  const replaced = (text.match(/\uFFFD/g) ?? []).length;
  // eslint-disable-next-line no-control-regex
  const control = (text.match(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g) ?? []).length;
  if (replaced + control > 0) {
    return `the first line is not ${encoding} text (${replaced} undecodable byte(s), ${control} control character(s)): is it a binary or differently encoded file? Set source.encoding in the mapping if it is text`;
  }
  return `found: ${text.length > HEADER_QUOTE_CHARS ? `${text.slice(0, HEADER_QUOTE_CHARS)}… (${header.length} columns)` : text}`;
}

/** The source columns a mapping reads, in a stable order (the header of a JSON-lines file). */
export function sourceColumns(mapping: Mapping): string[] {
  return [...new Set(Object.values(mapping.fields).flatMap((f) => f.columns ?? (f.column === undefined ? [] : [f.column])))];
}

/**
 * Binds a mapping to a file's header once and returns the per-record function. A header that
 * lacks a mapped column fails here, for the whole file. The record function throws RowError
 * naming the field on a bad value.
 */
export function createRecordMapper(mapping: Mapping, header: string[]): (values: string[]) => CanonicalRow {
  const position = new Map(header.map((h, i) => [h, i]));
  const missing = Object.values(mapping.fields)
    .flatMap((f) => f.columns ?? (f.column === undefined || f.optional ? [] : [f.column]))
    .filter((c) => !position.has(c));
  if (missing.length) throw new Error(`header lacks the mapped column(s) ${missing.join(', ')} (${describeHeader(header, mapping.source.encoding)})`);
  const nulls = new Set(mapping.source.null_values);
  const fields = Object.entries(mapping.fields).map(([field, spec]) => ({
    field,
    spec,
    index: spec.column === undefined ? -1 : (position.get(spec.column) ?? -1),
    indexes: spec.columns?.map((c) => position.get(c)!),
  }));
  return (values) => {
    const out: CanonicalRow = {};
    for (const { field, spec, index, indexes } of fields) {
      const raw = indexes
        ? indexes.map((i) => values[i]?.trim() ?? '').filter((v) => v !== '' && !nulls.has(v)).join(spec.join)
        : index < 0
          ? spec.value
          : values[index];
      const text = raw === undefined ? '' : raw.trim();
      if (text === '' || nulls.has(text)) {
        out[field] = null;
        continue;
      }
      try {
        out[field] = transform(text, spec.transform, spec.format);
      } catch (error) {
        throw new RowError(field, `${spec.column ?? spec.columns?.join('+') ?? field}: ${(error as Error).message}`);
      }
    }
    return out;
  };
}

function transform(text: string, kind: string | undefined, format: string | undefined): string {
  switch (kind) {
    case undefined:
      return text;
    case 'integer_id':
      return parseIntegerId(text);
    case 'integer':
      return parseInteger(text);
    case 'boolean':
      return parseBoolean(text);
    case 'duration':
      return parseDuration(text);
    case 'date':
      return parseTimestamp(text, format ?? 'iso').slice(0, 10);
    case 'decimal':
      return parseDecimal(text);
    case 'timestamp':
      return parseTimestamp(text, format ?? 'iso');
    case 'upper':
      return text.toUpperCase();
    case 'lower':
      return text.toLowerCase();
    default:
      throw new Error(`unknown transform ${kind}`);
  }
}

/**
 * Timestamp formats the SQL path reads: the text's shape, its local date-time `local(t)` as
 * `YYYY-MM-DD HH:MM:SS` (checked to be a real one) and the canonical text of `t`. Other formats
 * go through strptime (patternFormat); the two fixed ones stay here, about 10% quicker on a
 * POS file than strptime (223,456 lines: 1.20-1.28 s against 1.31-1.39 s).
 */
const SQL_TIMESTAMP_FORMATS: Record<string, { shape: string; local: (t: string) => string; canonical: (t: string) => string }> = {
  'YYYY-MM-DD HH:mm:ss': { shape: '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}', local: (t) => t, canonical: (t) => t },
  'YYYY-MM-DD': { shape: '[0-9]{4}-[0-9]{2}-[0-9]{2}', local: (t) => `(${t} || ' 00:00:00')`, canonical: (t) => `(${t} || ' 00:00:00')` },
  iso: {
    // A date, or a date-time to the second with an optional fraction (kept as written) and zone
    // (Z, or an offset converted to UTC by whole minutes, as parseTimestamp does).
    shape: '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:?[0-9]{2})?)?',
    local: isoLocal,
    canonical: (t) => {
      const fraction = `regexp_extract(${t}, '\\.[0-9]{1,9}')`;
      const zone = `regexp_extract(${t}, '[+-][0-9]{2}:?[0-9]{2}$')`;
      const minutes = `((CASE WHEN starts_with(${zone}, '-') THEN -1 ELSE 1 END) * (TRY_CAST(substr(${zone}, 2, 2) AS INTEGER) * 60 + TRY_CAST(right(${zone}, 2) AS INTEGER)))`;
      return (
        `(CASE WHEN ${zone} = '' THEN ${isoLocal(t)} ` +
        `ELSE strftime(TRY_CAST(${isoLocal(t)} AS TIMESTAMP) - to_minutes(${minutes}), '%Y-%m-%d %H:%M:%S') END || ${fraction})`
      );
    },
  },
};

/** Any other format parseTimestamp reads with a year (tokens YYYY MM M DD D HH H mm ss), through strptime. */
function patternFormat(format: string): { shape: string; local: (t: string) => string; canonical: (t: string) => string } | undefined {
  const pattern = /YYYY/.test(format) ? timestampPatternSql(format) : undefined;
  if (!pattern) return undefined;
  const text = (t: string) => `strftime(TRY_STRPTIME(${t}, ${sqlString(pattern.strptime)}), '%Y-%m-%d %H:%M:%S')`;
  return { shape: pattern.regex, local: text, canonical: text };
}

function isoLocal(t: string): string {
  return `(CASE WHEN length(${t}) = 10 THEN ${t} || ' 00:00:00' ELSE replace(left(${t}, 19), 'T', ' ') END)`;
}

/** A transform in SQL over the trimmed, non-null text `t`: the canonical text and when it is certainly right. */
function transformSql(t: string, kind: string | undefined, format: string | undefined): { expr: string; ok: string } | undefined {
  switch (kind) {
    case undefined:
      return { expr: t, ok: 'true' };
    case 'decimal':
      // No sign '+', no exponent: then parseDecimal returns the text as it is.
      return { expr: t, ok: `(regexp_full_match(${t}, '-?([0-9]+\\.?[0-9]*|\\.[0-9]+)') AND length(${t}) <= 300)` };
    case 'integer_id':
    case 'integer': {
      const digits = `ltrim(regexp_extract(${t}, '[0-9]+'), '0')`;
      const plain = `(CASE WHEN ${digits} = '' THEN '0' ELSE ${digits} END)`;
      if (kind === 'integer_id') return { expr: plain, ok: `regexp_full_match(${t}, '[0-9]+(\\.0+)?')` };
      return { expr: `(CASE WHEN starts_with(${t}, '-') AND ${plain} <> '0' THEN '-' || ${plain} ELSE ${plain} END)`, ok: `regexp_full_match(${t}, '[+-]?[0-9]+(\\.0+)?')` };
    }
    case 'timestamp':
    case 'date': {
      const known = SQL_TIMESTAMP_FORMATS[format ?? 'iso'] ?? (format ? patternFormat(format) : undefined);
      if (!known) return undefined;
      const canonical = known.canonical(t);
      const local = known.local(t);
      // The local text read back must be the text written: an impossible date or time fails.
      // Years before 1000 are left to JavaScript (its Date.UTC reads 0–99 as 19xx), and so are
      // offsets that move a date-time out of four-digit years.
      const ok =
        `(regexp_full_match(${t}, ${sqlString(known.shape)}) ` +
        `AND strftime(TRY_CAST(${local} AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') = ${local} ` +
        `AND regexp_full_match(${canonical}, '[1-9][0-9]{3}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?'))`;
      return { expr: kind === 'date' ? `left(${canonical}, 10)` : canonical, ok };
    }
    case 'boolean': {
      // parseBoolean's words; lower() agrees with toLowerCase() on ASCII, and the Chinese words have no case.
      const word = `lower(${t})`;
      const words = (set: readonly string[]) => set.map((w) => sqlString(w)).join(', ');
      return {
        expr: `(CASE WHEN ${word} IN (${words(TRUE_WORDS)}) THEN 'true' ELSE 'false' END)`,
        ok:
          `((${word} IN (${words(TRUE_WORDS)}) OR ${word} IN (${words(FALSE_WORDS)})) ` +
          `AND (NOT regexp_matches(${t}, '[^\\x00-\\x7F]') OR ${t} IN (${words([...TRUE_WORDS, ...FALSE_WORDS].filter((w) => /[^\x00-\x7F]/.test(w)))})))`,
      };
    }
    case 'duration': {
      // Whole seconds, M:SS or H:MM:SS (parseDuration); fractions of a second are left to JavaScript's rounding.
      const part = (i: number) => `TRY_CAST(regexp_extract(${t}, '^([0-9]{1,9}):([0-9]{1,2}):([0-9]{2})$', ${i}) AS BIGINT)`;
      const short = (i: number) => `TRY_CAST(regexp_extract(${t}, '^([0-9]{1,9}):([0-9]{2})$', ${i}) AS BIGINT)`;
      return {
        expr:
          `(CASE WHEN regexp_full_match(${t}, '[0-9]{1,15}') THEN CAST(CAST(${t} AS BIGINT) AS VARCHAR) ` +
          `WHEN regexp_full_match(${t}, '[0-9]{1,9}:[0-9]{2}') THEN CAST(${short(1)} * 60 + ${short(2)} AS VARCHAR) ` +
          `ELSE CAST(${part(1)} * 3600 + ${part(2)} * 60 + ${part(3)} AS VARCHAR) END)`,
        ok:
          `(regexp_full_match(${t}, '[0-9]{1,15}') OR (regexp_full_match(${t}, '[0-9]{1,9}:[0-9]{2}') AND ${short(2)} <= 59) ` +
          `OR (regexp_full_match(${t}, '[0-9]{1,9}:[0-9]{1,2}:[0-9]{2}') AND ${part(2)} <= 59 AND ${part(3)} <= 59))`,
      };
    }
    case 'upper':
    case 'lower':
      // JavaScript and DuckDB agree on ASCII only (JavaScript upper-cases ß to SS).
      return { expr: `${kind}(${t})`, ok: `NOT regexp_matches(${t}, '[^\\x00-\\x7F]')` };
    default:
      return undefined;
  }
}

/**
 * The record mapper (createRecordMapper) in SQL, for ingest's fast path: per canonical field the
 * text it maps to, over a relation whose columns are the header's with spaces trimmed
 * (`column(i)` names the i-th; NULL for an empty value),
 * and `ok`, a condition that holds only for records the mapper maps without error to exactly
 * these values, provided no value holds white space other than spaces (JavaScript's trim()
 * removes it, SQL's does not: ingest-sql.ts scans the file for it first). Undefined when the
 * mapping has a part with no SQL form (a transform other than the ones above, a date format without YYYY)
 * or the header lacks a mapped column.
 */
export function mappingSql(mapping: Mapping, header: string[], column: (index: number) => string): { fields: Record<string, string>; ok: string } | undefined {
  const position = new Map(header.map((h, i) => [h, i]));
  const nulls = new Set(mapping.source.null_values);
  const fields: Record<string, string> = {};
  const ok: string[] = [];
  const isNull = (t: string) => `(${t} IS NULL OR ${t} = ''${[...nulls].filter((n) => n !== '').map((n) => ` OR ${t} = ${sqlString(n)}`).join('')})`;
  for (const [field, spec] of Object.entries(mapping.fields)) {
    let t: string;
    if (spec.columns) {
      // Joined columns: the non-empty, non-null values joined (concat_ws skips NULLs).
      const indexes = spec.columns.map((c) => position.get(c));
      if (indexes.some((i) => i === undefined)) return undefined;
      t = `concat_ws(${sqlString(spec.join)}, ${indexes.map((i) => `CASE WHEN ${isNull(column(i!))} THEN NULL ELSE ${column(i!)} END`).join(', ')})`;
    } else {
      const index = spec.column === undefined ? -1 : (position.get(spec.column) ?? -1);
      if (index >= 0) t = column(index);
      else {
        if (spec.column !== undefined && !spec.optional) return undefined;
        // A constant (or an absent optional column): mapped once, here.
        const text = (spec.value ?? '').trim();
        if (text === '' || nulls.has(text)) {
          fields[field] = 'CAST(NULL AS VARCHAR)';
          continue;
        }
        try {
          fields[field] = sqlString(transform(text, spec.transform, spec.format));
        } catch {
          return undefined;
        }
        continue;
      }
    }
    const sql = transformSql(t, spec.transform, spec.format);
    if (!sql) return undefined;
    fields[field] = `(CASE WHEN ${isNull(t)} THEN NULL ELSE ${sql.expr} END)`;
    if (sql.ok !== 'true') ok.push(`(${isNull(t)} OR ${sql.ok})`);
  }
  return { fields, ok: ok.length ? ok.join(' AND ') : 'true' };
}
