import { describe, expect, it } from 'vitest';
import { invertMatrix, minimizePositive, nelderMead, numericHessian } from '../../src/clv/index.js';

describe('nelderMead', () => {
  it('finds the Rosenbrock minimum', () => {
    const rosen = (v: number[]): number => 100 * (v[1]! - v[0]! ** 2) ** 2 + (1 - v[0]!) ** 2;
    const res = nelderMead(rosen, [-1.2, 1]);
    expect(res.converged).toBe(true);
    expect(res.x[0]).toBeCloseTo(1, 6);
    expect(res.x[1]).toBeCloseTo(1, 6);
    expect(res.fx).toBeLessThan(1e-12);
  });

  it('minimises a badly scaled 4-d quadratic', () => {
    const w = [1, 1e3, 1e-2, 10];
    const c = [3, -1, 2, 0.5];
    const f = (v: number[]): number => v.reduce((s, vi, i) => s + w[i]! * (vi - c[i]!) ** 2, 0);
    const res = nelderMead(f, [0, 0, 0, 0]);
    res.x.forEach((v, i) => expect(v).toBeCloseTo(c[i]!, 4));
  });

  it('confirms a strict minimum with a quadratic model instead of a restart', () => {
    // Badly scaled but strictly convex: the Newton step at the converged point is ~0, so the
    // confirming restart (a whole second run) is skipped and the point is the same.
    const f = (v: number[]): number => (v[0]! - 1) ** 2 + 100 * (v[1]! + 2) ** 2 + 0.5 * (v[0]! - 1) * (v[1]! + 2) + 3 * (v[2]! - 0.5) ** 2;
    const res = nelderMead(f, [0, 0, 0]);
    const withRestart = nelderMead(f, [0, 0, 0], { maxRestarts: 0 });
    expect(res.converged).toBe(true);
    expect(res.restarts).toBe(0);
    expect(res.x).toEqual(withRestart.x);
    expect(res.evaluations).toBe(withRestart.evaluations + 2 * 3 * 3);
  });

  it('still restarts where the minimum lies at infinity (a boundary fit)', () => {
    // f keeps falling, ever more slowly, as |x0| grows (like a BG/NBD fit with a -> 0 on the log
    // scale): the simplex stops where f is flat to tolerance and the quadratic model has no
    // minimum there, so the check does not confirm the point and the restart runs as it always did.
    const f = (v: number[]): number => 1 / (1 + v[0]! ** 2) + (v[1]! - 1) ** 2;
    const res = nelderMead(f, [1, 0]);
    expect(res.restarts).toBeGreaterThan(0);
    expect(Math.abs(res.x[0]!)).toBeGreaterThan(1e6);
  });

  it('treats NaN and thrown errors as +Infinity', () => {
    const f = (v: number[]): number => {
      if (v[0]! < 0) return NaN;
      if (v[0]! > 10) throw new Error('out of domain');
      return (v[0]! - 2) ** 2;
    };
    expect(nelderMead(f, [5]).x[0]).toBeCloseTo(2, 6);
  });
});

describe('minimizePositive', () => {
  it('keeps parameters positive (works on the log scale)', () => {
    // Minimum at (0.01, 50): a log-scale search reaches it from (1, 1).
    const f = (p: number[]): number => {
      expect(p[0]).toBeGreaterThan(0);
      expect(p[1]).toBeGreaterThan(0);
      return Math.log(p[0]! / 0.01) ** 2 + Math.log(p[1]! / 50) ** 2;
    };
    const res = minimizePositive(f, [1, 1]);
    expect(res.params[0]).toBeCloseTo(0.01, 8);
    expect(res.params[1]).toBeCloseTo(50, 5);
  });
});

describe('numericHessian / invertMatrix', () => {
  it('recover a known quadratic form and its inverse', () => {
    const A = [
      [4, 1, 0],
      [1, 3, 0.5],
      [0, 0.5, 2],
    ];
    const f = (v: number[]): number => 0.5 * v.reduce((s, vi, i) => s + vi * A[i]!.reduce((t, a, j) => t + a * v[j]!, 0), 0);
    const H = numericHessian(f, [0.3, -0.2, 1]);
    H.forEach((row, i) => row.forEach((h, j) => expect(h).toBeCloseTo(A[i]![j]!, 5)));
    const inv = invertMatrix(A);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const prod = A[i]!.reduce((s, a, k) => s + a * inv[k]![j]!, 0);
        expect(prod).toBeCloseTo(i === j ? 1 : 0, 12);
      }
    }
    expect(() => invertMatrix([[1, 2], [2, 4]])).toThrow();
  });
});
