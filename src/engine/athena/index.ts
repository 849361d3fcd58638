import type { Lake } from '../../lake/lake.js';
import type { EngineOptions } from '../engine.js';

/** Placeholder until the Athena client and Glue catalog land (next commits of issue #12). */
export class AthenaEngine {
  static async open(_lake: Lake, _options: EngineOptions): Promise<never> {
    throw new Error('The Athena engine cannot execute statements yet; use --engine duckdb');
  }
}
