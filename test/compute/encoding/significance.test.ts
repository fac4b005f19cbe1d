import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GemmEngine } from '../../../compute/linalg/gemm.js';
import { bhAdjust, blockPermutations, colBlockPermutationPValues } from '../../../compute/encoding/blockPermutation.js';
import { ccNormalize, colNoiseCeiling } from '../../../compute/encoding/noiseCeiling.js';
import { colPearson } from '../../../compute/encoding/pearson.js';
import { ridgeCV } from '../../../compute/encoding/ridgeCV.js';
import { naiveMatmul, normalMatrixF32, seededNormal } from '../testMatrices.js';

describe('Benjamini–Hochberg', () => {
  it('matches the step-up q-values (as R p.adjust(method = "BH")), nulls kept', () => {
    const q = bhAdjust([0.01, 0.04, 0.03, 0.005, 0.5, null]);
    expect(q.map((v) => (v === null ? null : Number(v.toFixed(12))))).toEqual([0.025, 0.05, 0.05, 0.025, 0.5, null]);
  });
});

describe('block permutation test', () => {
  it('draws reproducible permutations', () => {
    const a = blockPermutations(6, 50, 3);
    expect(a).toEqual(blockPermutations(6, 50, 3));
    for (let k = 0; k < 50; k++) expect(Array.from(a.subarray(k * 6, k * 6 + 6)).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(a).not.toEqual(blockPermutations(6, 50, 4));
  });

  it('equals the brute-force test that permutes prediction blocks and recomputes r', () => {
    const n = 53; // 5 blocks of 10 and a 3-row tail that stays in place
    const cols = 4;
    const g = seededNormal(5);
    const measured = Float32Array.from({ length: n * cols }, () => g());
    const predicted = Float32Array.from(measured, (v, i) => (i % cols) * 0.4 * v + g()); // increasing signal per column
    const perms = blockPermutations(5, 200, 9);
    const fast = colBlockPermutationPValues(predicted, measured, [n, cols], perms, 10);
    const observed = colPearson(predicted, measured, [n, cols]).r as number[];
    const exceed = new Array<number>(cols).fill(0);
    for (let k = 0; k < 200; k++) {
      const shuffled = Float32Array.from(predicted);
      for (let b = 0; b < 5; b++) shuffled.set(predicted.subarray(perms[k * 5 + b] * 10 * cols, (perms[k * 5 + b] + 1) * 10 * cols), b * 10 * cols);
      const r = colPearson(shuffled, measured, [n, cols]).r as number[];
      r.forEach((x, c) => (exceed[c] += x >= observed[c] - 1e-12 ? 1 : 0));
    }
    expect(fast).toEqual(exceed.map((e) => (1 + e) / 201));
  });

  it('equals the brute-force test for voxel counts that are not a multiple of four, an undefined column among them', () => {
    const [n, cols, blocks, length] = [47, 7, 6, 7]; // 6 blocks of 7 and a 5-row tail
    const g = seededNormal(8);
    const measured = Float32Array.from({ length: n * cols }, () => g());
    const predicted = Float32Array.from(measured, (v, i) => (i % cols === 2 ? 1 : (i % cols) * 0.3 * v + g())); // column 2 constant: r undefined
    const perms = blockPermutations(blocks, 300, 2);
    const fast = colBlockPermutationPValues(predicted, measured, [n, cols], perms, length);
    const observed = colPearson(predicted, measured, [n, cols]).r;
    const exceed = new Array<number>(cols).fill(0);
    for (let k = 0; k < 300; k++) {
      const shuffled = Float32Array.from(predicted);
      for (let b = 0; b < blocks; b++) shuffled.set(predicted.subarray(perms[k * blocks + b] * length * cols, (perms[k * blocks + b] + 1) * length * cols), b * length * cols);
      const r = colPearson(shuffled, measured, [n, cols]).r;
      r.forEach((x, c) => (exceed[c] += x !== null && observed[c] !== null && x >= (observed[c] as number) - 1e-12 ? 1 : 0));
    }
    expect(fast).toEqual(observed.map((r, c) => (r === null ? null : (1 + exceed[c]) / 301)));
    expect(fast[2]).toBeNull();
  });

  it('gives null for an undefined r', () => {
    const p = colBlockPermutationPValues(new Float32Array(40).fill(1), normalMatrixF32(40, 1, 2), [40, 1], blockPermutations(4, 10, 1), 10);
    expect(p).toEqual([null]);
  });
});

describe('ridgeCV with a permutation test', () => {
  let engine: GemmEngine;
  beforeAll(async () => {
    engine = await GemmEngine.create({ threads: 2 });
  });
  afterAll(async () => {
    await engine.release();
  });

  it('finds the voxels with signal and not the pure-noise ones', async () => {
    const [nTrain, nTest, p, v] = [200, 100, 8, 12];
    const x = normalMatrixF32(nTrain + nTest, p, 11);
    const w = normalMatrixF32(p, v, 12).map((val, i) => ((i % v) < 6 ? val : 0)); // voxels 6–11: no signal
    const clean = naiveMatmul(x, [nTrain + nTest, p], w, [p, v]);
    const g = seededNormal(13);
    const y = Float32Array.from(clean, (c) => c + g());
    const fit = await ridgeCV(
      { xTrain: x.subarray(0, nTrain * p), xTest: x.subarray(nTrain * p), yTrain: y.subarray(0, nTrain * v), yTest: y.subarray(nTrain * v), nTrain, nTest, features: p, voxels: v },
      { engine, voxelBatch: 5, permutationTest: { permutations: 500, seed: 1 } },
    );
    const q = fit.qValues as number[];
    expect((fit.pValues as number[]).length).toBe(v);
    for (let j = 0; j < 6; j++) expect(q[j]).toBeLessThan(0.05);
    expect(q.slice(6).filter((x) => x < 0.05).length).toBeLessThanOrEqual(1);
  });
});

describe('noise ceiling (Schoppe et al. 2016)', () => {
  it('≈ √(var s / (var s + σ²/R)) for signal plus independent noise', () => {
    const [n, cols, reps] = [4000, 3, 4];
    const sigma = [0.5, 1, 3];
    const s = normalMatrixF32(n, cols, 21);
    const g = seededNormal(22);
    const repeats = Array.from({ length: reps }, () => Float32Array.from(s, (v, i) => v + sigma[i % cols] * g()));
    const { ccMax, nullReasons } = colNoiseCeiling(repeats, [n, cols]);
    expect(nullReasons).toEqual([]);
    sigma.forEach((sd, c) => expect(Math.abs((ccMax[c] as number) - Math.sqrt(1 / (1 + (sd * sd) / reps)))).toBeLessThan(0.02));
  });

  it('is 1 for identical repeats, and null with a reason when repeats share nothing', () => {
    const a = Float32Array.of(1, 1, -1, 1, 1, -1, -1, -1); // columns [1,-1,1,-1] and [1,1,-1,-1]
    const b = Float32Array.of(1, 1, 1, -1, -1, 1, -1, -1); // the same columns swapped: uncorrelated with a's
    expect(colNoiseCeiling([a, a], [4, 2]).ccMax).toEqual([1, 1]);
    const neg = Float32Array.from(a, (v) => -v);
    const message = 'the repeated presentations share no signal (signal power ≤ 0)';
    expect(colNoiseCeiling([a, b], [4, 2])).toEqual({
      ccMax: [null, null],
      nullReasons: [
        { column: 0, reason: 'NO_REPEATABLE_SIGNAL', message },
        { column: 1, reason: 'NO_REPEATABLE_SIGNAL', message },
      ],
    });
    expect(colNoiseCeiling([a, neg], [4, 2]).nullReasons.map((r) => r.reason)).toEqual(['CONSTANT_MEASURED', 'CONSTANT_MEASURED']);
  });

  it('normalises r by the ceiling and rejects a single presentation', () => {
    expect(ccNormalize([0.3, null, 0.2], [0.6, 0.5, null])).toEqual([0.5, null, null]);
    expect(() => colNoiseCeiling([new Float32Array(4)], [2, 2])).toThrow(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { problems: ['a noise ceiling needs at least 2 repeated presentations, got 1'] } }),
    );
  });
});
