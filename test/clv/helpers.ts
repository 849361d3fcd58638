import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareTransactions, readCdnow, type PreparedData } from '../../src/clv/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The CDNOW sample bundled in the repository (samples/README.md). */
export const CDNOW_SAMPLE = path.resolve(here, '../../samples/datasets/cdnow/CDNOW_sample.txt');

let cached: Promise<PreparedData> | undefined;

/**
 * CDNOW sample with the Fader, Hardie & Lee (2005) set-up: 39-week
 * calibration 1997-01-01..1997-09-30, 39-week hold-out to 1998-06-30, weeks,
 * same-day purchases combined.
 */
export function cdnowPrepared(): Promise<PreparedData> {
  cached ??= readCdnow(CDNOW_SAMPLE).then((tx) =>
    prepareTransactions(tx, { calibrationEnd: '1997-09-30', observationEnd: '1998-06-30', period: 'week' }),
  );
  return cached;
}

/** |actual - expected| <= tol * |expected| */
export function relErr(actual: number, expected: number): number {
  return Math.abs(actual - expected) / Math.abs(expected);
}
