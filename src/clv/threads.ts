/**
 * Runs a CLV fit or scoring (./worker.ts) in a worker thread and resolves with what it returns, or
 * rejects with its error's message. From the compiled code the worker is ./worker.js; from the
 * TypeScript sources (tests, a checkout without dist/) it is loaded through tsx, as the CLI does.
 */
import { Worker } from 'node:worker_threads';
import type { BgnbdFit } from './bgnbd.js';
import type { CustomerScores } from './clv.js';
import type { ClvFitResult } from './fitCommand.js';
import type { GammaGammaFit } from './gammagamma.js';
import type { ParetoNbdFit } from './paretonbd.js';
import type { FitTask } from './worker.js';

type FitOf<T extends FitTask> = T extends { kind: 'bgnbd' }
  ? BgnbdFit
  : T extends { kind: 'pareto-nbd' }
    ? ParetoNbdFit
    : T extends { kind: 'gamma-gamma' }
      ? GammaGammaFit
      : T extends { kind: 'score' }
        ? CustomerScores
        : ClvFitResult;

function startWorker(fitTask: FitTask): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const file = new URL(fromSources ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSources) return new Worker(file, { workerData: { fitTask } });
  // tsx's loader, found from here, not from the working directory where the worker's code would
  // look (vitest's module runner has no import.meta.resolve; it runs from the repository).
  const tsx = typeof import.meta.resolve === 'function' ? import.meta.resolve('tsx/esm/api') : 'tsx/esm/api';
  const boot = `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(file.href)}); })`;
  return new Worker(boot, { eval: true, workerData: { fitTask } });
}

export function fitInWorker<T extends FitTask>(task: T): Promise<FitOf<T>> {
  return new Promise((resolve, reject) => {
    const worker = startWorker(task);
    let settled = false;
    worker.once('message', (message: { result?: FitOf<T>; error?: string }) => {
      settled = true;
      if (message.error !== undefined) reject(new Error(message.error));
      else resolve(message.result!);
      void worker.terminate();
    });
    worker.once('error', (error) => {
      settled = true;
      reject(error);
    });
    worker.once('exit', (code) => {
      if (!settled) reject(new Error(`the CLV fit's worker thread stopped (exit code ${code}) before it answered`));
    });
  });
}
