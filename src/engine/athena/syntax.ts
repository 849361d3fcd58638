import type { AthenaStatement } from './statements.js';

/** Which grammar accepted a statement (or what failed), from `checkAthenaStatement`. */
export interface SyntaxCheck {
  ok: boolean;
  /** `trino` or `athena` (node-sql-parser grammars), or `pattern` for Hive DDL. */
  grammar?: 'trino' | 'athena' | 'pattern';
  /** Whether the whole statement was parsed, or only its SELECT. */
  parsed?: 'statement' | 'select';
  error?: string;
}

type SqlParser = { astify(sql: string, options: { database: string }): unknown };
let parsers: Promise<{ trino: SqlParser; athena: SqlParser }> | undefined;

/** node-sql-parser's Trino and Athena grammars, loaded on first use (they are large). */
function loadParsers() {
  parsers ??= Promise.all([import('node-sql-parser/build/trino.js'), import('node-sql-parser/build/athena.js')]).then(([t, a]) => {
    const Trino = ((t as { default?: unknown }).default ?? t) as { Parser: new () => SqlParser };
    const Athena = ((a as { default?: unknown }).default ?? a) as { Parser: new () => SqlParser };
    return { trino: new Trino.Parser(), athena: new Athena.Parser() };
  });
  return parsers;
}

/**
 * Parses a compiled statement without AWS, with node-sql-parser. Its `trino` grammar comes first;
 * its gaps are covered as follows:
 * - CTAS `WITH (format=…, external_location=…)` properties and MERGE are not in either grammar:
 *   the SELECT inside is parsed instead;
 * - the trino grammar rejects valid scalar subqueries in expressions (`x >= (select max(x) …)`,
 *   "invalid column clause with select statement"), which incremental filters use: the
 *   `athena` grammar (Presto-based, the closest other one) parses those;
 * - `DROP TABLE` / `DROP VIEW` are Hive DDL in Athena, in neither grammar: checked against their one pattern;
 * - neither grammar has Trino's `a IS [NOT] DISTINCT FROM b` comparison (data_quality joins keys
 *   with it): it is read as `a = b` / `a <> b`, its shape as a comparison.
 */
export async function checkAthenaStatement(statement: AthenaStatement): Promise<SyntaxCheck> {
  if (statement.kind === 'drop' || statement.kind === 'drop-view') {
    return /^DROP (TABLE|VIEW) IF EXISTS [a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(statement.sql)
      ? { ok: true, grammar: 'pattern', parsed: 'statement' }
      : { ok: false, error: `not a DROP TABLE|VIEW IF EXISTS db.name statement: ${statement.sql}` };
  }
  const { trino, athena } = await loadParsers();
  const attempt = (parser: SqlParser, database: string, sql: string): string | undefined => {
    try {
      parser.astify(sql, { database });
      return undefined;
    } catch (error) {
      return (error as Error).message.split('\n')[0]!.slice(0, 300);
    }
  };
  const comparisons = (sql: string) => sql.replace(/\bis\s+not\s+distinct\s+from\b/gi, '=').replace(/\bis\s+distinct\s+from\b/gi, '<>');
  const whole = statement.kind === 'view' || statement.kind === 'insert';
  if (whole && attempt(trino, 'trino', comparisons(statement.sql)) === undefined) return { ok: true, grammar: 'trino', parsed: 'statement' };
  const select = comparisons(statement.select ?? statement.sql);
  const trinoError = attempt(trino, 'trino', select);
  if (trinoError === undefined) return { ok: true, grammar: 'trino', parsed: 'select' };
  if (attempt(athena, 'athena', select) === undefined) return { ok: true, grammar: 'athena', parsed: 'select' };
  return { ok: false, error: trinoError };
}
