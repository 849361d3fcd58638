import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sqlString } from '../../engine/sql.js';
import { type CanonicalRow, type FeedDefinition, nonNegativeSql, type RowValidator, schemaReject } from '../feed.js';
import { WEB_COLUMNS, WEB_EVENT_TYPES, WEB_TABLE } from './schema.js';

/** Typed checks after mapping; the path of an issue names the field. */
const WebRow = z.object({
  event_id: z.string({ error: 'event id is required' }),
  session_id: z.string({ error: 'session id is required' }),
  event_type: z.enum(WEB_EVENT_TYPES, { error: `event type must be one of ${WEB_EVENT_TYPES.join(', ')}` }),
  session_offset_ms: z.string().refine((v) => Number(v) >= 0, { message: 'session offset is negative' }).nullable().optional(),
  value: z.string().refine((v) => Number(v) >= 0, { message: 'value is negative' }).nullable().optional(),
});

export const webFeed: FeedDefinition = {
  name: 'web',
  table: WEB_TABLE,
  columns: WEB_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'diginetica',
  mappingsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings'),
  derivedSql: {},
  sqlRules() {
    const ok = [
      'event_id IS NOT NULL',
      'session_id IS NOT NULL',
      `event_type IN (${WEB_EVENT_TYPES.map((t) => sqlString(t)).join(', ')})`,
      nonNegativeSql('session_offset_ms'),
      nonNegativeSql('value'),
    ];
    return { ok: ok.join(' AND '), columns: { business_date: 'coalesce(business_date, left(occurred_at, 10))' } };
  },
  createValidator(): RowValidator {
    return (mapped: CanonicalRow) => {
      const rejected = schemaReject(WebRow, mapped);
      if (rejected) return rejected;
      const date = mapped.business_date ?? mapped.occurred_at?.slice(0, 10);
      if (!date) return { ok: false, field: 'business_date', reason: 'an event needs a date or a timestamp' };
      const row: CanonicalRow = Object.assign({}, mapped);
      row.business_date = date;
      return { ok: true, row };
    };
  },
};
