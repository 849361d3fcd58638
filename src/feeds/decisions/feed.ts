import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CanonicalRow, FeedDefinition, RowValidator } from '../feed.js';
import { DECISIONS_COLUMNS, DECISIONS_TABLE } from './schema.js';

const RECORD_ID = /^[^:]+:.+$/;
const DECISIONS: Record<string, 'same' | 'different'> = { same: 'same', yes: 'same', match: 'same', different: 'different', no: 'different', 'no match': 'different' };

export const decisionsFeed: FeedDefinition = {
  name: 'match-decisions',
  table: DECISIONS_TABLE,
  columns: DECISIONS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'review-export',
  mappingsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings'),
  derivedSql: {},
  createValidator(): RowValidator {
    const today = new Date().toISOString().slice(0, 10);
    return (mapped: CanonicalRow) => {
      for (const field of ['record_id_a', 'record_id_b'] as const) {
        const id = mapped[field];
        if (!id) return { ok: false, field, reason: `${field} is required` };
        if (!RECORD_ID.test(id)) return { ok: false, field, reason: `${id} is not a record id (source_system:source_customer_id)` };
      }
      if (mapped.record_id_a === mapped.record_id_b) return { ok: false, field: 'record_id_b', reason: 'a record paired with itself' };
      const raw = mapped.decision?.trim().toLowerCase();
      const decision = raw ? DECISIONS[raw] : null;
      if (raw && !decision) return { ok: false, field: 'decision', reason: `decision must be same or different, not "${mapped.decision}"` };
      const row: CanonicalRow = Object.assign({}, mapped);
      row.decision = decision ?? null;
      row.business_date = mapped.decided_at?.slice(0, 10) ?? today;
      return { ok: true, row };
    };
  },
};
