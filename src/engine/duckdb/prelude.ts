/**
 * The DuckDB prelude: macros that give DuckDB the Trino (Athena) function names and meanings
 * that models use, so one model text means the same on both engines (DESIGN.md, "SQL that runs
 * on both engines"). Loaded by `DuckDbEngine.open` before any view is created.
 *
 * Two kinds of macro:
 * - a Trino name DuckDB lacks (approx_distinct, from_iso8601_timestamp, day_of_week, …);
 * - a name both engines have with different meanings (date_diff, regexp_replace, concat,
 *   greatest, least, regexp_extract, split_part): the macro shadows DuckDB's built-in
 *   (`main` comes before `system` when DuckDB resolves a function) and calls the built-in by its
 *   qualified name `system.main.<fn>`, so DuckDB answers as Trino does.
 *
 * Not shadowed, because DuckDB cannot pick a macro overload by argument type when the argument is
 * an aggregate (measured on 1.5.5: "Macro … has multiple overloads that match"): DuckDB's
 * date_trunc(unit, DATE) and date_add(unit, n, DATE) return a TIMESTAMP where Trino returns a
 * DATE. The values agree; write `cast(… as date)` where the column type matters.
 *
 * Syntax DuckDB has and Trino lacks (QUALIFY, `::`, …) cannot be fixed by macros:
 * `crmlake lint` (src/models/lint.ts) rejects it in models.
 */
export interface PreludeFunction {
  /** Trino name as models write it. */
  name: string;
  /** Why it is here: what DuckDB lacks or does differently. */
  note: string;
  /** `CREATE MACRO` body: one or more `(params) AS expr` overloads. */
  overloads: string[];
}

/** `greatest`/`least`/`concat` take any number of arguments in Trino; macros need fixed arity. */
const MAX_VARIADIC = 8;

function variadic(minArgs: number, build: (args: string[]) => string): string[] {
  const overloads: string[] = [];
  for (let n = minArgs; n <= MAX_VARIADIC; n++) {
    const args = Array.from({ length: n }, (_, i) => `a${i + 1}`);
    overloads.push(`(${args.join(', ')}) AS ${build(args)}`);
  }
  return overloads;
}

const anyNull = (args: string[]) => args.map((a) => `${a} IS NULL`).join(' OR ');

/** MySQL-style format specifiers (Trino date_format/date_parse) to strftime ones. */
const MYSQL_TO_STRFTIME = (fmt: string) =>
  [
    ['%M', '%B'], // month name (must go before %i → %M)
    ['%i', '%M'], // minutes
    ['%s', '%S'], // seconds
    ['%T', '%H:%M:%S'],
    ['%r', '%I:%M:%S %p'],
    ['%W', '%A'], // weekday name
    ['%e', '%-d'],
    ['%c', '%-m'],
    ['%k', '%-H'],
    ['%l', '%-I'],
    ['%h', '%I'],
    ['%v', '%V'],
    ['%x', '%G'],
  ].reduce((expr, [from, to]) => `replace(${expr}, '${from}', '${to}')`, fmt);

export const PRELUDE_FUNCTIONS: PreludeFunction[] = [
  // Same name, different meaning.
  {
    name: 'date_diff',
    note: 'Trino counts whole units elapsed; DuckDB date_diff counts unit boundaries crossed (DuckDB date_sub is the Trino meaning)',
    overloads: ['(unit, a, b) AS system.main.date_sub(unit, a, b)'],
  },
  {
    name: 'regexp_replace',
    note: 'Trino replaces every match and writes groups as $1; DuckDB replaces the first match unless given g, groups as \\1',
    overloads: [
      `(s, pattern) AS system.main.regexp_replace(s, pattern, '', 'g')`,
      `(s, pattern, replacement) AS system.main.regexp_replace(s, pattern, system.main.regexp_replace(replacement, '\\$(\\d)', '\\\\\\1', 'g'), 'g')`,
    ],
  },
  {
    name: 'regexp_extract',
    note: 'Trino gives NULL when nothing matches; DuckDB gives an empty string',
    overloads: [
      '(s, pattern) AS CASE WHEN regexp_matches(s, pattern) THEN system.main.regexp_extract(s, pattern) END',
      '(s, pattern, grp) AS CASE WHEN regexp_matches(s, pattern) THEN system.main.regexp_extract(s, pattern, grp) END',
    ],
  },
  {
    name: 'split_part',
    note: 'Trino gives NULL past the last field; DuckDB gives an empty string',
    overloads: ['(s, delimiter, idx) AS CASE WHEN idx <= len(string_split(s, delimiter)) THEN system.main.split_part(s, delimiter, idx) END'],
  },
  {
    name: 'concat',
    note: 'Trino gives NULL if any argument is NULL; DuckDB skips NULLs',
    overloads: variadic(2, (args) => `(${args.join(' || ')})`),
  },
  {
    name: 'greatest',
    note: 'Trino gives NULL if any argument is NULL; DuckDB ignores NULLs',
    overloads: variadic(2, (args) => `CASE WHEN ${anyNull(args)} THEN NULL ELSE system.main.greatest(${args.join(', ')}) END`),
  },
  {
    name: 'least',
    note: 'Trino gives NULL if any argument is NULL; DuckDB ignores NULLs',
    overloads: variadic(2, (args) => `CASE WHEN ${anyNull(args)} THEN NULL ELSE system.main.least(${args.join(', ')}) END`),
  },
  {
    name: 'date_add',
    note: "Trino date_add(unit, value, timestamp); DuckDB date_add(date, interval) (kept as the 2-argument form). On a DATE DuckDB returns a TIMESTAMP (Trino a DATE): same value",
    overloads: [
      `(unit, value, ts) AS ts + CAST(CAST(value AS VARCHAR) || ' ' || unit AS INTERVAL)`,
      '(d, i) AS system.main.date_add(d, i)',
    ],
  },
  // Trino names DuckDB lacks or spells differently.
  { name: 'approx_distinct', note: 'DuckDB: approx_count_distinct', overloads: ['(x) AS approx_count_distinct(x)', '(x, max_error) AS approx_count_distinct(x)'] },
  { name: 'approx_percentile', note: 'DuckDB: approx_quantile (the plain (x, p) form only)', overloads: ['(x, p) AS approx_quantile(x, p)'] },
  { name: 'regexp_like', note: 'DuckDB: regexp_matches (both match anywhere in the string)', overloads: ['(s, pattern) AS regexp_matches(s, pattern)'] },
  { name: 'from_iso8601_timestamp', note: 'DuckDB: cast to TIMESTAMP WITH TIME ZONE', overloads: ['(s) AS CAST(s AS TIMESTAMP WITH TIME ZONE)'] },
  { name: 'from_iso8601_date', note: 'DuckDB: cast to DATE (calendar dates YYYY-MM-DD only)', overloads: ['(s) AS CAST(s AS DATE)'] },
  { name: 'to_iso8601', note: "DuckDB: strftime; a DATE gives YYYY-MM-DD, a timestamp YYYY-MM-DDTHH:MM:SS.mmm", overloads: [`(x) AS CASE WHEN typeof(x) = 'DATE' THEN strftime(x, '%Y-%m-%d') ELSE strftime(x, '%Y-%m-%dT%H:%M:%S.%g') END`] },
  { name: 'to_unixtime', note: 'DuckDB: epoch', overloads: ['(ts) AS epoch(ts)'] },
  { name: 'from_unixtime', note: 'DuckDB: to_timestamp', overloads: ['(n) AS to_timestamp(n)'] },
  { name: 'date_format', note: 'DuckDB: strftime with strftime specifiers (MySQL ones translated)', overloads: [`(ts, fmt) AS strftime(ts, ${MYSQL_TO_STRFTIME('fmt')})`] },
  {
    name: 'date_parse',
    // strptime wants a constant format, which a macro cannot compute from its argument, so the
    // format passes through: only specifiers both engines read alike work (lint checks this).
    note: 'DuckDB: strptime; only the specifiers MySQL and strftime share (%Y %y %m %d %H %I %p %S %f %j %b %a)',
    overloads: ['(s, fmt) AS strptime(s, fmt)'],
  },
  { name: 'day_of_week', note: 'ISO day of week, Monday = 1 (DuckDB dayofweek has Sunday = 0): isodow', overloads: ['(d) AS isodow(d)'] },
  { name: 'dow', note: 'alias of day_of_week', overloads: ['(d) AS isodow(d)'] },
  { name: 'day_of_month', note: 'DuckDB: dayofmonth', overloads: ['(d) AS dayofmonth(d)'] },
  { name: 'day_of_year', note: 'DuckDB: dayofyear', overloads: ['(d) AS dayofyear(d)'] },
  { name: 'doy', note: 'alias of day_of_year', overloads: ['(d) AS dayofyear(d)'] },
  { name: 'week_of_year', note: 'ISO week: DuckDB week', overloads: ['(d) AS week(d)'] },
  { name: 'year_of_week', note: 'ISO week-numbering year: DuckDB isoyear', overloads: ['(d) AS isoyear(d)'] },
  { name: 'yow', note: 'alias of year_of_week', overloads: ['(d) AS isoyear(d)'] },
  { name: 'last_day_of_month', note: 'DuckDB: last_day', overloads: ['(d) AS last_day(d)'] },
  { name: 'json_extract_scalar', note: 'DuckDB: json_extract_string', overloads: ['(j, path) AS json_extract_string(j, path)'] },
  { name: 'to_utf8', note: 'DuckDB: encode', overloads: ['(s) AS encode(s)'] },
  { name: 'from_utf8', note: 'DuckDB: decode', overloads: ['(b) AS decode(b)'] },
  { name: 'levenshtein_distance', note: 'DuckDB: levenshtein', overloads: ['(a, b) AS levenshtein(a, b)'] },
  { name: 'truncate', note: 'DuckDB: trunc', overloads: ['(x) AS trunc(x)'] },
  { name: 'every', note: 'DuckDB: bool_and', overloads: ['(b) AS bool_and(b)'] },
  { name: 'array_join', note: 'DuckDB: array_to_string', overloads: ['(a, sep) AS array_to_string(a, sep)'] },
  { name: 'nan', note: "DuckDB: 'nan'::double", overloads: [`() AS CAST('nan' AS DOUBLE)`] },
  { name: 'infinity', note: "DuckDB: 'inf'::double", overloads: [`() AS CAST('inf' AS DOUBLE)`] },
  { name: 'is_nan', note: 'DuckDB: isnan', overloads: ['(x) AS isnan(x)'] },
  { name: 'is_finite', note: 'DuckDB: isfinite', overloads: ['(x) AS isfinite(x)'] },
  { name: 'is_infinite', note: 'DuckDB: isinf', overloads: ['(x) AS isinf(x)'] },
];

/** The prelude as one SQL script of `CREATE OR REPLACE MACRO` statements. */
export const PRELUDE_SQL = PRELUDE_FUNCTIONS.map((f) => `CREATE OR REPLACE MACRO ${f.name}${f.overloads.join(',\n  ')};`).join('\n');

/** Creates the prelude's macros on a DuckDB connection (before any view that may call them). */
export async function loadPrelude(connection: { run(sql: string): Promise<unknown> }): Promise<void> {
  await connection.run(PRELUDE_SQL);
}
