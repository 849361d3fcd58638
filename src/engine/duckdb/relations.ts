import type { Relations } from '../engine.js';
import { quoteIdent } from '../sql.js';

/**
 * How DuckDB names relations: curated tables in schema `curated`, rejected rows in schema
 * `quarantine`, models in `main` (the in-memory database the engine opens over the lake).
 * Pure, so `crmlake compile --engine duckdb` names them without opening DuckDB.
 */
export const duckdbRelations: Relations = {
  sourceRelation: (_source, table) => `curated.${quoteIdent(table)}`,
  modelRelation: (model) => `main.${quoteIdent(model)}`,
  quarantineRelation: (feed) => `quarantine.${quoteIdent(feed)}`,
};
