/**
 * The CLV marts' fits, each run in a worker thread (./threads.ts starts it). A fit is seconds of
 * arithmetic on one thread; on the main thread it would also stop the build's SQL models from
 * starting their next statement until it ends. The same functions run here as on the main
 * thread, so the fitted values are the same to the last bit.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { fitBgnbd } from './bgnbd.js';
import type { PatternSet } from './data.js';
import { fitClv, type ClvFitOnColumnsOptions } from './fitCommand.js';
import { fitGammaGamma, type SpendObservation } from './gammagamma.js';
import { fitParetoNbd } from './paretonbd.js';
import type { ParsedColumns } from './reader.js';

export type FitTask =
  | { kind: 'bgnbd' | 'pareto-nbd'; patterns: PatternSet; standardErrors: boolean }
  | { kind: 'gamma-gamma'; spend: SpendObservation[] }
  | { kind: 'holdout'; orders: ParsedColumns; options: ClvFitOnColumnsOptions };

export function runFitTask(task: FitTask) {
  switch (task.kind) {
    case 'bgnbd':
      return fitBgnbd(task.patterns, { standardErrors: task.standardErrors });
    case 'pareto-nbd':
      return fitParetoNbd(task.patterns, { standardErrors: task.standardErrors });
    case 'gamma-gamma':
      return fitGammaGamma(task.spend);
    case 'holdout':
      return fitClv(task.orders, task.options);
  }
}

if (parentPort && (workerData as { fitTask?: FitTask } | null)?.fitTask) {
  try {
    parentPort.postMessage({ result: runFitTask((workerData as { fitTask: FitTask }).fitTask) });
  } catch (error) {
    parentPort.postMessage({ error: (error as Error).message });
  }
}
