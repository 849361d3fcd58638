/**
 * CLV benchmark: BG/NBD at 1,000,000 customers against the CDNOW fit.
 *
 *   node --import tsx bench/clv.ts [customers]
 *
 * Baseline (same run): prepare + fit the 2,357-customer CDNOW sample. Then a
 * 1M-customer transaction log is simulated from the CDNOW estimates (a
 * Q1-1997-like cohort, 78 weeks, Gamma-Gamma spend) and we time
 * (a) data preparation + pattern compression and (b) the BG/NBD fit on the
 * compressed patterns. Prints wall-clock numbers and ratios; asserts nothing.
 *
 * The simulator draws purchases in continuous time and the log records days,
 * so data preparation floors times to days and merges same-day purchases
 * (the published convention). At 1M customers, where sampling error is ~1%,
 * that discretisation shows as a few-percent shift of the recovered
 * parameters (mostly alpha); the unbiasedness of the estimator itself is
 * tested on continuous-time data in test/clv/recovery.test.ts.
 */

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  compressPatterns,
  fitBgnbd,
  fitGammaGamma,
  parseTransactionColumns,
  simulateBgnbdTransactionLog,
  summarizeColumns,
  toDayNumber,
} from '../src/clv/index.js';
import { readFile } from 'node:fs/promises';

const here = path.dirname(fileURLToPath(import.meta.url));
const CDNOW = path.resolve(here, '../samples/datasets/cdnow/CDNOW_sample.txt');
const N = Number(process.argv[2] ?? 1_000_000);

const ms = (t0: number): number => performance.now() - t0;
const fmt = (v: number): string => `${v.toFixed(1)} ms`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function main(): Promise<void> {
  const ce = toDayNumber('1997-09-30');
  const oe = toDayNumber('1998-06-30');

  // Baseline: CDNOW.
  const text = await readFile(CDNOW, 'utf8');
  let t0 = performance.now();
  const parsed = parseTransactionColumns(text, { customerCol: 0, dateCol: 2, valueCol: 4, dateFormat: 'YYYYMMDD' });
  const s0 = summarizeColumns(parsed.columns, { calibrationEndDay: ce, observationEndDay: oe, periodDays: 7 });
  const ps0 = compressPatterns({ x: s0.x, t_x: s0.t_x, T: s0.T });
  const cdnowPrep = ms(t0);
  const fitTimes: number[] = [];
  let base = fitBgnbd(ps0);
  for (let i = 0; i < 5; i++) {
    t0 = performance.now();
    base = fitBgnbd(ps0);
    fitTimes.push(ms(t0));
  }
  const cdnowFit = median(fitTimes);
  console.log(`CDNOW: ${s0.n} customers, ${ps0.size} patterns`);
  console.log(`  parse+prepare+compress ${fmt(cdnowPrep)}; BG/NBD fit ${fmt(cdnowFit)} (median of 5, ${base.evaluations} LL evaluations)`);
  console.log(
    `  r=${base.r.toFixed(4)} alpha=${base.alpha.toFixed(4)} a=${base.a.toFixed(4)} b=${base.b.toFixed(4)} LL=${base.logLikelihood.toFixed(3)}`,
  );

  // Simulate the 1M-customer log from the CDNOW estimates.
  const truth = { r: base.r, alpha: base.alpha, a: base.a, b: base.b };
  t0 = performance.now();
  const log = simulateBgnbdTransactionLog(truth, {
    customers: N,
    cohortStartDay: toDayNumber('1997-01-01'),
    cohortDays: 84,
    endDay: oe,
    periodDays: 7,
    seed: 2024,
    spend: { p: 6.25, q: 3.74, v: 15.44 },
  });
  console.log(`\nSimulated ${N.toLocaleString('en-US')} customers, ${log.day.length.toLocaleString('en-US')} transactions in ${fmt(ms(t0))}`);

  // (a) prepare + compress.
  t0 = performance.now();
  const s = summarizeColumns(log, { calibrationEndDay: ce, observationEndDay: oe, periodDays: 7 });
  const tPrep = ms(t0);
  t0 = performance.now();
  const ps = compressPatterns({ x: s.x, t_x: s.t_x, T: s.T });
  const tCompress = ms(t0);
  console.log(`(a) prepare ${fmt(tPrep)} + compress ${fmt(tCompress)} = ${fmt(tPrep + tCompress)} -> ${ps.size.toLocaleString('en-US')} distinct patterns`);

  // (b) BG/NBD fit on the patterns.
  t0 = performance.now();
  const fit = fitBgnbd(ps);
  const tFit = ms(t0);
  console.log(`(b) BG/NBD fit ${fmt(tFit)} (${fit.evaluations} LL evaluations, converged=${fit.converged})`);
  console.log(
    `    r=${fit.r.toFixed(4)} alpha=${fit.alpha.toFixed(4)} a=${fit.a.toFixed(4)} b=${fit.b.toFixed(4)} (truth ${truth.r.toFixed(4)} ${truth.alpha.toFixed(4)} ${truth.a.toFixed(4)} ${truth.b.toFixed(4)})`,
  );

  // (c) Gamma-Gamma on the repeat buyers (not compressible: continuous spend).
  t0 = performance.now();
  const spend: { x: number; monetary_value: number }[] = [];
  for (let i = 0; i < s.n; i++) if (s.x[i]! > 0) spend.push({ x: s.x[i]!, monetary_value: s.monetary[i]! });
  const gg = fitGammaGamma(spend);
  const tGG = ms(t0);
  console.log(`(c) Gamma-Gamma fit on ${gg.customers.toLocaleString('en-US')} repeat buyers ${fmt(tGG)}: p=${gg.p.toFixed(3)} q=${gg.q.toFixed(3)} v=${gg.v.toFixed(3)}`);

  console.log(`\n1M fit = ${(tFit / cdnowFit).toFixed(1)}x CDNOW fit`);
  console.log(`1M prepare+compress = ${((tPrep + tCompress) / cdnowPrep).toFixed(1)}x CDNOW parse+prepare+compress`);
  console.log(`1M prepare+compress+fit = ${((tPrep + tCompress + tFit) / (cdnowPrep + cdnowFit)).toFixed(1)}x CDNOW end to end`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
