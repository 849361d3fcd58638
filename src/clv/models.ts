/**
 * The CLV marts, built by `crmlake build` as program models: they read the customers' orders
 * through the engine, fit BG/NBD (or Pareto/NBD) and Gamma-Gamma, and return rows.
 */
import type { ProgramContext, ProgramModel, Vars } from '../models/program.js';
import { bgnbdModel, type BgnbdFit } from './bgnbd.js';
import { compressPatterns, dayToIso, PERIOD_DAYS, summarizeColumns, toDayNumber, TransactionLog, type Period } from './data.js';
import { checkHistorySpan, type ClvFitResult } from './fitCommand.js';
import { paretoNbdModel, type ParetoNbdFit } from './paretonbd.js';
import { logToParsed, type ParsedColumns } from './reader.js';
import { fitInWorker } from './threads.js';
import type { ModelName, TransactionModel } from './types.js';

const FILE = 'src/clv/models.ts';
const ORDERS = 'int_customer_orders';

interface ClvSettings {
  period: Period;
  model: ModelName;
  months: number;
  discountRate: number;
}

function settings(vars: Vars): ClvSettings {
  const period = (vars.clv_period ?? 'week') as Period;
  if (!(period in PERIOD_DAYS)) throw new Error(`var clv_period must be 'day' or 'week', not '${period}'`);
  const model = (vars.clv_model ?? 'bgnbd') as ModelName;
  if (model !== 'bgnbd' && model !== 'pareto-nbd') throw new Error(`var clv_model must be 'bgnbd' or 'pareto-nbd', not '${model}'`);
  const months = Number(vars.clv_horizon_months ?? 12);
  const discountRate = Number(vars.clv_monthly_discount_rate ?? 0.01);
  if (!Number.isInteger(months) || months <= 0) throw new Error(`var clv_horizon_months must be a positive whole number`);
  if (!(discountRate >= 0 && discountRate < 1)) throw new Error(`var clv_monthly_discount_rate must be in [0, 1)`);
  return { period, model, months, discountRate };
}

/**
 * Reads the orders model into the columnar form the CLV library works on. The engine numbers the
 * customers in the order they first appear (first order date, then key: the order a reader of the
 * orders sorted by date and key meets them) and the days since 1970-01-01, and names each customer
 * once, on their first order; interning 5.5 million keys and parsing as many dates here held the
 * main thread for seconds at 500,000 customers. A customer's orders keep their order (date, value).
 */
export async function readOrders(context: Pick<ProgramContext, 'engine'>, relation: string): Promise<ParsedColumns> {
  const { rows } = await context.engine.query(
    `SELECT CAST(dense_rank() OVER (ORDER BY first_date, customer_key) - 1 AS INTEGER) AS customer_index, ` +
      `CASE WHEN row_number() OVER (PARTITION BY customer_key ORDER BY order_date, order_value) = 1 THEN customer_key END AS first_order_of, ` +
      `CAST(date_diff('day', date '1970-01-01', order_date) AS INTEGER) AS day, order_value ` +
      `FROM (SELECT customer_key, order_date, order_value, min(order_date) OVER (PARTITION BY customer_key) AS first_date FROM ${relation}) AS orders`,
    { large: { order: 'day, customer_index, order_value' } },
  );
  const log = new TransactionLog(rows.length);
  for (const row of rows) {
    const customer = Number(row.customer_index);
    // Rows come by day, then customer number: each customer's first order comes in number order.
    if (row.first_order_of !== null && log.customerIndex(String(row.first_order_of)) !== customer) {
      throw new Error(`${relation}: customer ${String(row.first_order_of)} is not numbered in the order of first orders`);
    }
    log.push(customer, Number(row.day), Number(row.order_value));
  }
  return logToParsed(log, { skipped: 0, hasHeader: false });
}

/** Computes once per build when the runner shares work (ProgramContext.memo), else every time. */
function memoized<T>(context: ProgramContext, key: string, compute: () => Promise<T>): Promise<T> {
  return context.memo ? context.memo(`clv:${context.ref(ORDERS)}:${key}`, compute) : compute();
}

/** The orders, read once per build for all the CLV marts (they only read them). */
const ordersOf = (context: ProgramContext) => memoized(context, 'orders', () => readOrders(context, context.ref(ORDERS)));

/** The as-of date (exclusive), as customer_rfm uses it: var as_of, else the day after the last order. */
function asOfDay(vars: Vars, orders: ParsedColumns): number {
  return vars.as_of ? toDayNumber(vars.as_of) : toDayNumber(orders.lastDate!) + 1;
}

/**
 * The orders a CLV mart is fitted on and its as-of day; undefined, with a note saying why the mart
 * is empty, when there are no orders or their dates span a placeholder (1900-01-01, 9999-12-31).
 */
async function readHistory(context: ProgramContext, mart: string): Promise<{ orders: ParsedColumns; asOf: number } | undefined> {
  const orders = await ordersOf(context);
  if (orders.rows === 0) {
    context.note(`no orders with a customer: ${mart} is empty`);
    return undefined;
  }
  try {
    checkHistorySpan(orders, context.vars.as_of);
  } catch (error) {
    context.note(`${mart} is empty: ${(error as Error).message}`);
    return undefined;
  }
  return { orders, asOf: asOfDay(context.vars, orders) };
}

/** Customers with at least one repeat purchase: what the transaction models learn from. */
function repeatBuyers(summary: { n: number; x: ArrayLike<number> }): number {
  let repeaters = 0;
  for (let i = 0; i < summary.n; i++) if (summary.x[i]! > 0) repeaters++;
  return repeaters;
}

/**
 * The fit on the whole history before the as-of day, shared by customer_clv and clv_fit: the
 * customers' summary, the repeat buyers and (with at least 3) the transaction model's fit, with
 * standard errors (clv_fit reports them; they do not change the parameters).
 */
interface FullFit {
  s: ReturnType<typeof summarizeColumns>;
  repeaters: number;
  fit?: BgnbdFit | ParetoNbdFit;
  model?: TransactionModel;
}

function fullFit(context: ProgramContext, orders: ParsedColumns, asOf: number): Promise<FullFit> {
  const { period, model: modelName } = settings(context.vars);
  return memoized(context, `full:${period}:${modelName}:${asOf}`, async () => {
    const s = summarizeColumns(orders.columns, { calibrationEndDay: asOf - 1, observationEndDay: asOf - 1, periodDays: PERIOD_DAYS[period] });
    const repeaters = repeatBuyers(s);
    if (repeaters < 3) return { s, repeaters };
    const patterns = compressPatterns({ x: s.x, t_x: s.t_x, T: s.T });
    if (modelName === 'pareto-nbd') {
      const fit = await fitInWorker({ kind: 'pareto-nbd', patterns, standardErrors: true });
      return { s, repeaters, fit, model: paretoNbdModel(fit) };
    }
    const fit = await fitInWorker({ kind: 'bgnbd', patterns, standardErrors: true });
    return { s, repeaters, fit, model: bgnbdModel(fit) };
  });
}

const customerClvColumns = (vars: Vars) => {
  const h = settings(vars).months;
  return [
    { name: 'customer_key', type: 'VARCHAR', description: 'The customer (the POS customer id until the customer master assigns keys).' },
    { name: 'frequency', type: 'INTEGER', description: 'Repeat purchases before the as-of date: purchase days after the first (same-day orders combined).' },
    { name: 'recency', type: 'DOUBLE', description: 'Periods from the first to the last purchase (t_x).' },
    { name: 'customer_age', type: 'DOUBLE', description: 'Periods from the first purchase to the as-of date (T in the BG/NBD papers; lower case, as Glue names columns).' },
    { name: 'monetary_value', type: 'DOUBLE', description: 'Mean value of the repeat purchases (0 without repeats).' },
    { name: 'p_alive', type: 'DOUBLE', description: 'Probability the customer is still active.' },
    { name: `expected_purchases_${h}m`, type: 'DOUBLE', description: `Expected purchases in the next ${h} months.` },
    { name: 'expected_avg_value', type: 'DOUBLE', description: 'Expected value of a future purchase (Gamma-Gamma).' },
    { name: `clv_${h}m`, type: 'DOUBLE', description: `Discounted expected value of the next ${h} months of purchases.` },
    { name: 'clv_segment', type: 'VARCHAR', description: "'High' = top 20% by CLV, 'Medium' = next 30%, 'Low' = the rest." },
    { name: 'churn_risk', type: 'VARCHAR', description: "'high' if p_alive < 0.5, 'medium' if < 0.8, else 'low'." },
    { name: 'as_of_date', type: 'DATE', description: 'The as-of date the model was fitted for (calibration ends the day before).' },
  ] as const;
};

const customerClv: ProgramModel = {
  name: 'customer_clv',
  file: FILE,
  refs: [ORDERS],
  description:
    'Customer lifetime value from BG/NBD (var clv_model: bgnbd | pareto-nbd) and Gamma-Gamma, fitted on all orders before the ' +
    'as-of date (var as_of, default the day after the last order) in weeks (var clv_period). CLV is over clv_horizon_months ' +
    '(default 12) discounted monthly at clv_monthly_discount_rate (default 0.01), as in Fader, Hardie & Lee (2005).',
  columns: (vars) => customerClvColumns(vars).map((c) => ({ ...c })),
  async build(context) {
    const { period, model: modelName, months, discountRate } = settings(context.vars);
    const history = await readHistory(context, 'customer_clv');
    if (!history) return [];
    const { orders, asOf } = history;
    const { s, repeaters, fit, model } = await fullFit(context, orders, asOf);
    if (!fit || !model) {
      context.note(`only ${repeaters} customers bought more than once: too few to fit, customer_clv is empty`);
      return [];
    }
    // A BG/NBD fit on the edge of the parameter space is still usable; say what it means.
    if (modelName === 'bgnbd' && 'atBoundary' in fit && fit.atBoundary && fit.boundary) context.note(fit.boundary.message);
    const spend = [];
    for (let i = 0; i < s.n; i++) if (s.x[i]! > 0 && s.monetary[i]! > 0) spend.push({ x: s.x[i]!, monetary_value: s.monetary[i]! });
    const gg = await fitInWorker({ kind: 'gamma-gamma', spend });
    const scores = await fitInWorker({
      kind: 'score',
      fit: modelName === 'bgnbd' ? { model: 'bgnbd', params: fit as BgnbdFit } : { model: 'pareto-nbd', params: fit as ParetoNbdFit },
      gg: { p: gg.p, q: gg.q, v: gg.v },
      customers: { n: s.n, x: s.x, t_x: s.t_x, T: s.T, monetary: s.monetary },
      options: { months, discountRate, period },
    });
    const scored = Array.from({ length: s.n }, (_, i) => ({
      i,
      pAlive: scores.pAlive[i]!,
      purchases: scores.purchases[i]!,
      expectedValue: scores.expectedValue[i]!,
      clv: scores.clv[i]!,
    }));
    const unscored = scored.filter((c) => !Number.isFinite(c.clv)).length;
    if (unscored > 0) context.note(`${unscored} customers got no finite CLV (stored as NULL)`);
    // Segments by CLV rank: ties broken by customer key so the split is stable.
    const clvOf = (c: { clv: number }) => (Number.isFinite(c.clv) ? c.clv : -Infinity);
    const ranked = [...scored].sort(
      (a, b) => clvOf(b) - clvOf(a) || orders.ids[s.customerIndex[a.i]!]!.localeCompare(orders.ids[s.customerIndex[b.i]!]!),
    );
    const segment = new Map<number, string>();
    ranked.forEach((c, rank) => segment.set(c.i, rank < 0.2 * ranked.length ? 'High' : rank < 0.5 * ranked.length ? 'Medium' : 'Low'));
    const round = (v: number, d = 6) => Number(v.toFixed(d));
    context.note(`${modelName} ${Object.entries(model.params).map(([k, v]) => `${k}=${v.toFixed(3)}`).join(' ')}; gamma-gamma p=${gg.p.toFixed(2)} q=${gg.q.toFixed(2)} v=${gg.v.toFixed(2)}`);
    return scored.map((c) => [
      orders.ids[s.customerIndex[c.i]!]!,
      s.x[c.i]!,
      round(s.t_x[c.i]!),
      round(s.T[c.i]!),
      round(s.monetary[c.i]!, 4),
      round(c.pAlive),
      round(c.purchases),
      round(c.expectedValue, 4),
      round(c.clv, 4),
      segment.get(c.i)!,
      c.pAlive < 0.5 ? 'high' : c.pAlive < 0.8 ? 'medium' : 'low',
      dayToIso(asOf),
    ]);
  },
};

/** The calibration / hold-out split for the fit diagnostics: var clv_calibration_end, else 2/3 of the history. */
async function holdoutFit(context: ProgramContext) {
  const { period, model } = settings(context.vars);
  const key = `holdout:${period}:${model}:${context.vars.as_of ?? ''}:${context.vars.clv_calibration_end ?? ''}`;
  // Shared by clv_tracking, clv_holdout_by_frequency and clv_fit; each reports a failure itself.
  const outcome = await memoized(context, key, async (): Promise<{ fit?: ClvFitResult; note?: string }> => {
    const orders = await ordersOf(context);
    if (orders.rows === 0) return {};
    try {
      checkHistorySpan(orders, context.vars.as_of);
    } catch (error) {
      return { note: `no fit diagnostics: ${(error as Error).message}` };
    }
    const asOf = asOfDay(context.vars, orders);
    const first = toDayNumber(orders.firstDate!);
    const calibrationEnd = context.vars.clv_calibration_end
      ? toDayNumber(context.vars.clv_calibration_end)
      : first + Math.floor((2 * (asOf - 1 - first)) / 3);
    if (asOf - 1 - calibrationEnd < PERIOD_DAYS[period]) return { note: `history too short for a hold-out of one ${period}: no fit diagnostics` };
    try {
      const options = { source: ORDERS, hasValues: true, calibrationEnd: dayToIso(calibrationEnd), observationEnd: dayToIso(asOf - 1), period, model, standardErrors: false };
      return { fit: await fitInWorker({ kind: 'holdout', orders, options }) };
    } catch (error) {
      return { note: `no fit diagnostics: ${(error as Error).message}` };
    }
  });
  if (outcome.note) context.note(outcome.note);
  return outcome.fit;
}

const clvTracking: ProgramModel = {
  name: 'clv_tracking',
  file: FILE,
  refs: [ORDERS],
  description:
    'Model fit over time: actual vs expected repeat purchases of all customers per period, with the model fitted on the ' +
    'calibration part only (var clv_calibration_end, default two thirds of the history) and the rest held out.',
  columns: [
    { name: 'period', type: 'INTEGER', description: 'Period number from the first order (1 = first period).' },
    { name: 'end_date', type: 'DATE', description: 'Last day of the period.' },
    { name: 'is_holdout', type: 'BOOLEAN', description: 'The period lies after the calibration end.' },
    { name: 'actual', type: 'DOUBLE', description: 'Repeat purchases that happened in the period.' },
    { name: 'expected', type: 'DOUBLE', description: 'Repeat purchases the model expected in the period.' },
    { name: 'cumulative_actual', type: 'DOUBLE', description: 'Running total of actual.' },
    { name: 'cumulative_expected', type: 'DOUBLE', description: 'Running total of expected.' },
    { name: 'calibration_end', type: 'DATE', description: 'Last day of the calibration period.' },
  ],
  async build(context) {
    const fit = await holdoutFit(context);
    if (!fit) return [];
    return fit.tracking.map((t) => [t.period, t.endDate, t.holdout, t.actual, t.expected, t.cumulativeActual, t.cumulativeExpected, fit.calibrationEnd]);
  },
};

const clvHoldoutByFrequency: ProgramModel = {
  name: 'clv_holdout_by_frequency',
  file: FILE,
  refs: [ORDERS],
  description: 'Hold-out check by calibration frequency: mean actual vs conditionally expected repeat purchases in the hold-out period.',
  columns: [
    { name: 'calibration_frequency', type: 'VARCHAR', description: "Repeat purchases in calibration: '0' … '6', '7+'." },
    { name: 'customers', type: 'INTEGER', description: 'Customers in the bucket.' },
    { name: 'actual_mean', type: 'DOUBLE', description: 'Mean repeat purchases in the hold-out period.' },
    { name: 'expected_mean', type: 'DOUBLE', description: 'Mean conditional expectation for the hold-out period.' },
    { name: 'calibration_end', type: 'DATE', description: 'Last day of the calibration period.' },
  ],
  async build(context) {
    const fit = await holdoutFit(context);
    if (!fit) return [];
    return fit.holdout.byFrequency.map((b) => [b.x, b.customers, b.actualMean, b.expectedMean, fit.calibrationEnd]);
  },
};

/**
 * How far the headline CLV can be trusted: one row about the fit customer_clv uses (the whole
 * history) and its hold-out check. The report qualifies its numbers with it: a short history, a
 * fit on the boundary of the parameter space, standard errors that cannot be computed, or a
 * hold-out forecast far from what happened.
 */
const clvFit: ProgramModel = {
  name: 'clv_fit',
  file: FILE,
  refs: [ORDERS],
  description:
    'The CLV fit behind customer_clv, for judging it: history length, customers with repeat purchases, the parameters, whether ' +
    'they are on the boundary of the parameter space, whether their standard errors are finite, and the hold-out check ' +
    '(repeat purchases expected vs actual after the calibration end of clv_tracking). Empty when customer_clv is.',
  columns: [
    { name: 'model', type: 'VARCHAR', description: "The transaction model: 'bgnbd' or 'pareto-nbd'." },
    { name: 'first_order_date', type: 'DATE', description: 'The first order of the history the model is fitted on.' },
    { name: 'as_of_date', type: 'DATE', description: 'The as-of date (the day after the last order, or var as_of).' },
    { name: 'history_days', type: 'INTEGER', description: 'Days from the first order to the as-of date.' },
    { name: 'customers', type: 'INTEGER', description: 'Customers fitted.' },
    { name: 'repeat_customers', type: 'INTEGER', description: 'Customers with at least one repeat purchase (what the model learns from).' },
    { name: 'params', type: 'VARCHAR', description: 'The fitted parameters as JSON, e.g. {"r":0.24,"alpha":4.4,"a":0.79,"b":2.4}.' },
    { name: 'at_boundary', type: 'BOOLEAN', description: 'The likelihood is maximal on the edge of the parameter space (a limiting model; parameters degenerate).' },
    { name: 'boundary_note', type: 'VARCHAR', description: 'What the boundary means, in words (NULL when not at a boundary).' },
    { name: 'standard_errors_finite', type: 'BOOLEAN', description: 'Every parameter has a finite standard error (false: NaN or infinite, the fit is not identified).' },
    { name: 'holdout_actual', type: 'DOUBLE', description: 'Repeat purchases in the hold-out period (NULL without a hold-out).' },
    { name: 'holdout_expected', type: 'DOUBLE', description: 'Repeat purchases the calibration fit expected in the hold-out period.' },
  ],
  async build(context) {
    const { period, model: modelName } = settings(context.vars);
    const history = await readHistory(context, 'clv_fit');
    if (!history) return [];
    const { orders, asOf } = history;
    // The hold-out fit (shared with clv_tracking and clv_holdout_by_frequency) runs in its own
    // thread beside the whole-history fit.
    const holdoutRun = holdoutFit(context);
    const { s, repeaters, fit, model } = await fullFit(context, orders, asOf);
    const holdout = await holdoutRun;
    if (!fit || !model) return [];
    const { standardErrors } = fit;
    const params = Object.fromEntries(Object.entries(model.params).map(([k, v]) => [k, Number(v.toPrecision(6))]));
    const boundary = 'boundary' in fit ? fit.boundary : undefined;
    const first = toDayNumber(orders.firstDate!);
    return [
      [
        modelName,
        orders.firstDate!,
        dayToIso(asOf),
        asOf - first,
        s.n,
        repeaters,
        JSON.stringify(params),
        boundary !== undefined,
        boundary?.message ?? null,
        standardErrors ? Object.values(standardErrors).every((v) => Number.isFinite(v)) : false,
        holdout ? holdout.holdout.actual : null,
        holdout ? holdout.holdout.expected : null,
      ],
    ];
  },
};

export const CLV_MODELS: ProgramModel[] = [customerClv, clvTracking, clvHoldoutByFrequency, clvFit];
