/**
 * Customer lifetime value from a transaction model and a spend model, and
 * simulation helpers (seeded) that draw synthetic customers from known
 * parameters for parameter-recovery tests and benchmarks.
 */

import type { BgnbdParams } from './bgnbd.js';
import { TransactionLog, type Period, type RFT, type TransactionColumns } from './data.js';
import { gammaGammaConditionalExpectedValue, type GammaGammaParams } from './gammagamma.js';
import type { ParetoNbdParams } from './paretonbd.js';
import type { TransactionModel } from './types.js';

/** Periods per month, as lifetimes' customer_lifetime_value uses them (freq 'W' -> 4.345, 'D' -> 30). */
export const PERIODS_PER_MONTH: Record<Period, number> = { week: 4.345, day: 30 };

export interface ClvOptions {
  /** Horizon in months (default 12) ... */
  months?: number;
  /** ... or in model periods; when given, cash flows are discounted per period instead of per month. */
  periods?: number;
  /** Discount rate per month (or per period with `periods`); default 0.01. */
  discountRate?: number;
  /** Model time unit, used to convert months to periods (default 'week'). */
  period?: Period;
  /** Override the periods-per-month factor. */
  periodsPerMonth?: number;
}

/** Per customer: P(alive), expected purchases over the horizon, expected purchase value, CLV. */
export interface CustomerScores {
  pAlive: Float64Array;
  purchases: Float64Array;
  expectedValue: Float64Array;
  clv: Float64Array;
}

/**
 * Scores every customer of a summary (x, t_x, T and mean repeat value per customer) with a fitted
 * transaction model and Gamma-Gamma: what customer_clv stores, in the customers' order.
 */
export function scoreCustomers(
  model: TransactionModel,
  gg: GammaGammaParams,
  customers: { n: number; x: ArrayLike<number>; t_x: ArrayLike<number>; T: ArrayLike<number>; monetary: ArrayLike<number> },
  opts: { months: number; discountRate: number; period: Period },
): CustomerScores {
  const horizon = opts.months * PERIODS_PER_MONTH[opts.period];
  const out: CustomerScores = { pAlive: new Float64Array(customers.n), purchases: new Float64Array(customers.n), expectedValue: new Float64Array(customers.n), clv: new Float64Array(customers.n) };
  for (let i = 0; i < customers.n; i++) {
    const rft = { x: customers.x[i]!, t_x: customers.t_x[i]!, T: customers.T[i]! };
    const expectedValue = gammaGammaConditionalExpectedValue(gg, rft.x, customers.monetary[i]!);
    out.pAlive[i] = model.pAlive(rft.x, rft.t_x, rft.T);
    out.purchases[i] = model.conditionalExpected(horizon, rft.x, rft.t_x, rft.T);
    out.expectedValue[i] = expectedValue;
    out.clv[i] = customerLifetimeValue(model, rft, expectedValue, opts);
  }
  return out;
}

/**
 * Discounted CLV over a horizon, as lifetimes' customer_lifetime_value:
 * for each step k = 1..n, the expected purchases in step k (difference of
 * cumulative conditional expectations) times the expected transaction value,
 * discounted by (1 + d)^k.
 */
export function customerLifetimeValue(
  model: TransactionModel,
  customer: RFT,
  expectedValue: number,
  opts: ClvOptions = {},
): number {
  const d = opts.discountRate ?? 0.01;
  let steps: number;
  let stepLength: number;
  if (opts.periods !== undefined) {
    steps = opts.periods;
    stepLength = 1;
  } else {
    steps = opts.months ?? 12;
    stepLength = opts.periodsPerMonth ?? PERIODS_PER_MONTH[opts.period ?? 'week'];
  }
  const { x, t_x, T } = customer;
  let clv = 0;
  let prev = 0;
  for (let k = 1; k <= steps; k++) {
    const cum = model.conditionalExpected(k * stepLength, x, t_x, T);
    clv += (expectedValue * (cum - prev)) / Math.pow(1 + d, k);
    prev = cum;
  }
  return clv;
}

// ---------------------------------------------------------------------------
// Random numbers

/** mulberry32: small, fast, seedable 32-bit PRNG returning uniforms in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal by Box-Muller. */
export function randomNormal(rng: () => number): number {
  const u = 1 - rng(); // (0, 1]
  const v = rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential with the given rate. */
export function randomExponential(rng: () => number, rate: number): number {
  return -Math.log(1 - rng()) / rate;
}

/** Gamma(shape, rate) by Marsaglia & Tsang (2000), with the u^(1/shape) boost for shape < 1. */
export function randomGamma(rng: () => number, shape: number, rate = 1): number {
  if (shape < 1) {
    const u = 1 - rng();
    return randomGamma(rng, shape + 1, rate) * Math.pow(u, 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let xn: number;
    let v: number;
    do {
      xn = randomNormal(rng);
      v = 1 + c * xn;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - rng();
    if (Math.log(u) < 0.5 * xn * xn + d - d * v + d * Math.log(v)) return (d * v) / rate;
  }
}

/** Beta(a, b) from two gammas. */
export function randomBeta(rng: () => number, a: number, b: number): number {
  const x = randomGamma(rng, a);
  const y = randomGamma(rng, b);
  return x / (x + y);
}

// ---------------------------------------------------------------------------
// Simulation

export interface SimulationOptions {
  /** Number of customers. */
  n: number;
  /** Calibration length per customer: a constant, a [min, max] range (uniform), or a function of the index. */
  T: number | [number, number] | ((i: number) => number);
  /** Hold-out length after T (default 0). */
  holdout?: number;
  seed?: number;
  /** Keep each customer's purchase times (since the first purchase). */
  keepTimes?: boolean;
}

export interface SimulatedCustomer extends RFT {
  /** Repeat purchases in (T, T + holdout]. */
  x_star: number;
  /** The latent purchase rate, for diagnostics. */
  lambda: number;
  /** Whether the customer was still alive at T (the latent state P(alive) estimates). */
  aliveAtT: boolean;
  times?: number[];
}

function tOf(spec: SimulationOptions['T'], i: number, rng: () => number): number {
  if (typeof spec === 'number') return spec;
  if (typeof spec === 'function') return spec(i);
  return spec[0] + (spec[1] - spec[0]) * rng();
}

/**
 * Customers drawn from the BG/NBD process (FHL 2005 assumptions i-v): a first
 * purchase at time 0; repeat purchases at Poisson(lambda) times; after each
 * repeat purchase the customer drops out with probability p.
 */
export function simulateBgnbd(params: BgnbdParams, opts: SimulationOptions): SimulatedCustomer[] {
  const rng = mulberry32(opts.seed ?? 1);
  const H = opts.holdout ?? 0;
  const out: SimulatedCustomer[] = new Array(opts.n);
  for (let i = 0; i < opts.n; i++) {
    const T = tOf(opts.T, i, rng);
    const lambda = randomGamma(rng, params.r, params.alpha);
    const p = randomBeta(rng, params.a, params.b);
    let t = 0;
    let x = 0;
    let t_x = 0;
    let xs = 0;
    let aliveAtT = true;
    const times: number[] | undefined = opts.keepTimes ? [] : undefined;
    if (lambda > 0) {
      for (;;) {
        t += randomExponential(rng, lambda);
        if (t > T + H) break;
        if (t <= T) {
          x++;
          t_x = t;
        } else xs++;
        times?.push(t);
        if (rng() < p) {
          if (t <= T) aliveAtT = false;
          break;
        }
      }
    }
    const c: SimulatedCustomer = { x, t_x, T, x_star: xs, lambda, aliveAtT };
    if (times) c.times = times;
    out[i] = c;
  }
  return out;
}

/**
 * Customers drawn from the Pareto/NBD process: Poisson(lambda) purchases
 * during an Exponential(mu) lifetime, lambda ~ Gamma(r, alpha), mu ~ Gamma(s, beta).
 */
export function simulateParetoNbd(params: ParetoNbdParams, opts: SimulationOptions): SimulatedCustomer[] {
  const rng = mulberry32(opts.seed ?? 1);
  const H = opts.holdout ?? 0;
  const out: SimulatedCustomer[] = new Array(opts.n);
  for (let i = 0; i < opts.n; i++) {
    const T = tOf(opts.T, i, rng);
    const lambda = randomGamma(rng, params.r, params.alpha);
    const mu = randomGamma(rng, params.s, params.beta);
    const life = mu > 0 ? randomExponential(rng, mu) : Infinity;
    const end = Math.min(life, T + H);
    let t = 0;
    let x = 0;
    let t_x = 0;
    let xs = 0;
    const times: number[] | undefined = opts.keepTimes ? [] : undefined;
    if (lambda > 0) {
      for (;;) {
        t += randomExponential(rng, lambda);
        if (t > end) break;
        if (t <= T) {
          x++;
          t_x = t;
        } else xs++;
        times?.push(t);
      }
    }
    const c: SimulatedCustomer = { x, t_x, T, x_star: xs, lambda, aliveAtT: life > T };
    if (times) c.times = times;
    out[i] = c;
  }
  return out;
}

/**
 * Mean spend of x transactions per customer under Gamma-Gamma: nu ~ Gamma(q, v),
 * each value ~ Gamma(p, nu); the mean of x values is Gamma(p x, x nu).
 * Returns 0 for customers with x = 0.
 */
export function simulateGammaGammaSpend(params: GammaGammaParams, xs: ArrayLike<number>, seed = 1): Float64Array {
  const rng = mulberry32(seed);
  const out = new Float64Array(xs.length);
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i]!;
    const nu = randomGamma(rng, params.q, params.v);
    out[i] = x > 0 ? randomGamma(rng, params.p * x, x * nu) : 0;
  }
  return out;
}

export interface TransactionLogSimulation {
  customers: number;
  /** First purchases are spread uniformly over [cohortStartDay, cohortStartDay + cohortDays). */
  cohortStartDay: number;
  cohortDays: number;
  /** Simulate through this day (inclusive). */
  endDay: number;
  /** Model time unit in days (7 for weekly parameters). */
  periodDays: number;
  seed?: number;
  /** Optional Gamma-Gamma spend per transaction (else value 0). */
  spend?: GammaGammaParams;
}

/**
 * A day-level transaction log (columnar) from the BG/NBD process, like a real
 * cohort: customer i's first purchase on a random cohort day, repeat purchases
 * at continuous times floored to days (so same-day purchases happen and must
 * be combined by data preparation).
 */
export function simulateBgnbdTransactionLog(params: BgnbdParams, opts: TransactionLogSimulation): TransactionColumns & {
  customer: Int32Array;
  day: Int32Array;
  value: Float64Array;
} {
  const rng = mulberry32(opts.seed ?? 1);
  const log = new TransactionLog(opts.customers * 3);
  const push = (c: number, d: number, v: number): void => log.push(c, d, v);
  const spend = opts.spend;
  for (let i = 0; i < opts.customers; i++) {
    const first = opts.cohortStartDay + Math.floor(rng() * opts.cohortDays);
    const horizon = (opts.endDay - first + 1) / opts.periodDays; // periods until the end of endDay
    const lambda = randomGamma(rng, params.r, params.alpha);
    const p = randomBeta(rng, params.a, params.b);
    const nu = spend ? randomGamma(rng, spend.q, spend.v) : 0;
    const draw = (): number => (spend ? randomGamma(rng, spend.p, nu) : 0);
    push(i, first, draw());
    let t = 0;
    if (lambda > 0) {
      for (;;) {
        t += randomExponential(rng, lambda);
        if (t >= horizon) break;
        push(i, first + Math.floor(t * opts.periodDays), draw());
        if (rng() < p) break;
      }
    }
  }
  return log.columns(opts.customers);
}
