import { describe, expect, it } from 'vitest';
import { type BgnbdParams, compressPatterns, fitBgnbd, simulateBgnbd } from '../../src/clv/index.js';
import { relErr } from './helpers.js';

describe('BG/NBD parameter recovery', () => {
  it('fits back simulated parameters within sampling error', () => {
    // 20,000 customers drawn from the CDNOW estimates, ages uniform on 26-52
    // weeks. Standard errors at this size: ~2% for r and alpha, ~9-12% for a
    // and b (the drop-out process is the weakly identified part), so the
    // bounds are 3 SE and 15% (25% for a, b).
    const truth: BgnbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
    const sim = simulateBgnbd(truth, { n: 20_000, T: [26, 52], seed: 1 });
    const fit = fitBgnbd(compressPatterns(sim), { standardErrors: true });
    expect(fit.converged).toBe(true);
    expect(fit.atBoundary).toBe(false);
    const se = fit.standardErrors!;
    for (const k of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit[k] - truth[k])).toBeLessThan(3 * se[k]);
      expect(relErr(fit[k], truth[k])).toBeLessThan(k === 'a' || k === 'b' ? 0.25 : 0.15);
    }
  });

  it('the simulator matches the model: mean repeat purchases equal E[X(t)]', async () => {
    const { bgnbdExpected } = await import('../../src/clv/index.js');
    const truth: BgnbdParams = { r: 0.5, alpha: 6, a: 0.6, b: 3 };
    const sim = simulateBgnbd(truth, { n: 40_000, T: 52, seed: 3 });
    const mean = sim.reduce((s, c) => s + c.x, 0) / sim.length;
    const sd = Math.sqrt(sim.reduce((s, c) => s + (c.x - mean) ** 2, 0) / (sim.length - 1));
    expect(Math.abs(mean - bgnbdExpected(truth, 52))).toBeLessThan(4 * (sd / Math.sqrt(sim.length)));
  });
});
