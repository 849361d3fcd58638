/**
 * Timestamp rule (updatedAt, for survivorship).
 *
 * `updated_at` (else `registered_at`: a record never updated was last touched when it was
 * created) becomes ISO 8601 without a zone, `YYYY-MM-DDTHH:MM:SS`: `2024-03-05 14:02:11`,
 * `2024-03-05T14:02:11.250Z`, `2024/3/5 14:02`, or a date alone (`2024-03-05` → `2024-03-05T00:00:00`).
 * A zone or offset in the value is dropped (sources write local time; the lake keeps TIMESTAMP
 * without zone). An unreadable or impossible value is an issue and not used.
 */
import type { StandardizeIssue } from '../profile.js';
import { clean } from './text.js';

const TS = /^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const pad2 = (s: string | undefined): string => (s === undefined ? '00' : s.length === 1 ? `0${s}` : s);

export function normalizeTimestamp(raw: string | null | undefined, field: string, issues: StandardizeIssue[]): string | null {
  const value = clean(raw);
  if (value === null) return null;
  const m = TS.exec(value);
  if (m) {
    const mo = Number(m[2]);
    const d = Number(m[3]);
    const y = Number(m[1]);
    const leapOk = mo !== 2 || d < 29 || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
    if (mo >= 1 && mo <= 12 && d >= 1 && d <= DAYS[mo - 1]! && leapOk && Number(m[4] ?? 0) < 24 && Number(m[6] ?? 0) < 60) {
      return `${m[1]}-${pad2(m[2])}-${pad2(m[3])}T${pad2(m[4])}:${pad2(m[5])}:${pad2(m[6])}`;
    }
  }
  issues.push({ field, value, reason: 'unreadable timestamp' });
  return null;
}
