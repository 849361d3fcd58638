import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Engine, QueryColumn } from '../engine/engine.js';
import { sqlString } from '../engine/sql.js';
import { Lake } from '../lake/lake.js';
import { compileModel, compileTemplate, type Relations } from './compile.js';
import { ModelError } from './errors.js';
import { programColumns, type Vars } from './program.js';
import { topologicalOrder, type Model, type Project, type SingularTest } from './project.js';
import type { DataTestDef, UnitTestDef } from './yaml.js';

/**
 * `crmlake test`: the project's tests, dbt-style.
 * - data tests: generic tests from the YAML (unique, not_null, accepted_values, relationships,
 *   expression_is_true), each a query for the failing rows of a built model;
 * - singular tests: `tests/*.sql`, a query returning the rows that break a rule;
 * - unit tests: `unit_tests:` in the YAML (dbt 1.8): a model run on DuckDB over given input
 *   rows instead of its refs/sources, its output compared with the expected rows.
 */
export type TestKind = 'data' | 'singular' | 'unit';

export interface TestResult {
  name: string;
  kind: TestKind;
  /** The model tested (data and unit tests). */
  model?: string;
  /** Where the test is declared, for messages: path relative to the project root, and line. */
  file: string;
  line: number;
  status: 'pass' | 'fail' | 'warn' | 'error';
  /** Failing rows (unit tests: rows missing from, or unexpected in, the output). */
  failures: number;
  /** Up to five failing rows. */
  sample: Record<string, unknown>[];
  seconds: number;
  error?: string;
}

export interface TestRun {
  engine: string;
  startedAt: string;
  seconds: number;
  select?: string[];
  exclude?: string[];
  results: TestResult[];
  summary: { pass: number; fail: number; warn: number; error: number };
}

export const SAMPLE_ROWS = 5;


function literal(value: unknown, where: string): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : `CAST(${sqlString(String(value))} AS DOUBLE)`;
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'string') return sqlString(value);
  if (value instanceof Date) return sqlString(value.toISOString().slice(0, 10));
  throw new ModelError(`${where}: cannot use ${JSON.stringify(value)} as a value (write numbers, text, true/false or null)`);
}

/** The query returning the rows that fail a generic data test (in the Trino subset, so any engine runs it). */
export function dataTestSql(test: DataTestDef, relations: Relations): string {
  const table = relations.modelRelation(test.model);
  const from = test.where ? `(select * from ${table} where ${test.where}) as tested` : `${table} as tested`;
  const column = test.column!;
  switch (test.kind) {
    case 'not_null':
      return `select * from ${from} where ${column} is null`;
    case 'unique':
      return `select ${column} as unique_field, count(*) as n_records from ${from} where ${column} is not null group by ${column} having count(*) > 1`;
    case 'accepted_values': {
      const values = test.values!.map((v) => (typeof v === 'string' && test.quote !== false ? sqlString(v) : String(v))).join(', ');
      return `select ${column} as value_field, count(*) as n_records from ${from} where ${column} is not null and ${column} not in (${values}) group by ${column}`;
    }
    case 'relationships': {
      const parent = test.to!.ref ? relations.modelRelation(test.to!.ref) : relations.sourceRelation(test.to!.source!.source, test.to!.source!.table);
      return (
        `select tested.${column} as from_field from ${from} ` +
        `left join ${parent} as parent on tested.${column} = parent.${test.field} ` +
        `where tested.${column} is not null and parent.${test.field} is null`
      );
    }
    case 'expression_is_true':
      return `select * from ${from} where not (${column ? `${column} ` : ''}${test.expression})`;
  }
}

/** Models a test reads: the tested model and a relationships parent. */
export function dataTestModels(test: DataTestDef): string[] {
  return [test.model, ...(test.to?.ref ? [test.to.ref] : [])];
}

async function countAndSample(engine: Engine, sql: string): Promise<{ failures: number; sample: Record<string, unknown>[] }> {
  const count = await engine.query(`select count(*) as failures from (${sql}) as failing`);
  const failures = Number(Object.values(count.rows[0] ?? {})[0] ?? 0);
  const sample = failures > 0 ? (await engine.query(`select * from (${sql}) as failing limit ${SAMPLE_ROWS}`)).rows : [];
  return { failures, sample };
}

function outcome(failures: number, severity: 'error' | 'warn'): TestResult['status'] {
  return failures === 0 ? 'pass' : severity === 'warn' ? 'warn' : 'fail';
}

/** A display path for a file under the models folder. */
function modelsPath(project: Project, file: string): string {
  return path.join(path.basename(project.dir), file).split(path.sep).join('/');
}

async function timed(base: Omit<TestResult, 'status' | 'failures' | 'sample' | 'seconds'>, run: () => Promise<Pick<TestResult, 'status' | 'failures' | 'sample'>>): Promise<TestResult> {
  const t0 = performance.now();
  try {
    return { ...base, ...(await run()), seconds: (performance.now() - t0) / 1000 };
  } catch (error) {
    return { ...base, status: 'error', failures: 0, sample: [], seconds: (performance.now() - t0) / 1000, error: (error as Error).message };
  }
}

/** What a test run covers: the selected models' tests (a test is in if any model it reads is). */
export interface TestSelection {
  models: Set<string>;
  kinds?: TestKind[];
}

export function selectedTests(project: Project, selection: TestSelection) {
  const wants = (kind: TestKind) => !selection.kinds?.length || selection.kinds.includes(kind);
  return {
    data: wants('data') ? project.models.flatMap((m) => m.tests).filter((t) => dataTestModels(t).some((m) => selection.models.has(m))) : [],
    singular: wants('singular') ? project.singularTests.filter((t) => t.refs.length === 0 || t.refs.some((r) => selection.models.has(r))) : [],
    unit: wants('unit') ? project.unitTests.filter((t) => selection.models.has(t.model)) : [],
  };
}

/** Opens an engine over a scratch lake (unit tests need DuckDB: they create temp tables of given rows). */
export type ScratchEngineFactory = (lake: Lake) => Promise<Engine>;

/**
 * Runs data and singular tests on the built warehouse (`engine`; none needed when only unit
 * tests are selected), and unit tests on a scratch engine with only their given rows.
 */
export async function runTests(
  engine: Engine | undefined,
  project: Project,
  options: {
    selection: TestSelection;
    /** Models that exist in the warehouse; a test of another is an error that says to build it. */
    built?: Set<string>;
    vars?: Vars;
    onResult?: (result: TestResult, index: number, total: number) => void;
    openScratch: ScratchEngineFactory;
  },
): Promise<TestResult[]> {
  const vars = options.vars ?? {};
  const tests = selectedTests(project, options.selection);
  const total = tests.data.length + tests.singular.length + tests.unit.length;
  const results: TestResult[] = [];
  const report = (result: TestResult) => {
    results.push(result);
    options.onResult?.(result, results.length - 1, total);
  };
  const notBuilt = (models: string[]) => {
    const missing = options.built ? models.filter((m) => !options.built!.has(m)) : [];
    if (missing.length) throw new Error(`not built: ${missing.join(', ')} (run crmlake build --select ${missing.join(' ')})`);
  };
  const warehouse = () => {
    if (!engine) throw new Error('data and singular tests need the warehouse');
    return engine;
  };
  for (const test of tests.data) {
    report(
      await timed({ name: test.name, kind: 'data', model: test.model, file: modelsPath(project, test.file), line: test.line }, async () => {
        notBuilt(dataTestModels(test));
        const { failures, sample } = await countAndSample(warehouse(), dataTestSql(test, warehouse()));
        return { status: outcome(failures, test.severity), failures, sample };
      }),
    );
  }
  for (const test of tests.singular) report(await runSingular(warehouse(), test, vars, notBuilt));
  if (tests.unit.length) {
    const scratch = await UnitTestEngine.open(project, options.openScratch);
    try {
      for (const test of tests.unit) {
        report(
          await timed({ name: test.name, kind: 'unit', model: test.model, file: modelsPath(project, test.file), line: test.line }, () =>
            scratch.run(test, { ...vars, ...test.vars }),
          ),
        );
      }
    } finally {
      await scratch.close();
    }
  }
  return results;
}

function runSingular(engine: Engine, test: SingularTest, vars: Vars, notBuilt: (models: string[]) => void): Promise<TestResult> {
  return timed({ name: test.name, kind: 'singular', file: test.file, line: 1 }, async () => {
    notBuilt(test.refs);
    const sql = compileTemplate(test.raw, test.file, engine, vars);
    const { failures, sample } = await countAndSample(engine, sql);
    return { status: outcome(failures, test.severity), failures, sample };
  });
}

export function summarize(results: TestResult[]): TestRun['summary'] {
  const summary = { pass: 0, fail: 0, warn: 0, error: 0 };
  for (const r of results) summary[r.status]++;
  return summary;
}

/**
 * A DuckDB over an empty scratch lake where every model exists as a view (programs as empty
 * tables), so the columns and types of any ref, source or model can be asked for. A unit test
 * loads its given rows into temp tables typed like the relations they stand for, runs the model
 * over them and compares the output with the expected rows (EXCEPT ALL both ways).
 */
export class UnitTestEngine {
  private counter = 0;
  private constructor(
    private readonly engine: Engine,
    private readonly dir: string,
    private readonly project: Project,
  ) {}

  static async open(project: Project, openScratch: ScratchEngineFactory): Promise<UnitTestEngine> {
    const dir = await mkdtemp(path.join(tmpdir(), 'crmlake-unit-'));
    const engine = await openScratch(new Lake(dir));
    try {
      for (const model of topologicalOrder(project.models)) {
        if (model.program) {
          await engine.materializeRows({ name: model.name, columns: programColumns(model.program, {}), rows: [] });
        } else {
          // A view whatever the materialization: only its columns matter here.
          await engine.materialize({ name: model.name, materialized: 'view', compile: (relations) => compileModel(model, relations, {}, { isIncremental: false }) });
        }
      }
    } catch (error) {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
      throw new ModelError(`unit tests: cannot set up the models on an empty warehouse: ${(error as Error).message}`);
    }
    return new UnitTestEngine(engine, dir, project);
  }

  async close(): Promise<void> {
    await this.engine.close();
    await rm(this.dir, { recursive: true, force: true });
  }

  private async columnsOf(relation: string): Promise<QueryColumn[]> {
    return (await this.engine.query(`select * from ${relation} limit 0`)).columns;
  }

  /** A temp table with `rows`, typed like `relation`; columns the rows leave out are NULL. */
  private async loadRows(relation: string, rows: Record<string, unknown>[], where: string): Promise<string> {
    const columns = await this.columnsOf(relation);
    const known = new Set(columns.map((c) => c.name));
    for (const row of rows) {
      for (const key of Object.keys(row)) {
        if (!known.has(key)) throw new ModelError(`${where}: no column '${key}' (columns: ${columns.map((c) => c.name).join(', ')})`);
      }
    }
    const name = `unit_rows_${++this.counter}`;
    const table = `temp.main.${name}`;
    const select = (row: Record<string, unknown> | undefined) =>
      'select ' + columns.map((c) => `cast(${row ? literal(row[c.name], where) : 'NULL'} as ${c.type}) as "${c.name.replace(/"/g, '""')}"`).join(', ');
    const body = rows.length ? rows.map(select).join('\nunion all\n') : `${select(undefined)} where false`;
    await this.engine.query(`create or replace temp table ${name} as ${body}`);
    return table;
  }

  async run(test: UnitTestDef, vars: Vars): Promise<Pick<TestResult, 'status' | 'failures' | 'sample'>> {
    const model = this.project.models.find((m) => m.name === test.model)!;
    const at = (line: number) => `${modelsPath(this.project, test.file)}:${line}: unit test ${test.name}`;
    const refs = new Map<string, string>();
    const sources = new Map<string, string>();
    let self: string | undefined;
    for (const input of test.given) {
      if (input.kind === 'ref') {
        if (!model.refs.includes(input.name)) throw new ModelError(`${at(input.line)}: ${model.name} does not read ${input.text}`);
        refs.set(input.name, await this.loadRows(this.engine.modelRelation(input.name), input.rows, `${at(input.line)}, ${input.text}`));
      } else if (input.kind === 'source') {
        const key = `${input.source}.${input.table}`;
        if (!model.sources.some((s) => `${s.source}.${s.table}` === key)) throw new ModelError(`${at(input.line)}: ${model.name} does not read ${input.text}`);
        sources.set(key, await this.loadRows(this.engine.sourceRelation(input.source, input.table), input.rows, `${at(input.line)}, ${input.text}`));
      } else {
        self = await this.loadRows(this.engine.modelRelation(model.name), input.rows, `${at(input.line)}, this`);
      }
    }
    const missing = [...model.refs.filter((r) => !refs.has(r)).map((r) => `ref('${r}')`), ...model.sources.filter((s) => !sources.has(`${s.source}.${s.table}`)).map((s) => `source('${s.source}', '${s.table}')`)];
    if (missing.length) throw new ModelError(`${at(test.line)}: ${model.name} reads ${missing.join(', ')}: give ${missing.length > 1 ? 'them' : 'it'} under given (rows: [] for none)`);
    if (test.isIncremental && !self) throw new ModelError(`${at(test.line)}: is_incremental needs the stored rows: given: - input: this`);
    const sql = compileModel(model, this.engine, vars, {
      isIncremental: test.isIncremental,
      ref: (name) => refs.get(name),
      source: (source, table) => sources.get(`${source}.${table}`),
      self,
    });
    const actual = `temp.main.unit_actual_${++this.counter}`;
    await this.engine.query(`create or replace temp table ${actual.slice('temp.main.'.length)} as ${sql}`);
    const outputColumns = await this.columnsOf(actual);
    const wanted = [...new Set(test.expect.rows.flatMap((r) => Object.keys(r)))];
    const byName = new Map(outputColumns.map((c) => [c.name, c]));
    for (const name of wanted) {
      if (!byName.has(name)) throw new ModelError(`${at(test.expect.line)}: expect names column '${name}', which ${model.name} does not output (columns: ${outputColumns.map((c) => c.name).join(', ')})`);
    }
    // Compare the columns the expected rows name (all of them when expecting no rows).
    const compared = wanted.length ? wanted.map((n) => byName.get(n)!) : outputColumns;
    const list = compared.map((c) => `"${c.name.replace(/"/g, '""')}"`).join(', ');
    const expected = `temp.main.unit_expected_${++this.counter}`;
    const rowSelect = (row: Record<string, unknown>) => 'select ' + compared.map((c) => `cast(${literal(row[c.name], at(test.expect.line))} as ${c.type}) as "${c.name.replace(/"/g, '""')}"`).join(', ');
    const body = test.expect.rows.length ? test.expect.rows.map(rowSelect).join('\nunion all\n') : `select ${list} from ${actual} where false`;
    await this.engine.query(`create or replace temp table ${expected.slice('temp.main.'.length)} as ${body}`);
    const diff =
      `select 'expected, missing' as diff, * from (select ${list} from ${expected} except all select ${list} from ${actual}) ` +
      `union all select 'output, not expected' as diff, * from (select ${list} from ${actual} except all select ${list} from ${expected})`;
    const { failures, sample } = await countAndSample(this.engine, diff);
    return { status: failures ? 'fail' : 'pass', failures, sample };
  }
}
