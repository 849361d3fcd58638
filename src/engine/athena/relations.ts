import type { Relations } from '../engine.js';

export interface AthenaNames {
  /** Glue database of the models. */
  database: string;
  /** Glue database of the curated feed tables and the quarantine tables. */
  sourceDatabase: string;
}

export const ATHENA_DEFAULT_NAMES: AthenaNames = { database: 'crmlake_warehouse', sourceDatabase: 'crmlake_curated' };

/** Glue table of a feed's rejected rows: `quarantine_<feed>` (Glue names have no dashes). */
export const quarantineTable = (feed: string) => `quarantine_${feed.replace(/[^a-z0-9_]/g, '_')}`;

/** The name a build gives a table or view until its commit: `<model>__stage_<run id>`. */
export const stagedName = (model: string, runId: string) => `${model}__stage_${runId.toLowerCase()}`;

/**
 * How Athena names relations: `<database>.<model>`, `<source database>.<table>`. During a build,
 * models it has staged resolve to their staged names, so later models of the build read them.
 */
export class AthenaRelations implements Relations {
  private readonly staged = new Map<string, string>();

  constructor(readonly names: AthenaNames) {}

  sourceRelation(_source: string, table: string): string {
    return `${this.names.sourceDatabase}.${table}`;
  }

  quarantineRelation(feed: string): string {
    return `${this.names.sourceDatabase}.${quarantineTable(feed)}`;
  }

  modelRelation(model: string): string {
    return this.staged.get(model) ?? `${this.names.database}.${model}`;
  }

  /** The final name readers use once the build is committed. */
  finalRelation(model: string): string {
    return `${this.names.database}.${model}`;
  }

  stage(model: string, runId: string): string {
    const name = `${this.names.database}.${stagedName(model, runId)}`;
    this.staged.set(model, name);
    return name;
  }

  clearStaged(): void {
    this.staged.clear();
  }

  /** Relation names as readers see them after the commit (for views created at the commit). */
  final(): Relations {
    return {
      sourceRelation: (source, table) => this.sourceRelation(source, table),
      quarantineRelation: (feed) => this.quarantineRelation(feed),
      modelRelation: (model) => this.finalRelation(model),
    };
  }
}
