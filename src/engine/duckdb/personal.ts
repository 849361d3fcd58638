import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Lake } from '../../lake/lake.js';
import type { CatalogEntry } from '../engine.js';
import { quoteIdent, sqlString } from '../sql.js';

/**
 * Personal data in an analyst's session (`crmlake sql`, the report's loaders) when the lake's
 * policy is `restricted` (the default; CRMLAKE_PERSONAL_DATA=open turns it off).
 *
 * The restricted zone is raw/ (never readable), quarantine/ (rejected rows keep the original
 * record), the curated customer profiles and every model file with contact fields (the golden
 * record dim_customer, stg_customers, int_customer_records, customer_match_review). An analyst's
 * session sees those relations as copies made before it is locked down, with each contact field
 * replaced by a pseudonym: `h:` + 16 hex digits of SHA-256 over a per-lake secret and the value.
 * Equal values get equal pseudonyms (counts, joins and duplicates still work) but cannot be
 * reversed by hashing a phone book, as the secret lives in the restricted zone. The session's
 * file access then excludes the restricted folders, so `read_parquet` cannot go around the copies.
 * Builds (not read-only) see everything: they compute the golden record from the contact fields.
 */

/** Column names that hold contact data or the original text of a record. */
const PERSONAL_TOKENS = new Set(['email', 'mail', 'phone', 'phones', 'mobile', 'street', 'address', 'postcode', 'birth', 'birthdate', 'dob']);
const NAME_QUALIFIERS = new Set(['full', 'family', 'given', 'first', 'last', 'middle', 'customer', 'contact', 'person', 'std']);
const WHOLE_NAMES = new Set(['raw_record', 'issues']);
/** Words that make a column a fact about contact data, not the data itself: `email_consent`, `sms_consent_at`, `phone_count`. */
const ABOUT_TOKENS = new Set(['consent', 'consented', 'opt', 'optin', 'optout', 'verified', 'valid', 'count', 'status', 'source', 'system', 'type']);

export function isPersonalColumn(column: string): boolean {
  const lower = column.toLowerCase();
  if (WHOLE_NAMES.has(lower)) return true;
  const tokens = lower.split(/[^a-z0-9]+/).filter(Boolean);
  if (tokens.some((t) => ABOUT_TOKENS.has(t))) return false;
  if (tokens.some((t) => PERSONAL_TOKENS.has(t))) return true;
  const at = tokens.indexOf('name');
  return at >= 0 && tokens.some((t) => NAME_QUALIFIERS.has(t));
}

export type PersonalDataPolicy = 'restricted' | 'open';

export function personalDataPolicy(value = process.env.CRMLAKE_PERSONAL_DATA): PersonalDataPolicy {
  if (value === undefined || value === '' || value === 'restricted') return 'restricted';
  if (value === 'open') return 'open';
  throw new Error(`CRMLAKE_PERSONAL_DATA must be restricted or open, not "${value}"`);
}

/**
 * Replaces every file-backed relation with contact fields by a pseudonymized copy, and returns
 * the folders the session may still read (those of the relations without personal data).
 */
export async function restrictPersonalData(
  connection: DuckDBConnection,
  lake: Lake,
  sources: { table: string; zone?: string }[],
  models: readonly CatalogEntry[],
): Promise<{ readable: string[]; pseudonymized: string[] }> {
  const secret = await lake.pseudonymSecret();
  const base = lake.readableBase();
  const readable: string[] = [];
  const pseudonymized: string[] = [];
  const relations: { relation: string; folder?: string; always?: boolean }[] = [
    ...sources.map((s) => ({ relation: `curated.${quoteIdent(s.table)}`, folder: path.join(base, s.zone ?? 'curated', s.table) })),
    ...models.filter((m) => m.location).map((m) => ({ relation: `main.${quoteIdent(m.name)}`, folder: path.dirname(path.join(base, ...m.location!.split('/'))) })),
  ];
  const quarantine = (await connection.runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'quarantine'`)).getRows();
  for (const [name] of quarantine) relations.push({ relation: `quarantine.${quoteIdent(String(name))}`, always: true });

  for (const { relation, folder, always } of relations) {
    const columns = (await connection.runAndReadAll(`DESCRIBE ${relation}`)).getRows().map((r) => String(r[0]));
    if (!always && !columns.some(isPersonalColumn)) {
      if (folder) readable.push(folder);
      continue;
    }
    const select = columns
      .map((c) =>
        isPersonalColumn(c)
          ? `CASE WHEN ${quoteIdent(c)} IS NULL THEN NULL ELSE 'h:' || substr(sha256(${sqlString(secret)} || CAST(${quoteIdent(c)} AS VARCHAR)), 1, 16) END AS ${quoteIdent(c)}`
          : quoteIdent(c),
      )
      .join(', ');
    const [schema, table] = relation.split('.') as [string, string];
    const copy = `${schema}.${quoteIdent(`__pseudonymized_${table.replace(/"/g, '')}`)}`;
    await connection.run(`CREATE TABLE ${copy} AS SELECT ${select} FROM ${relation}`);
    await connection.run(`DROP VIEW ${relation}`);
    await connection.run(`ALTER TABLE ${copy} RENAME TO ${table}`);
    pseudonymized.push(relation.replace(/"/g, ''));
  }
  return { readable, pseudonymized };
}
