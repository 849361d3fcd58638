import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runBuild } from '../../src/app/build.js';
import { ingestDemoCompany } from '../../src/app/demo.js';
import { ingestPaths } from '../../src/app/ingest.js';
import { incrementalStateKey, type IncrementalState } from '../../src/models/incremental.js';
import type { BuildRun } from '../../src/models/runner.js';
import { Lake } from '../../src/lake/lake.js';
import { queryLake, scratchDir, warehouseRows } from '../helpers.js';

// The incremental facts (int_orders, int_order_products) after new, late and corrected
// deliveries must equal a --full-refresh build of the same lake, and so must every model that
// reads them. Small on purpose: a demo company of 300 people over two months, every feed.
const COMPANY = { customers: 300, seed: 7 };
const INCREMENTAL = ['int_orders', 'int_order_products', 'customer_segment_monthly', 'data_quality', 'sales_daily', 'web_funnel', 'callcenter_kpis'];

/**
 * Runs `land` with the clock at 06:00 UTC of `day`: the deliveries it ingests land that day.
 * data_quality counts per ingest day, and recomputes from the first day whose deliveries changed.
 */
async function landedOn<T>(day: string, land: () => Promise<T>): Promise<T> {
  vi.useFakeTimers({ toFake: ['Date'], now: new Date(`${day}T06:00:00Z`) });
  try {
    return await land();
  } finally {
    vi.useRealTimers();
  }
}

/**
 * Builds the lake incrementally, and a copy of it (the same deliveries and the same build
 * history: the customer master keeps its keys and review queue from build to build) with
 * --full-refresh, and expects the same rows in every model.
 */
async function expectIncrementalEqualsFull(lake: Lake, vars: string[]): Promise<{ incremental: BuildRun; rows: Map<string, string[]> }> {
  const copy = new Lake(`${lake.uri}-full-${Date.now()}`);
  await cp(lake.uri, copy.uri, { recursive: true });
  const incremental = await runBuild(lake, { var: vars });
  for (const name of INCREMENTAL) expect(incremental.results.find((r) => r.model === name)?.mode, name).toBe('incremental');
  const full = await runBuild(copy, { var: vars, fullRefresh: true });
  for (const name of INCREMENTAL) expect(full.results.find((r) => r.model === name)?.mode, name).toBe('full');
  const [afterIncremental, afterFull] = [await warehouseRows(lake), await warehouseRows(copy)];
  await rm(copy.uri, { recursive: true, force: true });
  expect([...afterIncremental.keys()].sort()).toEqual([...afterFull.keys()].sort());
  const differences = [...afterFull].flatMap(([name, rows]) => {
    const got = afterIncremental.get(name)!;
    const want = new Set(rows);
    const have = new Set(got);
    // Names the model and its first differing rows, not a diff of thousands of lines.
    const missing = rows.filter((r) => !have.has(r)).slice(0, 2);
    const extra = got.filter((r) => !want.has(r)).slice(0, 2);
    return got.length === rows.length && !missing.length && !extra.length ? [] : [{ model: name, rows: got.length, expected: rows.length, missing, extra }];
  });
  expect(differences).toEqual([]);
  return { incremental, rows: afterFull };
}

/** Plausible business dates wide enough for the days after December 2026 the tests deliver. */
const FUTURE = '2000-01-01..2027-12-31';

describe('incremental facts under the lake\'s delivery semantics', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let lake: Lake;
  let vars: string[];

  beforeAll(async () => {
    ({ dir, cleanup } = await scratchDir('incremental'));
    lake = new Lake(path.join(dir, 'lake'));
    const demo = await landedOn('2026-11-30', () => ingestDemoCompany(lake, { ...COMPANY, days: 60, end: '2026-11-29', filesDir: path.join(dir, 'files-1') }));
    vars = demo.buildVars;
    const first = await runBuild(lake, { var: vars });
    for (const name of INCREMENTAL) expect(first.results.find((r) => r.model === name)?.mode).toBe('full');
  }, 240_000);

  afterAll(async () => cleanup?.());

  /** The till lines of a November day of the generated files, as receipts of another day (receipt numbers tagged). */
  async function shiftedDay(from: string, to: string, tag: string): Promise<{ header: string; lines: string[] }> {
    const source = path.join(dir, 'files-1', 'pos', 'lotus-pos', 'pos-2026-11.csv');
    const [header, ...body] = (await readFile(source, 'utf8')).split('\n').filter((l) => l !== '');
    const lines = body
      .filter((l) => l.split(';')[2]!.startsWith(from))
      .map((l) => {
        const f = l.split(';');
        return [`${f[0]}-${tag}`, f[1], `${to}${f[2]!.slice(10)}`, ...f.slice(3)].join(';');
      });
    return { header: header!, lines };
  }

  it('after one more day is delivered (and a late file for an old day), recomputes only their orders and equals a full build', async () => {
    // The next trading day's till export (the 1st: the store was shut on the 30th), and a late
    // file from a store for a day weeks ago: the receipts of the last day again under new receipt
    // numbers, dated the next day / the old day.
    const next = await shiftedDay('2026-11-29', '2026-12-01', 'N');
    const late = await shiftedDay('2026-11-29', '2026-10-15', 'L');
    const lastDay = next.lines;
    expect(lastDay.length).toBeGreaterThan(3);
    const folder = path.join(dir, 'new-day');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'pos-2026-12-01.csv'), [next.header, ...next.lines].join('\n') + '\n');
    await writeFile(path.join(folder, 'late-2026-10-15.csv'), [late.header, ...late.lines].join('\n') + '\n');
    const run = await landedOn('2026-12-01', () => ingestPaths(lake, 'pos', [folder], { mapping: 'lotus-pos' }));
    expect(run.files.map((f) => f.outcome)).toEqual(['landed', 'landed']);

    const { incremental, rows } = await expectIncrementalEqualsFull(lake, vars);
    const orders = incremental.results.find((r) => r.model === 'int_orders')!;
    expect(orders.notes?.join(' ')).toMatch(/source dates changed since its last build: 2026-10-15, 2026-12-01/);
    // Only the orders of the changed dates were recomputed, not all of them.
    expect(orders.inserted).toBeGreaterThan(0);
    expect(orders.inserted).toBeLessThan(rows.get('int_orders')!.length / 2);
    expect(rows.get('int_orders')!.filter((r) => /-N"/.test(r))).toHaveLength(new Set(lastDay.map((l) => l.split(';')[0])).size);
    // The monthly segments: int_orders passes on the order dates it replaced (the late day's among them).
    const monthly = incremental.results.find((r) => r.model === 'customer_segment_monthly')!;
    expect(monthly.notes?.join(' ')).toMatch(/source dates changed since its last build: .*2026-10-15/);
    // data_quality goes by the day the files landed, whatever business dates they hold.
    expect(incremental.results.find((r) => r.model === 'data_quality')!.notes).toEqual(['ingest days changed since its last build: 2026-12-01']);
  }, 240_000);

  it('after a till export is sent again under another name a day later, counts its lines as duplicates that day and equals a full build', async () => {
    const text = await readFile(path.join(dir, 'new-day', 'pos-2026-12-01.csv'), 'utf8');
    const lines = text.split('\n').filter((l) => l !== '').slice(1);
    // Sales without a member card among them: keys with a NULL part are duplicates too.
    expect(lines.some((l) => l.split(';')[4] === '')).toBe(true);
    const folder = path.join(dir, 'sent-again');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'pos-2026-12-01-resent.csv'), text);
    const run = await landedOn('2026-12-02', () => ingestPaths(lake, 'pos', [folder], { mapping: 'lotus-pos' }));
    expect(run.files.map((f) => [f.outcome, f.landed])).toEqual([['landed', lines.length]]);

    const { incremental } = await expectIncrementalEqualsFull(lake, vars);
    expect(incremental.results.find((r) => r.model === 'data_quality')).toMatchObject({ notes: ['ingest days changed since its last build: 2026-12-02'], inserted: expect.any(Number) });
    const days = await queryLake(lake, `select cast(ingest_date as varchar) as day, rows_landed, duplicate_rows from data_quality where feed = 'pos' order by 1`);
    expect(days).toEqual([
      { day: '2026-11-30', rows_landed: expect.any(Number), duplicate_rows: expect.any(Number) },
      { day: '2026-12-01', rows_landed: lines.length * 2, duplicate_rows: 0 },
      { day: '2026-12-02', rows_landed: lines.length, duplicate_rows: lines.length },
    ]);
  }, 240_000);

  it('after a corrected file for an old day (a receipt gone, a quantity changed, a line moved to another day), equals a full build', async () => {
    const original = path.join(dir, 'files-1', 'pos', 'lotus-pos', 'pos-2026-10.csv');
    const lines = (await readFile(original, 'utf8')).split('\n');
    const [header, ...body] = lines.filter((l) => l !== '');
    const receipt = (line: string) => line.split(';')[0]!;
    const receipts = [...new Set(body.map(receipt))];
    const multiLine = receipts.find((r) => body.filter((l) => receipt(l) === r && /^\d/.test(l.split(';')[8]!)).length >= 2)!;
    const stored = new Set((await queryLake(lake, `select order_id from int_orders where source_feed = 'pos'`)).map((r) => String(r.order_id)));
    const gone = receipts.find((r) => r !== multiLine && stored.has(r))!;
    expect(stored.has(multiLine)).toBe(true);
    let moved = false;
    const corrected = body
      .filter((l) => receipt(l) !== gone)
      .map((l, i) => {
        const f = l.split(';');
        if (i === 0) f[7] = String(Number(f[7]) + 3); // another quantity
        if (!moved && receipt(l) === multiLine && f[1] === '2') {
          // The second line of a receipt lands on a later day: an order over two business dates.
          f[2] = f[2]!.replace(/^2026-10-(\d\d)/, (_, d: string) => `2026-10-${String(Math.min(Number(d) + 3, 28)).padStart(2, '0')}`);
          moved = true;
        }
        return f.join(';');
      });
    expect(moved).toBe(true);
    const folder = path.join(dir, 'corrected');
    await mkdir(folder, { recursive: true });
    const file = path.join(folder, 'pos-2026-10.csv');
    await writeFile(file, [header, ...corrected].join('\n') + '\n');
    const run = await landedOn('2026-12-03', () => ingestPaths(lake, 'pos', [file], { mapping: 'lotus-pos' }));
    expect(run.files.map((f) => f.outcome)).toEqual(['replaced']);

    const { rows } = await expectIncrementalEqualsFull(lake, vars);
    // The receipt that is gone is in no order, so nothing is double counted or left behind.
    expect(rows.get('int_orders')!.filter((r) => r.includes(`"${gone}"`))).toEqual([]);
    expect(rows.get('int_orders')!.filter((r) => r.includes(`"${multiLine}"`))).toHaveLength(1);
  }, 240_000);

  it('after corrected web files (a payment gone, an item gone and one repriced), equals a full build', async () => {
    // Payments are partitioned by the day their file was landed, far from the purchase date: an
    // order's payment dates are kept apart from its order and item dates (payment_dates_from..to).
    const folder = path.join(dir, 'corrected-web');
    const redeliver = async (day: string, feed: string, mapping: string, file: string, change: (rows: string[][]) => string[][]) => {
      const [header, ...body] = (await readFile(path.join(dir, 'files-1', feed, mapping, file), 'utf8')).split('\n').filter((l) => l !== '');
      await mkdir(path.join(folder, feed), { recursive: true });
      const target = path.join(folder, feed, file);
      await writeFile(target, [header, ...change(body.map((l) => l.split(','))).map((f) => f.join(','))].join('\n') + '\n');
      const run = await landedOn(day, () => ingestPaths(lake, feed, [target], { mapping }));
      expect(run.files.map((f) => f.outcome)).toEqual(['replaced']);
      return body.map((l) => l.split(',')[0]!);
    };
    // An order's only payment is gone: nothing of the order is on a changed date any more; its
    // stored payment dates are what say it must be recomputed.
    const paid = await redeliver('2026-12-04', 'web-payments', 'lotus-web-payments', 'payments-2026-10.csv', (rows) => rows.filter((_, i) => i !== 1));
    const unpaid = (rows: Map<string, string[]>) => rows.get('int_orders')!.filter((r) => r.includes(`"${paid[1]}"`));
    const afterPayments = await expectIncrementalEqualsFull(lake, vars);
    expect(unpaid(afterPayments.rows)).toHaveLength(1);
    await redeliver('2026-12-05', 'web-order-items', 'lotus-web-order-items', 'items-2026-10.csv', (rows) =>
      rows.slice(0, -1).map((f, i) => (i === 0 ? [...f.slice(0, 4), `${Number(f[4]) + 1}.00`, ...f.slice(5)] : f)),
    );
    await expectIncrementalEqualsFull(lake, vars);
  }, 240_000);

  it('after corrected call-centre and web event files (a day of each gone, a call re-assigned), drops and recomputes their days and equals a full build', async () => {
    const folder = path.join(dir, 'corrected-days');
    await mkdir(folder, { recursive: true });
    const redeliver = async (feed: string, mapping: string, file: string, change: (lines: string[]) => string[]) => {
      const lines = (await readFile(path.join(dir, 'files-1', feed, mapping, file), 'utf8')).split('\n').filter((l) => l !== '');
      const target = path.join(folder, file);
      await writeFile(target, change(lines).join('\n') + '\n');
      const run = await landedOn('2026-12-06', () => ingestPaths(lake, feed, [target], { mapping }));
      expect(run.files.map((f) => f.outcome)).toEqual(['replaced']);
    };
    // Calls: CSV with a header, start_time second; every call of one day gone, one call given to another agent.
    const calls = (await readFile(path.join(dir, 'files-1', 'calls', 'lotus-callcenter', 'calls-2026-11.csv'), 'utf8')).split('\n');
    const callDay = calls[2]!.split(',')[1]!.slice(0, 10);
    await redeliver('calls', 'lotus-callcenter', 'calls-2026-11.csv', ([header, ...body]) => [
      header!,
      ...body.filter((l) => !l.split(',')[1]!.startsWith(callDay)).map((l, i) => (i === 0 ? l.replace(/^([^,]*,[^,]*,)[^,]*/, '$1A999') : l)),
    ]);
    // Web events: JSON lines; every event of one day gone.
    const events = (await readFile(path.join(dir, 'files-1', 'web', 'collector', 'events-2026-11.jsonl'), 'utf8')).split('\n');
    const webDay = /"occurred_at":"(\d{4}-\d{2}-\d{2})/.exec(events[2]!)![1]!;
    const sessions = async () => Number((await queryLake(lake, `select coalesce(sum(sessions), 0) as n from web_funnel where date = date '${webDay}'`))[0]!.n);
    const sessionsBefore = await sessions();
    await redeliver('web', 'collector', 'events-2026-11.jsonl', (lines) => lines.filter((l) => !l.includes(`"occurred_at":"${webDay}`)));

    const { incremental } = await expectIncrementalEqualsFull(lake, vars);
    // The dates of the corrected files are recomputed (a month of two), not every day.
    for (const name of ['callcenter_kpis', 'web_funnel']) {
      const result = incremental.results.find((r) => r.model === name)!;
      expect(result.inserted, name).toBeGreaterThan(0);
      expect(result.inserted, name).toBeLessThan(result.rows!);
    }
    expect(await queryLake(lake, `select call_date from callcenter_kpis where call_date = date '${callDay}'`)).toEqual([]);
    // (Other files hold a few events of that day: the day is recomputed from them.)
    expect(await sessions()).toBeLessThan(sessionsBefore);
    expect(await queryLake(lake, `select count(*) as n from callcenter_kpis where agent_id = 'A999'`)).toEqual([{ n: 1 }]);
  }, 240_000);

  it('after a gap of a whole month, recomputes the monthly segments of the month the as-of date was in, keeps the earlier ones, and equals a full build', async () => {
    // The last delivered day is 1 December: December's segments measure recency to the as-of
    // date (the 2nd). The next file is for 2 February: December becomes a closed month, whose
    // recency runs to 1 January, although no December order changed; January has rows without a
    // January order.
    const day = await shiftedDay('2026-11-28', '2027-02-02', 'F');
    const folder = path.join(dir, 'february');
    await mkdir(folder, { recursive: true });
    await writeFile(path.join(folder, 'pos-2027-02-02.csv'), [day.header, ...day.lines].join('\n') + '\n');
    // A February 2027 day is in the future of a machine in December 2026: allowed explicitly.
    const landed = await landedOn('2027-02-03', () => ingestPaths(lake, 'pos', [folder], { mapping: 'lotus-pos', dates: FUTURE }));
    expect(landed.files.map((f) => [f.outcome, f.landed])).toEqual([['landed', day.lines.length]]);
    const { incremental } = await expectIncrementalEqualsFull(lake, vars);
    const [counts] = await queryLake(
      lake,
      `select count(*) filter (where month_end >= date '2026-12-31') as recomputed, count(*) filter (where month_end < date '2026-12-31') as kept, count(*) filter (where month_end = date '2027-01-31') as january from customer_segment_monthly`,
    );
    expect(Number(counts!.kept)).toBeGreaterThan(0);
    expect(Number(counts!.january)).toBeGreaterThan(0);
    expect(incremental.results.find((r) => r.model === 'customer_segment_monthly')).toMatchObject({ mode: 'incremental', inserted: Number(counts!.recomputed) });
  }, 240_000);

  it('after that file is withdrawn (delivered again, empty), drops the months after the as-of date and equals a full build', async () => {
    // The as-of date goes back to 2 December: January's and February's segments must go,
    // although no January order changed (replaces_from deletes every stored month end from the
    // first one recomputed).
    const day = await shiftedDay('2026-11-28', '2027-02-02', 'F');
    const file = path.join(dir, 'february', 'pos-2027-02-02.csv');
    await writeFile(file, day.header + '\n');
    const landed = await landedOn('2027-02-04', () => ingestPaths(lake, 'pos', [file], { mapping: 'lotus-pos', dates: FUTURE }));
    expect(landed.files.map((f) => f.outcome)).toEqual(['replaced']);
    await expectIncrementalEqualsFull(lake, vars);
    const [last] = await queryLake(lake, `select max(month_end) as month_end from customer_segment_monthly`);
    expect(String(last!.month_end)).toMatch(/^2026-12-31/);
    // data_quality: the day the file had landed has no rows left, and an empty file adds none,
    // so neither day has a row (no new row reaches back to the 3rd: deleted from the first changed day).
    expect(await queryLake(lake, `select ingest_date from data_quality where feed = 'pos' and ingest_date > date '2027-01-01'`)).toEqual([]);
  }, 240_000);

  it('builds a model whole when its stored table is not the one its recorded state describes', async () => {
    // E.g. the warehouse was restored, or another build wrote the table without recording its
    // inputs: the changed dates since "its last build" would then be the wrong ones.
    const key = incrementalStateKey('duckdb');
    const state = (await lake.readJson<IncrementalState>(key))!;
    state.models.int_orders!.table = 'warehouse/int_orders/an-older-file.parquet';
    await lake.writeJsonAtomic(key, state);
    const run = await runBuild(lake, { var: vars });
    expect(run.results.find((r) => r.model === 'int_orders')).toMatchObject({ mode: 'full', notes: [expect.stringMatching(/built whole: no record of what its stored table was built from/)] });
    expect(run.results.find((r) => r.model === 'int_order_products')).toMatchObject({ mode: 'incremental', inserted: 0 });
    // int_orders built whole passes every date on: the monthly segments recompute every month end.
    const monthly = run.results.find((r) => r.model === 'customer_segment_monthly')!;
    expect(monthly).toMatchObject({ mode: 'incremental', inserted: monthly.rows });

    // Built alone while int_orders' record is not its stored table's, the monthly segments cannot
    // know which order dates changed: built whole.
    const good = (await lake.readJson<IncrementalState>(key))!;
    await lake.writeJsonAtomic(key, { ...good, models: { ...good.models, int_orders: { ...good.models.int_orders!, table: 'warehouse/int_orders/an-older-file.parquet' } } });
    const alone = await runBuild(lake, { var: vars, select: ['customer_segment_monthly'] });
    expect(alone.results.map((r) => r.model)).toEqual(['customer_segment_monthly']);
    expect(alone.results[0]).toMatchObject({ mode: 'full', notes: [expect.stringMatching(/built whole: no record of the dates whose rows changed in int_orders/)] });
    // Its record put back, and a build that records the monthly segments' inputs again.
    const after = (await lake.readJson<IncrementalState>(key))!;
    await lake.writeJsonAtomic(key, { ...after, models: { ...after.models, int_orders: good.models.int_orders! } });
    const settled = await runBuild(lake, { var: vars });
    expect(settled.results.find((r) => r.model === 'int_orders')).toMatchObject({ mode: 'incremental', inserted: 0 });
  }, 240_000);

  it('a build with no new delivery changes nothing and recomputes no order', async () => {
    const before = await warehouseRows(lake);
    const again = await runBuild(lake, { var: vars });
    for (const name of ['int_orders', 'int_order_products', 'data_quality', 'sales_daily', 'web_funnel', 'callcenter_kpis']) expect(again.results.find((r) => r.model === name), name).toMatchObject({ mode: 'incremental', inserted: 0 });
    // The monthly segments recompute their last month alone: its recency runs to the as-of date.
    const [last] = await queryLake(lake, `select count(*) filter (where month_end = (select max(month_end) from customer_segment_monthly)) as n, count(*) as all_rows from customer_segment_monthly`);
    expect(again.results.find((r) => r.model === 'customer_segment_monthly')).toMatchObject({ mode: 'incremental', inserted: Number(last!.n) });
    expect(Number(last!.n)).toBeLessThan(Number(last!.all_rows));
    const after = await warehouseRows(lake);
    for (const name of INCREMENTAL) expect(after.get(name)).toEqual(before.get(name));
  }, 240_000);
});
