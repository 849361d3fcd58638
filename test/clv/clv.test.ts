import { describe, expect, it } from 'vitest';
import {
  bgnbdModel,
  customerLifetimeValue,
  mulberry32,
  paretoNbdModel,
  randomBeta,
  randomGamma,
} from '../../src/clv/index.js';

const bg = bgnbdModel({ r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 });

describe('customerLifetimeValue', () => {
  const c = { x: 4, t_x: 30, T: 39 };

  it('with no discounting equals value x expected purchases over the horizon', () => {
    const clv = customerLifetimeValue(bg, c, 50, { months: 12, discountRate: 0, period: 'week' });
    expect(clv).toBeCloseTo(50 * bg.conditionalExpected(12 * 4.345, c.x, c.t_x, c.T), 10);
  });

  it('discounts month by month like lifetimes (4.345 weeks a month)', () => {
    let want = 0;
    for (let k = 1; k <= 6; k++) {
      const inMonth = bg.conditionalExpected(k * 4.345, c.x, c.t_x, c.T) - bg.conditionalExpected((k - 1) * 4.345, c.x, c.t_x, c.T);
      want += (30 * inMonth) / Math.pow(1.01, k);
    }
    expect(customerLifetimeValue(bg, c, 30, { months: 6, discountRate: 0.01 })).toBeCloseTo(want, 10);
    // Daily models use 30 days a month.
    const daily = customerLifetimeValue(bg, c, 30, { months: 2, discountRate: 0, period: 'day' });
    expect(daily).toBeCloseTo(30 * bg.conditionalExpected(60, c.x, c.t_x, c.T), 10);
  });

  it('supports a horizon in periods, and grows with the horizon and shrinks with the rate', () => {
    const perPeriod = customerLifetimeValue(bg, c, 10, { periods: 52, discountRate: 0 });
    expect(perPeriod).toBeCloseTo(10 * bg.conditionalExpected(52, c.x, c.t_x, c.T), 10);
    const short = customerLifetimeValue(bg, c, 10, { months: 6 });
    const long = customerLifetimeValue(bg, c, 10, { months: 24 });
    expect(long).toBeGreaterThan(short);
    expect(customerLifetimeValue(bg, c, 10, { months: 24, discountRate: 0.05 })).toBeLessThan(long);
    const pn = paretoNbdModel({ r: 0.553, alpha: 10.578, s: 0.606, beta: 11.669 });
    expect(customerLifetimeValue(pn, c, 10, { months: 12 })).toBeGreaterThan(0);
  });
});

describe('random numbers', () => {
  it('mulberry32 is deterministic and uniform', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 100_000 }, () => a());
    expect(xs.slice(0, 5)).toEqual(Array.from({ length: 5 }, () => b()));
    const mean = xs.reduce((s, v) => s + v, 0) / xs.length;
    expect(mean).toBeCloseTo(0.5, 2);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
  });

  it('gamma and beta samplers have the right moments', () => {
    const rng = mulberry32(9);
    for (const [shape, rate] of [
      [0.243, 4.414],
      [3.74, 15.44],
    ] as const) {
      const n = 200_000;
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < n; i++) {
        const g = randomGamma(rng, shape, rate);
        s += g;
        s2 += g * g;
      }
      const mean = s / n;
      const variance = s2 / n - mean * mean;
      expect(mean / (shape / rate)).toBeCloseTo(1, 1);
      expect(variance / (shape / rate ** 2)).toBeCloseTo(1, 1);
    }
    let s = 0;
    for (let i = 0; i < 100_000; i++) s += randomBeta(rng, 0.793, 2.426);
    expect(s / 100_000).toBeCloseTo(0.793 / (0.793 + 2.426), 2);
  });
});
