import type { Engine, RowsRequest } from '../engine/engine.js';

export type Vars = Record<string, string>;

export interface ProgramContext {
  engine: Engine;
  vars: Vars;
  /** Relation name of another model, as `{{ ref() }}` gives it. */
  ref(model: string): string;
  /** Progress or caveats worth a line in the build output. */
  note(message: string): void;
}

/**
 * A model computed in TypeScript rather than SQL (as dbt's Python models): probability models
 * and other work SQL cannot express. It reads its inputs through the engine, so the same
 * program serves DuckDB and Athena, and its output is stored like any table model.
 */
export interface ProgramModel {
  name: string;
  /** Where it is defined, for error messages. */
  file: string;
  refs: string[];
  description: string;
  columns: (RowsRequest['columns'][number] & { description: string })[] | ((vars: Vars) => (RowsRequest['columns'][number] & { description: string })[]);
  build(context: ProgramContext): Promise<RowsRequest['rows']>;
}

export function programColumns(program: ProgramModel, vars: Vars) {
  return typeof program.columns === 'function' ? program.columns(vars) : program.columns;
}
