import type { MaterializeRequest } from '../engine.js';
import { ATHENA_MAX_PARTITIONS_PER_STATEMENT, ATHENA_NAME, createView, ctas, deleteWhere, dropTable, insertInto, mergeDelete, trimSlash, type AthenaStatement } from './statements.js';
import type { AthenaRelations } from './relations.js';

export interface PlanContext {
  relations: AthenaRelations;
  /** S3 prefix under which each model's table folders live: s3://bucket/lake/warehouse */
  location: string;
  runId: string;
  /** Incremental models: whether their table exists already (else the first build is a CTAS). */
  exists(model: string): boolean;
}

export interface ModelPlan {
  statements: AthenaStatement[];
  /** Tables and views the build writes under a staged name, switched to the final name at commit. */
  staged?: { kind: 'table' | 'view'; staged: string; final: string; location?: string };
  /** Incremental models change their table in place (each statement is atomic on Iceberg). */
  inPlace?: { location?: string };
  notes: string[];
}

/** A folder no earlier build used: a CTAS needs an empty location. */
export const tableLocation = (context: PlanContext, folder: string) => `${trimSlash(context.location)}/${folder}/${context.runId.toLowerCase()}/`;

/**
 * The statements one model of a build runs, in order. Tables and views are written under a
 * staged name (`x__stage_<run>`) that later models of the build read; the build's commit then
 * switches the final names to them (Glue table swap, views re-created), so readers see one
 * build's marts together. Incremental models change their table in place.
 */
export function planModel(request: Omit<MaterializeRequest, 'compile'> & { compile: MaterializeRequest['compile'] }, context: PlanContext): ModelPlan {
  const { name } = request;
  if (!ATHENA_NAME.test(name)) throw new Error(`model ${name}: Athena table names are lower-case letters, digits and _ only`);
  const relations = context.relations;
  const partitionedBy = request.partitionedBy ?? [];
  const notes: string[] = [];
  if (partitionedBy.length) {
    notes.push(
      `partitioned by ${partitionedBy.join(', ')}: they must be the SELECT's last columns; more than ${ATHENA_MAX_PARTITIONS_PER_STATEMENT} partitions are written by one CTAS and INSERT INTO statements of ${ATHENA_MAX_PARTITIONS_PER_STATEMENT} each`,
    );
  }
  if (request.materialized === 'view') {
    const select = request.compile(relations);
    const staged = relations.stage(name, context.runId);
    notes.push(`at the build's commit: CREATE OR REPLACE VIEW ${relations.finalRelation(name)} over the final names, and the staged view is dropped`);
    return { statements: [createView(staged, select)], staged: { kind: 'view', staged, final: relations.finalRelation(name) }, notes };
  }
  if (request.materialized === 'table') {
    const select = request.compile(relations);
    const location = tableLocation(context, name);
    const staged = relations.stage(name, context.runId);
    notes.push(`at the build's commit: the Glue table ${relations.finalRelation(name)} is switched to ${location} (table versions kept by Glue), the staged table dropped`);
    return {
      statements: [ctas({ table: staged, location, partitionedBy }, select)],
      staged: { kind: 'table', staged, final: relations.finalRelation(name), location },
      notes,
    };
  }
  const settings = request.incremental!;
  const table = relations.finalRelation(name);
  const merge = settings.strategy === 'merge';
  const location = tableLocation(context, name);
  if (!context.exists(name) || settings.fullRefresh) {
    notes.push(`first build or full refresh: ${merge ? 'an Iceberg table (merge deletes rows)' : 'a Hive table (append adds files)'}`);
    return {
      statements: [dropTable(table), ctas({ table, location, partitionedBy, iceberg: merge }, request.compile(relations, { isIncremental: false }))],
      inPlace: { location },
      notes,
    };
  }
  const select = request.compile(relations, { isIncremental: true });
  if (!merge) {
    notes.push('append: the new rows are inserted into the Hive table');
    return { statements: [insertInto(table, select)], inPlace: {}, notes };
  }
  // The new rows are staged first: the incremental filter reads the table, which the delete changes.
  const batch = `${table}__incremental`;
  notes.push(
    `merge on ${settings.uniqueKey.join(', ')}: the new rows are staged in ${batch}, stored rows with their keys deleted (Iceberg MERGE)${settings.staleWhere ? ' and those whose source deliveries changed (DELETE)' : ''}, then inserted`,
  );
  return {
    statements: [
      dropTable(batch),
      ctas({ table: batch, location: tableLocation(context, `${name}__incremental`), partitionedBy: [] }, select),
      mergeDelete(table, batch, settings.uniqueKey),
      ...(settings.staleWhere ? [deleteWhere(table, settings.staleWhere)] : []),
      insertInto(table, `SELECT * FROM ${batch}`),
      dropTable(batch),
    ],
    inPlace: {},
    notes,
  };
}
