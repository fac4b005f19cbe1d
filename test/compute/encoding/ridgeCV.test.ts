import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GemmEngine } from '../../../compute/linalg/gemm.js';
import { lapackStatus } from '../../../compute/linalg/eighLapack.js';
import { logAlphaGrid } from '../../../compute/encoding/cvFolds.js';
import { ridgeCV } from '../../../compute/encoding/ridgeCV.js';
import type { RidgeCVData } from '../../../compute/encoding/ridgeCV.js';
import { maxAbsDiff, naiveMatmul, normalMatrixF32, seededNormal } from '../testMatrices.js';
import { itWith, requirement } from '../../helpers/requirements.js';

let engine: GemmEngine;
beforeAll(async () => {
  engine = await GemmEngine.create({ threads: 2 });
});
afterAll(async () => {
  await engine.release();
});

/** Y = X·W (+ noise), train and test drawn from the same Gaussian design. */
function linearData(nTrain: number, nTest: number, p: number, v: number, noise: number, seed: number): { data: RidgeCVData; w: Float32Array } {
  const x = normalMatrixF32(nTrain + nTest, p, seed);
  const w = normalMatrixF32(p, v, seed + 1);
  const clean = naiveMatmul(x, [nTrain + nTest, p], w, [p, v]);
  const g = seededNormal(seed + 2);
  const y = Float32Array.from(clean, (c) => c + noise * g());
  return {
    w,
    data: {
      xTrain: x.subarray(0, nTrain * p),
      xTest: x.subarray(nTrain * p),
      yTrain: y.subarray(0, nTrain * v),
      yTest: y.subarray(nTrain * v),
      nTrain,
      nTest,
      features: p,
      voxels: v,
    },
  };
}

/** Ordinary least squares (XᵀX)⁻¹XᵀY in float64 by Gauss–Jordan elimination, p×v. */
function leastSquares(x: Float32Array, y: Float32Array, n: number, p: number, v: number): Float64Array {
  const a = naiveMatmul(x, [n, p], x, [n, p], true, false);
  const b = naiveMatmul(x, [n, p], y, [n, v], true, false);
  for (let c = 0; c < p; c++) {
    let pivot = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r * p + c]) > Math.abs(a[pivot * p + c])) pivot = r;
    for (let j = 0; j < p; j++) [a[c * p + j], a[pivot * p + j]] = [a[pivot * p + j], a[c * p + j]];
    for (let j = 0; j < v; j++) [b[c * v + j], b[pivot * v + j]] = [b[pivot * v + j], b[c * v + j]];
    for (let r = 0; r < p; r++) {
      if (r === c) continue;
      const f = a[r * p + c] / a[c * p + c];
      for (let j = 0; j < p; j++) a[r * p + j] -= f * a[c * p + j];
      for (let j = 0; j < v; j++) b[r * v + j] -= f * b[c * v + j];
    }
  }
  for (let r = 0; r < p; r++) for (let j = 0; j < v; j++) b[r * v + j] /= a[r * p + r];
  return b;
}

describe('ridgeCV on analytic cases', () => {
  it('noise-free linear data: r ≈ 1 on every voxel and the weights are recovered', async () => {
    const { data, w } = linearData(150, 40, 12, 30, 0, 101);
    const fit = await ridgeCV(data, { alphas: logAlphaGrid(1e-6, 1e2, 9), engine, returnWeights: true });
    expect(fit.nullReasons).toEqual([]);
    for (const r of fit.r) expect(r as number).toBeGreaterThan(1 - 1e-6);
    // With no noise the least-penalised models predict best (the smallest αs tie at float32
    // rounding), so CV picks a negligible penalty.
    for (const a of fit.alpha) expect(a).toBeLessThanOrEqual(1e-3);
    expect(maxAbsDiff(fit.weights as Float32Array, w)).toBeLessThan(1e-4);
  });

  it('alpha → 0 equals ordinary least squares', async () => {
    const { data } = linearData(200, 30, 15, 8, 0.5, 202);
    const fit = await ridgeCV(data, { alphas: [1e-9], engine, returnWeights: true });
    const ols = leastSquares(data.xTrain, data.yTrain, 200, 15, 8);
    const scale = Math.max(...Array.from(ols, Math.abs));
    expect(maxAbsDiff(fit.weights as Float32Array, ols) / scale).toBeLessThan(1e-4);
  });

  it('a constant test voxel, an all-zero training voxel and a NaN voxel are null with reasons; the others are unaffected', async () => {
    const { data } = linearData(120, 30, 10, 6, 0.3, 303);
    const yTrain = Float32Array.from(data.yTrain);
    const yTest = Float32Array.from(data.yTest);
    for (let t = 0; t < 30; t++) yTest[t * 6 + 1] = 2.5; // voxel 1: constant on the test run
    for (let t = 0; t < 120; t++) yTrain[t * 6 + 3] = 0; // voxel 3: silent in training → zero weights
    yTest[7 * 6 + 4] = Number.NaN; // voxel 4: a NaN on the test run
    const clean = await ridgeCV(data, { engine });
    const fit = await ridgeCV({ ...data, yTrain, yTest }, { engine });
    expect(fit.nullReasons).toEqual([
      { column: 1, reason: 'CONSTANT_MEASURED', message: 'the measured response has zero variance over the evaluated rows' },
      { column: 3, reason: 'CONSTANT_PREDICTED', message: 'the prediction has zero variance over the evaluated rows (e.g. all-zero weights)' },
      { column: 4, reason: 'NON_FINITE', message: 'a value in the column is NaN or infinite' },
    ]);
    expect([fit.r[1], fit.r[3], fit.r[4]]).toEqual([null, null, null]);
    for (const v of [0, 2, 5]) expect(fit.r[v]).toBeCloseTo(clean.r[v] as number, 6);
    expect(fit.r.some((r) => typeof r === 'number' && Number.isNaN(r))).toBe(false);
  });

  it('gives the same answer whatever the voxel batch size', async () => {
    const { data } = linearData(100, 25, 20, 23, 1, 404);
    const whole = await ridgeCV(data, { engine });
    for (const voxelBatch of [1, 7]) {
      const batched = await ridgeCV(data, { engine, voxelBatch });
      expect(Array.from(batched.alphaIndex)).toEqual(Array.from(whole.alphaIndex));
      expect(maxAbsDiff(batched.r as number[], whole.r as number[])).toBeLessThan(1e-6);
      expect(batched.provenance.voxelBatch).toBe(voxelBatch);
    }
  });

  it('dual (kernel) form for n < p predicts like the primal form on the same problem', async () => {
    // p = 60 > n_S = 40: dual. The same data padded to the primal regime is not comparable,
    // so compare with the primal solution computed from the explicit normal equations.
    const { data } = linearData(50, 20, 60, 5, 0.5, 505);
    const fit = await ridgeCV(data, { alphas: [10], engine, returnWeights: true });
    expect(fit.provenance.form).toBe('dual');
    // Ridge weights solve (XᵀX + αI)W = XᵀY; check the residual of that system.
    const w = fit.weights as Float32Array;
    const gram = naiveMatmul(data.xTrain, [50, 60], data.xTrain, [50, 60], true, false);
    for (let i = 0; i < 60; i++) gram[i * 60 + i] += 10;
    const lhs = naiveMatmul(gram, [60, 60], w, [60, 5]);
    const rhs = naiveMatmul(data.xTrain, [50, 60], data.yTrain, [50, 5], true, false);
    const scale = Math.max(...Array.from(rhs, Math.abs));
    expect(maxAbsDiff(lhs, rhs) / scale).toBeLessThan(1e-4);
  });

  itWith(requirement(lapackStatus().available, 'a LAPACK library (apt-get install liblapack3 or libopenblas0)'), 'LAPACK and TypeScript eigensolvers give the same fit', async () => {
    const { data } = linearData(120, 30, 25, 10, 1, 606);
    const a = await ridgeCV(data, { engine, eighBackend: 'lapack' });
    const b = await ridgeCV(data, { engine, eighBackend: 'typescript' });
    expect([a.provenance.eighBackend, b.provenance.eighBackend]).toEqual(['lapack', 'typescript']);
    expect(Array.from(a.alphaIndex)).toEqual(Array.from(b.alphaIndex));
    expect(maxAbsDiff(a.r as number[], b.r as number[])).toBeLessThan(1e-5);
  });

  it('records provenance', async () => {
    const { data } = linearData(60, 20, 5, 3, 1, 707);
    const fit = await ridgeCV(data, { engine, folds: 3, cvMetric: 'r', alphas: [1, 10] });
    expect(fit.provenance).toMatchObject({
      form: 'primal',
      gemmProvider: 'cpu',
      gemmThreads: 2,
      alphas: [1, 10],
      folds: 3,
      cvMetric: 'r',
    });
    expect(fit.provenance.gemmFlops).toBeGreaterThan(0);
  });

  it('reports every input problem at once', async () => {
    const err = await ridgeCV(
      {
        xTrain: new Float32Array(10),
        yTrain: new Float32Array(9),
        xTest: new Float32Array(2),
        yTest: new Float32Array(1),
        nTrain: 5,
        nTest: 1,
        features: 2,
        voxels: 2,
      },
      { alphas: [1, -1], engine },
    ).catch((e: unknown) => e);
    const problems = [
      'yTrain has 9 elements, expected 10',
      'yTest has 1 elements, expected 2',
      'a test correlation needs at least 2 test TRs, got 1',
      'alphas must be positive finite numbers, got [1, -1]',
    ];
    expect(JSON.parse(JSON.stringify(err))).toEqual({
      code: 'BAD_USER_INPUT',
      message: `ridgeCV: ${problems.join('; ')}`,
      details: { problems },
    });
  });
});
