import type { Lake } from '../lake/lake.js';
import { ModelError } from '../models/errors.js';
import { buildModels, type BuildRun, type ModelRunResult } from '../models/runner.js';
import { selectModels } from '../models/select.js';
import { loadProject } from './project.js';
import { parseVars, type WarehouseSettings } from './settings.js';
import { withWarehouse } from './warehouse.js';

export interface BuildOptions {
  asOf?: string;
  /** Models folder (default: the shipped models). */
  models?: string;
  /** `name=value` pairs for `{{ var() }}`. */
  var?: string[];
  /** Selectors (see src/models/select.ts); default every model. */
  select?: string[];
  exclude?: string[];
  /** Rebuild incremental models from scratch. */
  fullRefresh?: boolean;
  settings?: WarehouseSettings;
  /** Called after each model. */
  onModel?: (result: ModelRunResult, index: number, total: number) => void;
  /** False: one model at a time (default: program models beside SQL models, where the engine can). */
  concurrent?: boolean;
}

/**
 * Builds the models (all, or the selected ones) under the lake's writer lock, as one build:
 * readers see its models together when it succeeds, and the previous warehouse when it fails.
 */
export async function runBuild(lake: Lake, options: BuildOptions = {}): Promise<BuildRun> {
  const vars = parseVars(options);
  const models = await loadProject(options.models);
  const chosen = selectModels(models, options);
  const only = new Set(chosen.map((m) => m.name));
  const selective = Boolean(options.select?.length || options.exclude?.length);
  const unlock = await lake.lock('build');
  try {
    return await withWarehouse(
      lake,
      async (engine) => {
        // Models the selection leaves out must already be in the warehouse for the selected ones to read.
        const built = new Set(engine.catalog().map((e) => e.name));
        for (const model of chosen) {
          const missing = model.refs.filter((r) => !only.has(r) && !built.has(r));
          if (missing.length) {
            throw new ModelError(
              `${model.name} reads ${missing.join(', ')}, which ${missing.length > 1 ? 'are' : 'is'} not built and not selected: add +${model.name} to the selection, or build ${missing.join(' ')} first`,
            );
          }
        }
        return buildModels(lake, engine, models, {
          vars,
          only: selective ? only : undefined,
          fullRefresh: options.fullRefresh,
          selection: { select: options.select, exclude: options.exclude },
          dropOthers: true,
          onModel: options.onModel,
          beforeCommit: unlock.assertHeld,
          concurrent: options.concurrent,
        });
      },
      { settings: options.settings },
    );
  } finally {
    await unlock();
  }
}
