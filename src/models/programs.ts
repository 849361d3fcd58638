import { CLV_MODELS } from '../clv/models.js';
import { CUSTOMER_MODELS } from '../customers/models.js';
import type { ProgramModel } from './program.js';
import { QUARANTINE_DAILY } from './quarantine.js';

/** Every model computed in TypeScript, built alongside the SQL models in dependency order. */
export const PROGRAM_MODELS: ProgramModel[] = [...CLV_MODELS, ...CUSTOMER_MODELS, QUARANTINE_DAILY];
