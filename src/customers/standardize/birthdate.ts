/**
 * Birth-date rule.
 *
 * Accepted shapes (after NFKC, so full-width digits work too), output ISO `YYYY-MM-DD`:
 * - year first, any of `. - /` or 年月日 as separators: `1997.4.12`, `1997-04-12`, `1997/4/12`,
 *   `1997年4月12日` (also 号); a time part after the date (`1997-04-12 00:00:00`, `…T…`) is ignored;
 * - eight digits `19970412`;
 * - day and month first with a four-digit year: `12/04/1997`, `12.04.1997`, `12-04-1997`. The
 *   order is declared per source with `dayFirst`. Without a declaration the date is read only
 *   when it cannot be misread (a part above 12, or day = month); `12/04/1997` becomes an issue.
 * Rejected with a reason: impossible dates (Feb 30, month 13), implausible ones (in the future,
 * before 1900), two-digit years, partial dates (1997-04, 1997), anything else.
 */
import type { StandardizeIssue } from '../profile.js';
import { clean } from './text.js';

export interface BirthDateOptions {
  /** The source writes day before month in `dd/mm/yyyy` dates; undefined: not declared. */
  dayFirst?: boolean;
  /** "Today" for the future check (default: now). */
  now?: Date;
}

export interface BirthDateResult {
  date: string | null;
  issue: StandardizeIssue | null;
}

const YMD = /^(\d{4})\s*[./\-年]\s*(\d{1,2})\s*[./\-月]\s*(\d{1,2})\s*[日号]?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})$/;
const DMY = /^(\d{1,2})\s*([./\-])\s*(\d{1,2})\s*\2\s*(\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$/;
const SHORT_YEAR = /^\d{1,2}[./\-]\d{1,2}[./\-]\d{2}$/;
const PARTIAL = /^(\d{4})(?:\s*[./\-年]\s*(\d{1,2})\s*月?)?$/;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const MIN_YEAR = 1900;

const isLeap = (y: number): boolean => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

let lastNow: Date | null = null;
let lastToday = '';
/** Today as YYYY-MM-DD (UTC), cached for the common case of one `now` over many records. */
function today(now: Date | undefined): string {
  if (now === undefined) return new Date().toISOString().slice(0, 10);
  if (now !== lastNow) {
    lastNow = now;
    lastToday = now.toISOString().slice(0, 10);
  }
  return lastToday;
}

function reject(value: string, reason: string): BirthDateResult {
  return { date: null, issue: { field: 'birth_date', value, reason } };
}

function build(value: string, y: number, m: number, d: number, now: Date | undefined): BirthDateResult {
  if (m < 1 || m > 12) return reject(value, `impossible date: month ${m}`);
  const max = m === 2 && isLeap(y) ? 29 : DAYS_IN_MONTH[m - 1]!;
  if (d < 1 || d > max) return reject(value, `impossible date: day ${d} of month ${m} in ${y}`);
  if (y < MIN_YEAR) return reject(value, `implausible birth date: before ${MIN_YEAR}`);
  const iso = `${y}-${pad2(m)}-${pad2(d)}`;
  if (iso > today(now)) return reject(value, 'implausible birth date: in the future');
  return { date: iso, issue: null };
}

/** Parses one birth date; never guesses: an unreadable or ambiguous value is an issue. */
export function parseBirthDate(raw: string | null | undefined, options: BirthDateOptions = {}): BirthDateResult {
  const value = clean(raw);
  if (value === null) return { date: null, issue: null };
  let m = YMD.exec(value) ?? COMPACT.exec(value);
  if (m) return build(value, Number(m[1]), Number(m[2]), Number(m[3]), options.now);
  m = DMY.exec(value);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[3]);
    const y = Number(m[4]);
    let dayFirst = options.dayFirst;
    if (dayFirst === undefined) {
      if (a === b) dayFirst = true;
      else if (a > 12 && b <= 12) dayFirst = true;
      else if (b > 12 && a <= 12) dayFirst = false;
      else if (a <= 12 && b <= 12) {
        return reject(value, 'ambiguous day/month order: declare dayFirst for this source');
      }
      // Both above 12: impossible either way; build() says why.
      else dayFirst = true;
    }
    return dayFirst ? build(value, y, b, a, options.now) : build(value, y, a, b, options.now);
  }
  const reason = SHORT_YEAR.test(value)
    ? 'two-digit year: century unknown'
    : PARTIAL.test(value)
      ? 'incomplete date (year or year-month only)'
      : 'unrecognized date format';
  return reject(value, reason);
}
