/**
 * From a transaction log to the sufficient statistics of the BTYD models:
 * per customer (x, t_x, T) in the calibration period, the mean repeat-spend for
 * Gamma-Gamma, and hold-out counts; plus compression into distinct patterns.
 *
 * Conventions (those of Fader, Hardie & Lee 2005 and lifetimes'
 * summary_data_from_transaction_data):
 *  - dates are calendar days (UTC); several purchases by one customer on the
 *    same day are one transaction whose value is the sum;
 *  - the first purchase starts the customer's clock and is not a repeat;
 *  - x = repeat transactions with day <= calibrationEnd,
 *    t_x = (last calibration purchase - first purchase) / period,
 *    T = (calibrationEnd - first purchase) / period;
 *  - monetary_value = mean value of the x repeat transactions (0 when x = 0);
 *  - x_star = transactions with calibrationEnd < day <= observationEnd.
 */

export type Period = 'day' | 'week';

export const PERIOD_DAYS: Record<Period, number> = { day: 1, week: 7 };

export interface Transaction {
  customerId: string;
  /**
   * A Date (its UTC calendar day is used, as for dates read from files/DuckDB at
   * UTC midnight) or a date string: 'YYYY-MM-DD[...]', 'YYYYMMDD', or anything
   * Date.parse reads (then the calendar day as written).
   */
  date: Date | string;
  value?: number;
}

export interface PrepareOptions {
  calibrationEnd: Date | string;
  /** End of the hold-out period; defaults to the last transaction date (no hold-out if not after calibrationEnd). */
  observationEnd?: Date | string;
  period?: Period;
}

export interface CustomerSummary {
  customerId: string;
  /** Repeat transactions in the calibration period. */
  x: number;
  /** Time of the last calibration purchase since the first, in periods. */
  t_x: number;
  /** Time from the first purchase to calibrationEnd, in periods. */
  T: number;
  /** Mean value of the repeat calibration transactions (0 if x = 0). */
  monetary_value: number;
  /** Repeat transactions in (calibrationEnd, observationEnd]. */
  x_star: number;
  /** Total value of the hold-out transactions. */
  holdout_value: number;
  /** Date of the first purchase, YYYY-MM-DD. */
  firstPurchase: string;
}

export interface PreparedData {
  customers: CustomerSummary[];
  period: Period;
  periodDays: number;
  calibrationEnd: string;
  observationEnd: string;
  /** Hold-out length in periods (observationEnd - calibrationEnd). */
  holdoutDuration: number;
  /** Customers whose first purchase falls after calibrationEnd (left out). */
  excludedCustomers: number;
  /** Input rows, and transactions after combining same-day purchases. */
  inputRows: number;
  transactions: number;
  /** Repeat transactions per calendar day from `startDay` (day number) through observationEnd, for tracking plots. */
  repeatsByDay: { startDay: number; counts: Int32Array };
}

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 (UTC) of a Date or an ISO / YYYYMMDD date string. */
export function toDayNumber(d: Date | string): number {
  if (d instanceof Date) {
    const t = d.getTime();
    if (Number.isNaN(t)) throw new Error('Invalid Date');
    return Math.floor(t / MS_PER_DAY);
  }
  const s = d.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(s) ?? /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) {
    const y = Number(m[1]);
    const mo = Number(m[2]);
    const da = Number(m[3]);
    const t = Date.UTC(y, mo - 1, da);
    const back = new Date(t);
    if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== da) {
      throw new Error(`Invalid date: ${d}`);
    }
    return Math.floor(t / MS_PER_DAY);
  }
  // Other formats: Date.parse reads zone-less strings ("March 4, 1997") as
  // local time, so take the local calendar day to get the date as written.
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`Invalid date: ${d}`);
  const local = new Date(t);
  return Math.floor(Date.UTC(local.getFullYear(), local.getMonth(), local.getDate()) / MS_PER_DAY);
}

/** YYYY-MM-DD of a day number. */
export function dayToIso(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** Columnar transaction log: customer indices 0..nCustomers-1 and day numbers. */
export interface TransactionColumns {
  customer: ArrayLike<number>;
  day: ArrayLike<number>;
  value?: ArrayLike<number>;
  nCustomers: number;
}

/**
 * A growable columnar transaction log: customer indices, day numbers and values in typed
 * arrays, customer ids interned in first-seen order. What readers and simulators fill.
 */
export class TransactionLog {
  readonly ids: string[] = [];
  private readonly index = new Map<string, number>();
  private customer: Int32Array;
  private day: Int32Array;
  private value: Float64Array;
  length = 0;
  minDay = Infinity;
  maxDay = -Infinity;

  constructor(capacity = 1024) {
    const cap = Math.max(16, capacity);
    this.customer = new Int32Array(cap);
    this.day = new Int32Array(cap);
    this.value = new Float64Array(cap);
  }

  /** The index of a customer id, interning it on first sight. */
  customerIndex(id: string): number {
    let k = this.index.get(id);
    if (k === undefined) {
      k = this.ids.length;
      this.index.set(id, k);
      this.ids.push(id);
    }
    return k;
  }

  push(customer: number, day: number, value: number): void {
    if (this.length === this.customer.length) {
      const grow = <T extends Int32Array | Float64Array>(a: T): T => {
        const b = new (a.constructor as new (n: number) => T)(a.length * 2);
        b.set(a);
        return b;
      };
      this.customer = grow(this.customer);
      this.day = grow(this.day);
      this.value = grow(this.value);
    }
    this.customer[this.length] = customer;
    this.day[this.length] = day;
    this.value[this.length] = value;
    if (day < this.minDay) this.minDay = day;
    if (day > this.maxDay) this.maxDay = day;
    this.length++;
  }

  /** Trimmed copies of the columns; `nCustomers` defaults to the interned ids. */
  columns(nCustomers = this.ids.length): TransactionColumns & { customer: Int32Array; day: Int32Array; value: Float64Array } {
    return {
      customer: this.customer.slice(0, this.length),
      day: this.day.slice(0, this.length),
      value: this.value.slice(0, this.length),
      nCustomers,
    };
  }
}

export interface SummaryColumns {
  /** Number of customers kept (first purchase <= calibrationEnd). */
  n: number;
  /** Index into the input customer numbering for each kept customer. */
  customerIndex: Int32Array;
  x: Float64Array;
  t_x: Float64Array;
  T: Float64Array;
  monetary: Float64Array;
  x_star: Float64Array;
  holdoutValue: Float64Array;
  firstDay: Int32Array;
  excludedCustomers: number;
  /** Transactions after combining same-day purchases. */
  transactions: number;
  repeatsByDay: { startDay: number; counts: Int32Array };
}

export interface ColumnOptions {
  calibrationEndDay: number;
  observationEndDay: number;
  periodDays: number;
}

/**
 * The O(n) core of data preparation: counting-sort rows by customer, sort each
 * customer's (few) days, merge same-day rows, accumulate the statistics.
 */
export function summarizeColumns(cols: TransactionColumns, opts: ColumnOptions): SummaryColumns {
  const { calibrationEndDay: ce, observationEndDay: oe, periodDays } = opts;
  if (oe < ce) throw new Error('observationEnd must not be before calibrationEnd');
  const nRows = cols.day.length;
  const nc = cols.nCustomers;
  const offsets = new Int32Array(nc + 1);
  for (let i = 0; i < nRows; i++) offsets[cols.customer[i]! + 1]!++;
  for (let c = 0; c < nc; c++) offsets[c + 1]! += offsets[c]!;
  const fill = offsets.slice(0, nc);
  const order = new Int32Array(nRows);
  for (let i = 0; i < nRows; i++) order[fill[cols.customer[i]!]!++] = i;

  const x = new Float64Array(nc);
  const t_x = new Float64Array(nc);
  const T = new Float64Array(nc);
  const monetary = new Float64Array(nc);
  const x_star = new Float64Array(nc);
  const holdoutValue = new Float64Array(nc);
  const firstDay = new Int32Array(nc);
  const customerIndex = new Int32Array(nc);
  const value = cols.value;
  let minFirst = Infinity;
  let kept = 0;
  let excluded = 0;
  let transactions = 0;
  const days: number[] = [];
  const vals: number[] = [];
  const repeatDays: number[] = []; // flattened repeat days (combined), for the tracking histogram

  for (let c = 0; c < nc; c++) {
    const start = offsets[c]!;
    const end = offsets[c + 1]!;
    if (end === start) continue;
    // Insertion sort of this customer's rows by day (typically a handful).
    days.length = 0;
    vals.length = 0;
    for (let k = start; k < end; k++) {
      const row = order[k]!;
      const d = cols.day[row]!;
      const v = value ? value[row]! : 0;
      let j = days.length;
      days.push(d);
      vals.push(v);
      while (j > 0 && days[j - 1]! > d) {
        days[j] = days[j - 1]!;
        vals[j] = vals[j - 1]!;
        j--;
      }
      days[j] = d;
      vals[j] = v;
    }
    const first = days[0]!;
    if (first > ce) {
      excluded++;
      continue;
    }
    let nx = 0;
    let last = first;
    let repeatSum = 0;
    let ns = 0;
    let hv = 0;
    let k = 0;
    // Skip the first day (all rows on it form the first transaction).
    while (k < days.length && days[k] === first) k++;
    transactions++;
    while (k < days.length) {
      const d = days[k]!;
      let v = 0;
      while (k < days.length && days[k] === d) v += vals[k++]!;
      if (d > oe) break;
      transactions++;
      repeatDays.push(d);
      if (d <= ce) {
        nx++;
        last = d;
        repeatSum += v;
      } else {
        ns++;
        hv += v;
      }
    }
    customerIndex[kept] = c;
    x[kept] = nx;
    t_x[kept] = (last - first) / periodDays;
    T[kept] = (ce - first) / periodDays;
    monetary[kept] = nx > 0 ? repeatSum / nx : 0;
    x_star[kept] = ns;
    holdoutValue[kept] = hv;
    firstDay[kept] = first;
    if (first < minFirst) minFirst = first;
    kept++;
  }
  const startDay = kept > 0 ? (minFirst as number) : ce;
  const counts = new Int32Array(Math.max(0, oe - startDay + 1));
  for (const d of repeatDays) counts[d - startDay]!++;
  return {
    n: kept,
    customerIndex: customerIndex.slice(0, kept),
    x: x.slice(0, kept),
    t_x: t_x.slice(0, kept),
    T: T.slice(0, kept),
    monetary: monetary.slice(0, kept),
    x_star: x_star.slice(0, kept),
    holdoutValue: holdoutValue.slice(0, kept),
    firstDay: firstDay.slice(0, kept),
    excludedCustomers: excluded,
    transactions,
    repeatsByDay: { startDay, counts },
  };
}

/**
 * Prepare per-customer RFM statistics from a transaction log (see the module
 * comment for the exact definitions).
 */
export function prepareTransactions(transactions: Iterable<Transaction>, opts: PrepareOptions): PreparedData {
  const period = opts.period ?? 'week';
  const periodDays = PERIOD_DAYS[period];
  if (!periodDays) throw new Error(`Unknown period: ${String(period)}`);
  const ids = new Map<string, number>();
  const names: string[] = [];
  const customer: number[] = [];
  const day: number[] = [];
  const value: number[] = [];
  let maxDay = -Infinity;
  for (const t of transactions) {
    let idx = ids.get(t.customerId);
    if (idx === undefined) {
      idx = names.length;
      ids.set(t.customerId, idx);
      names.push(t.customerId);
    }
    const d = toDayNumber(t.date);
    if (d > maxDay) maxDay = d;
    customer.push(idx);
    day.push(d);
    value.push(t.value ?? 0);
  }
  const ce = toDayNumber(opts.calibrationEnd);
  const oe = opts.observationEnd !== undefined ? toDayNumber(opts.observationEnd) : Math.max(ce, maxDay);
  const s = summarizeColumns(
    { customer, day, value, nCustomers: names.length },
    { calibrationEndDay: ce, observationEndDay: oe, periodDays },
  );
  const customers: CustomerSummary[] = new Array(s.n);
  for (let i = 0; i < s.n; i++) {
    customers[i] = {
      customerId: names[s.customerIndex[i]!]!,
      x: s.x[i]!,
      t_x: s.t_x[i]!,
      T: s.T[i]!,
      monetary_value: s.monetary[i]!,
      x_star: s.x_star[i]!,
      holdout_value: s.holdoutValue[i]!,
      firstPurchase: dayToIso(s.firstDay[i]!),
    };
  }
  return {
    customers,
    period,
    periodDays,
    calibrationEnd: dayToIso(ce),
    observationEnd: dayToIso(oe),
    holdoutDuration: (oe - ce) / periodDays,
    excludedCustomers: s.excludedCustomers,
    inputRows: customer.length,
    transactions: s.transactions,
    repeatsByDay: s.repeatsByDay,
  };
}

/** Frequency / recency / age of one customer, the input of the transaction models. */
export interface RFT {
  x: number;
  t_x: number;
  T: number;
}

/**
 * Customers collapsed to distinct (x, t_x, T) with multiplicities. The
 * likelihoods only depend on these three numbers, so a fit costs
 * O(distinct patterns), not O(customers). The `*Values` / `*Index` arrays
 * factor each coordinate further, so per-evaluation work that depends on only
 * one of them (log(alpha + T), Gamma-function terms in x) is done once per
 * distinct value.
 */
export interface PatternSet {
  size: number;
  customers: number;
  x: Float64Array;
  t_x: Float64Array;
  T: Float64Array;
  count: Float64Array;
  xValues: Float64Array;
  xIndex: Int32Array;
  txValues: Float64Array;
  txIndex: Int32Array;
  TValues: Float64Array;
  TIndex: Int32Array;
}

export interface RFTColumns {
  x: ArrayLike<number>;
  t_x: ArrayLike<number>;
  T: ArrayLike<number>;
  /** Optional multiplicity per row (default 1). */
  count?: ArrayLike<number>;
}

function isColumns(d: unknown): d is RFTColumns {
  return typeof d === 'object' && d !== null && !Array.isArray(d) && 'x' in d && typeof (d as RFTColumns).x !== 'number';
}

export function isPatternSet(d: unknown): d is PatternSet {
  return typeof d === 'object' && d !== null && 'xIndex' in d && 'TValues' in d;
}

function factor(values: Float64Array): { uniq: Float64Array; index: Int32Array } {
  const map = new Map<number, number>();
  const uniq: number[] = [];
  const index = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    let k = map.get(v);
    if (k === undefined) {
      k = uniq.length;
      map.set(v, k);
      uniq.push(v);
    }
    index[i] = k;
  }
  return { uniq: Float64Array.from(uniq), index };
}

/** Collapse customers (objects or columns) into distinct (x, t_x, T) patterns. */
export function compressPatterns(data: ArrayLike<RFT> | RFTColumns): PatternSet {
  let get: (i: number) => [number, number, number, number];
  let n: number;
  if (isColumns(data)) {
    const { x, t_x, T, count } = data;
    n = x.length;
    get = (i) => [x[i]!, t_x[i]!, T[i]!, count ? count[i]! : 1];
  } else {
    const arr = data as ArrayLike<RFT>;
    n = arr.length;
    get = (i) => {
      const c = arr[i]!;
      return [c.x, c.t_x, c.T, 1];
    };
  }
  // Three-level map keyed by the raw numbers (exact equality is what we want:
  // t_x and T come from integer day counts).
  const root = new Map<number, Map<number, Map<number, number>>>();
  const px: number[] = [];
  const ptx: number[] = [];
  const pT: number[] = [];
  const pc: number[] = [];
  let customers = 0;
  for (let i = 0; i < n; i++) {
    const [x, tx, T, w] = get(i);
    if (!(x >= 0) || !(tx >= 0) || !(T >= tx)) {
      throw new Error(`Invalid customer pattern at ${i}: x=${x} t_x=${tx} T=${T} (need x >= 0, 0 <= t_x <= T)`);
    }
    if (x === 0 && tx !== 0) throw new Error(`Invalid customer pattern at ${i}: x=0 requires t_x=0`);
    let m1 = root.get(x);
    if (!m1) root.set(x, (m1 = new Map()));
    let m2 = m1.get(tx);
    if (!m2) m1.set(tx, (m2 = new Map()));
    const k = m2.get(T);
    if (k === undefined) {
      m2.set(T, px.length);
      px.push(x);
      ptx.push(tx);
      pT.push(T);
      pc.push(w);
    } else {
      pc[k]! += w;
    }
    customers += w;
  }
  const x = Float64Array.from(px);
  const t_x = Float64Array.from(ptx);
  const T = Float64Array.from(pT);
  const fx = factor(x);
  const ftx = factor(t_x);
  const fT = factor(T);
  return {
    size: x.length,
    customers,
    x,
    t_x,
    T,
    count: Float64Array.from(pc),
    xValues: fx.uniq,
    xIndex: fx.index,
    txValues: ftx.uniq,
    txIndex: ftx.index,
    TValues: fT.uniq,
    TIndex: fT.index,
  };
}

/** Accept a PatternSet, an array of customers, or columns. */
export function toPatternSet(data: PatternSet | ArrayLike<RFT> | RFTColumns): PatternSet {
  return isPatternSet(data) ? data : compressPatterns(data);
}
