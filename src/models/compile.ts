import type { Relations } from '../engine/engine.js';
import { ModelError } from './errors.js';
import type { Vars } from './program.js';
import { findCalls, type Model, type ModelConfig } from './project.js';

export type { Relations };

export interface CompileOptions {
  /** Compile for an incremental run: `incremental_filter()` becomes the lookback predicate. */
  isIncremental?: boolean;
  /** Replaces `ref('x')` (unit tests give their own rows); undefined falls back to the engine's name. */
  ref?: (model: string) => string | undefined;
  source?: (source: string, table: string) => string | undefined;
  /** The relation `{{ this }}` and `incremental_filter()` read; default the model's own. */
  self?: string;
  /**
   * Incremental runs: the business dates (YYYY-MM-DD) whose curated partitions changed since
   * the model's stored table was built, which `{{ changed_rows() }}` selects.
   */
  changedDates?: readonly string[];
}

const DAY_MS = 86_400_000;

/** Sorted dates as runs of consecutive days: a month of daily deliveries is one range. */
export function dateRanges(dates: readonly string[]): [first: string, last: string][] {
  const sorted = [...new Set(dates)].sort();
  const ranges: [string, string][] = [];
  for (const date of sorted) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(date))) throw new Error(`not a date (YYYY-MM-DD): ${date}`);
    const last = ranges.at(-1);
    if (last && Date.parse(date) - Date.parse(last[1]) === DAY_MS) last[1] = date;
    else ranges.push([date, date]);
  }
  return ranges;
}

/** The earliest of the changed dates (checked as dates), none when none changed. */
export const firstChangedDate = (dates: readonly string[]): string | undefined => dateRanges(dates)[0]?.[0];

/**
 * The predicate `{{ changed_rows('d') }}` / `{{ changed_rows('first', 'last') }}` stands for on an
 * incremental run: the row's date (or its range of dates) holds one of the changed dates. Dates
 * are literals, so DuckDB skips parquet row groups and Athena partitions outside them; the same
 * text deletes stale stored rows (`source_dates`). No changed date: false.
 */
export function changedDatesPredicate(first: string, last: string, dates: readonly string[]): string {
  const ranges = dateRanges(dates);
  if (ranges.length === 0) return '(false)';
  const terms = ranges.map(([a, b]) =>
    first === last ? (a === b ? `${first} = date '${a}'` : `${first} between date '${a}' and date '${b}'`) : `(${first} <= date '${b}' and ${last} >= date '${a}')`,
  );
  return `(${terms.join(' or ')})`;
}

/**
 * The predicate `{{ incremental_filter('input_col', 'model_col') }}` stands for on an
 * incremental run: rows of the input newer than the newest stored row, re-reading
 * `lookback_days` days before it (merge) or strictly newer (append). An empty table takes all.
 * Written in the Trino subset, so Athena compiles the same text.
 */
export function incrementalFilter(column: string, storedColumn: string, self: string, config: Pick<ModelConfig, 'lookbackDays' | 'incrementalStrategy'>): string {
  const newest = `(select max(${storedColumn}) from ${self})`;
  let predicate: string;
  if (config.lookbackDays > 0) predicate = `${column} >= (select date_add('day', -${config.lookbackDays}, max(${storedColumn})) from ${self})`;
  else if (config.incrementalStrategy === 'append') predicate = `${column} > ${newest}`;
  else predicate = `${column} >= ${newest}`;
  return `(${predicate} or ${newest} is null)`;
}

/** Renders the `{{ … }}` calls of SQL text (a model or a singular test) for one engine. */
export function compileTemplate(
  raw: string,
  file: string,
  relations: Pick<Relations, 'sourceRelation' | 'modelRelation'>,
  vars: Vars,
  options: CompileOptions & { model?: Pick<Model, 'name' | 'config' | 'materialized'> } = {},
): string {
  let sql = raw;
  for (const call of findCalls(raw, file).reverse()) {
    let replacement = '';
    const where = `${file}:${call.line}`;
    const self = () => {
      if (!options.model) throw new ModelError(`${where}: {{ ${call.fn} }} works in models only`);
      return options.self ?? relations.modelRelation(options.model.name);
    };
    switch (call.fn) {
      case 'ref': {
        const name = call.positional[0]!;
        replacement = options.ref?.(name) ?? relations.modelRelation(name);
        break;
      }
      case 'source': {
        // Which tables exist was checked when the project was loaded (the feeds are handed in there).
        const [source, table] = call.positional as [string, string];
        replacement = options.source?.(source, table) ?? relations.sourceRelation(source, table);
        break;
      }
      case 'var': {
        const [name, fallback] = call.positional;
        const value = vars[name!] ?? fallback;
        if (value === undefined) throw new ModelError(`${where}: var('${name}') has no value and no default`);
        replacement = value;
        break;
      }
      case 'config':
        replacement = '';
        break;
      case 'this':
        replacement = self();
        break;
      case 'is_incremental':
        self();
        replacement = options.isIncremental ? 'true' : 'false';
        break;
      case 'changed_rows': {
        self();
        const [first, last] = call.positional as [string, string | undefined];
        replacement = options.isIncremental ? changedDatesPredicate(first, last ?? first, options.changedDates ?? []) : 'true';
        break;
      }
      case 'first_changed_date': {
        // The earliest date whose rows may differ from the stored table's: every date on a full
        // build, none (a date after any) on an incremental run where no date changed.
        self();
        const first = firstChangedDate(options.changedDates ?? []);
        replacement = !options.isIncremental ? `date '0001-01-01'` : first ? `date '${first}'` : `date '9999-12-31'`;
        break;
      }
      case 'stored': {
        // The stored table's columns on an incremental run; no rows on a full build, when the
        // table may not exist yet (NULLs, which both engines coerce to the column's type).
        const relation = self();
        const columns = call.positional;
        replacement = options.isIncremental ? `(select ${columns.join(', ')} from ${relation})` : `(select ${columns.map((c) => `null as ${c}`).join(', ')} where false)`;
        break;
      }
      case 'incremental_filter': {
        const relation = self();
        const [column, stored] = call.positional;
        replacement = options.isIncremental ? incrementalFilter(column!, stored ?? column!, relation, options.model!.config) : 'true';
        break;
      }
    }
    sql = sql.slice(0, call.start) + replacement + sql.slice(call.end);
  }
  return sql.trim().replace(/;\s*$/, '');
}

/** Renders a model's `{{ … }}` calls into SQL for one engine. */
export function compileModel(model: Model, relations: Pick<Relations, 'sourceRelation' | 'modelRelation'>, vars: Vars, options: CompileOptions = {}): string {
  return compileTemplate(model.raw, model.file, relations, vars, { ...options, model });
}
