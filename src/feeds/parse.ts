/** Value parsers shared by every feed. Each returns a canonical string or throws a reason. */

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A decimal number written with a dot; returns it normalized (no '+', no exponent surprises). */
export function parseDecimal(value: string): string {
  const text = value.trim();
  if (!DECIMAL.test(text)) throw new Error(`not a number: ${JSON.stringify(value)}`);
  const number = Number(text);
  if (!Number.isFinite(number)) throw new Error(`not a finite number: ${JSON.stringify(value)}`);
  // Plain decimal text keeps every digit the source had; exponent forms go through Number.
  return /[eE]/.test(text) ? String(number) : text.replace(/^\+/, '');
}

/** Ids exported as floats by spreadsheets and some POS systems: `17850.0` → `17850`. */
export function parseIntegerId(value: string): string {
  const text = value.trim();
  const match = /^(\d+)(?:\.0+)?$/.exec(text);
  if (!match) throw new Error(`not an integer id: ${JSON.stringify(value)}`);
  return match[1]!.replace(/^0+(?=\d)/, '');
}

/** A whole number (`-12`, `0042`); `12.0` is accepted as 12. */
export function parseInteger(value: string): string {
  const match = /^([+-]?)(\d+)(?:\.0+)?$/.exec(value.trim());
  if (!match) throw new Error(`not a whole number: ${JSON.stringify(value)}`);
  const digits = match[2]!.replace(/^0+(?=\d)/, '');
  return match[1] === '-' && digits !== '0' ? `-${digits}` : digits;
}

export const TRUE_WORDS = ['y', 'yes', 'true', 't', '1', '是', '对'] as const;
export const FALSE_WORDS = ['n', 'no', 'false', 'f', '0', '否', '不'] as const;
const TRUE = new Set<string>(TRUE_WORDS);
const FALSE = new Set<string>(FALSE_WORDS);

/** Y/N, yes/no, true/false, 1/0 (and 是/否) in any case → 'true' / 'false'. */
export function parseBoolean(value: string): string {
  const text = value.trim().toLowerCase();
  if (TRUE.has(text)) return 'true';
  if (FALSE.has(text)) return 'false';
  throw new Error(`not a yes/no value: ${JSON.stringify(value)}`);
}

/**
 * A duration as `H:MM:SS`, `M:SS` or plain seconds → whole seconds. Without hours the minutes may
 * pass 59: call-center systems write a long call as `102:10`.
 */
export function parseDuration(value: string): string {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return String(Math.round(Number(text)));
  const match = /^(?:(\d+):(?=\d{1,2}:))?(\d+):(\d{2})(?:\.\d+)?$/.exec(text);
  if (!match || Number(match[3]) > 59 || (match[1] !== undefined && Number(match[2]) > 59)) {
    throw new Error(`not a duration (H:MM:SS, M:SS or seconds): ${JSON.stringify(value)}`);
  }
  return String(Number(match[1] ?? 0) * 3600 + Number(match[2]) * 60 + Number(match[3]));
}

interface TimestampPattern {
  regex: RegExp;
  groups: string[];
}

const patternCache = new Map<string, TimestampPattern>();

const TOKENS: Record<string, string> = {
  YYYY: '(\\d{4})',
  MM: '(\\d{2})',
  M: '(\\d{1,2})',
  DD: '(\\d{2})',
  D: '(\\d{1,2})',
  HH: '(\\d{2})',
  H: '(\\d{1,2})',
  mm: '(\\d{2})',
  ss: '(\\d{2})',
  SSS: '(\\d{1,9})',
};

function compilePattern(format: string): TimestampPattern {
  const cached = patternCache.get(format);
  if (cached) return cached;
  const groups: string[] = [];
  let regex = '';
  let rest = format;
  outer: while (rest.length > 0) {
    for (const token of ['YYYY', 'SSS', 'MM', 'DD', 'HH', 'mm', 'ss', 'M', 'D', 'H']) {
      if (rest.startsWith(token)) {
        regex += TOKENS[token];
        groups.push(token[0]!);
        rest = rest.slice(token.length);
        continue outer;
      }
    }
    regex += rest[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    rest = rest.slice(1);
  }
  const pattern = { regex: new RegExp(`^${regex}$`), groups };
  patternCache.set(format, pattern);
  return pattern;
}

/** The strptime directive of each token parseTimestamp reads (fractions of a second have none). */
const STRPTIME: Record<string, string> = { YYYY: '%Y', MM: '%m', M: '%m', DD: '%d', D: '%d', HH: '%H', H: '%H', mm: '%M', ss: '%S' };

/**
 * A timestamp format for SQL: its regular expression without anchors (RE2 reads it as JavaScript
 * does: ASCII digits, literal characters escaped) and the same format for DuckDB's strptime,
 * which checks the ranges parseTimestamp checks. Undefined for a format with fractions of a
 * second or a part written twice.
 */
export function timestampPatternSql(format: string): { regex: string; strptime: string } | undefined {
  const { regex, groups } = compilePattern(format);
  if (groups.includes('S') || new Set(groups).size !== groups.length) return undefined;
  let strptime = '';
  let rest = format;
  outer: while (rest.length > 0) {
    for (const token of ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss', 'M', 'D', 'H']) {
      if (rest.startsWith(token)) {
        strptime += STRPTIME[token];
        rest = rest.slice(token.length);
        continue outer;
      }
    }
    strptime += rest[0] === '%' ? '%%' : rest[0];
    rest = rest.slice(1);
  }
  return { regex: regex.source.slice(1, -1), strptime };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Parses a local date-time written in `format` (tokens YYYY MM M DD D HH H mm ss SSS, anything
 * else literal; 'iso' accepts `YYYY-MM-DD[ T]HH:mm[:ss[.f]][Z|±HH:MM]`, offsets converted to UTC). Returns `YYYY-MM-DD HH:mm:ss[.fff]`.
 */
export function parseTimestamp(value: string, format: string): string {
  const text = value.trim();
  if (format === 'iso') {
    const iso = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(text);
    if (!iso) throw new Error(`not an ISO date-time: ${JSON.stringify(value)}`);
    const parts = { Y: iso[1]!, M: iso[2]!, D: iso[3]!, H: iso[4] ?? '0', m: iso[5] ?? '0', s: iso[6] ?? '0', S: iso[7] };
    const zone = iso[8];
    if (zone && zone !== 'Z') {
      // A stated offset is converted to UTC, the lake's one clock; offsets are whole minutes,
      // so the fraction of a second is unchanged.
      assemble(value, parts); // validates the local date-time first
      const sign = zone[0] === '-' ? -1 : 1;
      const offset = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(-2)));
      const utc = new Date(Date.UTC(+parts.Y, +parts.M - 1, +parts.D, +parts.H, +parts.m - offset, +parts.s));
      const t = utc.toISOString();
      return assemble(value, { Y: t.slice(0, 4), M: t.slice(5, 7), D: t.slice(8, 10), H: t.slice(11, 13), m: t.slice(14, 16), s: t.slice(17, 19), S: parts.S });
    }
    return assemble(value, parts);
  }
  const { regex, groups } = compilePattern(format);
  const match = regex.exec(text);
  if (!match) throw new Error(`${JSON.stringify(value)} does not match the date format ${format}`);
  const parts: Record<string, string | undefined> = {};
  groups.forEach((g, i) => (parts[g] = match[i + 1]));
  return assemble(value, parts);
}

function assemble(original: string, parts: Record<string, string | undefined>): string {
  const year = Number(parts.Y);
  const month = Number(parts.M ?? 1);
  const day = Number(parts.D ?? 1);
  const hour = Number(parts.H ?? 0);
  const minute = Number(parts.m ?? 0);
  const second = Number(parts.s ?? 0);
  if (month < 1 || month > 12) throw new Error(`impossible month in ${JSON.stringify(original)}`);
  if (day < 1 || day > daysInMonth(year, month)) throw new Error(`impossible day in ${JSON.stringify(original)}`);
  if (hour > 23 || minute > 59 || second > 59) throw new Error(`impossible time in ${JSON.stringify(original)}`);
  const fraction = parts.S ? `.${parts.S}` : '';
  return `${pad(year, 4)}-${pad(month)}-${pad(day)} ${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}`;
}

const CANONICAL_TIMESTAMP = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/;
const CANONICAL_DATE = /^\d{4}-\d{2}-\d{2}$/;
const CANONICAL_INTEGER = /^-?\d+$/;
const INTEGER_LIMITS: Record<string, number> = { SMALLINT: 2 ** 15, INTEGER: 2 ** 31, BIGINT: 2 ** 63 };

/**
 * Why a canonical value would not survive the cast to its column's SQL type without loss
 * (undefined when it would): a mapping that forgot its `transform`, a decimal with more places
 * than the column keeps, an integer out of range. Lets a feed quarantine the row instead of
 * failing the whole file at the cast, or rounding money silently.
 */
export function canonicalProblem(type: string, value: string): string | undefined {
  const upper = type.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(upper);
  if (decimal) {
    const match = /^-?(\d*)(?:\.(\d*))?$/.exec(value);
    if (!match || !/\d/.test(value)) return `not a plain decimal number: ${JSON.stringify(value)}`;
    const scale = Number(decimal[2]);
    const whole = match[1]!.replace(/^0+/, '').length;
    const places = (match[2] ?? '').replace(/0+$/, '').length;
    if (places > scale) return `${value} has more than ${scale} decimal places`;
    if (whole > Number(decimal[1]) - scale) return `${value} is too large for ${type}`;
    return undefined;
  }
  if (upper in INTEGER_LIMITS) {
    if (!CANONICAL_INTEGER.test(value)) return `not a whole number: ${JSON.stringify(value)}`;
    const limit = INTEGER_LIMITS[upper]!;
    if (Number(value) >= limit || Number(value) < -limit) return `${value} is out of range for ${type}`;
    return undefined;
  }
  if (upper === 'TIMESTAMP' && !CANONICAL_TIMESTAMP.test(value)) return `not a date-time (YYYY-MM-DD HH:mm:ss): ${JSON.stringify(value)}`;
  if (upper === 'DATE' && !CANONICAL_DATE.test(value)) return `not a date (YYYY-MM-DD): ${JSON.stringify(value)}`;
  if (upper === 'BOOLEAN' && value !== 'true' && value !== 'false') return `not true/false: ${JSON.stringify(value)}`;
  return undefined;
}

/** The first value of a canonical row that would not survive its column's cast (see canonicalProblem). */
export function rowProblem(
  columns: readonly { name: string; type: string }[],
  row: Readonly<Record<string, string | null | undefined>>,
): { field: string; reason: string } | undefined {
  for (const { name, type } of columns) {
    const value = row[name];
    const problem = value == null ? undefined : canonicalProblem(type, value);
    if (problem) return { field: name, reason: problem };
  }
  return undefined;
}

/**
 * A SQL condition that holds only when `canonicalProblem(type, value)` finds nothing and the
 * value casts to `type` (`expr` is VARCHAR, NULL passes); undefined for a type it cannot check.
 * Stricter than canonicalProblem where that is simpler: the fast ingest path falls back to the
 * JavaScript checks for a file with any row that fails it.
 */
export function canonicalOkSql(type: string, expr: string): string | undefined {
  const upper = type.toUpperCase();
  const decimal = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(upper);
  let check: string | undefined;
  if (decimal) {
    const scale = Number(decimal[2]);
    const whole = Number(decimal[1]) - scale;
    check = `regexp_full_match(${expr}, '-?0*[0-9]{0,${whole}}(\\.[0-9]{0,${scale}}0*)?') AND regexp_matches(${expr}, '[0-9]')`;
  } else if (upper === 'SMALLINT' || upper === 'INTEGER' || upper === 'BIGINT') {
    check = `regexp_full_match(${expr}, '-?[0-9]{1,${{ SMALLINT: 4, INTEGER: 9, BIGINT: 18 }[upper]}}')`;
  } else if (upper === 'TIMESTAMP') {
    check = `regexp_full_match(${expr}, '[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?') AND TRY_CAST(${expr} AS TIMESTAMP) IS NOT NULL`;
  } else if (upper === 'DATE') {
    check = `regexp_full_match(${expr}, '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND TRY_CAST(${expr} AS DATE) IS NOT NULL`;
  } else if (upper === 'BOOLEAN') {
    check = `${expr} IN ('true', 'false')`;
  } else if (upper === 'VARCHAR') {
    return 'true';
  }
  return check === undefined ? undefined : `(${expr} IS NULL OR (${check}))`;
}
