import { describe, expect, it } from 'vitest';
import { colPearson } from '../../../compute/encoding/pearson.js';

describe('colPearson', () => {
  it('computes r per column (columns interleaved row-major)', () => {
    // column 0: perfectly correlated; column 1: perfectly anti-correlated; column 2: r = 0.5
    const p = Float64Array.of(1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4);
    const m = Float64Array.of(10, 8, 1, 20, 6, 3, 30, 4, 2, 40, 2, 4);
    // column 2 closed form: x = [1,2,3,4], y = [1,3,2,4] → r = 0.8
    const { r, nullReasons } = colPearson(p, m, [4, 3]);
    expect(nullReasons).toEqual([]);
    expect(r[0]).toBeCloseTo(1, 15);
    expect(r[1]).toBeCloseTo(-1, 15);
    expect(r[2]).toBeCloseTo(0.8, 15);
  });

  it('is exact on a large baseline (two-pass, no cancellation)', () => {
    const n = 1000;
    const p = new Float64Array(n);
    const m = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      p[t] = Math.sin(t);
      m[t] = 1e8 + Math.sin(t); // BOLD-like large baseline
    }
    expect(colPearson(p, m, [n, 1]).r[0]).toBeCloseTo(1, 9);
  });

  it('returns null with a reason, never NaN, for undefined correlations', () => {
    const p = Float32Array.of(1, 0, 5, 1, 2, 0, 6, 2, 3, 0, 7, Number.NaN);
    const m = Float32Array.of(4, 1, 7, 7, 4, 2, 8, 8, 4, 3, 9, 9);
    expect(colPearson(p, m, [3, 4])).toEqual({
      r: [null, null, 1, null],
      nullReasons: [
        { column: 0, reason: 'CONSTANT_MEASURED', message: 'the measured response has zero variance over the evaluated rows' },
        { column: 1, reason: 'CONSTANT_PREDICTED', message: 'the prediction has zero variance over the evaluated rows (e.g. all-zero weights)' },
        { column: 3, reason: 'NON_FINITE', message: 'a value in the column is NaN or infinite' },
      ],
    });
    expect(colPearson(Float32Array.of(1), Float32Array.of(2), [1, 1]).nullReasons[0].reason).toBe('TOO_FEW_ROWS');
  });

  it('rejects mismatched shapes', () => {
    expect(() => colPearson(new Float32Array(6), new Float32Array(5), [3, 2])).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'colPearson: expected two 3×2 matrices, got 6 and 5 elements',
        details: { dims: [3, 2], predictedLength: 6, measuredLength: 5 },
      }),
    );
  });
});
