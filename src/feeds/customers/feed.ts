import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { sqlString } from '../../engine/sql.js';
import { type CanonicalRow, type FeedDefinition, onceInFileSql, type RowValidator, schemaReject, utcToday } from '../feed.js';
import type { Mapping } from '../mapping.js';
import { rowProblem } from '../parse.js';
import { CUSTOMERS_COLUMNS, CUSTOMERS_TABLE } from './schema.js';

/**
 * Per-source settings of a customers mapping (its `rules`), for the whole file or per
 * source_system when one file carries several systems:
 *
 *   rules:
 *     default_country: CN      # national phone numbers (0731-…, 138…) are read in this country
 *     day_first: true          # 03/04/1985 is 3 April (false: 4 March; unset: only unambiguous dates)
 *     priority: 1              # survivorship: the golden record prefers sources ranked 1, then 2, …
 *     systems:                 # overrides for one source_system value
 *       dealer: { default_country: HK, priority: 3 }
 *
 * They travel on each row (columns default_country, day_first, source_priority), so the build
 * reads every record with its own source's conventions; the build variables
 * customer_default_country, customer_day_first_systems and customer_source_priority remain the
 * fallback for rows whose mapping does not say.
 */
const SourceSettings = z
  .object({
    default_country: z.string().regex(/^[A-Z]{2}$/, 'an ISO 3166 alpha-2 code in capitals, e.g. CN').optional(),
    day_first: z.boolean().optional(),
    priority: z.number().int().positive().optional(),
  })
  .strict();
export const CustomerRules = SourceSettings.extend({ systems: z.record(z.string(), SourceSettings).default({}) }).strict();
export type CustomerRules = z.infer<typeof CustomerRules>;

/** The settings that apply to one source_system under a mapping's rules. */
export function settingsFor(rules: CustomerRules, system: string): z.infer<typeof SourceSettings> {
  const { systems, ...all } = rules;
  return { ...all, ...systems[system] };
}

/** Typed checks after mapping; the path of an issue names the field. Text is not judged here. */
const CustomerRow = z.object({
  source_customer_id: z.string({ error: 'source customer id is required' }),
});

export const customersFeed: FeedDefinition = {
  name: 'customers',
  table: CUSTOMERS_TABLE,
  columns: CUSTOMERS_COLUMNS,
  partitionColumn: 'business_date',
  defaultMapping: 'olist-customers',
  mappingsDir: path.join(path.dirname(fileURLToPath(import.meta.url)), 'mappings'),
  derivedSql: {},
  sqlRules(mapping: Mapping) {
    const parsed = CustomerRules.safeParse(mapping.rules);
    if (!parsed.success) return undefined;
    const rules = parsed.data;
    const system = `coalesce(source_system, ${sqlString(mapping.name)})`;
    // The mapping's settings for the row's source_system, as the validator stamps them.
    const setting = (column: string, pick: (s: ReturnType<typeof settingsFor>) => string | undefined) => {
      const text = (value: string | undefined) => (value === undefined ? 'CAST(NULL AS VARCHAR)' : sqlString(value));
      const systems = Object.keys(rules.systems).map((name) => `WHEN ${system} = ${sqlString(name)} THEN ${text(pick(settingsFor(rules, name)))} `);
      const all = text(pick(settingsFor(rules, '')));
      return `coalesce(${column}, ${systems.length ? `CASE ${systems.join('')}ELSE ${all} END` : all})`;
    };
    return {
      // A customer id once per system (the whole group of a repeated id is flagged: no recheckWith).
      ok: `source_customer_id IS NOT NULL AND ${onceInFileSql(`${system}, source_customer_id`)}`,
      columns: {
        source_system: system,
        business_date: `coalesce(business_date, left(coalesce(updated_at, registered_at), 10), ${sqlString(utcToday())})`,
        default_country: setting('default_country', (s) => s.default_country),
        day_first: setting('day_first', (s) => (s.day_first === undefined ? undefined : String(s.day_first))),
        source_priority: setting('source_priority', (s) => (s.priority === undefined ? undefined : String(s.priority))),
      },
    };
  },
  createValidator(mapping: Mapping): RowValidator {
    // A profile file often carries no date at all: such rows are partitioned by the day the file
    // was ingested (UTC, the same day as its raw/<date> folder), i.e. "the profile as known then".
    const ingestDate = utcToday();
    const parsed = CustomerRules.safeParse(mapping.rules);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `rules.${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`Mapping ${mapping.name}: ${problems} (customers mappings accept rules default_country, day_first, priority and systems)`);
    }
    const rules = parsed.data;
    const stamps = new Map<string, Pick<CanonicalRow, 'default_country' | 'day_first' | 'source_priority'>>();
    const firstLine = new Map<string, number>();
    return (mapped: CanonicalRow, line: number) => {
      const rejected = schemaReject(CustomerRow, mapped);
      if (rejected) return rejected;
      const row: CanonicalRow = Object.assign({}, mapped);
      row.source_system = mapped.source_system ?? mapping.name;
      row.business_date = mapped.business_date ?? (mapped.updated_at ?? mapped.registered_at)?.slice(0, 10) ?? ingestDate;
      let stamp = stamps.get(row.source_system);
      if (!stamp) {
        const s = settingsFor(rules, row.source_system);
        stamp = { default_country: s.default_country ?? null, day_first: s.day_first === undefined ? null : String(s.day_first), source_priority: s.priority === undefined ? null : String(s.priority) };
        stamps.set(row.source_system, stamp);
      }
      // A column mapped explicitly wins over the mapping-wide setting.
      row.default_country = mapped.default_country ?? stamp.default_country ?? null;
      row.day_first = mapped.day_first ?? stamp.day_first ?? null;
      row.source_priority = mapped.source_priority ?? stamp.source_priority ?? null;
      const problem = rowProblem(CUSTOMERS_COLUMNS, row);
      if (problem) return { ok: false, ...problem };
      // One file is one snapshot of a system: the same customer twice is a fault of the export.
      const id = row.source_customer_id!;
      const key = `${row.source_system}\u0000${id}`;
      const first = firstLine.get(key);
      if (first !== undefined) {
        return { ok: false, field: 'source_customer_id', reason: `duplicate customer ${id}: first seen on line ${first}` };
      }
      firstLine.set(key, line);
      return { ok: true, row };
    };
  },
};
