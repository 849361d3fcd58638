import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runClvFit } from '../../src/clv/index.js';
import { CDNOW_SAMPLE } from './helpers.js';

describe('runClvFit', () => {
  it('fits CDNOW end to end (BG/NBD + Gamma-Gamma) and compares with the hold-out', async () => {
    const res = await runClvFit({
      file: CDNOW_SAMPLE,
      customerCol: '0',
      dateCol: '2',
      valueCol: '4',
      dateFormat: 'YYYYMMDD',
      calibrationEnd: '1997-09-30',
      observationEnd: '1998-06-30',
      period: 'week',
      model: 'bgnbd',
    });
    // JSON-able: survives a round trip unchanged.
    expect(JSON.parse(JSON.stringify(res))).toEqual(res);
    expect(res).toMatchObject({
      model: 'bgnbd',
      inputRows: 6919,
      customers: 2357,
      distinctPatterns: 1016,
      holdoutPeriods: 39,
      calibration: { repeatTransactions: 2457, customersWithRepeat: 946 },
    });
    expect(res.params.r!.toFixed(3)).toBe('0.243');
    expect(res.params.alpha!.toFixed(3)).toBe('4.414');
    expect(res.params.a!.toFixed(3)).toBe('0.793');
    expect(res.params.b!.toFixed(3)).toBe('2.426');
    expect(res.logLikelihood.toFixed(1)).toBe('-9582.4');
    expect(res.gammaGamma).toMatchObject({ customers: 946 });
    expect(res.gammaGamma!.p.toFixed(2)).toBe('6.25');

    // Weekly tracking over 78 weeks: actual cumulative repeat transactions
    // reach 2,457 at week 39 and 4,339 at week 78.
    expect(res.tracking).toHaveLength(78);
    expect(res.tracking[38]).toMatchObject({ endDate: '1997-09-30', holdout: false, cumulativeActual: 2457 });
    expect(res.tracking[77]).toMatchObject({ endDate: '1998-06-30', holdout: true, cumulativeActual: 4339 });
    // The model tracks the calibration period closely (within 2% at week 39)...
    expect(Math.abs(res.tracking[38]!.cumulativeExpected / 2457 - 1)).toBeLessThan(0.02);
    // ...and the hold-out total within 15% (it under-forecasts: ~1,653 expected vs 1,882 actual).
    expect(res.holdout.actual).toBe(1882);
    expect(Math.abs(res.holdout.expected / 1882 - 1)).toBeLessThan(0.15);
    expect(res.holdout.byFrequency.map((b) => b.x)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(res.holdout.byFrequency.reduce((s, b) => s + b.customers, 0)).toBe(2357);
    expect(res.holdout.byFrequency[0]!.customers).toBe(1411);
    // Conditional expectations increase with calibration frequency.
    const means = res.holdout.byFrequency.map((b) => b.expectedMean);
    for (let i = 1; i < means.length; i++) expect(means[i]!).toBeGreaterThan(means[i - 1]!);
    expect(res.clv!.top).toHaveLength(10);
    for (let i = 1; i < 10; i++) expect(res.clv!.top[i]!.clv).toBeLessThanOrEqual(res.clv!.top[i - 1]!.clv);
    expect(res.clv!.total).toBeGreaterThan(0);
  });

  it('reads a CSV with a header, daily periods and the Pareto/NBD', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'clv-fit-'));
    try {
      const file = path.join(dir, 'orders.csv');
      const lines = ['customer,order_date,revenue'];
      // A small deterministic log: customer k buys every (k % 5) + 3 days while k % 3 != 0 keeps buying.
      for (let k = 0; k < 200; k++) {
        const start = k % 30;
        lines.push(`c${k},2022-01-${String(1 + start).padStart(2, '0')},${10 + (k % 7)}`);
        if (k % 3 !== 0) {
          for (let d = start + (k % 5) + 3; d < 120; d += (k % 5) + 3 + (k % 4) * 7) {
            const date = new Date(Date.UTC(2022, 0, 1 + d)).toISOString().slice(0, 10);
            lines.push(`c${k},${date},${5 + ((k * d) % 11)}`);
          }
        }
      }
      await writeFile(file, lines.join('\n'));
      const res = await runClvFit({
        file,
        customerCol: 'customer',
        dateCol: 'order_date',
        valueCol: 'revenue',
        dateFormat: 'YYYY-MM-DD',
        calibrationEnd: '2022-03-15',
        period: 'day',
        model: 'pareto-nbd',
        standardErrors: false,
      });
      expect(res.model).toBe('pareto-nbd');
      expect(res.customers).toBe(200);
      expect(Object.keys(res.params)).toEqual(['r', 'alpha', 's', 'beta']);
      expect(Number.isFinite(res.logLikelihood)).toBe(true);
      expect(res.standardErrors).toBeNull();
      expect(res.observationEnd).toBe(new Date(Date.UTC(2022, 0, 120)).toISOString().slice(0, 10));
      expect(res.tracking.length).toBeGreaterThan(100);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad options', async () => {
    await expect(
      runClvFit({ file: CDNOW_SAMPLE, customerCol: 0, dateCol: 2, calibrationEnd: '1997-09-30', model: 'nope' as never }),
    ).rejects.toThrow(/Unknown model/);
    await expect(
      runClvFit({ file: CDNOW_SAMPLE, customerCol: 0, dateCol: 2, dateFormat: 'YYYYMMDD', calibrationEnd: '1990-01-01' }),
    ).rejects.toThrow(/No customer/);
  });
});
