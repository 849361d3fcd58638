import path from 'node:path';
import { lineOf, type Model, type Project } from './project.js';

/**
 * `crmlake lint`: models must be written in the SQL that DuckDB and Athena (Trino) share, with
 * Trino's function names (DESIGN.md). This finds what would run locally and fail, or mean
 * something else, on Athena: DuckDB-only syntax and functions, and names both engines have with
 * different meanings that the DuckDB prelude (src/engine/prelude.ts) cannot paper over.
 *
 * A finding can be silenced on its line (or the line above) with `-- lint: ignore <rule>`.
 */
export interface LintFinding {
  /** Path for messages (relative to the working directory). */
  file: string;
  line: number;
  column: number;
  rule: string;
  message: string;
  hint: string;
}

export interface LintRule {
  id: string;
  /** What it catches, for `crmlake lint --rules`. */
  summary: string;
}

interface Match {
  index: number;
  message: string;
  hint: string;
}

interface SqlRule extends LintRule {
  check(masked: string, raw: string): Match[];
}

/**
 * The SQL with everything that is not SQL code blanked out, keeping every offset: template
 * expressions become `_` runs, comments spaces, string and quoted-identifier contents `_`.
 */
export function maskSql(raw: string): string {
  const out = raw.split('');
  const blank = (from: number, to: number, fill: string) => {
    for (let i = from; i < to; i++) if (out[i] !== '\n') out[i] = fill;
  };
  let i = 0;
  while (i < raw.length) {
    if (raw.startsWith('{{', i)) {
      const end = raw.indexOf('}}', i + 2);
      const stop = end < 0 ? raw.length : end + 2;
      blank(i, stop, '_');
      i = stop;
    } else if (raw.startsWith('--', i)) {
      const end = raw.indexOf('\n', i);
      const stop = end < 0 ? raw.length : end;
      blank(i, stop, ' ');
      i = stop;
    } else if (raw.startsWith('/*', i)) {
      const end = raw.indexOf('*/', i + 2);
      const stop = end < 0 ? raw.length : end + 2;
      blank(i, stop, ' ');
      i = stop;
    } else if (raw[i] === "'" || raw[i] === '"') {
      const quote = raw[i]!;
      let j = i + 1;
      while (j < raw.length) {
        if (raw[j] === quote && raw[j + 1] === quote) j += 2;
        else if (raw[j] === quote) break;
        else j++;
      }
      blank(i + 1, j, '_');
      i = j + 1;
    } else {
      i++;
    }
  }
  return out.join('');
}

const all = (pattern: RegExp, text: string) => [...text.matchAll(new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g'))];

function regexRule(id: string, summary: string, pattern: RegExp, message: string, hint: string): SqlRule {
  return { id, summary, check: (masked) => all(pattern, masked).map((m) => ({ index: m.index, message, hint })) };
}

/** Index of the parenthesis matching the one at `open` (forward), or -1. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return i;
  }
  return -1;
}

function openingParen(text: string, close: number): number {
  let depth = 0;
  for (let i = close; i >= 0; i--) {
    if (text[i] === ')') depth++;
    else if (text[i] === '(' && --depth === 0) return i;
  }
  return -1;
}

/** Functions that return an integer in both engines. */
const INTEGER_FUNCTIONS = new Set([
  'count', 'count_if', 'length', 'strpos', 'cardinality', 'date_diff', 'year', 'month', 'day', 'hour', 'minute', 'second',
  'quarter', 'week', 'day_of_week', 'day_of_month', 'day_of_year', 'dow', 'doy', 'week_of_year', 'year_of_week',
  'row_number', 'rank', 'dense_rank', 'ntile',
]);
const INTEGER_TYPES = /\bas\s+(integer|int|bigint|smallint|tinyint)\s*$/i;

type OperandKind = 'integer' | 'other';

/** What kind of value a function call `name(inner)` gives. */
function callKind(name: string, inner: string): OperandKind {
  const fn = name.toLowerCase();
  if (INTEGER_FUNCTIONS.has(fn)) return 'integer';
  if ((fn === 'cast' || fn === 'try_cast') && INTEGER_TYPES.test(inner)) return 'integer';
  return 'other';
}

function leftOperand(masked: string, slash: number): OperandKind {
  let i = slash - 1;
  while (i >= 0 && /\s/.test(masked[i]!)) i--;
  if (masked[i] === ')') {
    const open = openingParen(masked, i);
    if (open < 0) return 'other';
    const name = /([A-Za-z_]\w*)\s*$/.exec(masked.slice(0, open));
    return name ? callKind(name[1]!, masked.slice(open + 1, i)) : 'other';
  }
  const literal = /(^|[^\w.])(\d+)$/.exec(masked.slice(Math.max(0, i - 40), i + 1));
  return literal ? 'integer' : 'other';
}

function rightOperand(masked: string, slash: number): OperandKind {
  const rest = masked.slice(slash + 1);
  const literal = /^\s*-?\d+(?![\w.])/.exec(rest);
  if (literal) return 'integer';
  const call = /^\s*([A-Za-z_]\w*)\s*\(/.exec(rest);
  if (call) {
    const open = slash + 1 + call[0].length - 1;
    const close = closingParen(masked, open);
    return close < 0 ? 'other' : callKind(call[1]!, masked.slice(open + 1, close));
  }
  return 'other';
}

/** Format specifiers that mean the same to Trino's date_parse (MySQL) and DuckDB's strptime. */
const SHARED_SPECIFIERS = new Set(['Y', 'y', 'm', 'd', 'H', 'I', 'p', 'S', 'f', 'j', 'b', 'a', '%']);

/** DuckDB-only functions, with the Trino way to say the same. */
const DUCKDB_FUNCTIONS: [string, string][] = [
  ['strftime', "date_format(ts, '%Y-%m-%d')"],
  ['strptime', 'date_parse(text, format), or cast(text as timestamp) / from_iso8601_timestamp(text)'],
  ['epoch', 'to_unixtime(ts)'],
  ['epoch_ms', 'to_unixtime(ts) * 1000'],
  ['to_timestamp', 'from_unixtime(seconds)'],
  ['today', 'current_date'],
  ['len', 'length(text) or cardinality(array)'],
  ['string_agg', "array_join(array_agg(x), ',') or listagg(x, ',') within group (order by x)"],
  ['group_concat', "array_join(array_agg(x), ',')"],
  ['median', 'approx_percentile(x, 0.5)'],
  ['quantile', 'approx_percentile(x, p)'],
  ['quantile_cont', 'approx_percentile(x, p)'],
  ['quantile_disc', 'approx_percentile(x, p)'],
  ['approx_quantile', 'approx_percentile(x, p)'],
  ['approx_count_distinct', 'approx_distinct(x)'],
  ['regexp_matches', 'regexp_like(text, pattern)'],
  ['regexp_full_match', "regexp_like(text, '^(…)$')"],
  ['list_contains', 'contains(array, value)'],
  ['array_contains', 'contains(array, value)'],
  ['array_length', 'cardinality(array)'],
  ['list_value', 'array[a, b]'],
  ['struct_pack', 'cast(row(a, b) as row(x integer, y varchar))'],
  ['struct_extract', 'row_value.field'],
  ['str_split', 'split(text, delimiter)'],
  ['string_split', 'split(text, delimiter)'],
  ['datediff', "date_diff('day', start, end)"],
  ['date_sub', "date_diff('day', start, end) (DuckDB's date_sub is a difference, not a subtraction)"],
  ['datesub', "date_diff('day', start, end)"],
  ['dateadd', "date_add('day', n, ts)"],
  ['date_part', 'extract(year from ts) or year(ts)'],
  ['datepart', 'extract(year from ts) or year(ts)'],
  ['ifnull', 'coalesce(a, b)'],
  ['printf', 'format() has Java syntax in Trino: build the text with ||'],
  ['isodow', 'day_of_week(d) (Monday = 1)'],
  ['dayofweek', 'day_of_week(d) (Monday = 1; DuckDB dayofweek has Sunday = 0)'],
  ['dayofmonth', 'day_of_month(d)'],
  ['dayofyear', 'day_of_year(d)'],
  ['isoyear', 'year_of_week(d)'],
  ['last_day', 'last_day_of_month(d)'],
  ['levenshtein', 'levenshtein_distance(a, b)'],
  ['trunc', 'truncate(x)'],
  ['json_extract_string', 'json_extract_scalar(json, path)'],
  ['encode', 'to_utf8(text)'],
  ['decode', 'from_utf8(bytes)'],
  ['array_to_string', 'array_join(array, separator)'],
  ['isnan', 'is_nan(x)'],
  ['isinf', 'is_infinite(x)'],
  ['isfinite', 'is_finite(x)'],
  ['arg_max', 'max_by(value, key)'],
  ['argmax', 'max_by(value, key)'],
  ['max_by_n', 'max_by(value, key, n)'],
  ['arg_min', 'min_by(value, key)'],
  ['argmin', 'min_by(value, key)'],
  ['first', 'arbitrary(x), or min_by(x, order_column)'],
  ['last', 'max_by(x, order_column)'],
  ['age', "date_diff('day', start, end)"],
  ['make_date', "date(format('%04d-%02d-%02d', y, m, d)) is Trino-only; build a date with cast(… as date) from 'YYYY-MM-DD' text"],
  ['to_days', "interval 'n' day"],
  ['to_months', "interval 'n' month"],
  ['to_years', "interval 'n' year"],
  ['read_parquet', "{{ source('feed', 'table') }} or {{ ref('model') }}"],
  ['read_csv', "{{ source('feed', 'table') }}"],
  ['read_csv_auto', "{{ source('feed', 'table') }}"],
  ['read_json', "{{ source('feed', 'table') }}"],
  ['read_json_auto', "{{ source('feed', 'table') }}"],
  ['parquet_scan', "{{ source('feed', 'table') }}"],
];

/** DuckDB-only types, as written in cast(… as <type>). */
const DUCKDB_TYPES: Record<string, string> = {
  hugeint: 'bigint or decimal(38, 0)',
  uhugeint: 'decimal(38, 0)',
  ubigint: 'decimal(20, 0)',
  uinteger: 'bigint',
  usmallint: 'integer',
  utinyint: 'smallint',
  string: 'varchar',
  text: 'varchar',
  blob: 'varbinary',
  bytea: 'varbinary',
  timestamptz: 'timestamp with time zone',
  int1: 'tinyint',
  int2: 'smallint',
  int4: 'integer',
  int8: 'bigint',
  float4: 'real',
  float8: 'double',
  bpchar: 'varchar',
  datetime: 'timestamp',
};

/** Words after which `[` starts a value rather than subscripting one. */
const EXPRESSION_KEYWORDS = new Set(['select', 'in', 'then', 'else', 'when', 'by', 'and', 'or', 'not', 'as', 'values', 'on', 'where', 'having', 'return', 'distinct', 'is', 'like', 'between']);

const SQL_RULES: SqlRule[] = [
  regexRule('qualify', 'QUALIFY (DuckDB-only)', /\bqualify\b/i, 'QUALIFY is DuckDB-only; Athena (Trino) cannot filter on a window function in place',
    'compute the window in a CTE or subquery and filter it outside: select * from (select …, row_number() over (…) as rn from …) where rn = 1'),
  regexRule('group-by-all', 'GROUP BY ALL / ORDER BY ALL (DuckDB-only)', /\b(group|order)\s+by\s+all\b/i, 'GROUP BY ALL / ORDER BY ALL is DuckDB-only',
    'list the columns (or their positions): group by customer_id, order_id'),
  regexRule('double-colon-cast', ':: casts (DuckDB/Postgres-only)', /::/, 'x::type casts are DuckDB/Postgres syntax; Trino rejects them', 'write cast(x as type)'),
  regexRule('select-exclude', 'SELECT * EXCLUDE / REPLACE (DuckDB-only)', /\*\s*(exclude|replace)\s*\(/i, 'SELECT * EXCLUDE (…) / * REPLACE (…) is DuckDB-only',
    'list the columns you keep'),
  {
    id: 'list-literal',
    summary: '[…] list literals and [a:b] slices (DuckDB-only)',
    check(masked) {
      const out: Match[] = [];
      for (const m of all(/\[/, masked)) {
        const before = masked.slice(0, m.index).trimEnd();
        const prev = before.at(-1) ?? '';
        const word = /([A-Za-z_]\w*)$/.exec(before)?.[1]?.toLowerCase();
        const close = masked.indexOf(']', m.index);
        const inside = close < 0 ? '' : masked.slice(m.index + 1, close);
        // After a value ([x]: subscript, as Trino has too) or after a keyword/operator (a literal).
        if (!/[\w)\]"]/.test(prev) || (word && word !== 'array' && EXPRESSION_KEYWORDS.has(word))) {
          out.push({ index: m.index, message: '[…] list literals are DuckDB-only', hint: 'write array[1, 2, 3]' });
        } else if (inside.includes(':')) {
          out.push({ index: m.index, message: 'list slices x[a:b] are DuckDB-only', hint: 'write slice(x, start, length) (1-based)' });
        }
      }
      return out;
    },
  },
  regexRule('struct-literal', '{…} struct and map literals (DuckDB-only)', /\{/, "{'key': value} struct/map literals are DuckDB-only",
    "write row(…) (cast(row(1, 'a') as row(id integer, name varchar))) or map(array[…], array[…])"),
  regexRule('ilike', 'ILIKE (DuckDB/Postgres-only)', /\bilike\b/i, 'ILIKE is not Trino SQL', "write lower(x) like lower('%pattern%')"),
  regexRule('double-slash', '// integer division (DuckDB-only)', /\/\//, '// (integer division) is DuckDB-only', 'write floor(a / b) with a cast where the operands are not integers'),
  regexRule('double-equals', '== comparison (DuckDB-only)', /==/, '== is DuckDB-only', 'write ='),
  regexRule('special-join', 'ASOF / POSITIONAL / ANTI / SEMI joins (DuckDB-only)', /\b(asof|positional|anti|semi)\s+join\b/i, 'this join kind is DuckDB-only',
    'rewrite as a join with a window function (asof), or where [not] exists (…) (semi/anti)'),
  regexRule('pivot', 'PIVOT / UNPIVOT (DuckDB-only)', /\b(pivot|unpivot)\b/i, 'PIVOT / UNPIVOT is DuckDB-only',
    'pivot with sum(case when … then … end) per column; unpivot with cross join unnest(array[…], array[…])'),
  regexRule('from-first', 'FROM-first queries (DuckDB-only)', /(?<=(?:^|;|\()\s*)from\s+[\w."]+\s*(?:select\b|$|;|\))/i, 'FROM-first queries (from t select …) are DuckDB-only',
    'write select … from t'),
  regexRule('file-as-table', "reading files: from 'file.parquet' (DuckDB-only)", /\b(from|join)\s+'/i, "reading a file by name is DuckDB-only",
    "read data through {{ source('feed', 'table') }} or {{ ref('model') }}"),
  regexRule('table-function-range', 'range()/generate_series() as a table (DuckDB-only)', /\b(from|join)\s+(range|generate_series)\s*\(/i,
    'range() / generate_series() as a table is DuckDB-only', 'cross join unnest(sequence(start, stop)) as t(x)'),
  {
    id: 'duckdb-function',
    summary: 'functions only DuckDB has (with the Trino name to use)',
    check(masked) {
      const out: Match[] = [];
      for (const [name, hint] of DUCKDB_FUNCTIONS) {
        for (const m of all(new RegExp(`(?<![\\w.])${name}\\s*\\(`, 'i'), masked)) {
          out.push({ index: m.index, message: `${name}() is DuckDB-only`, hint: `Trino: ${hint}` });
        }
      }
      for (const m of all(/(?<![\w.])list_\w+\s*\(/i, masked)) {
        if (!DUCKDB_FUNCTIONS.some(([n]) => masked.slice(m.index).toLowerCase().startsWith(n))) {
          out.push({ index: m.index, message: `${m[0].replace(/\s*\($/, '')}() is DuckDB-only`, hint: 'Trino: array functions (array_sort, array_distinct, filter, transform, reduce, …)' });
        }
      }
      return out;
    },
  },
  {
    id: 'duckdb-type',
    summary: 'types only DuckDB has, in cast(… as <type>)',
    check(masked) {
      const out: Match[] = [];
      for (const m of all(/\b(try_)?cast\s*\(/i, masked)) {
        const open = m.index + m[0].length - 1;
        const close = closingParen(masked, open);
        if (close < 0) continue;
        const type = /\bas\s+([a-z_0-9]+)\s*(?:\[\s*\])?\s*$/i.exec(masked.slice(open + 1, close));
        const name = type?.[1]!.toLowerCase();
        if (name && DUCKDB_TYPES[name]) {
          out.push({ index: open + 1 + type!.index, message: `type ${name} is DuckDB-only`, hint: `Trino: ${DUCKDB_TYPES[name]}` });
        } else if (type && /\[\s*\]\s*$/.test(masked.slice(open + 1, close))) {
          out.push({ index: open + 1 + type.index, message: 'type[] array types are DuckDB syntax', hint: `Trino: array(${name})` });
        }
      }
      return out;
    },
  },
  {
    id: 'integer-division',
    summary: 'integer / integer (Trino truncates: 5/2 = 2; DuckDB gives 2.5)',
    check(masked) {
      const out: Match[] = [];
      for (const m of all(/(?<![/*])\/(?![/*])/, masked)) {
        if (leftOperand(masked, m.index) === 'integer' && rightOperand(masked, m.index) === 'integer') {
          out.push({
            index: m.index,
            message: 'integer / integer: Trino truncates to an integer (5/2 = 2), DuckDB gives a fraction (2.5)',
            hint: 'for a fraction write cast(a as double) / b; for whole units write floor(cast(a as double) / b)',
          });
        }
      }
      return out;
    },
  },
  regexRule('extract-dow', 'extract(dow …) (Sunday = 0 in DuckDB, Monday = 1 in Trino)', /\bextract\s*\(\s*(dow|dayofweek|isodow|doy|dayofyear|epoch)\b/i,
    'extract(dow/doy/epoch …) differs or is missing between DuckDB and Trino (DuckDB dow: Sunday = 0; Trino: Monday = 1)',
    'write day_of_week(x) (Monday = 1), day_of_year(x) or to_unixtime(x)'),
  regexRule('format', 'format() (Java syntax in Trino, {} syntax in DuckDB)', /(?<![\w.])format\s*\(/i,
    'format() means different things: Trino takes Java %s patterns, DuckDB {} patterns', "build the text with || (and lpad(cast(n as varchar), 2, '0') for padding)"),
  regexRule('log-one-argument', 'log(x) (base 10 in DuckDB, missing in Trino)', /(?<![\w.])log\s*\(\s*[^,()]*(?:\([^()]*\)[^,()]*)*\)/i,
    'log(x) with one argument is base 10 in DuckDB and does not exist in Trino', 'write log10(x), ln(x) or log(base, x)'),
  regexRule('substr-zero', 'substr(x, 0, …) (positions start at 1)', /\bsubstr(?:ing)?\s*\([^,()]*(?:\([^()]*\)[^,()]*)*,\s*0\s*[,)]/i,
    'substr(x, 0, …): DuckDB treats position 0 like 1, Trino returns an empty string', 'positions start at 1: substr(x, 1, n)'),
  {
    id: 'date-parse-format',
    summary: "date_parse formats with specifiers DuckDB's strptime reads differently",
    check(masked, raw) {
      const out: Match[] = [];
      for (const m of all(/(?<![\w.])date_parse\s*\(/i, masked)) {
        const open = m.index + m[0].length - 1;
        const close = closingParen(masked, open);
        if (close < 0) continue;
        const literal = /,\s*'([^']*)'\s*$/.exec(raw.slice(open + 1, close));
        if (!literal) {
          out.push({ index: m.index, message: 'date_parse needs a constant format string on DuckDB', hint: "write the format as a literal: date_parse(x, '%Y-%m-%d')" });
          continue;
        }
        const bad = [...literal[1]!.matchAll(/%(.)/g)].map((s) => s[1]!).filter((s) => !SHARED_SPECIFIERS.has(s));
        if (bad.length) {
          out.push({
            index: m.index,
            message: `date_parse format uses ${bad.map((s) => `%${s}`).join(' ')}, which DuckDB's strptime reads differently (Trino %i = minutes, %s = seconds, %M = month name)`,
            hint: 'use only %Y %y %m %d %H %I %p %S %f %j %b %a; for times with minutes use cast(x as timestamp) or from_iso8601_timestamp(x)',
          });
        }
      }
      return out;
    },
  },
];

const PROJECT_RULES: LintRule[] = [
  { id: 'incremental-without-filter', summary: "incremental models that never use {{ incremental_filter() }} / {{ changed_rows() }} / {{ is_incremental() }} / {{ this }}" },
  { id: 'yaml-unknown-model', summary: 'YAML entries (docs, tests) for a model that does not exist' },
];

export const LINT_RULES: LintRule[] = [...SQL_RULES.map(({ id, summary }) => ({ id, summary })), ...PROJECT_RULES];

function ignoredRules(raw: string, line: number): Set<string> {
  const lines = raw.split('\n');
  const out = new Set<string>();
  for (const text of [lines[line - 1], lines[line - 2]]) {
    const m = text ? /--\s*lint:\s*ignore\s+([\w\s,-]+)/i.exec(text) : null;
    if (m) for (const id of m[1]!.split(/[\s,]+/).filter(Boolean)) out.add(id);
  }
  return out;
}

/** Lints one SQL text (a model or a singular test); `file` is how findings name it. */
export function lintSql(raw: string, file: string): LintFinding[] {
  const masked = maskSql(raw);
  const findings: LintFinding[] = [];
  for (const rule of SQL_RULES) {
    for (const match of rule.check(masked, raw)) {
      const line = lineOf(raw, match.index);
      if (ignoredRules(raw, line).has(rule.id)) continue;
      const column = match.index - raw.lastIndexOf('\n', match.index - 1);
      findings.push({ file, line, column, rule: rule.id, message: match.message, hint: match.hint });
    }
  }
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** A path for messages: relative to the working directory when inside it, else absolute. */
const shown = (absolute: string) => {
  const relative = path.relative(process.cwd(), absolute);
  return relative && !relative.startsWith('..') && !path.isAbsolute(relative) ? relative.split(path.sep).join('/') : absolute;
};

/** Lints every SQL model and singular test of a project, and the project-level rules. */
export function lintProject(project: Project, models: Model[] = project.models): LintFinding[] {
  const findings: LintFinding[] = [];
  for (const model of models) {
    if (model.kind !== 'sql') continue;
    const file = shown(path.join(project.dir, model.file));
    findings.push(...lintSql(model.raw, file));
    if (model.materialized === 'incremental' && !/\{\{\s*(incremental_filter\s*\(|changed_rows\s*\(|is_incremental\s*\(|this\s*\}\})/.test(model.raw)) {
      const line = model.configLine ?? 1;
      if (!ignoredRules(model.raw, line).has('incremental-without-filter')) {
        findings.push({
          file,
          line,
          column: 1,
          rule: 'incremental-without-filter',
          message: `incremental model ${model.name} never filters for new rows, so every run re-reads and re-adds everything`,
          hint: "add where {{ incremental_filter('business_date') }} (the input's date column)",
        });
      }
    }
  }
  const selected = new Set(models.map((m) => m.name));
  if (selected.size === project.models.length) {
    for (const test of project.singularTests) findings.push(...lintSql(test.raw, shown(test.path)));
    for (const doc of project.orphanDocs) {
      findings.push({
        file: shown(path.join(project.dir, doc.file)),
        line: doc.line,
        column: 1,
        rule: 'yaml-unknown-model',
        message: `YAML documents model ${doc.name}, which does not exist (its tests would never run)`,
        hint: `rename the entry to an existing model, or remove it (models: ${project.models.map((m) => m.name).sort().join(', ')})`,
      });
    }
  }
  return findings;
}

export function formatFinding(f: LintFinding): string {
  return `${f.file}:${f.line}:${f.column}: [${f.rule}] ${f.message}\n    fix: ${f.hint}`;
}
