import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type CanonicalRow, type FeedDefinition, nonNegativeSql, type RowValidator, schemaReject } from '../feed.js';
import type { Mapping } from '../mapping.js';
import { CALLS_COLUMNS, CALLS_TABLE } from './schema.js';

const CallRules = z
  .object({
    satisfaction_scale_max: z.number().int().positive().default(5),
  })
  .strict();

const seconds = (name: string) =>
  z.string().refine((v) => Number(v) >= 0, { message: `${name} is negative` }).nullable().optional();

/** Typed checks after mapping; the path of an issue names the field. */
const CallRow = z.object({
  call_id: z.string({ error: 'call id is required' }),
  started_at: z.string({ error: 'call start time is required' }),
  answered: z.string({ error: 'answered (yes/no) is required' }),
  speed_of_answer_seconds: seconds('speed of answer'),
  talk_seconds: seconds('talk time'),
  hold_seconds: seconds('hold time'),
  satisfaction_score: z.string().nullable().optional(),
});

export const callsFeed: FeedDefinition = {
  name: 'calls',
  table: CALLS_TABLE,
  columns: CALLS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'pwc-call-centre',
  mappingsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings'),
  derivedSql: {},
  sqlRules(mapping: Mapping) {
    const rules = CallRules.parse(mapping.rules);
    const ok = [
      'call_id IS NOT NULL',
      'started_at IS NOT NULL',
      'answered IS NOT NULL',
      nonNegativeSql('speed_of_answer_seconds'),
      nonNegativeSql('talk_seconds'),
      nonNegativeSql('hold_seconds'),
      `(satisfaction_score IS NULL OR (regexp_full_match(satisfaction_score, '[0-9]{1,9}(\\.[0-9]+)?') AND TRY_CAST(satisfaction_score AS DOUBLE) BETWEEN 1 AND ${rules.satisfaction_scale_max}))`,
      `NOT (answered = 'false' AND coalesce(talk_seconds, '0') <> '0')`,
    ];
    return { ok: ok.join(' AND '), columns: { business_date: 'left(started_at, 10)', channel: `coalesce(channel, 'phone')` } };
  },
  createValidator(mapping: Mapping): RowValidator {
    const rules = CallRules.parse(mapping.rules);
    return (mapped: CanonicalRow) => {
      const rejected = schemaReject(CallRow, mapped);
      if (rejected) return rejected;
      const score = mapped.satisfaction_score;
      if (score != null && !(Number(score) >= 1 && Number(score) <= rules.satisfaction_scale_max)) {
        return { ok: false, field: 'satisfaction_score', reason: `satisfaction score ${score} is outside 1-${rules.satisfaction_scale_max}` };
      }
      if (mapped.answered === 'false' && (mapped.talk_seconds ?? '0') !== '0') {
        return { ok: false, field: 'talk_seconds', reason: 'an unanswered call has talk time' };
      }
      const row: CanonicalRow = Object.assign({}, mapped);
      row.business_date = mapped.started_at!.slice(0, 10);
      row.channel = mapped.channel ?? 'phone';
      return { ok: true, row };
    };
  },
};
