import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sqlString } from '../../engine/sql.js';
import { type CanonicalRow, type FeedDefinition, onceInFileSql, type RowValidator, schemaReject } from '../feed.js';
import type { Mapping } from '../mapping.js';
import { rowProblem } from '../parse.js';
import { SURVEYS_COLUMNS, SURVEYS_TABLE } from './schema.js';

const SurveyRules = z
  .object({
    /** The score scale when the source has no scale columns. */
    scale_min: z.number().int().default(1),
    scale_max: z.number().int().default(5),
  })
  .strict()
  .refine((r) => r.scale_min < r.scale_max, { message: 'scale_min must be below scale_max' });

/** Typed checks after mapping; the path of an issue names the field. */
const SurveyRow = z.object({
  response_id: z.string({ error: 'response id is required' }),
});

/**
 * Duplicate policy (per file): the key is response_id + order_id. One response attached to two
 * different orders is a review of both orders and lands twice (Olist does this when a customer
 * reviews several orders at once). The same response for the same order again is a duplicate:
 * the later record is quarantined with the line of the first.
 */
export const surveysFeed: FeedDefinition = {
  name: 'surveys',
  table: SURVEYS_TABLE,
  columns: SURVEYS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'olist-reviews',
  mappingsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings'),
  derivedSql: {},
  sqlRules(mapping: Mapping) {
    const parsed = SurveyRules.safeParse(mapping.rules);
    if (!parsed.success) return undefined;
    const rules = parsed.data;
    const number = (column: string) => `TRY_CAST(${column} AS DOUBLE)`;
    const min = `coalesce(scale_min, '${rules.scale_min}')`;
    const max = `coalesce(scale_max, '${rules.scale_max}')`;
    const ok = [
      'response_id IS NOT NULL',
      'NOT (score IS NULL AND nps_score IS NULL AND comment IS NULL AND comment_title IS NULL)',
      `${number(min)} < ${number(max)}`,
      `(score IS NULL OR ${number('score')} BETWEEN ${number(min)} AND ${number(max)})`,
      `(nps_score IS NULL OR ${number('nps_score')} BETWEEN 0 AND 10)`,
      // A response once per order.
      onceInFileSql(`response_id, coalesce(order_id, '')`),
    ];
    const columns = {
      source_system: `coalesce(source_system, ${sqlString(mapping.name)})`,
      scale_min: min,
      scale_max: max,
      business_date: 'coalesce(business_date, left(coalesce(answered_at, created_at), 10))',
    };
    return { ok: ok.join(' AND '), columns };
  },
  createValidator(mapping: Mapping): RowValidator {
    const rules = SurveyRules.parse(mapping.rules);
    const firstLine = new Map<string, number>();
    return (mapped: CanonicalRow, line: number) => {
      const rejected = schemaReject(SurveyRow, mapped);
      if (rejected) return rejected;
      if (mapped.score == null && mapped.nps_score == null && mapped.comment == null && mapped.comment_title == null) {
        return { ok: false, field: 'score', reason: 'an empty response: no score, NPS score or comment' };
      }
      const when = mapped.answered_at ?? mapped.created_at;
      if (!mapped.business_date && !when) {
        return { ok: false, field: 'answered_at', reason: 'a response needs an answer or creation time' };
      }
      const row: CanonicalRow = Object.assign({}, mapped);
      row.source_system = mapped.source_system ?? mapping.name;
      row.scale_min = mapped.scale_min ?? String(rules.scale_min);
      row.scale_max = mapped.scale_max ?? String(rules.scale_max);
      row.business_date = mapped.business_date ?? when!.slice(0, 10);
      const problem = rowProblem(SURVEYS_COLUMNS, row);
      if (problem) return { ok: false, ...problem };
      const [min, max] = [Number(row.scale_min), Number(row.scale_max)];
      if (!(min < max)) return { ok: false, field: 'scale_max', reason: `scale ${min}-${max} is empty` };
      if (row.score != null && !(Number(row.score) >= min && Number(row.score) <= max)) {
        return { ok: false, field: 'score', reason: `score ${row.score} is outside the scale ${min}-${max}` };
      }
      if (row.nps_score != null && !(Number(row.nps_score) >= 0 && Number(row.nps_score) <= 10)) {
        return { ok: false, field: 'nps_score', reason: `NPS score ${row.nps_score} is outside 0-10` };
      }
      const key = `${row.response_id}\u0000${row.order_id ?? ''}`;
      const first = firstLine.get(key);
      if (first !== undefined) {
        const what = row.order_id ? `response ${row.response_id} for order ${row.order_id}` : `response ${row.response_id}`;
        return { ok: false, field: 'response_id', reason: `duplicate ${what}: first seen on line ${first}` };
      }
      firstLine.set(key, line);
      return { ok: true, row };
    };
  },
};
