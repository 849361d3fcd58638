import type { Lake } from '../lake/lake.js';
import { ENGINE_NAMES, type Engine, type EngineOptions } from './engine.js';

/**
 * Opens the engine over a lake. Each engine is loaded on demand, so a DuckDB command never pays
 * for loading the AWS SDK and an Athena Lambda never loads DuckDB's native binding.
 */
export async function openEngine(lake: Lake, options: EngineOptions): Promise<Engine> {
  const name = options.engine ?? 'duckdb';
  switch (name) {
    case 'duckdb': {
      const { DuckDbEngine } = await import('./duckdb/index.js');
      return DuckDbEngine.open(lake, options);
    }
    case 'athena': {
      const { AthenaEngine } = await import('./athena/index.js');
      return AthenaEngine.open(lake, options);
    }
    default:
      throw new Error(`Unknown engine "${String(name)}": choose ${ENGINE_NAMES.join(' or ')}`);
  }
}
