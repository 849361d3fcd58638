import { AthenaRelations, ATHENA_DEFAULT_NAMES } from '../engine/athena/relations.js';
import { planModel, tableLocation } from '../engine/athena/plan.js';
import type { AthenaStatement } from '../engine/athena/statements.js';
import { duckdbRelations } from '../engine/duckdb/relations.js';
import { compileModel } from '../models/compile.js';
import type { Vars } from '../models/program.js';
import { topologicalOrder, type Model } from '../models/project.js';
import { runIdAt } from '../models/runner.js';

export interface AthenaPlanOptions {
  /** Glue database of the models. */
  database?: string;
  /** Glue database of the curated feed tables. */
  sourceDatabase?: string;
  /** S3 prefix under which each table's data lives: s3://bucket/lake/warehouse */
  location: string;
  /** Names this build's folders and staged tables (default: now, e.g. 20261123T020000Z). */
  runId?: string;
  vars: Vars;
  /** Incremental models: plan the CTAS (rebuild) instead of the incremental statements. */
  fullRefresh?: boolean;
}

export interface AthenaModelPlan {
  model: string;
  file: string;
  kind: 'sql' | 'program';
  materialized: string;
  /** Statements of this build, in order (none for a program model). */
  statements: AthenaStatement[];
  notes: string[];
}

/**
 * What a build on Athena runs, model by model in dependency order: the same plan the Athena
 * engine executes (src/engine/athena/plan.ts), for reading, review and syntax checks without AWS.
 * Incremental models are planned as if their table exists (an incremental run) unless `fullRefresh`.
 */
export function planAthenaBuild(models: Model[], options: AthenaPlanOptions): AthenaModelPlan[] {
  const runId = options.runId ?? runIdAt(new Date());
  const relations = new AthenaRelations({ database: options.database ?? ATHENA_DEFAULT_NAMES.database, sourceDatabase: options.sourceDatabase ?? ATHENA_DEFAULT_NAMES.sourceDatabase });
  const context = { relations, location: options.location, runId, exists: () => !options.fullRefresh };
  return topologicalOrder(models).map((model): AthenaModelPlan => {
    const base = { model: model.name, file: model.file, kind: model.kind, materialized: model.materialized };
    if (model.kind === 'program') {
      const staged = relations.stage(model.name, runId);
      return {
        ...base,
        statements: [],
        notes: [
          `program model: computed in TypeScript (${model.file}), not SQL; its rows are written as parquet to ${tableLocation(context, model.name)}, registered as ${staged} and switched to ${relations.finalRelation(model.name)} at the build's commit`,
        ],
      };
    }
    const plan = planModel(
      {
        name: model.name,
        materialized: model.materialized,
        compile: (r, o) => compileModel(model, r, options.vars, o),
        partitionedBy: model.config.partitionedBy,
        ...(model.materialized === 'incremental'
          ? { incremental: { strategy: model.config.incrementalStrategy, uniqueKey: model.config.uniqueKey, fullRefresh: options.fullRefresh ?? false } }
          : {}),
      },
      context,
    );
    return { ...base, statements: plan.statements, notes: plan.notes };
  });
}

/** A plan as a SQL script: a comment header, then each statement ending with `;`. */
export function renderPlan(plan: AthenaModelPlan): string {
  const header = [`-- ${plan.model} (${plan.kind === 'program' ? 'program' : plan.materialized}) from ${plan.kind === 'program' ? plan.file : `models/${plan.file}`}`];
  for (const note of plan.notes) header.push(`-- ${note}`);
  return [...header, ...plan.statements.map((s) => `${s.sql};`)].join('\n') + '\n';
}

/** Each SQL model's SELECT as the DuckDB engine runs it. */
export function compileForDuckDb(models: Model[], vars: Vars): { model: Model; sql: string | null }[] {
  return topologicalOrder(models).map((model) => ({ model, sql: model.kind === 'program' ? null : compileModel(model, duckdbRelations, vars) }));
}
