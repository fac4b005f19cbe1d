import { describe, expect, it } from 'vitest';
import { defaultEighBackend, symEigh, symEigvals } from '../../../compute/linalg/eigh.js';
import type { EighBackend } from '../../../compute/linalg/eigh.js';
import { lapackStatus } from '../../../compute/linalg/eighLapack.js';
import { describeWith, requirement } from '../../helpers/requirements.js';
import { normalMatrixF64, randomOrthogonal } from '../testMatrices.js';

const lapack = lapackStatus();
// The TypeScript fallback is tested in full either way; without LAPACK the cross-check is skipped.
const LAPACK = requirement(lapack.available, `a LAPACK library (apt-get install liblapack3 or libopenblas0; tried ${lapack.tried.map((t) => t.name).join(', ')})`);
const backends: EighBackend[] = lapack.available ? ['lapack', 'typescript'] : ['typescript'];

function randomSymmetric(n: number, seed: number): Float64Array {
  const g = normalMatrixF64(n, n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = g[i * n + j] + g[j * n + i];
  return a;
}

/** Q·diag(values)·Qᵀ for a random orthogonal Q. */
function withSpectrum(values: readonly number[], seed: number): Float64Array {
  const n = values.length;
  const q = randomOrthogonal(n, seed);
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += q[i * n + k] * values[k] * q[j * n + k];
      a[i * n + j] = s;
    }
  }
  return a;
}

function frobenius(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/** ‖A − VΛVᵀ‖_F / ‖A‖_F and ‖VᵀV − I‖_max for a result with eigenvector rows. */
function residuals(a: Float64Array, n: number, values: Float64Array, rows: Float64Array): { reconstruction: number; orthogonality: number } {
  const diff = new Float64Array(n * n);
  let orth = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      let o = 0;
      for (let k = 0; k < n; k++) {
        s += rows[k * n + i] * values[k] * rows[k * n + j];
        o += rows[i * n + k] * rows[j * n + k];
      }
      diff[i * n + j] = a[i * n + j] - s;
      orth = Math.max(orth, Math.abs(o - (i === j ? 1 : 0)));
    }
  }
  const norm = frobenius(a);
  return { reconstruction: norm === 0 ? frobenius(diff) : frobenius(diff) / norm, orthogonality: orth };
}

const cases: [string, number, Float64Array][] = [
  ['1×1', 1, Float64Array.of(-3.5)],
  ['2×2', 2, Float64Array.of(2, 1, 1, 2)],
  ['random 7×7', 7, randomSymmetric(7, 1)],
  ['random 60×60', 60, randomSymmetric(60, 2)],
  ['random 150×150', 150, randomSymmetric(150, 3)],
  ['repeated eigenvalues', 6, withSpectrum([1, 1, 1, 2, 2, 3], 4)],
  ['rank-deficient Gram (PSD, rank 3 of 8)', 8, withSpectrum([0, 0, 0, 0, 0, 1e-3, 1, 1e3], 5)],
  ['wide dynamic range', 5, withSpectrum([1e-8, 1e-4, 1, 1e4, 1e8], 6)],
  ['diagonal', 4, Float64Array.of(3, 0, 0, 0, 0, -1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0)],
  ['zero matrix', 3, new Float64Array(9)],
];

describe.each(backends)('symEigh, %s backend', (backend) => {
  it.each(cases)('%s: A = VΛVᵀ and VᵀV = I to 1e-10, values ascending', (_name, n, a) => {
    const copy = Float64Array.from(a);
    const eig = symEigh(a, n, { backend });
    expect(eig.backend).toBe(backend);
    expect(a).toEqual(copy); // input untouched
    const { reconstruction, orthogonality } = residuals(a, n, eig.values, eig.vectorRows);
    expect(reconstruction).toBeLessThan(1e-10);
    expect(orthogonality).toBeLessThan(1e-10);
    for (let i = 1; i < n; i++) expect(eig.values[i]).toBeGreaterThanOrEqual(eig.values[i - 1]);
  });

  it.each(cases)('%s: eigenvalues-only path agrees with the full decomposition to 1e-12·‖A‖', (_name, n, a) => {
    const full = symEigh(a, n, { backend });
    const only = symEigvals(a, n, { backend });
    expect(only.backend).toBe(backend);
    const scale = Math.max(1, ...Array.from(full.values, Math.abs));
    for (let i = 0; i < n; i++) expect(Math.abs(only.values[i] - full.values[i])).toBeLessThan(1e-12 * scale);
  });

  it('recovers a known spectrum to 1e-10 relative', () => {
    const spectrum = [-4, -1, 0.5, 2, 7, 11];
    const eig = symEigh(withSpectrum(spectrum, 9), 6, { backend });
    for (let i = 0; i < 6; i++) expect(Math.abs(eig.values[i] - spectrum[i])).toBeLessThan(1e-10 * 11);
  });
});

describeWith(LAPACK, 'LAPACK and TypeScript backends agree', () => {
  it.each([
    [40, 21],
    [200, 22],
  ])('n=%i: eigenvalues to 1e-10·‖A‖ and eigenvectors up to sign', (n, seed) => {
    const a = randomSymmetric(n, seed);
    const l = symEigh(a, n, { backend: 'lapack' });
    const t = symEigh(a, n, { backend: 'typescript' });
    const scale = Math.max(Math.abs(l.values[0]), Math.abs(l.values[n - 1]));
    for (let i = 0; i < n; i++) expect(Math.abs(l.values[i] - t.values[i])).toBeLessThan(1e-10 * scale);
    // Random matrices have well-separated eigenvalues, so each eigenvector is unique up to sign.
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let k = 0; k < n; k++) dot += l.vectorRows[j * n + k] * t.vectorRows[j * n + k];
      expect(Math.abs(Math.abs(dot) - 1)).toBeLessThan(1e-9);
    }
  });
});

describe('symEigh input checks', () => {
  it('rejects a non-symmetric matrix', () => {
    expect(() => symEigh(Float64Array.of(1, 2, 0, 1), 2)).toThrow(
      expect.objectContaining({
        code: 'BAD_USER_INPUT',
        message: 'symEigh: matrix is not symmetric (max |a_ij − a_ji| = 2 against max |a_ij| = 2)',
        details: { maxAsymmetry: 2, maxAbs: 2 },
      }),
    );
  });

  it('rejects a wrong length and non-finite entries', () => {
    expect(() => symEigh(new Float64Array(5), 2)).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { n: 2, length: 5 } }),
    );
    expect(() => symEigh(Float64Array.of(1, Number.NaN, Number.NaN, 1), 2)).toThrow(
      expect.objectContaining({
        code: 'DEGENERATE_INPUT',
        message: 'symEigh: matrix entry (0, 1) is NaN; eigenvalues need finite entries',
        details: { row: 0, col: 1 },
      }),
    );
  });

  it('CORTEXQL_EIGH=typescript forces the fallback', () => {
    const saved = process.env.CORTEXQL_EIGH;
    process.env.CORTEXQL_EIGH = 'typescript';
    try {
      expect(defaultEighBackend()).toBe('typescript');
      expect(symEigh(Float64Array.of(2, 0, 0, 1), 2).backend).toBe('typescript');
    } finally {
      if (saved === undefined) delete process.env.CORTEXQL_EIGH;
      else process.env.CORTEXQL_EIGH = saved;
    }
  });
});
