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
 * A session that says up front which SQL it will run gets copies of the relations that SQL names
 * only (copying a lake's call records and customer profiles takes seconds at 500,000 people); the
 * others become relations that fail when read, with the same columns.
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

/** `sql` without its comments (`--` to the end of the line, `/* … *\/`); strings and quoted names kept. */
export function withoutComments(sql: string): string {
  let out = '';
  for (let i = 0; i < sql.length; ) {
    const c = sql[i]!;
    if (c === "'" || c === '"') {
      let end = i + 1;
      while (end < sql.length && !(sql[end] === c && sql[end + 1] !== c)) end += sql[end] === c ? 2 : 1;
      out += sql.slice(i, end + 1);
      i = end + 1;
    } else if (sql.startsWith('--', i)) {
      const end = sql.indexOf('\n', i);
      i = end < 0 ? sql.length : end;
    } else if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      out += ' ';
      i = end < 0 ? sql.length : end + 2;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/**
 * Whether `sql` names the relation `table` (unquoted or quoted, with or without its schema), as
 * text outside comments: a name in a string counts too (query_table('calls')), which at worst
 * costs a copy not needed.
 */
export function namesRelation(sql: string, table: string): boolean {
  const escaped = table.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`(^|[^A-Za-z0-9_$])${escaped}($|[^A-Za-z0-9_$])`, 'i').test(sql);
}

/**
 * `reads` and the SQL of every view they name, directly or through other views: the models built
 * as views, over sources and other models. The views over files (`fileBacked`, schema.name) name
 * files only.
 */
async function namedThroughViews(connection: DuckDBConnection, reads: readonly string[], fileBacked: Set<string>): Promise<string[]> {
  const views = (await connection.runAndReadAll(`SELECT schema_name, view_name, sql FROM duckdb_views() WHERE NOT internal`))
    .getRows()
    .map(([schema, name, sql]) => ({ qualified: `${String(schema)}.${String(name)}`, name: String(name), sql: String(sql) }))
    .filter((view) => !fileBacked.has(view.qualified));
  const texts = reads.map(withoutComments);
  const pending = new Set(views);
  for (let grew = true; grew; ) {
    grew = false;
    for (const view of pending) {
      if (!texts.some((sql) => namesRelation(sql, view.name))) continue;
      texts.push(withoutComments(view.sql));
      pending.delete(view);
      grew = true;
    }
  }
  return texts;
}

/**
 * Replaces every file-backed relation with contact fields by a pseudonymized copy (with `reads`,
 * only those the SQL names; the others by a relation that fails when read), and returns the
 * folders the session may still read (those of the relations without personal data).
 */
export async function restrictPersonalData(
  connection: DuckDBConnection,
  lake: Lake,
  sources: { table: string; zone?: string }[],
  models: readonly CatalogEntry[],
  reads?: readonly string[],
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

  // What the queries read: the views they name (models built as views, over sources and other
  // models) read what their own SQL names.
  const named = reads ? await namedThroughViews(connection, reads, new Set(relations.map((r) => r.relation.replace(/"/g, '')))) : undefined;
  for (const { relation, folder, always } of relations) {
    const described = (await connection.runAndReadAll(`DESCRIBE ${relation}`)).getRows();
    const columns = described.map((r) => String(r[0]));
    if (!always && !columns.some(isPersonalColumn)) {
      if (folder) readable.push(folder);
      continue;
    }
    const [schema, table] = relation.split('.') as [string, string];
    const name = table.replace(/"/g, '');
    if (named && !named.some((sql) => namesRelation(sql, name))) {
      const typed = described.map(([column, type]) => `CAST(NULL AS ${String(type)}) AS ${quoteIdent(String(column))}`).join(', ');
      const reason = `${schema}.${name} holds personal data and this session was opened for queries that do not name it: name it in the query`;
      await connection.run(`CREATE OR REPLACE VIEW ${relation} AS SELECT ${typed} FROM (SELECT error(${sqlString(reason)}) AS e) WHERE e IS NULL`);
      continue;
    }
    const select = columns
      .map((c) =>
        isPersonalColumn(c)
          ? `CASE WHEN ${quoteIdent(c)} IS NULL THEN NULL ELSE 'h:' || substr(sha256(${sqlString(secret)} || CAST(${quoteIdent(c)} AS VARCHAR)), 1, 16) END AS ${quoteIdent(c)}`
          : quoteIdent(c),
      )
      .join(', ');
    const copy = `${schema}.${quoteIdent(`__pseudonymized_${name}`)}`;
    await connection.run(`CREATE TABLE ${copy} AS SELECT ${select} FROM ${relation}`);
    await connection.run(`DROP VIEW ${relation}`);
    await connection.run(`ALTER TABLE ${copy} RENAME TO ${table}`);
    pseudonymized.push(relation.replace(/"/g, ''));
  }
  return { readable, pseudonymized };
}
