/**
 * The CLV marts' fits and scoring, each run in a worker thread (./threads.ts starts it). A fit is
 * seconds of arithmetic on one thread; on the main thread it would also stop the build's SQL
 * models from starting their next statement until it ends. The same functions run here as on the
 * main thread, so the values are the same to the last bit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { bgnbdModel, fitBgnbd, type BgnbdFit } from './bgnbd.js';
import { scoreCustomers } from './clv.js';
import type { PatternSet, Period } from './data.js';
import { fitClv, type ClvFitOnColumnsOptions } from './fitCommand.js';
import { fitGammaGamma, type GammaGammaParams, type SpendObservation } from './gammagamma.js';
import { fitParetoNbd, paretoNbdModel, type ParetoNbdFit } from './paretonbd.js';
import type { ParsedColumns } from './reader.js';

export type FitTask =
  | { kind: 'bgnbd' | 'pareto-nbd'; patterns: PatternSet; standardErrors: boolean }
  | { kind: 'gamma-gamma'; spend: SpendObservation[] }
  | { kind: 'holdout'; orders: ParsedColumns; options: ClvFitOnColumnsOptions }
  | {
      kind: 'score';
      fit: { model: 'bgnbd'; params: BgnbdFit } | { model: 'pareto-nbd'; params: ParetoNbdFit };
      gg: GammaGammaParams;
      customers: { n: number; x: Float64Array; t_x: Float64Array; T: Float64Array; monetary: Float64Array };
      options: { months: number; discountRate: number; period: Period };
    };

function runFitTask(task: FitTask) {
  switch (task.kind) {
    case 'bgnbd':
      return fitBgnbd(task.patterns, { standardErrors: task.standardErrors });
    case 'pareto-nbd':
      return fitParetoNbd(task.patterns, { standardErrors: task.standardErrors });
    case 'gamma-gamma':
      return fitGammaGamma(task.spend);
    case 'holdout':
      return fitClv(task.orders, task.options);
    case 'score': {
      const model = task.fit.model === 'bgnbd' ? bgnbdModel(task.fit.params) : paretoNbdModel(task.fit.params);
      return scoreCustomers(model, task.gg, task.customers, task.options);
    }
  }
}

if (parentPort && (workerData as { fitTask?: FitTask } | null)?.fitTask) {
  try {
    parentPort.postMessage({ result: runFitTask((workerData as { fitTask: FitTask }).fitTask) });
  } catch (error) {
    parentPort.postMessage({ error: (error as Error).message });
  }
}
