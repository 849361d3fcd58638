import type { Engine, RowsRequest } from '../engine/engine.js';

export type Vars = Record<string, string>;

export interface ProgramContext {
  engine: Engine;
  vars: Vars;
  /** Relation name of another model, as `{{ ref() }}` gives it. */
  ref(model: string): string;
  /** Progress or caveats worth a line in the build output. */
  note(message: string): void;
  /**
   * Work shared by the program models of one build: the first call with a key computes, later
   * calls in the same build get the same promise (e.g. the CLV marts read and fit their orders
   * once). Keys must name everything the result depends on (relation, vars). Absent: no sharing.
   */
  memo?<T>(key: string, compute: () => Promise<T>): Promise<T>;
}

/** A per-build memo for ProgramContext.memo. */
export function buildMemo(): NonNullable<ProgramContext['memo']> {
  const done = new Map<string, Promise<unknown>>();
  return <T>(key: string, compute: () => Promise<T>): Promise<T> => {
    let result = done.get(key) as Promise<T> | undefined;
    if (!result) done.set(key, (result = compute()));
    return result;
  };
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
  /**
   * Models that keep this one's memory between builds (the next build reads them back, as the
   * customer master reads its key events and review queue): built whenever this one is, so a
   * selection never writes the one without the others.
   */
  memory?: string[];
}

export function programColumns(program: ProgramModel, vars: Vars) {
  return typeof program.columns === 'function' ? program.columns(vars) : program.columns;
}
