/** Shared shapes of the fitted transaction models (BG/NBD, Pareto/NBD). */

export type ModelName = 'bgnbd' | 'pareto-nbd';

/** A fitted (or given) transaction model, as the CLV and reporting code consumes it. */
export interface TransactionModel {
  readonly name: ModelName;
  readonly params: Readonly<Record<string, number>>;
  /** Log-likelihood of one customer's (x, t_x, T). */
  logLikelihood(x: number, t_x: number, T: number): number;
  /** P(customer still alive at T | x, t_x, T). */
  pAlive(x: number, t_x: number, T: number): number;
  /** E[repeat purchases in (T, T + t] | x, t_x, T]. */
  conditionalExpected(t: number, x: number, t_x: number, T: number): number;
  /** E[X(t)]: expected repeat purchases in (0, t] for a customer who started at 0. */
  expected(t: number): number;
}

export interface FitDiagnostics {
  logLikelihood: number;
  /** Nelder-Mead iterations over all restarts. */
  iterations: number;
  evaluations: number;
  converged: boolean;
  /** Customers and distinct (x, t_x, T) patterns the fit saw. */
  customers: number;
  patterns: number;
}
