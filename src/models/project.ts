import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { Materialization } from '../engine/engine.js';
import { programColumns, type ProgramModel } from './program.js';
import { PROGRAM_MODELS } from './programs.js';

/** The SQL models that ship with crmlake. */
export const DEFAULT_MODELS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../models');

export interface ModelColumnDoc {
  name: string;
  description?: string;
}

type ModelDoc = { description?: string; columns?: ModelColumnDoc[] };

export interface Model {
  name: string;
  /** SQL file, or a TypeScript program (see ./program.ts). */
  kind: 'sql' | 'program';
  program?: ProgramModel;
  /** Path relative to the models folder, e.g. `marts/customer_rfm.sql`. */
  file: string;
  raw: string;
  materialized: Materialization;
  refs: string[];
  sources: { source: string; table: string }[];
  description?: string;
  columns: ModelColumnDoc[];
}

/** A `{{ … }}` expression in a model; only the calls below are understood. */
const JINJA = /\{\{\s*([\s\S]*?)\s*\}\}/g;
const CALL = /^(ref|source|var|config)\s*\(([\s\S]*)\)$/;

export class ModelError extends Error {}

export function lineOf(text: string, index: number): number {
  return text.slice(0, index).split('\n').length;
}

/** Parses the arguments of a call like `'a', 'b'` or `materialized='table'`. */
export function parseArgs(text: string): { positional: string[]; named: Record<string, string> } {
  const positional: string[] = [];
  const named: Record<string, string> = {};
  const pattern = /\s*(?:(\w+)\s*=\s*)?(?:'([^']*)'|"([^"]*)"|([\w.-]+))\s*(?:,|$)/y;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while (consumed < text.length && (match = pattern.exec(text))) {
    const value = match[2] ?? match[3] ?? match[4] ?? '';
    if (match[1]) named[match[1]] = value;
    else positional.push(value);
    consumed = pattern.lastIndex;
  }
  if (text.slice(consumed).trim() !== '') throw new Error(`cannot read arguments: ${text}`);
  return { positional, named };
}

export interface JinjaCall {
  fn: 'ref' | 'source' | 'var' | 'config';
  positional: string[];
  named: Record<string, string>;
  start: number;
  end: number;
  line: number;
}

/** Every `{{ … }}` call in a model, or an error naming the file and line of one it cannot read. */
export function findCalls(raw: string, file: string): JinjaCall[] {
  const calls: JinjaCall[] = [];
  for (const match of raw.matchAll(JINJA)) {
    const line = lineOf(raw, match.index);
    const call = CALL.exec(match[1]!.trim());
    if (!call) throw new ModelError(`${file}:${line}: unsupported expression {{ ${match[1]} }} (use ref, source, var or config)`);
    let args;
    try {
      args = parseArgs(call[2]!);
    } catch (error) {
      throw new ModelError(`${file}:${line}: ${(error as Error).message}`);
    }
    calls.push({ fn: call[1] as JinjaCall['fn'], ...args, start: match.index, end: match.index + match[0].length, line });
  }
  return calls;
}

async function listFiles(dir: string, ext: RegExp): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => {
    throw new ModelError(`Models folder not found: ${dir}`);
  });
  return entries
    .filter((e) => e.isFile() && ext.test(e.name))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/**
 * Reads every model under `dir` with its YAML docs (dbt's `models:` list in any .yml file),
 * plus the program models (computed in TypeScript) that build on them.
 */
export async function loadProject(dir: string = DEFAULT_MODELS_DIR, programs: ProgramModel[] = PROGRAM_MODELS): Promise<Model[]> {
  const docs = new Map<string, ModelDoc>();
  for (const file of await listFiles(dir, /\.ya?ml$/)) {
    const doc = parseYaml(await readFile(path.join(dir, file), "utf8")) as { models?: ({ name: string } & ModelDoc)[] } | null;
    for (const model of doc?.models ?? []) docs.set(model.name, model);
  }
  const models: Model[] = [];
  const seen = new Map<string, string>();
  for (const file of await listFiles(dir, /\.sql$/)) {
    const name = path.basename(file, '.sql');
    if (seen.has(name)) throw new ModelError(`Two models are named ${name}: ${seen.get(name)} and ${file}`);
    seen.set(name, file);
    const raw = await readFile(path.join(dir, file), 'utf8');
    const calls = findCalls(raw, file);
    const config = calls.find((c) => c.fn === 'config');
    const materialized = (config?.named.materialized ?? (file.startsWith('marts/') ? 'table' : 'view')) as Materialization;
    if (materialized !== 'view' && materialized !== 'table') {
      throw new ModelError(`${file}:${config!.line}: materialized must be 'view' or 'table', not '${materialized}'`);
    }
    const doc = docs.get(name);
    models.push({
      name,
      kind: 'sql',
      file,
      raw,
      materialized,
      refs: [...new Set(calls.filter((c) => c.fn === 'ref').map((c) => c.positional[0]!))],
      sources: calls.filter((c) => c.fn === 'source').map((c) => ({ source: c.positional[0]!, table: c.positional[1]! })),
      description: doc?.description,
      columns: doc?.columns ?? [],
    });
  }
  for (const program of programs) {
    if (seen.has(program.name)) throw new ModelError(`Model ${program.name} is defined in ${seen.get(program.name)} and by ${program.file}`);
    seen.set(program.name, program.file);
    const columns = programColumns(program, {});
    models.push({
      name: program.name,
      kind: 'program',
      program,
      file: program.file,
      raw: '',
      materialized: 'table',
      refs: program.refs,
      sources: [],
      description: program.description,
      columns: columns.map((c) => ({ name: c.name, description: c.description })),
    });
  }
  for (const model of models) {
    for (const ref of model.refs) {
      if (!seen.has(ref)) {
        const line = findCalls(model.raw, model.file).find((c) => c.fn === 'ref' && c.positional[0] === ref)?.line ?? 1;
        throw new ModelError(`${model.file}:${line}: ref('${ref}') names no model`);
      }
    }
  }
  return models;
}

/** Models in dependency order; a cycle is an error that names it. */
export function topologicalOrder(models: Model[]): Model[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const order: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (model: Model, trail: string[]) => {
    const current = state.get(model.name);
    if (current === 'done') return;
    if (current === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(model.name)), model.name];
      throw new ModelError(`Models form a cycle: ${cycle.join(' → ')} (${model.file})`);
    }
    state.set(model.name, 'visiting');
    for (const ref of [...model.refs].sort()) visit(byName.get(ref)!, [...trail, model.name]);
    state.set(model.name, 'done');
    order.push(model);
  };
  for (const model of [...models].sort((a, b) => a.name.localeCompare(b.name))) visit(model, []);
  return order;
}
