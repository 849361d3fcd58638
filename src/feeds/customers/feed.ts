import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { type CanonicalRow, type FeedDefinition, type RowValidator, schemaReject } from '../feed.js';
import type { Mapping } from '../mapping.js';
import { rowProblem } from '../parse.js';
import { CUSTOMERS_COLUMNS, CUSTOMERS_TABLE } from './schema.js';

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
  createValidator(mapping: Mapping): RowValidator {
    // A profile file often carries no date at all: such rows are partitioned by the day the file
    // was ingested (UTC, the same day as its raw/<date> folder), i.e. "the profile as known then".
    const ingestDate = new Date().toISOString().slice(0, 10);
    const firstLine = new Map<string, number>();
    return (mapped: CanonicalRow, line: number) => {
      const rejected = schemaReject(CustomerRow, mapped);
      if (rejected) return rejected;
      const row: CanonicalRow = Object.assign({}, mapped);
      row.source_system = mapped.source_system ?? mapping.name;
      row.business_date = mapped.business_date ?? (mapped.updated_at ?? mapped.registered_at)?.slice(0, 10) ?? ingestDate;
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
