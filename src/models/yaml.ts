import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { ModelError } from './errors.js';

/**
 * The models' YAML files (dbt's schema.yml syntax): per model a description, column docs,
 * generic data tests (`data_tests:` or the older `tests:`), tags, and top-level `unit_tests:`
 * (dbt 1.8). Every item keeps its file and line so errors and test results can point at it.
 */

export const GENERIC_TESTS = ['unique', 'not_null', 'accepted_values', 'relationships', 'expression_is_true'] as const;
export type GenericTestKind = (typeof GENERIC_TESTS)[number];

export interface Located {
  /** Path relative to the models folder. */
  file: string;
  line: number;
}

export interface DataTestDef extends Located {
  /** dbt-style name, e.g. `not_null_customer_rfm_customer_id`. */
  name: string;
  kind: GenericTestKind;
  model: string;
  /** The column (or column expression) tested; none for model-level expression_is_true. */
  column?: string;
  /** accepted_values */
  values?: (string | number | boolean)[];
  quote?: boolean;
  /** relationships: the parent relation as written (`ref('x')` / `source('a', 'b')`) and its column. */
  to?: { ref?: string; source?: { source: string; table: string }; text: string };
  field?: string;
  /** expression_is_true */
  expression?: string;
  severity: 'error' | 'warn';
  /** Only rows matching this condition are tested (dbt's `config: { where: … }`). */
  where?: string;
}

export interface ColumnDoc extends Located {
  name: string;
  description?: string;
}

export interface ModelYaml extends Located {
  name: string;
  description?: string;
  columns: ColumnDoc[];
  tags: string[];
  tests: DataTestDef[];
  /** Seeds (`seeds:` entries): `config: { column_types: { column: type } }`. */
  columnTypes?: Record<string, string>;
  /** Documented under `seeds:` rather than `models:`. */
  seed?: boolean;
}

export type UnitInput =
  | { kind: 'ref'; name: string; text: string; rows: Record<string, unknown>[]; line: number }
  | { kind: 'source'; source: string; table: string; text: string; rows: Record<string, unknown>[]; line: number }
  | { kind: 'this'; text: string; rows: Record<string, unknown>[]; line: number };

export interface UnitTestDef extends Located {
  name: string;
  model: string;
  description?: string;
  given: UnitInput[];
  expect: { rows: Record<string, unknown>[]; line: number };
  vars: Record<string, string>;
  /** overrides.macros.is_incremental: run the model as an incremental run against `given: this`. */
  isIncremental: boolean;
}

export interface ProjectYaml {
  models: Map<string, ModelYaml>;
  unitTests: UnitTestDef[];
}

/** Reads `ref('x')`, `source('a', 'b')` or `this` as written in YAML. */
export function parseRelationText(text: string): { ref?: string; source?: { source: string; table: string }; this?: true } | undefined {
  const trimmed = text.trim();
  if (trimmed === 'this') return { this: true };
  const ref = /^ref\(\s*['"]([^'"]+)['"]\s*\)$/.exec(trimmed);
  if (ref) return { ref: ref[1]! };
  const source = /^source\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)$/.exec(trimmed);
  if (source) return { source: { source: source[1]!, table: source[2]! } };
  return undefined;
}

class YamlFile {
  readonly lines = new LineCounter();
  readonly doc: Document;
  constructor(
    readonly file: string,
    text: string,
  ) {
    this.doc = parseDocument(text, { lineCounter: this.lines });
    const error = this.doc.errors[0];
    if (error) throw new ModelError(`${file}:${error.linePos?.[0].line ?? 1}: ${error.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')}`);
  }
  line(node: unknown, fallback = 1): number {
    const range = (node as Node | null)?.range;
    return range ? this.lines.linePos(range[0]).line : fallback;
  }
  js(node: unknown): unknown {
    return node && typeof (node as Node).toJS === 'function' ? (node as Node).toJS(this.doc) : node;
  }
  fail(node: unknown, message: string, fallback?: number): never {
    throw new ModelError(`${this.file}:${this.line(node, fallback)}: ${message}`);
  }
}

/** Map entries of a YAML map node: key text → value node. */
function entries(node: unknown): Map<string, unknown> {
  const out = new Map<string, unknown>();
  if (isMap(node)) for (const pair of node.items) out.set(String(isScalar(pair.key) ? pair.key.value : pair.key), pair.value);
  return out;
}

const asText = (y: YamlFile, node: unknown): string | undefined => {
  const value = y.js(node);
  return value === undefined || value === null ? undefined : String(value);
};

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_|_$/g, '')
    .slice(0, 32)
    .replace(/_$/, '');
}

/** One entry of a `data_tests:` list: `- unique` or `- accepted_values: { values: [...] }`. */
function readTest(y: YamlFile, item: unknown, model: string, column: string | undefined, fallbackLine: number): DataTestDef {
  const line = y.line(item, fallbackLine);
  let kindText: string;
  let argsNode: unknown;
  if (isScalar(item)) {
    kindText = String(item.value);
  } else if (isMap(item) && item.items.length >= 1) {
    const [first] = item.items;
    kindText = String(isScalar(first!.key) ? first!.key.value : first!.key);
    argsNode = first!.value;
    if (item.items.length > 1) y.fail(item, `a test is one key (its kind) with its arguments indented below it: found ${item.items.length} keys`);
  } else {
    return y.fail(item, 'cannot read this test: write `- unique` or `- accepted_values: { values: [...] }`', fallbackLine);
  }
  const kind = kindText.replace(/^(dbt_utils|dbt)\./, '') as GenericTestKind;
  if (!GENERIC_TESTS.includes(kind)) {
    y.fail(item, `unknown test '${kindText}' on ${model}${column ? `.${column}` : ''} (crmlake runs ${GENERIC_TESTS.join(', ')}; write other checks as SQL in tests/*.sql)`);
  }
  // dbt 1.10 puts the arguments under `arguments:`; older versions next to `config:`.
  const args = entries(argsNode);
  const nested = entries(args.get('arguments'));
  const arg = (name: string) => (nested.has(name) ? nested.get(name) : args.get(name));
  const config = entries(args.get('config'));
  const severityText = (asText(y, config.get('severity') ?? args.get('severity')) ?? 'error').toLowerCase();
  if (severityText !== 'error' && severityText !== 'warn') y.fail(argsNode, `severity must be error or warn, not '${severityText}'`, line);
  const test: DataTestDef = {
    file: y.file,
    line,
    name: '',
    kind,
    model,
    column: column ?? asText(y, arg('column_name')),
    severity: severityText,
    where: asText(y, config.get('where') ?? args.get('where')),
  };
  const where = `${kind} on ${model}${test.column ? `.${test.column}` : ''}`;
  switch (kind) {
    case 'unique':
    case 'not_null':
      if (!test.column) y.fail(item, `${where} needs a column: put it under the column, or give column_name`);
      break;
    case 'accepted_values': {
      const values = y.js(arg('values'));
      if (!Array.isArray(values) || values.length === 0) y.fail(item, `${where} needs values: [ … ]`);
      if (!test.column) y.fail(item, `${where} needs a column`);
      test.values = values as (string | number | boolean)[];
      test.quote = y.js(arg('quote')) !== false;
      break;
    }
    case 'relationships': {
      const to = asText(y, arg('to'));
      const field = asText(y, arg('field'));
      const parsed = to ? parseRelationText(to) : undefined;
      if (!to || !parsed || parsed.this) y.fail(item, `${where} needs to: ref('model') or source('feed', 'table')`);
      if (!field) y.fail(item, `${where} needs field: <column of the parent>`);
      if (!test.column) y.fail(item, `${where} needs a column`);
      test.to = { ...parsed, text: to } as DataTestDef['to'];
      test.field = field;
      break;
    }
    case 'expression_is_true': {
      const expression = asText(y, arg('expression'));
      if (!expression) y.fail(item, `${where} needs expression: <SQL condition every row must meet>`);
      test.expression = expression;
      break;
    }
  }
  const customName = asText(y, args.get('name'));
  const toName = test.to?.ref ?? (test.to?.source ? `${test.to.source.source}_${test.to.source.table}` : '');
  test.name =
    customName ??
    [kind, model, test.column ? slug(test.column) : undefined, kind === 'relationships' ? `_${toName}_${slug(test.field!)}` : undefined, kind === 'expression_is_true' ? slug(test.expression!) : undefined]
      .filter(Boolean)
      .join('_');
  return test;
}

function readTests(y: YamlFile, container: Map<string, unknown>, model: string, column: string | undefined, line: number): DataTestDef[] {
  const tests: DataTestDef[] = [];
  for (const key of ['data_tests', 'tests']) {
    const list = container.get(key);
    if (list === undefined || list === null) continue;
    if (!isSeq(list)) y.fail(list, `${key} must be a list`, line);
    for (const item of list.items) tests.push(readTest(y, item, model, column, line));
  }
  return tests;
}

function readRows(y: YamlFile, node: Map<string, unknown>, where: string, line: number): Record<string, unknown>[] {
  const format = asText(y, node.get('format')) ?? 'dict';
  const rows = node.get('rows');
  if (format === 'csv') {
    const text = asText(y, rows) ?? '';
    const [header, ...lines] = text.split(/\r?\n/).filter((l) => l.trim() !== '');
    if (!header) return [];
    const names = header.split(',').map((s) => s.trim());
    return lines.map((l) => {
      const cells = l.split(',').map((s) => s.trim());
      return Object.fromEntries(names.map((n, i) => [n, cells[i] === undefined || cells[i] === '' ? null : cells[i]]));
    });
  }
  if (format !== 'dict') y.fail(node.get('format'), `${where}: format must be dict or csv (sql is not supported)`, line);
  const value = y.js(rows);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((r) => typeof r !== 'object' || r === null || Array.isArray(r))) {
    y.fail(rows, `${where}: rows must be a list of {column: value} maps`, line);
  }
  return value as Record<string, unknown>[];
}

function readUnitTest(y: YamlFile, node: unknown): UnitTestDef {
  const line = y.line(node);
  const map = entries(node);
  const name = asText(y, map.get('name'));
  const model = asText(y, map.get('model'));
  if (!name) y.fail(node, 'a unit test needs a name');
  if (!model) y.fail(node, `unit test ${name} needs model: <model name>`);
  const givenNode = map.get('given');
  const given: UnitInput[] = [];
  if (givenNode !== undefined && !isSeq(givenNode)) y.fail(givenNode, `unit test ${name}: given must be a list of inputs`);
  for (const item of isSeq(givenNode) ? givenNode.items : []) {
    const input = entries(item);
    const text = asText(y, input.get('input'));
    const parsed = text ? parseRelationText(text) : undefined;
    const itemLine = y.line(item, line);
    if (!text || !parsed) y.fail(item, `unit test ${name}: input must be ref('model'), source('feed', 'table') or this`);
    const rows = readRows(y, input, `unit test ${name}, input ${text}`, itemLine);
    if (parsed.ref) given.push({ kind: 'ref', name: parsed.ref, text, rows, line: itemLine });
    else if (parsed.source) given.push({ kind: 'source', ...parsed.source, text, rows, line: itemLine });
    else given.push({ kind: 'this', text, rows, line: itemLine });
  }
  const expectNode = map.get('expect');
  if (!isMap(expectNode)) y.fail(node, `unit test ${name} needs expect: { rows: [ … ] }`);
  const expectRows = readRows(y, entries(expectNode), `unit test ${name}, expect`, y.line(expectNode, line));
  const overrides = entries(map.get('overrides'));
  const varsNode = y.js(overrides.get('vars')) as Record<string, unknown> | undefined;
  const vars = Object.fromEntries(Object.entries(varsNode ?? {}).map(([k, v]) => [k, String(v)]));
  const macros = (y.js(overrides.get('macros')) ?? {}) as Record<string, unknown>;
  return {
    file: y.file,
    line,
    name,
    model,
    description: asText(y, map.get('description')),
    given,
    expect: { rows: expectRows, line: y.line(expectNode, line) },
    vars,
    isIncremental: macros.is_incremental === true,
  };
}

/** Reads every .yml/.yaml file under the models folder. */
export async function readProjectYaml(dir: string, files: string[]): Promise<ProjectYaml> {
  const models = new Map<string, ModelYaml>();
  const unitTests: UnitTestDef[] = [];
  for (const file of files) {
    const y: YamlFile = new YamlFile(file, await readFile(path.join(dir, file), 'utf8'));
    const root = entries(y.doc.contents);
    // Seeds (CSV files in seeds/) are documented and tested like models, under `seeds:`.
    const items: { item: unknown; seed: boolean }[] = [];
    for (const key of ['models', 'seeds']) {
      const list = root.get(key);
      if (list !== undefined && list !== null && !isSeq(list)) y.fail(list, `${key} must be a list`);
      for (const item of isSeq(list) ? list.items : []) items.push({ item, seed: key === 'seeds' });
    }
    for (const { item, seed } of items) {
      const map = entries(item);
      const line = y.line(item);
      const name = asText(y, map.get('name'));
      if (!name) y.fail(item, `a ${seed ? 'seed' : 'model'} entry needs a name`);
      if (models.has(name)) y.fail(item, `model ${name} is documented twice (also in ${models.get(name)!.file}:${models.get(name)!.line})`);
      const config = entries(map.get('config'));
      const tagsValue = y.js(config.get('tags') ?? map.get('tags'));
      const tags = tagsValue === undefined || tagsValue === null ? [] : (Array.isArray(tagsValue) ? tagsValue : [tagsValue]).map(String);
      const columns: ColumnDoc[] = [];
      const tests = readTests(y, map, name, undefined, line);
      const columnList = map.get('columns');
      for (const columnNode of isSeq(columnList) ? columnList.items : []) {
        const column = entries(columnNode);
        const columnName = asText(y, column.get('name'));
        const columnLine = y.line(columnNode, line);
        if (!columnName) y.fail(columnNode, `a column of ${name} needs a name`);
        columns.push({ file, line: columnLine, name: columnName, description: asText(y, column.get('description')) });
        tests.push(...readTests(y, column, name, columnName, columnLine));
      }
      const typesNode = config.get('column_types');
      if (typesNode !== undefined && !seed) y.fail(typesNode, `column_types is a seed setting (document ${name} under seeds:)`);
      const typesValue = y.js(typesNode);
      if (typesValue !== undefined && typesValue !== null && (typeof typesValue !== 'object' || Array.isArray(typesValue))) y.fail(typesNode, 'column_types must map column names to types');
      const columnTypes = typesValue ? Object.fromEntries(Object.entries(typesValue as Record<string, unknown>).map(([k, v]) => [k, String(v)])) : undefined;
      models.set(name, { file, line, name, description: asText(y, map.get('description')), columns, tags, tests, ...(seed ? { seed, ...(columnTypes ? { columnTypes } : {}) } : {}) });
    }
    const units = root.get('unit_tests');
    if (units !== undefined && units !== null && !isSeq(units)) y.fail(units, 'unit_tests must be a list');
    for (const item of isSeq(units) ? units.items : []) unitTests.push(readUnitTest(y, item));
  }
  return { models, unitTests };
}
