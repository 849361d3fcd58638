import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { ModelError } from './errors.js';
import type { ProgramModel } from './program.js';

/**
 * Seeds (dbt's `seeds/`): small CSV files that ship with the project (reference data, example
 * campaign lists, exchange rates) and become relations other models read with `{{ ref('<file
 * name>') }}`. A seed is stored like a program model: the runner reads the CSV and the engine
 * stores its rows as a table, so DuckDB and Athena get the same table.
 *
 * Column types are inferred from the values (BOOLEAN, INTEGER, DOUBLE, DATE, else VARCHAR; an
 * empty cell is NULL) unless the seed's YAML entry sets them, as in dbt:
 *
 *   seeds:
 *     - name: campaign_members
 *       config: { column_types: { source_customer_id: varchar } }
 */
export type SeedColumnType = 'VARCHAR' | 'DOUBLE' | 'INTEGER' | 'BOOLEAN' | 'DATE';

/** The seeds that ship with crmlake. */
export const DEFAULT_SEEDS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../seeds');

/** The seeds folder for a models folder: `seeds/` beside it. */
export function defaultSeedsDir(modelsDir: string): string {
  return path.resolve(modelsDir, '..', 'seeds');
}

const TYPE_NAMES: Record<string, SeedColumnType> = {
  varchar: 'VARCHAR',
  string: 'VARCHAR',
  text: 'VARCHAR',
  double: 'DOUBLE',
  float: 'DOUBLE',
  integer: 'INTEGER',
  int: 'INTEGER',
  boolean: 'BOOLEAN',
  bool: 'BOOLEAN',
  date: 'DATE',
};

/** A type name as written in `column_types` (varchar, integer, double, boolean, date). */
export function seedColumnType(text: string, where: string): SeedColumnType {
  const type = TYPE_NAMES[text.trim().toLowerCase()];
  if (!type) throw new ModelError(`${where}: column type '${text}' is not one of varchar, integer, double, boolean, date`);
  return type;
}

const INTEGER = /^[-+]?\d+$/;
const NUMBER = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const BOOLEAN = /^(true|false)$/i;

const isDate = (text: string) => DATE.test(text) && !Number.isNaN(Date.parse(`${text}T00:00:00Z`)) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);

/** The narrowest type every non-empty value fits (VARCHAR for a column with no values). */
export function inferSeedType(values: string[]): SeedColumnType {
  const present = values.filter((v) => v !== '');
  if (present.length === 0) return 'VARCHAR';
  if (present.every((v) => BOOLEAN.test(v))) return 'BOOLEAN';
  if (present.every((v) => INTEGER.test(v) && Math.abs(Number(v)) < 2 ** 31)) return 'INTEGER';
  if (present.every((v) => NUMBER.test(v))) return 'DOUBLE';
  if (present.every(isDate)) return 'DATE';
  return 'VARCHAR';
}

function convert(value: string, type: SeedColumnType, where: string): string | number | boolean | null {
  if (value === '') return null;
  switch (type) {
    case 'VARCHAR':
      return value;
    case 'BOOLEAN':
      if (!BOOLEAN.test(value)) throw new ModelError(`${where}: '${value}' is not true or false`);
      return value.toLowerCase() === 'true';
    case 'INTEGER':
      if (!INTEGER.test(value) || Math.abs(Number(value)) >= 2 ** 31) throw new ModelError(`${where}: '${value}' is not an integer`);
      return Number(value);
    case 'DOUBLE':
      if (!NUMBER.test(value)) throw new ModelError(`${where}: '${value}' is not a number`);
      return Number(value);
    case 'DATE':
      if (!isDate(value)) throw new ModelError(`${where}: '${value}' is not a date written YYYY-MM-DD`);
      return value;
  }
}

export interface SeedOptions {
  /** How messages name the file, e.g. `seeds/campaigns.csv`. */
  shown: string;
  description?: string;
  columnTypes?: Record<string, string>;
  columnDescriptions?: Record<string, string | undefined>;
}

/** Reads one seed CSV (header row, comma-separated, optional quotes, UTF-8) into a program model. */
export async function readSeed(file: string, options: SeedOptions): Promise<ProgramModel> {
  const name = path.basename(file, path.extname(file));
  const text = await readFile(file, 'utf8');
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, trim: true, relax_column_count: false }) as string[][];
  } catch (error) {
    throw new ModelError(`${options.shown}: cannot read the CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  if (!header || header.length === 0 || header.some((h) => h === '')) throw new ModelError(`${options.shown}:1: a seed needs a header row naming every column`);
  const duplicate = header.find((h, i) => header.indexOf(h) !== i);
  if (duplicate) throw new ModelError(`${options.shown}:1: column ${duplicate} appears twice`);
  for (const column of Object.keys(options.columnTypes ?? {})) {
    if (!header.includes(column)) throw new ModelError(`${options.shown}: column_types names ${column}, which the CSV does not have (columns: ${header.join(', ')})`);
  }
  const columns = header.map((column, i) => {
    const declared = options.columnTypes?.[column];
    const type = declared ? seedColumnType(declared, `${options.shown}: column_types.${column}`) : inferSeedType(rows.map((r) => r[i] ?? ''));
    return { name: column, type, description: options.columnDescriptions?.[column] ?? `Column ${column} of the seed ${path.basename(file)}.` };
  });
  // Line numbers for messages: the header is line 1 (quoted line breaks would shift them; seeds are plain).
  const data = rows.map((row, r) => columns.map((c, i) => convert(row[i] ?? '', c.type, `${options.shown}:${r + 2}: ${c.name}`)));
  return {
    name,
    file: options.shown,
    refs: [],
    description: options.description ?? `Seed: the rows of ${options.shown}.`,
    columns,
    build: async () => data,
  };
}

/** The CSV files of a seeds folder (none if the folder does not exist), sorted. */
export async function listSeedFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /\.csv$/i.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}

/** The YAML files of a seeds folder (seed docs and tests, under `seeds:`). */
export async function listSeedYaml(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && /\.ya?ml$/i.test(e.name))
    .map((e) => path.join(dir, e.name))
    .sort();
}
