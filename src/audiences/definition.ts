import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * An audience: a YAML file under `audiences/`, reviewed like a model. It says who (a segment
 * expression over the customer marts), who not (exclusions), how many (a size cap ordered by a
 * column), how to measure (a random control group share), what (the offer) and where (the channel).
 * The file is the current definition; every export records the definition it used, so a campaign
 * is measured against what was sent even after the file changes.
 */

export const CHANNELS = ['email', 'sms', 'ads'] as const;
export type Channel = (typeof CHANNELS)[number];

const NAME = /^[a-z0-9][a-z0-9_-]*$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

export const AudienceSchema = z
  .object({
    name: z.string().regex(NAME, 'lower-case letters, digits, - and _, starting with a letter or digit'),
    description: z.string().optional(),
    /** A label the author bumps; without it the version is a hash of the file's content. */
    version: z.union([z.string().min(1), z.number()]).optional(),
    /** A SQL boolean over the customer marts' columns (customer_360, customer_rfm, customer_clv, customer_lifecycle, next best product; docs/audiences.md). */
    segment: z.string().min(1),
    channel: z.enum(CHANNELS),
    offer: z.string().min(1),
    exclusions: z
      .object({
        /** Skip customers with an outbound contact (any channel) in the N days before the start. */
        contacted_within_days: z.number().int().min(0).optional(),
        /** Skip customers who complained (a call flagged or topic matching complaint) in the N days before the start. */
        complained_within_days: z.number().int().min(0).optional(),
        /** Skip customers in the target or control group of another audience whose response window is open. */
        in_other_running_audience: z.boolean().default(true),
      })
      .strict()
      .default({ in_other_running_audience: true }),
    size: z
      .object({
        cap: z.number().int().positive(),
        order_by: z.string().regex(IDENTIFIER, 'a column name of the segment relation'),
        direction: z.enum(['asc', 'desc']).default('desc'),
      })
      .strict()
      .optional(),
    /** Share of the audience held out as the control group (0 to 0.9). */
    control_share: z.number().min(0).max(0.9),
    /** Days after the start in which a purchase counts as a response. */
    response_window_days: z.number().int().positive().default(30),
    cost: z
      .object({
        per_contact: z.number().min(0).default(0),
        fixed: z.number().min(0).default(0),
      })
      .strict()
      .default({ per_contact: 0, fixed: 0 }),
    /** Gross margin on revenue, for ROI on incremental margin (default 0.4, as the marts' var). */
    gross_margin_rate: z.number().min(0).max(1).default(0.4),
  })
  .strict();

export type AudienceDefinition = z.infer<typeof AudienceSchema>;

export interface Audience {
  definition: AudienceDefinition;
  /** The `version` field, else `sha256:` + 12 hex digits of the file's content. */
  version: string;
  /** File the definition came from (for messages). */
  file: string;
  /** The file's text, recorded with each export. */
  text: string;
}

export class AudienceError extends Error {}

/** The shipped audiences folder (the repository's `audiences/`). */
export const DEFAULT_AUDIENCES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'audiences');

/** Parses and validates one audience file; errors name the file and the field. */
export function parseAudience(text: string, file: string): Audience {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new AudienceError(`${file}: not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = AudienceSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${file}: ${issue.path.join('.') || '(file)'}: ${issue.message}`);
    throw new AudienceError(problems.join('\n'));
  }
  const stem = path.basename(file).replace(/\.ya?ml$/, '');
  if (parsed.data.name !== stem) throw new AudienceError(`${file}: name: "${parsed.data.name}" must match the file name (${stem}.yml)`);
  checkSegmentExpression(parsed.data.segment, file);
  const version = parsed.data.version !== undefined ? String(parsed.data.version) : `sha256:${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
  return { definition: parsed.data, version, file, text };
}

type SqlParser = { astify(sql: string, options?: { database: string }): unknown };
let parser: SqlParser | undefined;
async function loadParser(): Promise<SqlParser> {
  if (!parser) {
    // The Trino grammar alone (the full bundle carries every dialect): segments are Trino SQL.
    const module = await import('node-sql-parser/build/trino.js');
    const Trino = ((module as { default?: unknown }).default ?? module) as { Parser: new () => SqlParser };
    parser = new Trino.Parser();
  }
  return parser;
}

/** node-sql-parser, loaded once before any check (its grammar is large). */
export const sqlParserReady = () => loadParser();

/**
 * The segment must be one boolean expression, nothing else: no `;`, no second statement, no
 * subquery (it is pasted into a WHERE clause of the writer's session, which sees contact fields).
 * node-sql-parser parses it as `SELECT * FROM segment WHERE (<expr>)`; anything that does not
 * come back as exactly that (a comment closing the parenthesis, a UNION, a statement) is refused.
 * The engine then compiles it against the real columns (see select.ts).
 */
export function checkSegmentExpression(expression: string, file = 'segment'): void {
  if (!parser) throw new Error('call sqlParserReady() before checking segment expressions');
  const fail = (why: string) => {
    throw new AudienceError(`${file}: segment: ${why}: ${expression.trim().slice(0, 200)}`);
  };
  if (/;|--|\/\*/.test(expression)) fail('must be one SQL expression (no ;, no comments)');
  // `a = 1) or (1 = 1` parses inside the wrapper but would change the precedence of the clauses
  // it is combined with: parentheses must balance within the expression itself.
  if (!parenthesesBalance(expression)) fail('unbalanced parentheses');
  let ast: unknown;
  try {
    ast = parser.astify(`SELECT * FROM segment WHERE (${expression})`, { database: 'trino' });
  } catch (error) {
    fail(`not a SQL expression (${(error as Error).message.split('\n')[0]!.slice(0, 160)})`);
  }
  const statements = Array.isArray(ast) ? ast : [ast];
  const [select] = statements as { type?: string; where?: unknown; from?: unknown[]; _next?: unknown; union?: unknown; limit?: unknown; orderby?: unknown; groupby?: unknown }[];
  if (statements.length !== 1 || select?.type !== 'select' || select._next || select.union || !select.where || (select.from?.length ?? 0) !== 1) {
    fail('must be one boolean expression, not a statement');
  }
  if (containsSubquery(select!.where)) fail('subqueries are not allowed; use the columns of the segment relation');
}

function parenthesesBalance(text: string): boolean {
  let depth = 0;
  let quote: string | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
    } else if (ch === "'" || ch === '"') quote = ch;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0 && quote === null;
}

function containsSubquery(node: unknown): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some(containsSubquery);
  const record = node as Record<string, unknown>;
  if (record.type === 'select' || 'ast' in record) return true;
  return Object.values(record).some(containsSubquery);
}

/** Every audience of a folder, sorted by name; one bad file fails the load with its errors. */
export async function loadAudiences(dir = DEFAULT_AUDIENCES_DIR): Promise<Audience[]> {
  await loadParser();
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    return [];
  }
  const audiences: Audience[] = [];
  const errors: string[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      audiences.push(parseAudience(await readFile(file, 'utf8'), path.relative(process.cwd(), file) || file));
    } catch (error) {
      if (!(error instanceof AudienceError)) throw error;
      errors.push(error.message);
    }
  }
  if (errors.length) throw new AudienceError(errors.join('\n'));
  const seen = new Set<string>();
  for (const a of audiences) {
    if (seen.has(a.definition.name)) throw new AudienceError(`${a.file}: name: audience "${a.definition.name}" is defined twice`);
    seen.add(a.definition.name);
  }
  return audiences;
}

export async function loadAudience(name: string, dir = DEFAULT_AUDIENCES_DIR): Promise<Audience> {
  const audiences = await loadAudiences(dir);
  const found = audiences.find((a) => a.definition.name === name);
  if (!found) throw new AudienceError(`No audience "${name}" in ${dir}: ${audiences.map((a) => a.definition.name).join(', ') || 'the folder has none'}`);
  return found;
}
