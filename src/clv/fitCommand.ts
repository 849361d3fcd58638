/**
 * Everything `crmlake clv fit` does, as one function returning plain JSON:
 * read the transaction file, prepare calibration / hold-out statistics, fit the
 * chosen transaction model (BG/NBD or Pareto/NBD) and the Gamma-Gamma spend
 * model, and compare the model against the hold-out period.
 */

import { readFile } from 'node:fs/promises';
import { fitBgnbd, bgnbdModel } from './bgnbd.js';
import { PERIODS_PER_MONTH, customerLifetimeValue } from './clv.js';
import { PERIOD_DAYS, type Period, compressPatterns, dayToIso, summarizeColumns, toDayNumber } from './data.js';
import { fitGammaGamma, gammaGammaConditionalExpectedValue, gammaGammaPopulationMean } from './gammagamma.js';
import { fitParetoNbd, paretoNbdModel } from './paretonbd.js';
import { type ColumnSpec, type ParsedColumns, type ReadTransactionsOptions, parseTransactionColumns } from './reader.js';
import type { ModelName, TransactionModel } from './types.js';

export interface ClvFitOptions {
  /** Path of the transactions file (CSV / TSV / whitespace-separated). */
  file: string;
  customerCol: ColumnSpec;
  dateCol: ColumnSpec;
  valueCol?: ColumnSpec;
  /** e.g. 'YYYYMMDD', 'YYYY-MM-DD', 'MM/DD/YYYY'; default 'auto'. */
  dateFormat?: string;
  delimiter?: ReadTransactionsOptions['delimiter'];
  header?: boolean | 'auto';
  /** Last day of the calibration period (inclusive), YYYY-MM-DD. */
  calibrationEnd: string;
  /** Last day of the hold-out period; default the last transaction date. */
  observationEnd?: string;
  period?: Period;
  model?: ModelName;
  /** Compute standard errors of the transaction-model parameters (default true). */
  standardErrors?: boolean;
  /** CLV horizon in months and monthly discount rate (defaults 12, 0.01). */
  clvMonths?: number;
  discountRate?: number;
  /** How many top-CLV customers to list (default 10). */
  topCustomers?: number;
}

export interface TrackingPoint {
  period: number;
  /** Last day of the period. */
  endDate: string;
  holdout: boolean;
  actual: number;
  expected: number;
  cumulativeActual: number;
  cumulativeExpected: number;
}

export interface FrequencyBucket {
  /** Calibration repeat transactions: '0' ... '6', '7+'. */
  x: string;
  customers: number;
  /** Mean hold-out repeat transactions, actual and conditional expectation. */
  actualMean: number;
  expectedMean: number;
}

export interface ClvFitResult {
  /** The transactions file, or the lake relation they were read from. */
  source: string;
  model: ModelName;
  period: Period;
  calibrationEnd: string;
  observationEnd: string;
  holdoutPeriods: number;
  inputRows: number;
  /** Transactions after combining same-day purchases per customer. */
  transactions: number;
  customers: number;
  excludedCustomers: number;
  distinctPatterns: number;
  params: Record<string, number>;
  standardErrors: Record<string, number> | null;
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  prepareSeconds: number;
  fitSeconds: number;
  calibration: { repeatTransactions: number; customersWithRepeat: number };
  gammaGamma: {
    p: number;
    q: number;
    v: number;
    logLikelihood: number;
    customers: number;
    converged: boolean;
    populationMeanValue: number;
    fitSeconds: number;
  } | null;
  tracking: TrackingPoint[];
  holdout: {
    actual: number;
    expected: number;
    byFrequency: FrequencyBucket[];
  };
  clv: {
    months: number;
    discountRate: number;
    total: number;
    mean: number;
    top: { customerId: string; clv: number; pAlive: number; expectedPurchases: number; expectedValue: number }[];
  } | null;
}

const round = (v: number, digits = 6): number => (Number.isFinite(v) ? Number(v.toPrecision(digits + 2)) : v);

export async function runClvFit(opts: ClvFitOptions): Promise<ClvFitResult> {
  const t0 = performance.now();
  const text = await readFile(opts.file, 'utf8');
  const parsed = parseTransactionColumns(text, {
    customerCol: opts.customerCol,
    dateCol: opts.dateCol,
    ...(opts.valueCol !== undefined ? { valueCol: opts.valueCol } : {}),
    ...(opts.dateFormat !== undefined ? { dateFormat: opts.dateFormat } : {}),
    ...(opts.delimiter !== undefined ? { delimiter: opts.delimiter } : {}),
    ...(opts.header !== undefined ? { header: opts.header } : {}),
  });
  if (parsed.rows === 0) throw new Error(`No transactions in ${opts.file}`);
  return fitClv(parsed, { ...opts, source: opts.file, hasValues: opts.valueCol !== undefined }, t0);
}

export type ClvFitOnColumnsOptions = Omit<ClvFitOptions, 'file' | 'customerCol' | 'dateCol' | 'valueCol' | 'dateFormat' | 'delimiter' | 'header'> & {
  /** What the transactions came from (a file path, or a lake relation), for the result. */
  source: string;
  /** Whether `parsed.columns.value` holds order values (needed for Gamma-Gamma and CLV). */
  hasValues: boolean;
};

/**
 * Longest history a fit accepts: 100 years. Anything longer means a placeholder date such as
 * 9999-12-31 or 1900-01-01 reached the orders, and the period-by-period tracking would loop
 * over millions of periods (measured: a build ran for more than 10 minutes on one).
 */
export const MAX_HISTORY_DAYS = 36_525;

/** Throws, naming the dates, when the transactions span more than MAX_HISTORY_DAYS. */
export function checkHistorySpan(parsed: Pick<ParsedColumns, 'firstDate' | 'lastDate'>, until?: string): void {
  if (!parsed.firstDate || !parsed.lastDate) return;
  const last = until && until > parsed.lastDate ? until : parsed.lastDate;
  const days = toDayNumber(last) - toDayNumber(parsed.firstDate);
  if (days > MAX_HISTORY_DAYS) {
    throw new Error(
      `the transactions span ${parsed.firstDate}..${last}, more than ${MAX_HISTORY_DAYS / 365.25} years: a placeholder date ` +
        '(9999-12-31, 1900-01-01, …) is among them; correct or quarantine it (crmlake ingest quarantines business dates outside its window)',
    );
  }
}

/** The same fit on transactions already in columnar form (e.g. read from the lake). */
export function fitClv(parsed: ParsedColumns, opts: ClvFitOnColumnsOptions, t0 = performance.now()): ClvFitResult {
  const period = opts.period ?? 'week';
  const periodDays = PERIOD_DAYS[period];
  if (!periodDays) throw new Error(`period must be 'day' or 'week' (got ${String(opts.period)})`);
  const modelName: ModelName = opts.model ?? 'bgnbd';
  if (modelName !== 'bgnbd' && modelName !== 'pareto-nbd') throw new Error(`Unknown model: ${String(modelName)}`);
  if (parsed.rows === 0) throw new Error(`No transactions in ${opts.source}`);
  checkHistorySpan(parsed, opts.observationEnd);
  const ce = toDayNumber(opts.calibrationEnd);
  const lastDay = toDayNumber(parsed.lastDate!);
  const oe = opts.observationEnd !== undefined ? toDayNumber(opts.observationEnd) : Math.max(ce, lastDay);
  const s = summarizeColumns(parsed.columns, { calibrationEndDay: ce, observationEndDay: oe, periodDays });
  if (s.n === 0) throw new Error(`No customer made a first purchase on or before ${opts.calibrationEnd}`);
  const patterns = compressPatterns({ x: s.x, t_x: s.t_x, T: s.T });
  const prepareSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
  const withSE = opts.standardErrors ?? true;
  let model: TransactionModel;
  let fitInfo: { logLikelihood: number; iterations: number; converged: boolean; se: Record<string, number> | null };
  if (modelName === 'bgnbd') {
    const f = fitBgnbd(patterns, { standardErrors: withSE });
    model = bgnbdModel(f);
    fitInfo = { logLikelihood: f.logLikelihood, iterations: f.iterations, converged: f.converged, se: f.standardErrors ? { ...f.standardErrors } : null };
  } else {
    const f = fitParetoNbd(patterns, { standardErrors: withSE });
    model = paretoNbdModel(f);
    fitInfo = { logLikelihood: f.logLikelihood, iterations: f.iterations, converged: f.converged, se: f.standardErrors ? { ...f.standardErrors } : null };
  }
  const fitSeconds = (performance.now() - t1) / 1000;

  // Spend model (only with a value column and some repeat buyers).
  let gg: ClvFitResult['gammaGamma'] = null;
  let ggParams: { p: number; q: number; v: number } | null = null;
  if (opts.hasValues) {
    const spend: { x: number; monetary_value: number }[] = [];
    for (let i = 0; i < s.n; i++) if (s.x[i]! > 0 && s.monetary[i]! > 0) spend.push({ x: s.x[i]!, monetary_value: s.monetary[i]! });
    if (spend.length >= 3) {
      const t2 = performance.now();
      const g = fitGammaGamma(spend);
      ggParams = { p: g.p, q: g.q, v: g.v };
      gg = {
        p: round(g.p),
        q: round(g.q),
        v: round(g.v),
        logLikelihood: round(g.logLikelihood, 8),
        customers: g.customers,
        converged: g.converged,
        populationMeanValue: round(gammaGammaPopulationMean(ggParams)),
        fitSeconds: (performance.now() - t2) / 1000,
      };
    }
  }

  // Calendar tracking: cumulative repeat transactions of the whole cohort,
  // sum over customers of E[X(time since their first purchase)] (eq. 7 of
  // FHL 2005 for the BG/NBD), per period from the first purchase date.
  const origin = s.repeatsByDay.startDay;
  const births = new Map<number, number>();
  for (let i = 0; i < s.n; i++) births.set(s.firstDay[i]!, (births.get(s.firstDay[i]!) ?? 0) + 1);
  const nPeriods = Math.ceil((oe - origin + 1) / periodDays);
  const tracking: TrackingPoint[] = [];
  let cumActual = 0;
  let prevExpected = 0;
  const counts = s.repeatsByDay.counts;
  for (let k = 1; k <= nPeriods; k++) {
    const endDay = Math.min(origin + k * periodDays - 1, oe);
    let actual = 0;
    for (let d = origin + (k - 1) * periodDays; d <= endDay; d++) actual += counts[d - origin] ?? 0;
    cumActual += actual;
    let cumExpected = 0;
    for (const [first, n] of births) if (endDay > first) cumExpected += n * model.expected((endDay - first) / periodDays);
    tracking.push({
      period: k,
      endDate: dayToIso(endDay),
      holdout: endDay > ce,
      actual,
      expected: round(cumExpected - prevExpected),
      cumulativeActual: cumActual,
      cumulativeExpected: round(cumExpected),
    });
    prevExpected = cumExpected;
  }

  // Hold-out: conditional expectations (eq. 10 of FHL 2005 for the BG/NBD) by calibration frequency.
  const holdoutPeriods = (oe - ce) / periodDays;
  const bucketN = new Array<number>(8).fill(0);
  const bucketActual = new Array<number>(8).fill(0);
  const bucketExpected = new Array<number>(8).fill(0);
  let totalActual = 0;
  let totalExpected = 0;
  let calRepeats = 0;
  let withRepeat = 0;
  // Memoise per pattern: many customers share (x, t_x, T).
  const ceMemo = new Map<string, number>();
  const condExp = (x: number, tx: number, T: number, t: number): number => {
    const key = `${x}|${tx}|${T}|${t}`;
    let v = ceMemo.get(key);
    if (v === undefined) {
      v = model.conditionalExpected(t, x, tx, T);
      ceMemo.set(key, v);
    }
    return v;
  };
  for (let i = 0; i < s.n; i++) {
    const x = s.x[i]!;
    calRepeats += x;
    if (x > 0) withRepeat++;
    const b = Math.min(x, 7);
    const e = holdoutPeriods > 0 ? condExp(x, s.t_x[i]!, s.T[i]!, holdoutPeriods) : 0;
    bucketN[b]!++;
    bucketActual[b]! += s.x_star[i]!;
    bucketExpected[b]! += e;
    totalActual += s.x_star[i]!;
    totalExpected += e;
  }
  const byFrequency: FrequencyBucket[] = bucketN.map((n, b) => ({
    x: b === 7 ? '7+' : String(b),
    customers: n,
    actualMean: n > 0 ? round(bucketActual[b]! / n) : 0,
    expectedMean: n > 0 ? round(bucketExpected[b]! / n) : 0,
  }));

  // CLV over the horizon, as lifetimes' customer_lifetime_value.
  let clv: ClvFitResult['clv'] = null;
  if (ggParams) {
    const gg2 = ggParams;
    const months = opts.clvMonths ?? 12;
    const discountRate = opts.discountRate ?? 0.01;
    const horizon = months * PERIODS_PER_MONTH[period];
    const topN = opts.topCustomers ?? 10;
    let total = 0;
    const values = new Float64Array(s.n);
    const memo = new Map<string, number>();
    for (let i = 0; i < s.n; i++) {
      const x = s.x[i]!;
      const key = `${x}|${s.t_x[i]}|${s.T[i]}`;
      let perUnit = memo.get(key);
      if (perUnit === undefined) {
        perUnit = customerLifetimeValue(model, { x, t_x: s.t_x[i]!, T: s.T[i]! }, 1, { months, discountRate, period });
        memo.set(key, perUnit);
      }
      const ev = gammaGammaConditionalExpectedValue(ggParams, x, s.monetary[i]!);
      values[i] = perUnit * ev;
      total += values[i]!;
    }
    // Top-N by a single pass with a small sorted buffer (no full sort of n customers).
    const idx: number[] = [];
    for (let i = 0; i < s.n; i++) {
      const v = values[i]!;
      if (idx.length === topN && !(v > values[idx[topN - 1]!]!)) continue;
      let j = idx.length < topN ? idx.length : topN - 1;
      if (idx.length < topN) idx.push(i);
      while (j > 0 && values[idx[j - 1]!]! < v) {
        idx[j] = idx[j - 1]!;
        j--;
      }
      idx[j] = i;
    }
    clv = {
      months,
      discountRate,
      total: round(total),
      mean: round(total / s.n),
      top: idx.map((i) => ({
        customerId: parsed.ids[s.customerIndex[i]!]!,
        clv: round(values[i]!),
        pAlive: round(model.pAlive(s.x[i]!, s.t_x[i]!, s.T[i]!)),
        expectedPurchases: round(model.conditionalExpected(horizon, s.x[i]!, s.t_x[i]!, s.T[i]!)),
        expectedValue: round(gammaGammaConditionalExpectedValue(gg2, s.x[i]!, s.monetary[i]!)),
      })),
    };
  }

  const params: Record<string, number> = {};
  for (const [k, v] of Object.entries(model.params)) params[k] = round(v);
  let se: Record<string, number> | null = null;
  if (fitInfo.se) {
    se = {};
    for (const [k, v] of Object.entries(fitInfo.se)) se[k] = round(v, 4);
  }
  return {
    source: opts.source,
    model: modelName,
    period,
    calibrationEnd: dayToIso(ce),
    observationEnd: dayToIso(oe),
    holdoutPeriods,
    inputRows: parsed.rows,
    transactions: s.transactions,
    customers: s.n,
    excludedCustomers: s.excludedCustomers,
    distinctPatterns: patterns.size,
    params,
    standardErrors: se,
    logLikelihood: round(fitInfo.logLikelihood, 8),
    iterations: fitInfo.iterations,
    converged: fitInfo.converged,
    prepareSeconds,
    fitSeconds,
    calibration: { repeatTransactions: calRepeats, customersWithRepeat: withRepeat },
    gammaGamma: gg,
    tracking,
    holdout: { actual: totalActual, expected: round(totalExpected), byFrequency },
    clv,
  };
}
