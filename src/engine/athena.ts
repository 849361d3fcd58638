import { compileModel, type Relations } from '../models/compile.js';
import { ModelError } from '../models/errors.js';
import type { Vars } from '../models/program.js';
import type { Model } from '../models/project.js';
import { sqlString } from './sql.js';

/**
 * Compiles the models for Athena (Trino over the Glue catalog): what the model only declares
 * (`config(materialized=…)`) becomes the engine's DDL/DML:
 *
 *   view          CREATE OR REPLACE VIEW db.model AS <select>
 *   table         DROP TABLE IF EXISTS db.model; CREATE TABLE db.model WITH (format='PARQUET',
 *                 external_location='<location>/<model>/<run id>/', partitioned_by=ARRAY[…]) AS <select>
 *                 (a CTAS needs an empty location, so every build writes a new folder)
 *   incremental   append: a Hive table, new rows by INSERT INTO db.model <select>
 *                 merge:  an Iceberg table (Athena changes rows only in Iceberg tables): new rows
 *                         staged by CTAS, MERGE … WHEN MATCHED THEN DELETE on the unique key,
 *                         then INSERT INTO from the staged rows
 *                 the first build or a full refresh is the CTAS.
 *
 * `ref('x')` is `<database>.x`, `source('feed', 'table')` is `<source database>.table`.
 * Program models (TypeScript) are not SQL: the plan lists them for the runner to compute.
 */
export interface AthenaOptions {
  /** Glue database of the models. */
  database: string;
  /** Glue database of the curated feed tables. */
  sourceDatabase: string;
  /** S3 prefix under which each table's data lives: s3://bucket/warehouse */
  location: string;
  /** Names this build's CTAS folders (a CTAS needs an empty location). */
  runId: string;
  vars: Vars;
  /** Incremental models: plan the CTAS (rebuild) instead of the incremental statements. */
  fullRefresh?: boolean;
}

export const ATHENA_DEFAULTS = {
  database: 'crmlake_warehouse',
  sourceDatabase: 'crmlake_curated',
  location: 's3://crmlake-lake/warehouse',
} as const;

/** Athena keeps at most this many partitions per CTAS / INSERT INTO. */
export const ATHENA_MAX_PARTITIONS_PER_STATEMENT = 100;

export type AthenaStatementKind = 'view' | 'drop' | 'ctas' | 'insert' | 'merge-delete';

export interface AthenaStatement {
  kind: AthenaStatementKind;
  sql: string;
  /** The query inside the statement (a model's compiled SELECT). */
  select?: string;
}

export interface AthenaModelPlan {
  model: string;
  file: string;
  kind: 'sql' | 'program';
  materialized: string;
  /** Statements of a normal run, in order (none for a program model). */
  statements: AthenaStatement[];
  /** Incremental models: the statements of the first build / a full refresh. */
  fullRefreshStatements?: AthenaStatement[];
  notes: string[];
}

const ATHENA_NAME = /^[a-z_][a-z0-9_]*$/;

export class AthenaRelations implements Relations {
  constructor(private readonly options: Pick<AthenaOptions, 'database' | 'sourceDatabase'>) {}
  sourceRelation(_source: string, table: string): string {
    return `${this.options.sourceDatabase}.${table}`;
  }
  modelRelation(model: string): string {
    return `${this.options.database}.${model}`;
  }
}

const trimSlash = (text: string) => text.replace(/\/+$/, '');

function ctas(model: Model, select: string, options: AthenaOptions, iceberg: boolean): AthenaStatement[] {
  const table = `${options.database}.${model.name}`;
  const where = `${trimSlash(options.location)}/${model.name}/${options.runId}/`;
  const partitions = model.config.partitionedBy.map(sqlString).join(', ');
  const properties = iceberg
    ? [`table_type = 'ICEBERG'`, `is_external = false`, `location = ${sqlString(where)}`, `format = 'PARQUET'`, ...(partitions ? [`partitioning = ARRAY[${partitions}]`] : [])]
    : [`format = 'PARQUET'`, `write_compression = 'SNAPPY'`, `external_location = ${sqlString(where)}`, ...(partitions ? [`partitioned_by = ARRAY[${partitions}]`] : [])];
  return [
    { kind: 'drop', sql: `DROP TABLE IF EXISTS ${table}` },
    { kind: 'ctas', sql: `CREATE TABLE ${table}\nWITH (\n  ${properties.join(',\n  ')}\n) AS\n${select}`, select },
  ];
}

/** The Athena statements for every model, in the order given (dependency order). */
export function compileForAthena(models: Model[], options: AthenaOptions): AthenaModelPlan[] {
  const relations = new AthenaRelations(options);
  return models.map((model): AthenaModelPlan => {
    const base = { model: model.name, file: model.file, kind: model.kind, materialized: model.materialized };
    if (!ATHENA_NAME.test(model.name)) {
      throw new ModelError(`${model.file}:1: model ${model.name}: Athena table names are lower-case letters, digits and _ only`);
    }
    if (model.kind === 'program') {
      return {
        ...base,
        statements: [],
        notes: [
          `program model: computed in TypeScript (${model.file}), not SQL; the runner computes its rows and stores them as ${relations.modelRelation(model.name)} under ${trimSlash(options.location)}/${model.name}/`,
        ],
      };
    }
    const notes: string[] = [];
    if (model.config.partitionedBy.length) {
      notes.push(
        `partitioned by ${model.config.partitionedBy.join(', ')}: they must be the SELECT's last columns, and one statement writes at most ${ATHENA_MAX_PARTITIONS_PER_STATEMENT} partitions`,
      );
    }
    const full = compileModel(model, relations, options.vars, { isIncremental: false });
    if (model.materialized === 'view') {
      return { ...base, statements: [{ kind: 'view', sql: `CREATE OR REPLACE VIEW ${relations.modelRelation(model.name)} AS\n${full}`, select: full }], notes };
    }
    if (model.materialized === 'table') return { ...base, statements: ctas(model, full, options, false), notes };
    const merge = model.config.incrementalStrategy === 'merge';
    const rebuild = ctas(model, full, options, merge);
    const select = compileModel(model, relations, options.vars, { isIncremental: true });
    const table = relations.modelRelation(model.name);
    const incremental: AthenaStatement[] = [];
    if (merge) {
      // The new rows are staged first: the incremental filter reads the table, which the delete changes.
      const staged = `${table}__incremental`;
      const batchLocation = `${trimSlash(options.location)}/${model.name}__incremental/${options.runId}/`;
      const all = `SELECT * FROM ${staged}`;
      const on = model.config.uniqueKey.map((k) => `target.${k} IS NOT DISTINCT FROM batch.${k}`).join(' AND ');
      incremental.push(
        { kind: 'drop', sql: `DROP TABLE IF EXISTS ${staged}` },
        { kind: 'ctas', sql: `CREATE TABLE ${staged}\nWITH (\n  format = 'PARQUET',\n  external_location = ${sqlString(batchLocation)}\n) AS\n${select}`, select },
        { kind: 'merge-delete', sql: `MERGE INTO ${table} AS target\nUSING ${staged} AS batch\nON ${on}\nWHEN MATCHED THEN DELETE`, select: all },
        { kind: 'insert', sql: `INSERT INTO ${table}\n${all}`, select: all },
        { kind: 'drop', sql: `DROP TABLE IF EXISTS ${staged}` },
      );
      notes.push(`merge on ${model.config.uniqueKey.join(', ')}: an Iceberg table; the new rows are staged in ${staged}, stored rows with their keys deleted, then the new rows inserted`);
    } else {
      notes.push('append: new rows are inserted into the Hive table');
      incremental.push({ kind: 'insert', sql: `INSERT INTO ${table}\n${select}`, select });
    }
    notes.push('first build or --full-refresh: run the full-refresh statements (CTAS) instead');
    return options.fullRefresh
      ? { ...base, statements: rebuild, notes }
      : { ...base, statements: incremental, fullRefreshStatements: rebuild, notes };
  });
}

/** A plan as a SQL script: a comment header, then each statement ending with `;`. */
export function renderPlan(plan: AthenaModelPlan, which: 'statements' | 'fullRefreshStatements' = 'statements'): string {
  const header = [`-- ${plan.model} (${plan.kind === 'program' ? 'program' : plan.materialized}) from ${plan.kind === 'program' ? plan.file : `models/${plan.file}`}`];
  if (which === 'fullRefreshStatements') header.push('-- first build or full refresh');
  for (const note of plan.notes) header.push(`-- ${note}`);
  const statements = plan[which] ?? [];
  return [...header, ...statements.map((s) => `${s.sql};`)].join('\n') + '\n';
}

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
 * - `DROP TABLE` is Hive DDL in Athena, in neither grammar: checked against its one pattern.
 */
export async function checkAthenaStatement(statement: AthenaStatement): Promise<SyntaxCheck> {
  if (statement.kind === 'drop') {
    return /^DROP TABLE IF EXISTS [a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(statement.sql)
      ? { ok: true, grammar: 'pattern', parsed: 'statement' }
      : { ok: false, error: `not a DROP TABLE IF EXISTS db.table statement: ${statement.sql}` };
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
  const whole = statement.kind === 'view' || statement.kind === 'insert';
  if (whole && attempt(trino, 'trino', statement.sql) === undefined) return { ok: true, grammar: 'trino', parsed: 'statement' };
  const select = statement.select ?? statement.sql;
  const trinoError = attempt(trino, 'trino', select);
  if (trinoError === undefined) return { ok: true, grammar: 'trino', parsed: 'select' };
  if (attempt(athena, 'athena', select) === undefined) return { ok: true, grammar: 'athena', parsed: 'select' };
  return { ok: false, error: trinoError };
}
