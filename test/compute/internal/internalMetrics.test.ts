import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GemmEngine } from '../../../compute/linalg/gemm.js';
import {
  effectiveRankOfSingularValues,
  participationRatioOfEigenvalues,
  rowsParticipationRatio,
  rowsSpectrum,
} from '../../../compute/internal/spectrum.js';
import { rowsAnisotropy, rowsMeanNorm } from '../../../compute/internal/anisotropy.js';
import { rowsLinearCKA } from '../../../compute/internal/linearCKA.js';
import { internalMetrics } from '../../../compute/internal/internalMetrics.js';
import { naiveMatmul, normalMatrixF32, normalMatrixF64, randomOrthogonal, seededNormal } from '../testMatrices.js';

let engine: GemmEngine;
beforeAll(async () => {
  engine = await GemmEngine.create({ threads: 2 });
});
afterAll(async () => {
  await engine.release();
});

/** X = U·diag(σ)·Vᵀ with orthonormal U (n×r, columns orthogonal to 1, so X is centred) and V (d×r). */
function withSingularValues(n: number, d: number, sigma: readonly number[], seed: number): Float64Array {
  const r = sigma.length;
  // Columns of an orthogonal n×n matrix whose first column is 1/√n: the others are ⟂ 1.
  const g = seededNormal(seed);
  const basis: Float64Array[] = [Float64Array.from({ length: n }, () => 1 / Math.sqrt(n))];
  while (basis.length < r + 1) {
    const v = Float64Array.from({ length: n }, () => g());
    for (let pass = 0; pass < 2; pass++) {
      for (const b of basis) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += b[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * b[i];
      }
    }
    const norm = Math.hypot(...v);
    basis.push(v.map((t) => t / norm));
  }
  const vMat = randomOrthogonal(d, seed + 1);
  const x = new Float64Array(n * d);
  for (let k = 0; k < r; k++) {
    const u = basis[k + 1];
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) x[i * d + j] += sigma[k] * u[i] * vMat[j * d + k];
  }
  return x;
}

describe('effective rank (Roy & Vetterli 2007) and participation ratio', () => {
  it('closed forms on given spectra', () => {
    expect(effectiveRankOfSingularValues([1, 1, 1, 1, 0, 0])).toBeCloseTo(4, 12);
    expect(effectiveRankOfSingularValues([5])).toBe(1);
    const p = [3 / 6, 2 / 6, 1 / 6];
    expect(effectiveRankOfSingularValues([3, 2, 1])).toBeCloseTo(Math.exp(-p.reduce((a, q) => a + q * Math.log(q), 0)), 12);
    expect(participationRatioOfEigenvalues([4, 1, 1])).toBeCloseTo(2, 12);
    expect(participationRatioOfEigenvalues([2, 2, 2, 0])).toBeCloseTo(3, 12);
  });

  it.each([
    ['tall (XᵀX path)', 60, 12],
    ['wide (XXᵀ path)', 12, 40],
  ])('recover the spectrum of a matrix built with known singular values, %s', async (_name, n, d) => {
    const sigma = [3, 2, 1];
    const x = withSingularValues(n, d, sigma, 31);
    const s = await rowsSpectrum(engine, x, [n, d]);
    expect(Array.from(s.gramEigenvalues.subarray(0, 4)).map((v) => Number(v.toFixed(9)))).toEqual([9, 4, 1, 0]);
    expect(s.effectiveRank).toBeCloseTo(effectiveRankOfSingularValues(sigma), 10);
    // covariance eigenvalues ∝ σ² = [9, 4, 1] → PR = 14² / 98 = 2
    expect(s.participationRatio).toBeCloseTo(2, 10);
    expect(await rowsParticipationRatio(engine, x, [n, d])).toBeCloseTo(2, 10);
  });

  it('centres by default: a common offset does not change the centred spectrum', async () => {
    const x = withSingularValues(30, 6, [2, 1], 41);
    const shifted = x.map((v, i) => v + 100 * ((i % 6) + 1));
    const a = await rowsSpectrum(engine, x, [30, 6]);
    const b = await rowsSpectrum(engine, shifted, [30, 6]);
    expect(b.effectiveRank).toBeCloseTo(a.effectiveRank, 8);
    expect((await rowsSpectrum(engine, shifted, [30, 6], { center: false })).effectiveRank).toBeLessThan(1.01);
  });
});

describe('anisotropy and mean norm', () => {
  it('matches the brute-force mean pairwise cosine over distinct pairs', () => {
    const n = 25;
    const d = 7;
    const x = normalMatrixF64(n, d, 51).map((v, i) => v + (i % d === 0 ? 2 : 0)); // a shared direction
    let sum = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        if (i === j) continue;
        let dot = 0;
        let ni = 0;
        let nj = 0;
        for (let k = 0; k < d; k++) {
          dot += x[i * d + k] * x[j * d + k];
          ni += x[i * d + k] ** 2;
          nj += x[j * d + k] ** 2;
        }
        sum += dot / Math.sqrt(ni * nj);
      }
    }
    expect(rowsAnisotropy(x, [n, d]).meanCosine).toBeCloseTo(sum / (n * (n - 1)), 12);
  });

  it('closed forms: one direction → 1; ±e₁ alternating → −1/3; zero rows are left out', () => {
    expect(rowsAnisotropy(Float32Array.of(1, 0, 2, 0, 5, 0), [3, 2]).meanCosine).toBeCloseTo(1, 12);
    expect(rowsAnisotropy(Float32Array.of(1, 0, -1, 0, 1, 0, -1, 0, 0, 0), [5, 2])).toEqual({
      meanCosine: -1 / 3,
      rows: 4,
      zeroRows: 1,
    });
  });

  it('mean norm', () => {
    expect(rowsMeanNorm(Float32Array.of(3, 4, 0, 0, 6, 8), [3, 2])).toBeCloseTo(5, 12);
  });
});

describe('linear CKA (Kornblith et al. 2019)', () => {
  it.each([
    ['feature-space path (tokens > width)', 80, 10],
    ['sample-space path (tokens < width)', 15, 40],
  ])('CKA(X, XQ) = 1 for orthogonal Q and is invariant to isotropic scaling, %s', async (_name, n, d) => {
    const x = normalMatrixF64(n, d, 61);
    const q = randomOrthogonal(d, 62);
    const xq = naiveMatmul(x, [n, d], q, [d, d]);
    expect(await rowsLinearCKA(engine, x, [n, d], xq, [n, d])).toBeCloseTo(1, 10);
    const y = normalMatrixF64(n, 5, 63);
    const base = await rowsLinearCKA(engine, x, [n, d], y, [n, 5]);
    expect(base).toBeGreaterThan(0);
    expect(base).toBeLessThan(1);
    expect(await rowsLinearCKA(engine, x.map((v) => 3.5 * v), [n, d], y, [n, 5])).toBeCloseTo(base, 12);
    expect(await rowsLinearCKA(engine, y, [n, 5], x, [n, d])).toBeCloseTo(base, 12);
  });

  it('both evaluation paths give the same value', async () => {
    // 20 tokens: widths 6+7 ≤ 20 use features; widths 12+15 > 20 use samples. Compare each to
    // the other path by transposing the roles through a brute-force formula.
    const x = normalMatrixF64(20, 12, 71);
    const y = normalMatrixF64(20, 15, 72);
    const center = (m: Float64Array, w: number): Float64Array => {
      const out = Float64Array.from(m);
      for (let j = 0; j < w; j++) {
        let s = 0;
        for (let i = 0; i < 20; i++) s += out[i * w + j];
        for (let i = 0; i < 20; i++) out[i * w + j] -= s / 20;
      }
      return out;
    };
    const xc = center(x, 12);
    const yc = center(y, 15);
    const f2 = (a: Float64Array): number => a.reduce((s, v) => s + v * v, 0);
    const brute =
      f2(naiveMatmul(yc, [20, 15], xc, [20, 12], true)) /
      Math.sqrt(f2(naiveMatmul(xc, [20, 12], xc, [20, 12], true)) * f2(naiveMatmul(yc, [20, 15], yc, [20, 15], true)));
    expect(await rowsLinearCKA(engine, x, [20, 12], y, [20, 15])).toBeCloseTo(brute, 12);
  });

  it('rejects different token counts', async () => {
    const err = await rowsLinearCKA(engine, new Float32Array(6), [3, 2], new Float32Array(8), [4, 2]).catch((e: unknown) => e);
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      code: 'BAD_USER_INPUT',
      message: 'linear CKA compares the same tokens: the matrices have 3 and 4 rows',
      details: { rows: [3, 4] },
    });
  });
});

describe('internalMetrics', () => {
  it('computes every metric, with CKA against the previous and the final checkpoint', async () => {
    const x = normalMatrixF32(300, 16, 81);
    const prev = normalMatrixF32(300, 16, 82);
    const final = normalMatrixF32(300, 16, 83);
    const m = await internalMetrics(x, [300, 16], { engine, previous: { x: prev, dims: [300, 16] }, final: { x: final, dims: [300, 16] } });
    for (const name of ['twoNN', 'effectiveRank', 'participationRatio', 'anisotropy', 'meanNorm', 'linearCKA', 'linearCKAToFinal'] as const) {
      expect(m[name].reason).toBeNull();
      expect(typeof m[name].value).toBe('number');
    }
    expect(m.linearCKA.value).toBe(await rowsLinearCKA(engine, x, [300, 16], prev, [300, 16]));
    expect(m.linearCKAToFinal.value).toBe(await rowsLinearCKA(engine, x, [300, 16], final, [300, 16]));
    expect(m.linearCKAToFinal.value).not.toBe(m.linearCKA.value);
    expect(m.effectiveRank.value as number).toBeGreaterThan(14); // near-isotropic Gaussian: close to 16
    expect(Math.abs(m.anisotropy.value as number)).toBeLessThan(0.01);
  });

  it('turns undefined metrics into null with the broken rule', async () => {
    const constant = new Float32Array(5 * 3).fill(2);
    const m = await internalMetrics(constant, [5, 3], { engine });
    expect(m).toEqual({
      twoNN: { value: null, reason: 'TwoNN needs at least 3 distinct points, got 1 (of 5 rows)' },
      effectiveRank: { value: null, reason: 'effective rank is undefined for a matrix with no non-zero singular value' },
      participationRatio: { value: null, reason: 'effective rank is undefined for a matrix with no non-zero singular value' },
      anisotropy: { value: 1, reason: null },
      meanNorm: { value: Math.sqrt(12), reason: null },
      linearCKA: { value: null, reason: 'no previous checkpoint to compare with' },
      linearCKAToFinal: { value: null, reason: 'the final checkpoint has no states of this layer' },
      eighBackend: null,
    });
  });
});
