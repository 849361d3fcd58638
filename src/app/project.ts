import { CLV_MODELS } from '../clv/models.js';
import { CUSTOMER_MODELS } from '../customers/models.js';
import { AUDIENCE_LIFT } from '../audiences/lift.js';
import { QUARANTINE_DAILY } from '../feeds/quarantine.js';
import type { ProgramModel } from '../models/program.js';
import * as models from '../models/project.js';
import { warehouseSources } from './warehouse.js';

/** crmlake's models computed in TypeScript, handed to the runner with the SQL models. */
export const PROGRAM_MODELS: ProgramModel[] = [...CLV_MODELS, ...CUSTOMER_MODELS, QUARANTINE_DAILY, AUDIENCE_LIFT];

/** The `feed.table` names models may read with `source()`. */
export const sourceNames = () => warehouseSources().map((s) => `${s.feed}.${s.table}`);

/** The models of a project folder (default: the shipped models) with crmlake's program models. */
export function loadProject(dir?: string, programs: ProgramModel[] = PROGRAM_MODELS): Promise<models.Model[]> {
  return models.loadProject(dir, programs, sourceNames());
}

/** The models with their YAML, unit tests and singular tests, with crmlake's program models. */
export function loadFullProject(dir?: string, options: Parameters<typeof models.loadFullProject>[1] = {}): Promise<models.Project> {
  return models.loadFullProject(dir, { programs: PROGRAM_MODELS, sources: sourceNames(), ...options });
}
