/**
 * Derivative-free minimisation for the CLV likelihoods.
 *
 * Nelder-Mead with restarts: the BTYD likelihoods are smooth but badly scaled
 * (the Pareto/NBD surface is almost flat along beta), and restarting from the
 * best vertex with a fresh simplex is the standard cure for premature simplex
 * collapse. Positive parameters are optimised on the log scale.
 */

export interface NelderMeadOptions {
  /** Iteration cap per run (default 5000). */
  maxIterations?: number;
  /** Spread of f over the simplex at convergence, relative to |f| + 1 (default 1e-13). */
  fTol?: number;
  /** Simplex size at convergence, in the optimisation coordinates (default 1e-9). */
  xTol?: number;
  /** Initial simplex edge per coordinate (default 0.5). */
  initialStep?: number | number[];
  /** Number of restarts from the best point after a converged run (default 8). */
  maxRestarts?: number;
}

export interface MinimizeResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  /** True when the final run met both tolerances and a restart did not improve it. */
  converged: boolean;
  restarts: number;
}

/** NaN/-Inf guard: an undefined likelihood is treated as infinitely bad. */
function safe(f: (x: number[]) => number): (x: number[]) => number {
  return (x) => {
    let v: number;
    try {
      v = f(x);
    } catch {
      return Infinity;
    }
    return Number.isNaN(v) ? Infinity : v;
  };
}

interface RunResult {
  x: number[];
  fx: number;
  iterations: number;
  evaluations: number;
  converged: boolean;
}

function nelderMeadRun(
  f: (x: number[]) => number,
  x0: number[],
  steps: number[],
  maxIterations: number,
  fTol: number,
  xTol: number,
): RunResult {
  const n = x0.length;
  // Adaptive coefficients (Gao & Han 2012) behave better than the classic
  // (1, 2, 0.5, 0.5) once n > 2; for n = 2 they coincide.
  const alpha = 1;
  const beta = 1 + 2 / n;
  const gammaC = 0.75 - 1 / (2 * n);
  const delta = 1 - 1 / n;
  const simplex: number[][] = [x0.slice()];
  for (let i = 0; i < n; i++) {
    const p = x0.slice();
    p[i] = p[i]! + steps[i]!;
    simplex.push(p);
  }
  const values = simplex.map(f);
  let evaluations = n + 1;
  let iterations = 0;
  let converged = false;
  const order = Array.from({ length: n + 1 }, (_, i) => i);

  while (iterations < maxIterations) {
    order.sort((i, j) => values[i]! - values[j]!);
    const best = order[0]!;
    const worst = order[n]!;
    const second = order[n - 1]!;
    const fBest = values[best]!;
    const fWorst = values[worst]!;
    let size = 0;
    for (let k = 1; k <= n; k++) {
      const p = simplex[order[k]!]!;
      for (let i = 0; i < n; i++) size = Math.max(size, Math.abs(p[i]! - simplex[best]![i]!));
    }
    if (Number.isFinite(fWorst) && fWorst - fBest <= fTol * (Math.abs(fBest) + 1) && size <= xTol) {
      converged = true;
      break;
    }
    if (size <= 1e-15) {
      // Collapsed without f-convergence (flat region or infinities): stop and let a restart try.
      break;
    }
    iterations++;
    const centroid = new Array<number>(n).fill(0);
    for (let k = 0; k < n; k++) {
      const p = simplex[order[k]!]!;
      for (let i = 0; i < n; i++) centroid[i]! += p[i]! / n;
    }
    const W = simplex[worst]!;
    const along = (t: number): number[] => centroid.map((c, i) => c + t * (c - W[i]!));
    const xr = along(alpha);
    const fr = f(xr);
    evaluations++;
    if (fr < fBest) {
      const xe = along(alpha * beta);
      const fe = f(xe);
      evaluations++;
      if (fe < fr) {
        simplex[worst] = xe;
        values[worst] = fe;
      } else {
        simplex[worst] = xr;
        values[worst] = fr;
      }
      continue;
    }
    if (fr < values[second]!) {
      simplex[worst] = xr;
      values[worst] = fr;
      continue;
    }
    // Contraction: outside if the reflection improved on the worst point, else inside.
    const outside = fr < fWorst;
    const xc = along(outside ? alpha * gammaC : -gammaC);
    const fc = f(xc);
    evaluations++;
    if (fc < (outside ? fr : fWorst)) {
      simplex[worst] = xc;
      values[worst] = fc;
      continue;
    }
    // Shrink towards the best vertex.
    const B = simplex[best]!;
    for (let k = 0; k <= n; k++) {
      if (k === best) continue;
      simplex[k] = simplex[k]!.map((v, i) => B[i]! + delta * (v - B[i]!));
      values[k] = f(simplex[k]!);
      evaluations++;
    }
  }
  let bi = 0;
  for (let k = 1; k <= n; k++) if (values[k]! < values[bi]!) bi = k;
  return { x: simplex[bi]!.slice(), fx: values[bi]!, iterations, evaluations, converged };
}

/** Minimise f from x0 with Nelder-Mead, restarting from the best point until a restart no longer helps. */
export function nelderMead(f: (x: number[]) => number, x0: number[], opts: NelderMeadOptions = {}): MinimizeResult {
  const n = x0.length;
  const maxIterations = opts.maxIterations ?? 5000;
  const fTol = opts.fTol ?? 1e-13;
  const xTol = opts.xTol ?? 1e-9;
  const maxRestarts = opts.maxRestarts ?? 8;
  const step0 = opts.initialStep ?? 0.5;
  const steps = Array.isArray(step0) ? step0.slice() : new Array<number>(n).fill(step0);
  const g = safe(f);

  let run = nelderMeadRun(g, x0, steps, maxIterations, fTol, xTol);
  let iterations = run.iterations;
  let evaluations = run.evaluations;
  let restarts = 0;
  let converged = run.converged;
  // Restart with a smaller fresh simplex; stop once a restart neither improves
  // f beyond tolerance nor moves the point.
  let restartStep = steps.map((s) => Math.min(Math.abs(s), 0.1));
  while (restarts < maxRestarts) {
    const next = nelderMeadRun(g, run.x, restartStep, maxIterations, fTol, xTol);
    restarts++;
    iterations += next.iterations;
    evaluations += next.evaluations;
    const improvement = run.fx - next.fx;
    const moved = Math.max(...next.x.map((v, i) => Math.abs(v - run.x[i]!)));
    const better = next.fx <= run.fx;
    if (better) run = next;
    if (improvement <= 10 * fTol * (Math.abs(run.fx) + 1) && moved <= 100 * xTol) {
      converged = next.converged || run.converged;
      break;
    }
    converged = false;
    restartStep = restartStep.map((s) => s * 0.5);
  }
  return { x: run.x, fx: run.fx, iterations, evaluations, converged, restarts };
}

export interface PositiveMinimizeResult extends MinimizeResult {
  /** Optimum on the natural (positive) scale. */
  params: number[];
}

/**
 * Minimise f over strictly positive parameters by running Nelder-Mead on
 * log-parameters (so every trial point is admissible).
 */
export function minimizePositive(
  f: (params: number[]) => number,
  start: number[],
  opts: NelderMeadOptions = {},
): PositiveMinimizeResult {
  if (start.some((v) => !(v > 0) || !Number.isFinite(v))) throw new Error('minimizePositive: start must be positive and finite');
  const res = nelderMead((u) => f(u.map(Math.exp)), start.map(Math.log), opts);
  return { ...res, params: res.x.map(Math.exp) };
}

/** Central-difference Hessian of f at x (step h per coordinate, relative to 1). */
export function numericHessian(f: (x: number[]) => number, x: number[], h = 1e-4): number[][] {
  const n = x.length;
  const H: number[][] = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  const f0 = f(x);
  const at = (di: number, si: number, dj: number, sj: number): number => {
    const p = x.slice();
    p[di] = p[di]! + si * h;
    p[dj] = p[dj]! + sj * h;
    return f(p);
  };
  for (let i = 0; i < n; i++) {
    const p = x.slice();
    p[i] = p[i]! + h;
    const fp = f(p);
    p[i] = x[i]! - h;
    const fm = f(p);
    H[i]![i] = (fp - 2 * f0 + fm) / (h * h);
    for (let j = 0; j < i; j++) {
      const v = (at(i, 1, j, 1) - at(i, 1, j, -1) - at(i, -1, j, 1) + at(i, -1, j, -1)) / (4 * h * h);
      H[i]![j] = v;
      H[j]![i] = v;
    }
  }
  return H;
}

/** Inverse of a small dense matrix (Gauss-Jordan with partial pivoting). Throws if singular. */
export function invertMatrix(A: number[][]): number[][] {
  const n = A.length;
  const M = A.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    if (Math.abs(M[piv]![col]!) < 1e-300) throw new Error('invertMatrix: singular matrix');
    [M[col], M[piv]] = [M[piv]!, M[col]!];
    const d = M[col]![col]!;
    for (let k = 0; k < 2 * n; k++) M[col]![k]! /= d;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const factor = M[r]![col]!;
      if (factor === 0) continue;
      for (let k = 0; k < 2 * n; k++) M[r]![k]! -= factor * M[col]![k]!;
    }
  }
  return M.map((row) => row.slice(n));
}

/**
 * Standard errors of positive parameters fitted on the log scale: invert the
 * Hessian of the negative log-likelihood in log-parameters and map back with
 * the delta method, SE(theta_i) = theta_i * sqrt([H^-1]_ii).
 */
export function standardErrorsFromLogScale(negLogLik: (params: number[]) => number, params: number[]): number[] {
  const H = numericHessian((u) => negLogLik(u.map(Math.exp)), params.map(Math.log));
  const cov = invertMatrix(H);
  return params.map((p, i) => p * Math.sqrt(Math.max(cov[i]![i]!, 0)));
}
